"""The request lifecycle, following Seerr's rules (docs/SEERR_SEMANTICS.md)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Literal

import pytest

from core.availability import mark_available
from core.domain import MediaRequest, RequestStatus
from core.errors import (
    AlreadyDecided,
    Blocklisted,
    Conflict,
    DuplicateRequest,
    InvalidInput,
    InvalidSeasons,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    QuotaExceeded,
    ServiceUnavailable,
    TitleNotFound,
)
from core.events import EventKind, EventPayload
from core.identity import QuotaLimits, User
from core.media import DisplayStatus, MediaStatus, MediaType
from core.permissions import Permission
from core.queries import get_request, my_requests, pending_requests, title_state, user_requests
from core.requests import (
    approve_request,
    cancel_request,
    create_request,
    decision_pending,
    decline_request,
    fail_request,
    retry_request,
)
from core.services import CoreConfig
from tests.core_fixtures import MANAGER, MOVIE, TV, World

P = Permission
R = RequestStatus
M = MediaStatus
K = EventKind


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
def alice(world: World) -> User:
    return world.user("alice")


@pytest.fixture
def bob(world: World) -> User:
    return world.user("bob")


@pytest.fixture
def boss(world: World) -> User:
    return world.user("boss", MANAGER)


async def request_movie(world: World, user: User, tmdb_id: int | None = None) -> MediaRequest:
    result = await create_request(world.services, user.id, tmdb_id or world.movie(), MOVIE)
    assert result.request is not None
    return result.request


async def request_seasons(
    world: World, user: User, show: int, seasons: Sequence[int] | Literal["all"] = "all"
) -> MediaRequest:
    result = await create_request(world.services, user.id, show, TV, seasons)
    assert result.request is not None
    return result.request


def movie_quota(limit: int, days: int = 7) -> QuotaLimits:
    return QuotaLimits(movie_limit=limit, movie_days=days)


async def test_the_created_request_is_the_one_stored_with_its_media_moved_on(
    world: World, alice: User, boss: User
) -> None:
    pending = await request_seasons(world, alice, world.show(), [2, 1])
    approved = await request_movie(world, boss)
    assert pending == world.request(pending.id)
    assert pending.media.season_statuses == {1: M.PENDING, 2: M.PENDING}
    assert approved == world.request(approved.id)
    assert approved.media.status is M.PROCESSING


# ----- 1. acting for another user ---------------------------------------------------------


@pytest.mark.parametrize("perms", [P.MANAGE_REQUESTS | P.REQUEST, P.MANAGE_USERS | P.REQUEST])
async def test_acting_for_another_user_needs_manage_users_and_manage_requests(
    world: World, alice: User, perms: Permission
) -> None:
    helper = world.user("helper", perms)

    with pytest.raises(PermissionDenied):
        await create_request(world.services, helper.id, world.movie(), MOVIE, on_behalf_of=alice.id)

    assert world.db.requests() == []
    assert world.events() == []


async def test_a_manager_of_users_and_requests_requests_for_another_user(
    world: World, alice: User
) -> None:
    boss = world.user("boss", P.MANAGE_USERS | P.MANAGE_REQUESTS)

    result = await create_request(
        world.services, boss.id, world.movie(), MOVIE, on_behalf_of=alice.id
    )

    assert result.request is not None
    assert result.request.requested_by == alice
    assert result.request.modified_by == boss
    assert result.auto_approved
    [event] = world.events()
    assert (event.payload.requested_by_id, event.payload.actor_id) == (alice.id, boss.id)


async def test_naming_oneself_as_the_requester_needs_nothing_more(
    world: World, alice: User
) -> None:
    result = await create_request(
        world.services, alice.id, world.movie(), MOVIE, on_behalf_of=alice.id
    )

    assert result.request is not None
    assert result.request.requested_by == alice


async def test_the_rules_of_the_user_acted_for_apply(world: World) -> None:
    boss = world.user("boss", P.MANAGE_USERS | P.MANAGE_REQUESTS)
    guest = world.user("guest", P.NONE)
    limited = world.user("limited", quota=movie_quota(1))
    await request_movie(world, limited)

    with pytest.raises(PermissionDenied):
        await create_request(world.services, boss.id, world.movie(), MOVIE, on_behalf_of=guest.id)
    with pytest.raises(QuotaExceeded):
        await create_request(world.services, boss.id, world.movie(), MOVIE, on_behalf_of=limited.id)


async def test_acting_for_an_unknown_user_is_not_found(world: World, boss: User) -> None:
    boss = world.user("root", P.MANAGE_USERS | P.MANAGE_REQUESTS)

    with pytest.raises(NotFound):
        await create_request(world.services, boss.id, world.movie(), MOVIE, on_behalf_of=999)


# ----- 2. permission to request -------------------------------------------------------


async def attempt(
    world: World, perms: Permission, media_type: MediaType, *, is_4k: bool = False
) -> MediaRequest | None:
    user = world.user(f"user{len(world.db.users())}", perms)
    tmdb_id = world.movie() if media_type is MOVIE else world.show()
    seasons: Literal["all"] | None = None if media_type is MOVIE else "all"
    result = await create_request(
        world.services, user.id, tmdb_id, media_type, seasons, is_4k=is_4k
    )
    return result.request


@pytest.mark.parametrize(
    ("perms", "media_type", "allowed"),
    [
        (P.REQUEST, MOVIE, True),
        (P.REQUEST, TV, True),
        (P.REQUEST_MOVIE, MOVIE, True),
        (P.REQUEST_MOVIE, TV, False),
        (P.REQUEST_TV, TV, True),
        (P.REQUEST_TV, MOVIE, False),
        (P.VOTE | P.REQUEST_VIEW, MOVIE, False),
        (P.NONE, TV, False),
        (P.ADMIN, TV, True),
    ],
)
async def test_requesting_needs_request_or_the_media_specific_permission(
    world: World, perms: Permission, media_type: MediaType, allowed: bool
) -> None:
    if allowed:
        assert await attempt(world, perms, media_type) is not None
    else:
        with pytest.raises(PermissionDenied):
            await attempt(world, perms, media_type)
        assert world.db.requests() == []


@pytest.mark.parametrize(
    ("perms", "media_type", "allowed"),
    [
        (P.REQUEST, MOVIE, False),
        (P.REQUEST | P.REQUEST_MOVIE | P.REQUEST_TV, TV, False),
        (P.REQUEST_4K, MOVIE, True),
        (P.REQUEST_4K, TV, True),
        (P.REQUEST_4K_MOVIE, MOVIE, True),
        (P.REQUEST_4K_MOVIE, TV, False),
        (P.REQUEST_4K_TV, TV, True),
        (P.REQUEST_4K_TV, MOVIE, False),
    ],
)
async def test_requesting_in_4k_needs_a_4k_permission(
    world: World, perms: Permission, media_type: MediaType, allowed: bool
) -> None:
    if allowed:
        created = await attempt(world, perms, media_type, is_4k=True)
        assert created is not None
        assert created.is_4k
    else:
        with pytest.raises(PermissionDenied):
            await attempt(world, perms, media_type, is_4k=True)


# ----- 3. quotas --------------------------------------------------------------------------


async def test_the_movie_quota_stops_requests_with_limit_use_window_and_reset(
    world: World,
) -> None:
    alice = world.user("alice", quota=movie_quota(2, days=7))
    first_at = world.clock.now()
    await request_movie(world, alice)
    world.clock.advance(days=1)
    await request_movie(world, alice)
    world.clock.advance(hours=1)

    with pytest.raises(QuotaExceeded) as caught:
        await request_movie(world, alice)

    exceeded = caught.value
    assert exceeded.media_type is MOVIE
    assert (exceeded.limit, exceeded.used, exceeded.days, exceeded.requested) == (2, 2, 7, 1)
    assert exceeded.resets_at == first_at + timedelta(days=7)
    assert len(world.db.requests()) == 2


async def test_a_quota_slot_frees_up_when_the_oldest_request_leaves_the_window(
    world: World,
) -> None:
    alice = world.user("alice", quota=movie_quota(1, days=7))
    await request_movie(world, alice)
    world.clock.advance(days=6)
    with pytest.raises(QuotaExceeded):
        await request_movie(world, alice)

    world.clock.advance(days=1, seconds=1)

    assert await request_movie(world, alice)


async def test_the_series_quota_counts_seasons(world: World) -> None:
    alice = world.user("alice", quota=QuotaLimits(tv_limit=3, tv_days=7))
    await request_seasons(world, alice, world.show("Dark", seasons=(1, 2)))
    three_seasons = world.show("Lost", seasons=(0, 1, 2, 3))

    with pytest.raises(QuotaExceeded) as too_many:
        await request_seasons(world, alice, three_seasons)
    await request_seasons(world, alice, three_seasons, [1])
    with pytest.raises(QuotaExceeded) as restricted:
        await request_seasons(world, alice, three_seasons, [2])

    assert too_many.value.media_type is TV
    assert (too_many.value.limit, too_many.value.used, too_many.value.requested) == (3, 2, 3)
    assert (restricted.value.used, restricted.value.requested) == (3, 1)


async def test_seasons_skipped_as_taken_do_not_count_against_the_series_quota(
    world: World, bob: User
) -> None:
    alice = world.user("alice", quota=QuotaLimits(tv_limit=2, tv_days=7))
    show = world.show(seasons=(1, 2, 3))
    await request_seasons(world, bob, show, [1])

    created = await request_seasons(world, alice, show)

    assert created.season_numbers == (2, 3)


async def test_declined_requests_do_not_count_against_the_quota(world: World, boss: User) -> None:
    alice = world.user("alice", quota=movie_quota(1))
    first = await request_movie(world, alice)
    await decline_request(world.services, boss.id, first.id)

    assert await request_movie(world, alice)


async def test_failed_and_completed_requests_count_against_the_quota(
    world: World, boss: User
) -> None:
    alice = world.user("alice", quota=movie_quota(2))
    failed = await request_movie(world, alice)
    await approve_request(world.services, boss.id, failed.id)
    await fail_request(world.services, failed.id, "Radarr is full")
    completed = await request_movie(world, alice)
    await approve_request(world.services, boss.id, completed.id)
    await mark_available(world.services, completed.media.tmdb_id, MOVIE)

    with pytest.raises(QuotaExceeded) as caught:
        await request_movie(world, alice)

    assert caught.value.used == 2


async def test_cancelled_requests_do_not_count_against_the_quota(world: World) -> None:
    alice = world.user("alice", quota=movie_quota(1))
    first = await request_movie(world, alice)
    await cancel_request(world.services, alice.id, first.id)

    assert await request_movie(world, alice)


async def test_the_global_defaults_limit_users_without_overrides(world: World) -> None:
    world.configure(CoreConfig(quota_defaults=QuotaLimits(movie_limit=1, movie_days=30)))
    alice = world.user("alice")
    await request_movie(world, alice)

    with pytest.raises(QuotaExceeded) as caught:
        await request_movie(world, alice)

    assert (caught.value.limit, caught.value.days) == (1, 30)


async def test_user_managers_are_not_limited_by_quotas(world: World) -> None:
    world.configure(CoreConfig(quota_defaults=QuotaLimits(movie_limit=1)))
    manager = world.user("manager", P.MANAGE_USERS | P.REQUEST)

    for _ in range(3):
        await request_movie(world, manager)

    assert len(world.db.requests()) == 3


# ----- 4. blocklist -----------------------------------------------------------------------


async def test_blocklisted_media_cannot_be_requested(world: World, alice: User) -> None:
    details = world.catalogue.add_movie(66, "The Room", 2003)
    world.db.seed_media(details, MediaStatus.BLOCKLISTED)

    with pytest.raises(Blocklisted) as caught:
        await create_request(world.services, alice.id, 66, MOVIE)

    assert caught.value.media.tmdb_id == 66
    assert world.db.requests() == []
    assert world.events() == []


async def test_a_title_the_catalogue_does_not_know_cannot_be_requested(
    world: World, alice: User
) -> None:
    with pytest.raises(TitleNotFound):
        await create_request(world.services, alice.id, 404, MOVIE)


async def test_a_catalogue_outage_writes_nothing(world: World, alice: User) -> None:
    alien = world.movie()
    world.catalogue.unavailable = True

    with pytest.raises(ServiceUnavailable):
        await create_request(world.services, alice.id, alien, MOVIE)

    assert (world.db.commits, world.events()) == (0, [])


# ----- 5. duplicates ----------------------------------------------------------------------


async def test_a_second_movie_request_is_a_duplicate_naming_who_asked_first(
    world: World, alice: User, bob: User
) -> None:
    first = await request_movie(world, alice, world.movie("Alien"))

    with pytest.raises(DuplicateRequest) as caught:
        await create_request(world.services, bob.id, first.media.tmdb_id, MOVIE)

    assert caught.value.existing.id == first.id
    assert caught.value.existing.requested_by == alice
    assert len(world.db.requests()) == 1


@pytest.mark.parametrize("then", ["approve", "fail"])
async def test_approved_and_failed_movie_requests_are_duplicates_too(
    world: World, alice: User, bob: User, boss: User, then: str
) -> None:
    first = await request_movie(world, alice)
    await approve_request(world.services, boss.id, first.id)
    if then == "fail":
        await fail_request(world.services, first.id, "Radarr down")

    with pytest.raises(DuplicateRequest):
        await create_request(world.services, bob.id, first.media.tmdb_id, MOVIE)


async def test_a_declined_movie_can_be_requested_again(
    world: World, alice: User, bob: User, boss: User
) -> None:
    first = await request_movie(world, alice)
    await decline_request(world.services, boss.id, first.id, "not now")

    again = await request_movie(world, bob, first.media.tmdb_id)

    assert again.status is R.PENDING
    assert world.media(first.media.tmdb_id).status is M.PENDING


async def test_a_4k_request_is_not_a_duplicate_of_a_regular_one(world: World) -> None:
    alice = world.user("alice", P.REQUEST | P.REQUEST_4K)
    regular = await request_movie(world, alice)

    result = await create_request(
        world.services, alice.id, regular.media.tmdb_id, MOVIE, is_4k=True
    )

    assert result.request is not None
    assert result.request.is_4k
    media = world.media(regular.media.tmdb_id)
    assert (media.status, media.status_4k) == (M.PENDING, M.PENDING)


async def test_an_available_movie_is_not_requested_again(
    world: World, alice: User, bob: User, boss: User
) -> None:
    first = await request_movie(world, alice)
    await approve_request(world.services, boss.id, first.id)
    await mark_available(world.services, first.media.tmdb_id, MOVIE)
    events = len(world.events())

    result = await create_request(world.services, bob.id, first.media.tmdb_id, MOVIE)

    assert result.request is None
    assert result.already_available
    assert len(world.events()) == events


async def test_a_movie_cannot_be_asked_for_seasons(world: World, alice: User) -> None:
    with pytest.raises(InvalidInput):
        await create_request(world.services, alice.id, world.movie(), MOVIE, [1])


# ----- 6. TV seasons ----------------------------------------------------------------------


async def test_all_seasons_means_every_season_but_the_specials(world: World, alice: User) -> None:
    show = world.show(seasons=(0, 1, 2, 3))

    created = await request_seasons(world, alice, show, "all")

    assert created.season_numbers == (1, 2, 3)
    assert world.media(show, TV).season_statuses == {1: M.PENDING, 2: M.PENDING, 3: M.PENDING}


async def test_no_seasons_given_means_all(world: World, alice: User) -> None:
    result = await create_request(world.services, alice.id, world.show(seasons=(0, 1, 2)), TV)

    assert result.request is not None
    assert result.request.season_numbers == (1, 2)


async def test_the_specials_can_be_asked_for_by_number(world: World, alice: User) -> None:
    created = await request_seasons(world, alice, world.show(seasons=(0, 1)), [0, 1, 1])

    assert created.season_numbers == (0, 1)


async def test_seasons_already_requested_are_skipped_and_reported(
    world: World, alice: User, bob: User
) -> None:
    show = world.show(seasons=(0, 1, 2, 3))
    await request_seasons(world, alice, show, [1])

    result = await create_request(world.services, bob.id, show, TV, "all")

    assert result.request is not None
    assert result.request.season_numbers == (2, 3)
    assert result.skipped_seasons == (1,)


async def test_seasons_already_available_are_skipped_and_reported(
    world: World, alice: User, bob: User, boss: User
) -> None:
    show = world.show(seasons=(1, 2, 3))
    first = await request_seasons(world, alice, show, [1])
    await approve_request(world.services, boss.id, first.id)
    await mark_available(world.services, show, TV, {1: M.AVAILABLE})

    result = await create_request(world.services, bob.id, show, TV, "all")

    assert result.request is not None
    assert result.request.season_numbers == (2, 3)
    assert result.skipped_seasons == (1,)


async def test_nothing_left_to_request_returns_the_existing_requests(
    world: World, alice: User, bob: User
) -> None:
    show = world.show(seasons=(0, 1, 2))
    first = await request_seasons(world, alice, show)
    events = len(world.events())

    result = await create_request(world.services, bob.id, show, TV, [2, 1])

    assert result.request is None
    assert not result.auto_approved
    assert result.skipped_seasons == (1, 2)
    assert [r.id for r in result.existing] == [first.id]
    assert len(world.db.requests()) == 1
    assert len(world.events()) == events


async def test_unknown_seasons_are_invalid(world: World, alice: User) -> None:
    show = world.show(seasons=(0, 1, 2))

    with pytest.raises(InvalidSeasons) as caught:
        await create_request(world.services, alice.id, show, TV, [2, 9])

    assert caught.value.unknown == (9,)
    assert caught.value.available == (1, 2)
    assert world.db.media(show, TV) is None


async def test_an_empty_season_list_is_invalid(world: World, alice: User) -> None:
    with pytest.raises(InvalidInput):
        await create_request(world.services, alice.id, world.show(), TV, [])


# ----- 7. auto-approval -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("perms", "media_type", "is_4k", "auto"),
    [
        (P.REQUEST, MOVIE, False, False),
        (P.REQUEST | P.AUTO_APPROVE, MOVIE, False, True),
        (P.REQUEST | P.AUTO_APPROVE, TV, False, True),
        (P.REQUEST | P.AUTO_APPROVE_MOVIE, MOVIE, False, True),
        (P.REQUEST | P.AUTO_APPROVE_MOVIE, TV, False, False),
        (P.REQUEST | P.AUTO_APPROVE_TV, TV, False, True),
        (P.REQUEST | P.AUTO_APPROVE_TV, MOVIE, False, False),
        (P.REQUEST | P.MANAGE_REQUESTS, TV, False, True),
        (P.REQUEST_4K | P.AUTO_APPROVE, MOVIE, True, False),
        (P.REQUEST_4K | P.AUTO_APPROVE_4K, MOVIE, True, True),
        (P.REQUEST_4K | P.AUTO_APPROVE_4K_TV, TV, True, True),
        (P.REQUEST_4K | P.AUTO_APPROVE_4K_TV, MOVIE, True, False),
        (P.REQUEST_4K | P.AUTO_APPROVE_4K_MOVIE, MOVIE, True, True),
        (P.ADMIN, TV, True, True),
    ],
)
async def test_auto_approval_follows_the_acting_users_permissions(
    world: World, perms: Permission, media_type: MediaType, is_4k: bool, auto: bool
) -> None:
    user = world.user("someone", perms)
    tmdb_id = world.movie() if media_type is MOVIE else world.show(seasons=(1, 2))

    result = await create_request(world.services, user.id, tmdb_id, media_type, is_4k=is_4k)

    assert result.request is not None
    assert result.auto_approved is auto
    assert result.request.status is (R.APPROVED if auto else R.PENDING)
    assert result.request.modified_by == (user if auto else None)
    media = world.media(tmdb_id, media_type)
    assert (media.status_4k if is_4k else media.status) is (M.PROCESSING if auto else M.PENDING)
    assert world.kinds() == [K.AUTO_APPROVED if auto else K.PENDING]


# ----- approve and decline ----------------------------------------------------------------


async def test_approving_needs_manage_requests(world: World, alice: User) -> None:
    trusted = world.user("trusted", P.REQUEST | P.AUTO_APPROVE | P.MANAGE_USERS)
    pending = await request_movie(world, alice)

    with pytest.raises(PermissionDenied):
        await approve_request(world.services, trusted.id, pending.id)
    with pytest.raises(PermissionDenied):
        await decline_request(world.services, trusted.id, pending.id)

    assert world.request(pending.id).status is R.PENDING
    assert world.kinds() == [K.PENDING]


async def test_approving_moves_the_request_and_its_media_on(
    world: World, alice: User, boss: User
) -> None:
    show = world.show(seasons=(1, 2, 3))
    pending = await request_seasons(world, alice, show, [1, 2])
    world.clock.advance(minutes=5)

    approved = await approve_request(world.services, boss.id, pending.id)

    assert approved.status is R.APPROVED
    assert approved.modified_by == boss
    assert approved.updated_at == world.clock.now()
    assert world.request(pending.id) == approved
    media = world.media(show, TV)
    assert media.status is M.PROCESSING
    assert media.season_statuses == {1: M.PROCESSING, 2: M.PROCESSING}


async def test_approving_does_not_hide_what_is_already_available(
    world: World, alice: User, bob: User, boss: User
) -> None:
    show = world.show(seasons=(1, 2, 3))
    first = await request_seasons(world, alice, show, [1, 2])
    await approve_request(world.services, boss.id, first.id)
    await mark_available(world.services, show, TV, {1: M.AVAILABLE})
    second = await request_seasons(world, bob, show, [3])

    await approve_request(world.services, boss.id, second.id)

    media = world.media(show, TV)
    assert media.status is M.PARTIALLY_AVAILABLE
    assert media.season_statuses == {1: M.AVAILABLE, 2: M.PROCESSING, 3: M.PROCESSING}


@pytest.mark.parametrize("first", ["approve", "decline"])
@pytest.mark.parametrize("second", ["approve", "decline"])
async def test_deciding_twice_says_who_decided_and_when(
    world: World, alice: User, boss: User, first: str, second: str
) -> None:
    other_boss = world.user("other boss", MANAGER)
    pending = await request_movie(world, alice)
    world.clock.advance(minutes=1)
    decided_at = world.clock.now()
    decide = {"approve": approve_request, "decline": decline_request}
    await decide[first](world.services, boss.id, pending.id)
    world.clock.advance(minutes=1)

    with pytest.raises(AlreadyDecided) as caught:
        await decide[second](world.services, other_boss.id, pending.id)

    assert caught.value.decided_by == boss
    assert caught.value.decided_at == decided_at
    assert caught.value.request.id == pending.id
    assert len(world.events()) == 2


async def test_deciding_an_auto_approved_request_names_its_requester(world: World) -> None:
    trusted = world.user("trusted", P.REQUEST | P.AUTO_APPROVE)
    boss = world.user("boss", MANAGER)
    created = await request_movie(world, trusted)

    with pytest.raises(AlreadyDecided) as caught:
        await approve_request(world.services, boss.id, created.id)

    assert caught.value.decided_by == trusted


async def test_deciding_a_missing_request_is_not_found(world: World, boss: User) -> None:
    with pytest.raises(NotFound):
        await approve_request(world.services, boss.id, 12345)


async def test_declining_keeps_the_reason(world: World, alice: User, boss: User) -> None:
    pending = await request_movie(world, alice)

    declined = await decline_request(world.services, boss.id, pending.id, "  not\n on  Plex ")

    assert declined.status is R.DECLINED
    assert declined.decline_reason == "not on Plex"
    assert declined.modified_by == boss
    assert world.events()[-1].payload.reason == "not on Plex"


async def test_an_over_long_decline_reason_is_invalid(
    world: World, alice: User, boss: User
) -> None:
    pending = await request_movie(world, alice)

    with pytest.raises(InvalidInput):
        await decline_request(world.services, boss.id, pending.id, "x" * 501)

    assert world.request(pending.id).status is R.PENDING


async def test_declining_a_movie_resets_its_media(world: World, alice: User, boss: User) -> None:
    pending = await request_movie(world, alice)

    await decline_request(world.services, boss.id, pending.id)

    assert world.media(pending.media.tmdb_id).status is M.UNKNOWN


async def test_declining_a_show_resets_it_only_when_no_other_pending_request_remains(
    world: World, alice: User, bob: User, boss: User
) -> None:
    show = world.show(seasons=(1, 2))
    first = await request_seasons(world, alice, show, [1])
    second = await request_seasons(world, bob, show, [2])

    await decline_request(world.services, boss.id, first.id)
    after_first = world.media(show, TV)
    await decline_request(world.services, boss.id, second.id)
    after_both = world.media(show, TV)

    assert after_first.status is M.PENDING
    assert after_first.season_statuses == {1: M.UNKNOWN, 2: M.PENDING}
    assert after_both.status is M.UNKNOWN
    assert after_both.season_statuses == {1: M.UNKNOWN, 2: M.UNKNOWN}


# ----- cancel -------------------------------------------------------------------------


async def test_a_requester_cancels_their_own_pending_request(world: World, alice: User) -> None:
    pending = await request_movie(world, alice)

    cancelled = await cancel_request(world.services, alice.id, pending.id)

    assert cancelled.id == pending.id
    assert world.db.request(pending.id) is None
    assert world.media(pending.media.tmdb_id).status is M.UNKNOWN
    assert world.kinds() == [K.PENDING, K.CANCELLED]


async def test_a_requester_cannot_cancel_their_approved_request(
    world: World, alice: User, boss: User
) -> None:
    pending = await request_movie(world, alice)
    await approve_request(world.services, boss.id, pending.id)

    with pytest.raises(InvalidTransition) as caught:
        await cancel_request(world.services, alice.id, pending.id)

    assert caught.value.status is R.APPROVED
    assert world.request(pending.id).status is R.APPROVED


async def test_a_manager_cancels_any_request(world: World, alice: User, boss: User) -> None:
    pending = await request_movie(world, alice)
    await approve_request(world.services, boss.id, pending.id)

    await cancel_request(world.services, boss.id, pending.id)

    assert world.db.request(pending.id) is None
    assert world.media(pending.media.tmdb_id).status is M.UNKNOWN


async def test_nobody_else_cancels_a_request(world: World, alice: User, bob: User) -> None:
    pending = await request_movie(world, alice)

    with pytest.raises(PermissionDenied):
        await cancel_request(world.services, bob.id, pending.id)

    assert world.request(pending.id).status is R.PENDING


# ----- before a decision ------------------------------------------------------------------


async def test_a_pending_request_may_be_decided_by_a_manager_and_nothing_changes(
    world: World, alice: User, boss: User
) -> None:
    pending = await request_movie(world, alice)
    events = world.kinds()

    found = await decision_pending(world.services, boss.id, pending.id)

    assert found == world.request(pending.id)
    assert world.kinds() == events


async def test_deciding_needs_a_manager_and_a_pending_request(
    world: World, alice: User, bob: User, boss: User
) -> None:
    pending = await request_movie(world, alice)
    with pytest.raises(PermissionDenied):
        await decision_pending(world.services, bob.id, pending.id)
    await approve_request(world.services, boss.id, pending.id)
    with pytest.raises(AlreadyDecided) as caught:
        await decision_pending(world.services, boss.id, pending.id)
    assert caught.value.decided_by == boss
    with pytest.raises(NotFound):
        await decision_pending(world.services, boss.id, 999)


async def test_my_requests_in_one_status(world: World, alice: User, boss: User) -> None:
    first, second = await request_movie(world, alice), await request_movie(world, alice)
    await approve_request(world.services, boss.id, first.id)

    pending, total = await my_requests(world.services, alice.id, status=R.PENDING)

    assert ([r.id for r in pending], total) == ([second.id], 1)


# ----- fail and retry ---------------------------------------------------------------------


async def test_only_approved_requests_can_fail(world: World, alice: User) -> None:
    pending = await request_movie(world, alice)

    with pytest.raises(InvalidTransition):
        await fail_request(world.services, pending.id, "Radarr said no")

    assert world.request(pending.id).status is R.PENDING


async def test_a_failed_request_keeps_the_reason(world: World, alice: User, boss: User) -> None:
    pending = await request_movie(world, alice)
    await approve_request(world.services, boss.id, pending.id)

    failed = await fail_request(world.services, pending.id, " Radarr:\n disk full ")

    assert failed.status is R.FAILED
    assert failed.fail_reason == "Radarr: disk full"
    assert world.events()[-1].kind is K.FAILED
    assert world.events()[-1].payload.reason == "Radarr: disk full"


@pytest.mark.parametrize("approve", [False, True])
async def test_only_failed_requests_can_be_retried(
    world: World, alice: User, boss: User, approve: bool
) -> None:
    created = await request_movie(world, alice)
    if approve:
        await approve_request(world.services, boss.id, created.id)

    with pytest.raises(InvalidTransition):
        await retry_request(world.services, boss.id, created.id)


async def test_retrying_a_failed_request_approves_it_again(
    world: World, alice: User, boss: User
) -> None:
    created = await request_movie(world, alice)
    await approve_request(world.services, boss.id, created.id)
    await fail_request(world.services, created.id, "timeout")

    with pytest.raises(PermissionDenied):
        await retry_request(world.services, alice.id, created.id)
    retried = await retry_request(world.services, boss.id, created.id)

    assert retried.status is R.APPROVED
    assert retried.modified_by == boss
    assert world.media(created.media.tmdb_id).status is M.PROCESSING
    assert world.events()[-1].kind is K.RETRIED


async def test_failing_or_completing_a_request_keeps_who_approved_it(
    world: World, alice: User, boss: User
) -> None:
    failed, completed = await request_movie(world, alice), await request_movie(world, alice)
    for request in (failed, completed):
        await approve_request(world.services, boss.id, request.id)
    await fail_request(world.services, failed.id, "Radarr down")
    await mark_available(world.services, completed.media.tmdb_id, MOVIE)

    assert world.request(failed.id).modified_by == boss
    assert world.request(completed.id).modified_by == boss


async def test_a_requester_cannot_cancel_a_declined_request(
    world: World, alice: User, boss: User
) -> None:
    pending = await request_movie(world, alice)
    await decline_request(world.services, boss.id, pending.id)

    with pytest.raises(InvalidTransition):
        await cancel_request(world.services, alice.id, pending.id)


# ----- availability -----------------------------------------------------------------------


async def test_an_available_movie_completes_its_approved_request(
    world: World, alice: User, boss: User
) -> None:
    created = await request_movie(world, alice)
    await approve_request(world.services, boss.id, created.id)

    completed = await mark_available(world.services, created.media.tmdb_id, MOVIE)

    assert [r.id for r in completed] == [created.id]
    assert world.request(created.id).status is R.COMPLETED
    assert world.media(created.media.tmdb_id).status is M.AVAILABLE
    event = world.events()[-1]
    assert event.kind is K.AVAILABLE
    assert (event.payload.status, event.payload.actor_id) == (R.COMPLETED, None)


async def test_a_show_completes_a_request_only_when_all_its_seasons_are_available(
    world: World, alice: User, boss: User
) -> None:
    show = world.show(seasons=(0, 1, 2))
    created = await request_seasons(world, alice, show)
    await approve_request(world.services, boss.id, created.id)

    partly = await mark_available(world.services, show, TV, {1: M.AVAILABLE})
    status_after_one = world.media(show, TV).status
    fully = await mark_available(world.services, show, TV, {2: M.AVAILABLE})

    assert partly == []
    assert status_after_one is M.PARTIALLY_AVAILABLE
    assert [r.id for r in fully] == [created.id]
    assert world.media(show, TV).status is M.AVAILABLE
    assert world.kinds().count(K.AVAILABLE) == 1


async def test_each_tv_request_completes_with_its_own_seasons(
    world: World, alice: User, bob: User, boss: User
) -> None:
    show = world.show(seasons=(1, 2))
    first = await request_seasons(world, alice, show, [1])
    second = await request_seasons(world, bob, show, [2])
    for request in (first, second):
        await approve_request(world.services, boss.id, request.id)

    completed = await mark_available(world.services, show, TV, {1: M.AVAILABLE})

    assert [r.id for r in completed] == [first.id]
    assert world.request(second.id).status is R.APPROVED


async def test_marking_a_show_available_needs_its_seasons(
    world: World, alice: User, boss: User
) -> None:
    show = world.show()
    await request_seasons(world, alice, show)

    with pytest.raises(InvalidInput):
        await mark_available(world.services, show, TV)


async def test_marking_an_unknown_title_available_is_not_found(world: World) -> None:
    with pytest.raises(NotFound):
        await mark_available(world.services, 777, MOVIE)


async def test_a_show_missing_seasons_on_the_server_is_only_partially_available(
    world: World, alice: User, boss: User
) -> None:
    show = world.show(seasons=(0, 1, 2, 3))
    created = await request_seasons(world, alice, show, [1])
    await approve_request(world.services, boss.id, created.id)

    await mark_available(world.services, show, TV, {1: M.AVAILABLE})

    assert world.request(created.id).status is R.COMPLETED
    assert world.media(show, TV).status is M.PARTIALLY_AVAILABLE


async def test_a_season_available_in_4k_can_still_be_requested_in_regular_quality(
    world: World, bob: User, boss: User
) -> None:
    fan = world.user("fan", P.REQUEST | P.REQUEST_4K)
    show = world.show(seasons=(1, 2))
    in_4k = await create_request(world.services, fan.id, show, TV, [1], is_4k=True)
    assert in_4k.request is not None
    await approve_request(world.services, boss.id, in_4k.request.id)
    await mark_available(world.services, show, TV, {1: M.AVAILABLE}, is_4k=True)

    regular = await create_request(world.services, bob.id, show, TV, [1])

    assert world.request(in_4k.request.id).status is R.COMPLETED
    assert regular.request is not None
    assert regular.request.season_numbers == (1,)


# ----- the outbox -------------------------------------------------------------------------


async def test_every_status_change_writes_exactly_one_event_of_the_right_kind(
    world: World, alice: User, boss: User
) -> None:
    trusted = world.user("trusted", P.REQUEST | P.AUTO_APPROVE)
    first = await request_movie(world, alice)
    steps: list[tuple[Callable[[], Awaitable[object]], EventKind]] = [
        (lambda: approve_request(world.services, boss.id, first.id), K.APPROVED),
        (lambda: fail_request(world.services, first.id, "boom"), K.FAILED),
        (lambda: retry_request(world.services, boss.id, first.id), K.RETRIED),
        (lambda: mark_available(world.services, first.media.tmdb_id, MOVIE), K.AVAILABLE),
        (lambda: create_request(world.services, alice.id, world.movie(), MOVIE), K.PENDING),
        (lambda: decline_request(world.services, boss.id, 2), K.DECLINED),
        (lambda: create_request(world.services, trusted.id, world.movie(), MOVIE), K.AUTO_APPROVED),
        (lambda: create_request(world.services, alice.id, world.movie(), MOVIE), K.PENDING),
        (lambda: cancel_request(world.services, alice.id, 4), K.CANCELLED),
    ]

    for step, kind in steps:
        before = len(world.events())
        wakes = world.wakes
        await step()
        assert world.kinds()[before:] == [kind]
        assert world.wakes == wakes + 1

    assert world.kinds()[0] is K.PENDING
    assert [e.id for e in world.events()] == list(range(1, len(steps) + 2))


async def test_the_event_payload_is_a_snapshot_of_the_request(
    world: World, alice: User, boss: User
) -> None:
    show = world.show("Severance", seasons=(0, 1, 2), year=2022)
    pending = await request_seasons(world, alice, show)
    world.clock.advance(hours=2)

    await approve_request(world.services, boss.id, pending.id)

    [created, approved] = world.events()
    assert approved.created_at == world.clock.now()
    assert approved.payload == EventPayload(
        request_id=pending.id,
        media_type=TV,
        tmdb_id=show,
        title="Severance",
        year=2022,
        poster_path=None,
        overview="About Severance.",
        is_4k=False,
        seasons=(1, 2),
        requested_by_id=alice.id,
        requested_by_name="alice",
        actor_id=boss.id,
        actor_name="boss",
        status=R.APPROVED,
        reason=None,
    )
    assert created.payload.status is R.PENDING
    assert (created.payload.actor_id, created.payload.actor_name) == (None, None)


async def test_the_cancel_event_keeps_a_snapshot_of_the_deleted_request(
    world: World, alice: User
) -> None:
    pending = await request_movie(world, alice, world.movie("Alien", 1979))

    await cancel_request(world.services, alice.id, pending.id)

    payload = world.events()[-1].payload
    assert (payload.request_id, payload.label, payload.status) == (
        pending.id,
        "Alien (1979)",
        R.PENDING,
    )
    assert (payload.requested_by_id, payload.actor_id) == (alice.id, alice.id)


async def test_a_failed_use_case_writes_nothing(world: World, alice: User, bob: User) -> None:
    limited = world.user("limited", quota=QuotaLimits(tv_limit=1))
    show = world.show(seasons=(1, 2))
    pending = await request_movie(world, alice)
    commits, wakes, events = world.db.commits, world.wakes, world.events()

    with pytest.raises(QuotaExceeded):
        await request_seasons(world, limited, show)  # fails after the media row was written
    with pytest.raises(PermissionDenied):
        await approve_request(world.services, bob.id, pending.id)
    with pytest.raises(DuplicateRequest):
        await request_movie(world, bob, pending.media.tmdb_id)

    assert world.db.media(show, TV) is None
    assert (world.db.commits, world.wakes, world.events()) == (commits, wakes, events)


async def test_a_storage_conflict_is_retried_and_writes_once(world: World, alice: User) -> None:
    world.db.conflicts_to_raise = 2

    created = await request_movie(world, alice)

    assert [r.id for r in world.db.requests()] == [created.id]
    assert world.kinds() == [K.PENDING]


async def test_a_use_case_that_keeps_losing_races_writes_nothing(world: World, alice: User) -> None:
    world.db.conflicts_to_raise = 100
    alien = world.movie()

    with pytest.raises(Conflict):
        await create_request(world.services, alice.id, alien, MOVIE)

    assert world.db.media(alien, MOVIE) is None
    assert world.db.requests() == []
    assert world.events() == []


# ----- concurrency ------------------------------------------------------------------------


async def test_simultaneous_requests_cannot_exceed_the_quota(world: World) -> None:
    alice = world.user("alice", quota=movie_quota(3))
    movies = [world.movie(f"Movie {n}") for n in range(100)]

    outcomes = await asyncio.gather(
        *(create_request(world.services, alice.id, m, MOVIE) for m in movies),
        return_exceptions=True,
    )

    created = [o for o in outcomes if not isinstance(o, BaseException)]
    refused = [o for o in outcomes if isinstance(o, QuotaExceeded)]
    assert (len(created), len(refused)) == (3, 97)
    assert len(world.db.requests()) == 3
    assert world.kinds() == [K.PENDING] * 3


async def test_simultaneous_approvals_succeed_exactly_once(world: World, alice: User) -> None:
    managers = [world.user(f"manager {n}", MANAGER) for n in range(20)]
    pending = await request_movie(world, alice)

    outcomes = await asyncio.gather(
        *(approve_request(world.services, m.id, pending.id) for m in managers),
        return_exceptions=True,
    )

    approved = [o for o in outcomes if isinstance(o, MediaRequest)]
    refused = [o for o in outcomes if isinstance(o, AlreadyDecided)]
    assert (len(approved), len(refused)) == (1, 19)
    assert {e.decided_by for e in refused} == {approved[0].modified_by}
    assert world.kinds() == [K.PENDING, K.APPROVED]


async def test_simultaneous_requests_of_one_movie_create_one_request(world: World) -> None:
    users = [world.user(f"user {n}") for n in range(10)]
    alien = world.movie()

    outcomes = await asyncio.gather(
        *(create_request(world.services, u.id, alien, MOVIE) for u in users),
        return_exceptions=True,
    )

    assert sum(isinstance(o, DuplicateRequest) for o in outcomes) == 9
    assert len(world.db.requests()) == 1


# ----- queries ----------------------------------------------------------------------------


async def test_users_see_their_own_requests_and_managers_see_the_queue(
    world: World, alice: User, bob: User, boss: User
) -> None:
    first = await request_movie(world, alice)
    world.clock.advance(minutes=1)
    second = await request_movie(world, alice)
    others = await request_movie(world, bob)

    assert await my_requests(world.services, alice.id) == ([second, first], 2)
    assert await pending_requests(world.services, boss.id) == ([first, second, others], 3)
    assert await get_request(world.services, alice.id, first.id) == first
    with pytest.raises(PermissionDenied):
        await pending_requests(world.services, alice.id)
    with pytest.raises(PermissionDenied):
        await get_request(world.services, bob.id, first.id)


async def test_title_state_shows_each_seasons_status(
    world: World, alice: User, bob: User, boss: User
) -> None:
    show = world.show(seasons=(0, 1, 2, 3))
    first = await request_seasons(world, alice, show, [1])
    await approve_request(world.services, boss.id, first.id)
    await mark_available(world.services, show, TV, {1: M.AVAILABLE})
    await request_seasons(world, bob, show, [2])

    state = await title_state(world.services, show, TV)

    assert state.seasons == {
        1: DisplayStatus.AVAILABLE,
        2: DisplayStatus.PENDING,
        3: DisplayStatus.NOT_REQUESTED,
    }


async def test_title_state_keeps_the_specials_apart_from_the_seasons(
    world: World, alice: User
) -> None:
    show = world.show(seasons=(0, 1, 2))
    assert (await title_state(world.services, show, TV)).specials is DisplayStatus.NOT_REQUESTED

    await request_seasons(world, alice, show, [0])
    state = await title_state(world.services, show, TV)

    assert state.specials is DisplayStatus.PENDING
    assert state.seasons == {1: DisplayStatus.NOT_REQUESTED, 2: DisplayStatus.NOT_REQUESTED}
    assert (await title_state(world.services, world.show(seasons=(1,)), TV)).specials is None


async def test_unknown_seasons_say_whether_the_show_has_specials(world: World, alice: User) -> None:
    with pytest.raises(InvalidSeasons) as caught:
        await create_request(world.services, alice.id, world.show(seasons=(0, 1)), TV, [1, 5])
    assert caught.value.specials is True

    with pytest.raises(InvalidSeasons) as caught:
        await create_request(world.services, alice.id, world.show(seasons=(1,)), TV, [5])
    assert caught.value.specials is False


async def test_managers_list_anyones_requests_and_others_only_their_own(
    world: World, alice: User, bob: User, boss: User
) -> None:
    mine = await request_seasons(world, alice, world.show(seasons=(1,)))
    viewer = world.user("viewer", P.REQUEST_VIEW)

    assert await user_requests(world.services, boss.id, "ALICE") == (alice, [mine], 1)
    assert await user_requests(world.services, viewer.id, f"#{alice.id}") == (alice, [mine], 1)
    assert await user_requests(world.services, alice.id, "alice") == (alice, [mine], 1)
    assert await user_requests(world.services, bob.id, "bob") == (bob, [], 0)
    with pytest.raises(PermissionDenied) as caught:
        await user_requests(world.services, bob.id, "alice")
    assert "only see your own" in caught.value.action
    with pytest.raises(NotFound):
        await user_requests(world.services, boss.id, "nobody")
    with pytest.raises(NotFound):
        await user_requests(world.services, boss.id, "99999999999999999999")
