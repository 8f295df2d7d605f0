"""A page of the request list (and of the user list) takes a fixed number of SQL
statements whatever its size: users, titles and seasons come in the page's query, the
request counts in one grouped query."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from core import listing
from core.domain import RequestStatus
from core.listing_repositories import RequestQuery, UserQuery
from core.media import MediaType
from tests.api_world import ApiWorld


@contextmanager
def statements(world: ApiWorld) -> Iterator[list[str]]:
    """The SQL statements run on the world's engine meanwhile."""
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        seen.append(sql)

    engine = world.storage.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


async def statements_by_size(
    world: ApiWorld, listed: Callable[[int], Awaitable[int]]
) -> dict[int, int]:
    """How many statements a page of 1 and of 50 take (``listed(take)`` lists one and
    says how long it was)."""
    counts = {}
    for take in (1, 50):
        with statements(world) as seen:
            assert await listed(take) == take
        counts[take] = len(seen)
    return counts


async def test_a_page_of_requests_takes_the_same_statements_for_1_or_50(
    api_world: ApiWorld,
) -> None:
    people = [api_world.alice, api_world.bob, api_world.admin]
    for n in range(60):
        kind = MediaType.TV if n % 2 else MediaType.MOVIE
        seasons = (1, 2) if kind is MediaType.TV else ()
        await api_world.seed(people[n % 3], 500 + n, kind, seasons=seasons)
    async with api_world.services.uow() as uow:
        for request_id in range(1, 61, 3):
            await uow.requests.set_status(
                request_id, RequestStatus.APPROVED, api_world.clock.now(), modified_by_id=2
            )
        await uow.commit()

    async def listed(take: int) -> int:
        page = await listing.list_requests(api_world.services, 1, RequestQuery(limit=take))
        return len(page.requests)

    # the actor, the page, its total, the request counts of its users
    assert await statements_by_size(api_world, listed) == {1: 4, 50: 4}
    with statements(api_world) as seen:
        answer = await api_world.get("/request", take=50)
    assert len(answer.json()["results"]) == 50
    assert len(seen) == 5  # the acting user, then the four of the page


async def test_a_page_of_users_takes_the_same_statements_for_1_or_50(
    api_world: ApiWorld,
) -> None:
    for n in range(55):
        await api_world.user(f"user{n}")

    async def listed(take: int) -> int:
        page = await listing.list_users(api_world.services, 1, UserQuery(limit=take))
        return len(page.users)

    assert await statements_by_size(api_world, listed) == {1: 4, 50: 4}
