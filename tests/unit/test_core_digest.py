"""core.digest: which requests an admin chat's next digest holds, and what a posted one
shows now, on the fakes of every port."""

from __future__ import annotations

import pytest

from core import chat, requests
from core.digest import DIGEST, KEPT, digest_posted, next_digest, posted_digest
from core.media import MediaType
from tests.core_fixtures import MANAGER, World


@pytest.fixture
def world() -> World:
    return World()


async def ask(world: World, user_id: int, *titles: str) -> list[int]:
    made = []
    for title in titles:
        tmdb_id = world.movie(title)
        result = await requests.create_request(world.services, user_id, tmdb_id, MediaType.MOVIE)
        assert result.request is not None
        made.append(result.request.id)
    return made


async def test_the_next_digest_holds_what_became_pending_since_the_last_one(world: World) -> None:
    alice, boss = world.user("alice"), world.user("boss", MANAGER)
    assert await next_digest(world.services, "telegram", "-100", 10) is None

    first, second, third = await ask(world, alice.id, "Alien", "Aliens", "Alien 3")
    await requests.decline_request(world.services, boss.id, second)
    digest = await next_digest(world.services, "telegram", "-100", 1)
    assert digest is not None
    assert [r.id for r in digest.requests] == [first]
    assert (digest.more, digest.up_to, digest.at) == (1, third, world.clock.now())

    # Not posted (the chat was down): the next turn holds the same.
    assert await next_digest(world.services, "telegram", "-100", 1) == digest
    await digest_posted(world.services, "telegram", "-100", "77", digest)
    assert await next_digest(world.services, "telegram", "-100", 10) is None
    assert await next_digest(world.services, "discord", "-100", 10) is not None  # its own mark
    assert await next_digest(world.services, "telegram", "-200", 10) is not None

    (fourth,) = await ask(world, alice.id, "Prometheus")
    later = await next_digest(world.services, "telegram", "-100", 10)
    assert later is not None
    assert [r.id for r in later.requests] == [fourth]


async def test_an_older_digest_posted_late_does_not_move_the_mark_back(world: World) -> None:
    alice = world.user("alice")
    await ask(world, alice.id, "Alien")
    older = await next_digest(world.services, "telegram", "-100", 10)
    await ask(world, alice.id, "Aliens")
    newer = await next_digest(world.services, "telegram", "-100", 10)
    assert older is not None
    assert newer is not None

    await digest_posted(world.services, "telegram", "-100", "2", newer)
    await digest_posted(world.services, "telegram", "-100", "1", older)
    assert await next_digest(world.services, "telegram", "-100", 10) is None


async def test_a_posted_digest_shows_its_requests_as_they_are_now(world: World) -> None:
    alice, boss = world.user("alice"), world.user("boss", MANAGER)
    first, second = await ask(world, alice.id, "Alien", "Aliens")
    digest = await next_digest(world.services, "telegram", "-100", 10)
    assert digest is not None
    await digest_posted(world.services, "telegram", "-100", "77", digest)
    posts = await chat.posts_for(world.services, first, "telegram")
    assert [(p.chat_id, p.message_id, p.kind) for p in posts] == [("-100", "77", DIGEST)]

    await requests.approve_request(world.services, boss.id, first)
    await requests.cancel_request(world.services, alice.id, second)
    posted = await posted_digest(world.services, "telegram", "-100", "77")
    assert posted is not None
    assert (posted.more, posted.at) == (0, digest.at)
    approved, withdrawn = posted.entries
    assert approved.request is not None
    assert approved.request.modified_by == boss
    assert (withdrawn.request_id, withdrawn.label, withdrawn.request) == (
        second,
        "Aliens (1979)",
        None,
    )

    assert await posted_digest(world.services, "telegram", "-100", "78") is None
    world.clock.advance(KEPT)
    assert await posted_digest(world.services, "telegram", "-100", "77") is None


async def test_an_unreadable_mark_holds_every_pending_request_again(world: World) -> None:
    alice = world.user("alice")
    await ask(world, alice.id, "Alien")

    async with world.uow() as uow:
        await uow.settings.set("digest:telegram:-100", "not a number", world.clock.now())
        await uow.commit()
    digest = await next_digest(world.services, "telegram", "-100", 10)
    assert digest is not None
    assert len(digest.requests) == 1
