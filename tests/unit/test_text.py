"""The words of adapters/text.py that both chats and the console share."""

from __future__ import annotations

from datetime import UTC, datetime

from adapters.discord import render as discord_render
from adapters.telegram import render as telegram_render
from adapters.text import card_outcome, event_summary, event_title, what_happened
from core.chat import Asked
from core.domain import CreateResult, MediaRequest, RequestStatus
from core.events import Audience, Event, EventKind, EventPayload, Notification
from core.identity import User
from core.media import Media, MediaType
from core.permissions import Permission

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
ALICE = User(1, "Alice", Permission.REQUEST)
BOSS = User(2, "Boss", Permission.MANAGE_REQUESTS)
PAYLOAD = EventPayload(
    request_id=7,
    media_type=MediaType.MOVIE,
    tmdb_id=348,
    title="Alien",
    year=1979,
    poster_path=None,
    overview="",
    is_4k=False,
    seasons=(),
    requested_by_id=ALICE.id,
    requested_by_name=ALICE.display_name,
    actor_id=BOSS.id,
    actor_name=BOSS.display_name,
    status=RequestStatus.APPROVED,
)


def told(kind: EventKind, recipient: User, audience: Audience) -> str:
    note = Notification(Event(1, kind, PAYLOAD, NOW), recipient, audience)
    return what_happened(note, esc=str, reason=str)


def outcome(kind: EventKind) -> str:
    return card_outcome(kind, PAYLOAD, esc=str, shorten=str)


def test_a_retry_is_told_as_a_request_sent_again() -> None:
    assert told(EventKind.RETRIED, ALICE, Audience.REQUESTER) == (
        "Your request is being sent again by Boss."
    )
    assert told(EventKind.RETRIED, BOSS, Audience.WATCHER) == (
        "The request by Alice is being sent again by Boss."
    )
    assert outcome(EventKind.RETRIED) == "🔁 Sent again by Boss"
    assert event_summary(EventKind.RETRIED, PAYLOAD) == (
        "Alien (1979) was approved by Boss and is being sent again."
    )


def test_a_retry_has_seerrs_title_of_an_approval() -> None:
    assert event_title(EventKind.RETRIED, MediaType.MOVIE) == "Movie Request Approved"
    assert event_title(EventKind.RETRIED, MediaType.TV) == "Series Request Approved"


def test_an_approval_says_nothing_of_sending_again() -> None:
    assert told(EventKind.APPROVED, ALICE, Audience.REQUESTER) == (
        "Your request was approved by Boss. I'll tell you when it's ready to watch."
    )
    assert outcome(EventKind.APPROVED) == "✅ Approved by Boss"
    assert event_summary(EventKind.APPROVED, PAYLOAD) == "Alien (1979) was approved by Boss."


def test_both_chats_tell_what_a_request_came_to_in_the_same_words_with_their_own_marks() -> None:
    alien = Media(1, 348, MediaType.MOVIE, "Alien <*Cut*>", 1979, None)
    mine = MediaRequest(7, alien, RequestStatus.PENDING, ALICE, NOW, NOW)
    again = Asked(CreateResult(None, False, existing=(mine,)), again=(mine,))
    here = Asked(CreateResult(None, False, already_available=True))

    assert telegram_render.outcome_of(again) == (
        "✅ You asked for this already: #7 Alien &lt;*Cut*&gt; (1979) · pending approval."
    )
    assert discord_render.outcome_of(again) == (
        "✅ You asked for this already: \\#7 Alien <\\*Cut\\*> (1979) · pending approval."
    )
    assert telegram_render.outcome_of(here) == "🟣 Already available on the server. Enjoy!"
    assert discord_render.outcome_of(here) == "🟢 Already available on the server. Enjoy!"
