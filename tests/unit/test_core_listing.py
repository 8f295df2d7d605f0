"""What the REST API lists, on the fakes: who sees whose requests and users, who the key
acts as, the titles' mediaInfo, and forgetting where a title stands."""

from __future__ import annotations

import pytest

from core import availability, listing
from core.acting import api_actor
from core.domain import RequestStatus
from core.errors import InvalidInput, NotFound, PermissionDenied
from core.listing_repositories import RequestQuery, UserQuery
from core.media import MediaStatus
from core.permissions import Permission
from core.requests import approve_request, create_request
from tests.core_fixtures import MANAGER, MOVIE, TV, World


@pytest.fixture
def world() -> World:
    return World()


async def test_a_user_without_view_rights_lists_only_their_own_requests(world: World) -> None:
    alice, bob = world.user("alice"), world.user("bob")
    own = await create_request(world.services, alice.id, world.movie(), MOVIE)
    await create_request(world.services, bob.id, world.movie("Heat"), MOVIE)
    assert own.request is not None
    page = await listing.list_requests(world.services, alice.id, RequestQuery())
    assert [r.id for r in page.requests] == [own.request.id]
    assert page.total == 1
    with pytest.raises(PermissionDenied):
        await listing.list_requests(world.services, alice.id, RequestQuery(requested_by=bob.id))
    viewer = world.user("viewer", Permission.REQUEST_VIEW)
    assert (await listing.list_requests(world.services, viewer.id, RequestQuery())).total == 2


async def test_a_page_counts_the_requests_of_everyone_on_it(world: World) -> None:
    alice, mod = world.user("alice"), world.user("mod", MANAGER)
    made = await create_request(world.services, alice.id, world.movie(), MOVIE)
    await create_request(world.services, alice.id, world.show(), TV, "all")
    assert made.request is not None
    await approve_request(world.services, mod.id, made.request.id)
    page = await listing.list_requests(world.services, mod.id, RequestQuery())
    assert page.request_counts == {alice.id: 2, mod.id: 0}
    detail = await listing.request_detail(world.services, mod.id, made.request.id)
    assert detail.requests[0].status is RequestStatus.APPROVED
    with pytest.raises(PermissionDenied):
        await listing.request_detail(world.services, world.user("bob").id, made.request.id)


async def test_listing_users_needs_manage_users(world: World) -> None:
    alice = world.user("alice")
    admin = world.user("admin", Permission.ADMIN)
    with pytest.raises(PermissionDenied):
        await listing.list_users(world.services, alice.id, UserQuery())
    page = await listing.list_users(world.services, admin.id, UserQuery())
    assert [u.id for u in page.users] == [alice.id, admin.id]
    assert (await listing.user_detail(world.services, alice.id, alice.id)).users == [alice]
    with pytest.raises(PermissionDenied):
        await listing.user_detail(world.services, alice.id, admin.id)
    with pytest.raises(NotFound):
        await listing.user_detail(world.services, admin.id, 99)


async def test_the_key_acts_as_user_one_or_else_the_lowest_admin(world: World) -> None:
    first = world.user("first")
    assert await api_actor(world.services) is None
    second = world.user("second", Permission.ADMIN)
    world.user("third", Permission.ADMIN)
    assert await api_actor(world.services) == second
    await set_admin(world, first.id)
    assert (await api_actor(world.services)) == await api_actor(world.services, first.id)
    assert await api_actor(world.services, 42) is None


async def set_admin(world: World, user_id: int) -> None:
    async with world.services.uow() as uow:
        await uow.users.set_permissions(user_id, Permission.ADMIN, world.clock.now())
        await uow.commit()


async def test_media_infos_come_with_every_request_when_detailed(world: World) -> None:
    alice = world.user("alice")
    movie, other = world.movie(), world.movie("Heat")
    await create_request(world.services, alice.id, movie, MOVIE)
    found = await listing.media_infos(world.services, [(movie, MOVIE), (other, MOVIE)])
    assert list(found) == [(movie, MOVIE)]
    assert found[(movie, MOVIE)].requests == []
    detailed = await listing.media_infos(world.services, [(movie, MOVIE)], with_requests=True)
    info = detailed[(movie, MOVIE)]
    assert [r.requested_by.id for r in info.requests] == [alice.id]
    assert info.request_counts == {alice.id: 1}
    with pytest.raises(InvalidInput):
        await listing.media_infos(world.services, [(n, MOVIE) for n in range(101)])


async def test_forgetting_a_title_resets_it_and_its_seasons(world: World) -> None:
    alice, mod = world.user("alice"), world.user("mod", MANAGER)
    show = world.show(seasons=(1, 2))
    made = await create_request(world.services, mod.id, show, TV, "all")
    assert made.request is not None
    media_id = made.request.media.id
    with pytest.raises(PermissionDenied):
        await availability.forget_availability(world.services, alice.id, media_id)
    forgotten = await availability.forget_availability(world.services, mod.id, media_id)
    assert forgotten.status is MediaStatus.UNKNOWN
    assert set(forgotten.season_statuses.values()) == {MediaStatus.UNKNOWN}
    assert world.request(made.request.id).status is RequestStatus.APPROVED
    with pytest.raises(NotFound):
        await availability.forget_availability(world.services, mod.id, 999)
