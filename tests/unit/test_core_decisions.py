"""The decisions a request's card offers: a pure rule, no chat and no database."""

from __future__ import annotations

import pytest

from core.decisions import Decision, open_decisions
from core.events import EventKind


@pytest.mark.parametrize(
    ("kind", "offered"),
    [
        (EventKind.PENDING, (Decision.APPROVE, Decision.DECLINE)),
        (EventKind.FAILED, (Decision.RETRY,)),
        (EventKind.AUTO_APPROVED, ()),
        (EventKind.APPROVED, ()),
        (EventKind.DECLINED, ()),
        (EventKind.AVAILABLE, ()),
        (EventKind.CANCELLED, ()),
    ],
)
def test_a_card_offers_a_decision_only_while_one_is_open(
    kind: EventKind, offered: tuple[Decision, ...]
) -> None:
    assert open_decisions(kind) == offered
