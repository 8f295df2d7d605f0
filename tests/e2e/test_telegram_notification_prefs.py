"""/notifications on Telegram end to end: a user's switches, honoured by the outbox, and a
manager's approval cards in private as well as in the admin chat."""

from __future__ import annotations

from core import availability, requests
from core.domain import RequestStatus
from core.events import DeliveryStatus
from core.media import MediaType
from core.preferences import TURNED_OFF
from tests.telegram_world import (
    ADMIN_CHAT,
    ALICE,
    BOB,
    BOSS,
    MOD,
    TelegramWorld,
    has,
    labels,
    text_of,
)

REPORTER_SWITCHES = ["✅ Issue comments", "✅ Issues resolved", "✅ Issues reopened"]


async def attempts_for(bot: TelegramWorld, user_id: int) -> list[tuple[str, str, str | None]]:
    """(event kind, status, error) of every delivery attempt to a user, oldest first."""
    found = []
    async with bot.services.uow(write=False) as uow:
        for event_id, kind in enumerate(await bot.event_kinds(), start=1):
            for a in await uow.events.attempts(event_id):
                if a.recipient_id == user_id and a.notifier == "telegram":
                    found.append((str(kind), str(a.status), a.error))
    return found


async def test_a_user_turns_approved_off_and_hears_only_of_availability(
    bot: TelegramWorld,
) -> None:
    menu = await bot.say(ALICE, "/notifications", "Your notifications")
    assert labels(menu) == [
        "✅ Approved",
        "✅ Declined",
        "✅ Failed",
        "✅ Available",
        *REPORTER_SWITCHES,  # new users report problems (CREATE_ISSUES)
    ]
    await bot.press(ALICE, menu, "✅ Approved")
    menu = await bot.changed(menu, lambda m: "❌ Approved" in labels(m))
    assert labels(menu)[1:] == ["✅ Declined", "✅ Failed", "✅ Available", *REPORTER_SWITCHES]

    await bot.request_movie(ALICE, "matrix")
    admin_card = await bot.tg.wait_for_message(ADMIN_CHAT, has("New Movie Request"))
    await bot.press(BOSS, admin_card, "✅ Approve")
    await bot.changed(admin_card, "Approved by Boss")
    await bot.settled()
    assert not [m for m in bot.tg.messages(ALICE) if "Request Approved" in text_of(m)]
    alice = await bot.user_id(ALICE)
    assert ("approved", str(DeliveryStatus.SKIPPED), TURNED_OFF) in await attempts_for(bot, alice)

    await availability.mark_available(bot.services, 603, MediaType.MOVIE)
    told = await bot.tg.wait_for_message(ALICE, has("Movie Now Available"))
    assert "The Matrix" in text_of(told)
    [request] = await bot.requests()
    assert request.status is RequestStatus.COMPLETED


async def test_switches_answer_only_their_owner_and_only_as_they_are(bot: TelegramWorld) -> None:
    menu = await bot.say(ALICE, "/notifications", "Your notifications")
    # Bob pressing data made for Alice, and Alice pressing a manager's switch she has not.
    for who, data, words in (
        (BOB, f"nf:{ALICE}:t4", "someone else's"),
        (ALICE, f"nf:{ALICE}:t2", "no longer works"),
        (ALICE, f"nf:{ALICE}:pc", "no longer works"),
    ):
        answer = await bot.answer_to(bot.tg.press(who, menu, data))
        assert words in answer.text
    await bot.say(ALICE, "/notifications", lambda m: labels(m)[0] == "✅ Approved")


async def test_a_manager_gets_cards_in_private_too_and_a_decision_edits_both(
    bot: TelegramWorld,
) -> None:
    await bot.make(MOD, "moderator", "Mo")
    menu = await bot.say(MOD, "/notifications", "Your notifications")
    assert labels(menu)[:2] == ["✅ New requests", "✅ Approved automatically"]
    assert labels(menu)[-1] == "❌ Approval cards in private too"
    await bot.press(MOD, menu, "❌ Approval cards in private too")
    await bot.changed(menu, lambda m: labels(m)[-1] == "✅ Approval cards in private too")

    alice = await bot.user_id(ALICE, "Alice")
    created = await requests.create_request(bot.services, alice, 603, MediaType.MOVIE)
    assert created.request is not None
    admin_card = await bot.tg.wait_for_message(ADMIN_CHAT, has("New Movie Request"))
    private_card = await bot.tg.wait_for_message(MOD, has("New Movie Request"))
    assert labels(private_card) == labels(admin_card) == ["✅ Approve", "❌ Decline"]
    await bot.settled()
    assert not [m for m in bot.tg.messages(BOSS) if "New Movie Request" in text_of(m)]

    await bot.press(MOD, private_card, "✅ Approve")
    await bot.changed(private_card, "Approved by Mo")
    await bot.changed(admin_card, "Approved by Mo")
    await bot.settled()
    assert bot.tg.errors == []
