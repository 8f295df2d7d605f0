"""The decisions a request's card offers: a pure rule, no chat and no database."""

from __future__ import annotations

import pytest

from core.decisions import Decision, open_decisions
from core.events import EventKind

OPEN = {
    EventKind.PENDING: (Decision.APPROVE, Decision.DECLINE),
    EventKind.FAILED: (Decision.RETRY,),
}


@pytest.mark.parametrize("kind", list(EventKind))
def test_a_card_offers_a_decision_only_while_one_is_open(kind: EventKind) -> None:
    assert open_decisions(kind) == OPEN.get(kind, ())  # every kind, new ones included
