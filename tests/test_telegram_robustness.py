"""The Telegram adapter under pressure: who may press what, races, 429s, restarts, forged
buttons, a slow or broken TMDb, blocked users and Telegram's size limits."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from core import requests
from core.domain import EventKind, MediaType, RequestStatus
from tests.fake_telegram import FakeTelegram
from tests.fake_tmdb import FakeTmdb
from tests.telegram_world import (
    ADMIN_CHAT,
    ALICE,
    BOB,
    BOSS,
    CAROL,
    MOD,
    TelegramWorld,
    has,
    labels,
    running,
    text_of,
)


@pytest.fixture
async def world(
    fake_telegram: FakeTelegram, fake_tmdb: FakeTmdb, tmp_path: Path
) -> AsyncIterator[TelegramWorld]:
    async with running(TelegramWorld(fake_telegram, fake_tmdb, tmp_path)) as started:
        yield started


async def request_movie(world: TelegramWorld, user: int, title: str) -> None:
    card = await world.say(user, f"/movie {title}", "Not requested")
    await world.press(user, card, "Request")
    await world.changed(card, "awaits approval")


async def admin_card(world: TelegramWorld, title: str) -> object:
    return await world.tg.wait_for_message(ADMIN_CHAT, has(title))


async def test_someone_without_manage_requests_pressing_approve_changes_nothing(
    world: TelegramWorld,
) -> None:
    await request_movie(world, ALICE, "inception")
    card = await world.tg.wait_for_message(ADMIN_CHAT, has("New Movie Request"))

    query = world.tg.press_button(CAROL, card, "✅ Approve")
    answer = await world.answer_to(query)

    assert answer.show_alert
    assert answer.text == "You are not allowed to approve requests."
    assert [r.status for r in await world.requests()] == [RequestStatus.PENDING]
    assert labels(world.tg.message(ADMIN_CHAT, card.message_id)) == ["✅ Approve", "❌ Decline"]
    assert world.tg.messages(ADMIN_CHAT) == [world.tg.message(ADMIN_CHAT, card.message_id)]


@pytest.mark.parametrize("presses", [2, 4])
async def test_managers_pressing_approve_at_once_approve_once_and_the_rest_hear_who_did(
    world: TelegramWorld, presses: int
) -> None:
    managers = [BOSS, MOD, BOB, CAROL][:presses]
    for manager in managers[1:]:
        await world.make(manager, "moderator")
    await request_movie(world, ALICE, "inception")
    card = await world.tg.wait_for_message(ADMIN_CHAT, has("New Movie Request"))

    queries = [world.tg.press_button(m, card, "✅ Approve") for m in managers]
    answers = [await world.answer_to(q) for q in queries]

    [request] = await world.requests()
    assert request.status is RequestStatus.APPROVED
    assert request.modified_by is not None
    winner = request.modified_by.display_name
    assert sorted(a.text for a in answers if not a.show_alert) == ["Approved: Inception (2010)."]
    losers = [a.text for a in answers if a.show_alert]
    assert len(losers) == presses - 1
    assert all(text.startswith(f"Request #1 is already approved (by {winner},") for text in losers)
    assert (await world.event_kinds()).count(EventKind.APPROVED) == 1
    await world.changed(card, f"Approved by {winner}")
    told = await world.tg.wait_for_message(ALICE, has("Movie Request Approved"))
    assert f"approved by {winner}" in text_of(told)


async def test_a_notification_burst_through_429s_loses_nothing_and_waits_retry_after(
    world: TelegramWorld,
) -> None:
    people = list(range(2001, 2009))
    boss = await world.user_id(BOSS, "Boss")
    movies = [603, 604, 605, 550, 27205, 129, 447404, 35]
    pending = []
    for person, movie in zip(people, movies, strict=True):
        world.tg.add_user(person, f"Viewer {person}")
        user = await world.user_id(person, f"Viewer {person}")
        created = await requests.create_request(world.services, user, movie, MediaType.MOVIE)
        assert created.request is not None
        pending.append(created.request.id)
    await world.tg.wait_for(lambda: len(world.tg.messages(ADMIN_CHAT)) == len(people))
    for person in people[1:4]:  # one 429 each: the rate limiter waits and retries
        world.tg.rate_limit(times=1, retry_after=1, chat_id=person)
    world.tg.rate_limit(times=3, retry_after=1, chat_id=people[0])  # the outbox retries

    for request_id in pending:
        await requests.approve_request(world.services, boss, request_id)

    for person in people:
        await world.tg.wait_for_message(person, has("Movie Request Approved"), timeout=20)
    await world.settled()
    for person in people:
        told = [m for m in world.tg.messages(person) if "Approved" in text_of(m)]
        assert len(told) == 1, f"user {person} was told {len(told)} times"
    limited = [c for c in world.tg.calls if c.status == 429]
    assert len(limited) == 6
    for refused in limited:
        chat = refused.params["chat_id"]
        later = [
            c.at for c in world.tg.calls if c.params.get("chat_id") == chat and c.at > refused.at
        ]
        assert later, f"nothing was sent to chat {chat} after its 429"
        assert min(later) - refused.at >= 0.95  # retry_after is 1 s
    assert world.tg.flood_violations == []
