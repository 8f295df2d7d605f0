"""What a request's card shows when its events arrive (adapters/cards.py)."""

from __future__ import annotations

from adapters.cards import as_it_is_now
from core.events import Event, EventKind
from core.requests import approve_request, create_request, fail_request, retry_request
from tests.core_fixtures import MANAGER, MOVIE, World


async def approved_failed_retried(world: World) -> list[Event]:
    """A request approved, failed and retried by a manager: those three events."""
    alice, boss = world.user("alice"), world.user("boss", MANAGER)
    created = await create_request(world.services, alice.id, world.movie(), MOVIE)
    assert created.request is not None
    await approve_request(world.services, boss.id, created.request.id)
    await fail_request(world.services, created.request.id, "Radarr answered 503")
    await retry_request(world.services, boss.id, created.request.id)
    return world.events()[-3:]


async def test_a_retried_requests_card_shows_the_retry_while_it_is_approved() -> None:
    world = World()
    *_, retried = await approved_failed_retried(world)

    shown = await as_it_is_now(world.services, retried.payload, retried.kind)

    assert shown == (retried.payload, EventKind.RETRIED)


async def test_an_older_event_shows_the_request_as_it_is_now() -> None:
    world = World()
    _, failed, _ = await approved_failed_retried(world)

    payload, kind = await as_it_is_now(world.services, failed.payload, failed.kind)

    assert kind is EventKind.APPROVED
    assert (payload.actor_name, payload.reason) == ("boss", None)
