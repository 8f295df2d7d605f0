"""Quotas: Seerr's report, per-user overrides over global defaults, the rolling window."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core import user_admin
from core.domain import QuotaReport, QuotaStatus
from core.errors import InvalidInput, NotFound, PermissionDenied
from core.identity import QuotaLimits, User
from core.permissions import Permission
from core.quotas import counted_against, get_defaults, get_quota, quota_of, set_defaults
from core.requests import create_request
from core.services import CoreConfig
from tests.core_fixtures import MOVIE, TV, World

P = Permission


@pytest.fixture
def world() -> World:
    return World()


async def request_movies(world: World, user: User, count: int) -> None:
    for _ in range(count):
        await create_request(world.services, user.id, world.movie(), MOVIE)


async def test_the_report_has_seerrs_shape(world: World) -> None:
    alice = world.user(
        "alice", quota=QuotaLimits(movie_limit=3, movie_days=7, tv_limit=5, tv_days=14)
    )
    used_at = world.clock.now()
    await request_movies(world, alice, 1)
    await create_request(world.services, alice.id, world.show(seasons=(0, 1, 2)), TV, "all")

    report = await get_quota(world.services, alice.id)

    assert report == QuotaReport(
        movie=QuotaStatus(
            days=7,
            limit=3,
            used=1,
            remaining=2,
            restricted=False,
            resets_at=used_at + timedelta(days=7),
        ),
        tv=QuotaStatus(
            days=14,
            limit=5,
            used=2,
            remaining=3,
            restricted=False,
            resets_at=used_at + timedelta(days=14),
        ),
    )


async def test_a_user_at_the_limit_is_restricted(world: World) -> None:
    alice = world.user("alice", quota=QuotaLimits(movie_limit=2))
    await request_movies(world, alice, 2)

    movie = (await get_quota(world.services, alice.id)).movie

    assert (movie.used, movie.remaining, movie.restricted) == (2, 0, True)


async def test_without_overrides_or_defaults_nobody_is_limited(world: World) -> None:
    alice = world.user("alice")
    await request_movies(world, alice, 4)

    report = await get_quota(world.services, alice.id)

    assert report.movie == QuotaStatus(days=7, limit=None, used=4, remaining=None, restricted=False)
    assert report.tv.limit is None


async def test_the_global_defaults_apply_to_users_without_overrides(world: World) -> None:
    world.configure(CoreConfig(quota_defaults=QuotaLimits(movie_limit=5, movie_days=30)))
    alice = world.user("alice")

    movie = (await get_quota(world.services, alice.id)).movie

    assert (movie.limit, movie.days) == (5, 30)


async def test_per_user_overrides_win_field_by_field(world: World) -> None:
    defaults = QuotaLimits(movie_limit=5, movie_days=30, tv_limit=10, tv_days=30)
    world.configure(CoreConfig(quota_defaults=defaults))
    alice = world.user("alice", quota=QuotaLimits(movie_limit=1, tv_days=3))

    report = await get_quota(world.services, alice.id)

    assert (report.movie.limit, report.movie.days) == (1, 30)
    assert (report.tv.limit, report.tv.days) == (10, 3)


@pytest.mark.parametrize("perms", [P.MANAGE_USERS | P.REQUEST, P.ADMIN])
async def test_user_managers_and_admins_are_unlimited(world: World, perms: Permission) -> None:
    world.configure(CoreConfig(quota_defaults=QuotaLimits(movie_limit=1, tv_limit=1)))
    boss = world.user("boss", perms, quota=QuotaLimits(movie_limit=1))
    await request_movies(world, boss, 3)

    report = await get_quota(world.services, boss.id)

    assert (report.movie.limit, report.movie.used, report.movie.restricted) == (None, 3, False)
    assert (report.tv.limit, report.tv.restricted) == (None, False)


async def test_the_window_rolls(world: World) -> None:
    alice = world.user("alice", quota=QuotaLimits(movie_limit=2, movie_days=7))
    await request_movies(world, alice, 1)
    second_at = world.clock.advance(days=3)
    await request_movies(world, alice, 1)

    world.clock.advance(days=3)
    full = (await get_quota(world.services, alice.id)).movie
    world.clock.advance(days=1, seconds=1)
    one_out = (await get_quota(world.services, alice.id)).movie
    world.clock.advance(days=3)
    both_out = (await get_quota(world.services, alice.id)).movie

    assert (full.used, full.restricted) == (2, True)
    assert (one_out.used, one_out.restricted) == (1, False)
    assert one_out.resets_at == second_at + timedelta(days=7)
    assert (both_out.used, both_out.resets_at) == (0, None)


async def test_looking_at_another_users_quota_needs_manage_users(world: World) -> None:
    alice, bob = world.user("alice"), world.user("bob")
    manager = world.user("manager", P.MANAGE_USERS)

    with pytest.raises(PermissionDenied):
        await get_quota(world.services, bob.id, alice.id)
    with pytest.raises(NotFound):
        await get_quota(world.services, manager.id, 999)
    assert await get_quota(world.services, manager.id, alice.id) == await get_quota(
        world.services, alice.id
    )


async def test_the_bot_reads_any_users_quota_for_an_approval_card(world: World) -> None:
    world.configure(CoreConfig(quota_defaults=QuotaLimits(movie_limit=2, movie_days=7)))
    alice = world.user("alice")
    await create_request(world.services, alice.id, world.movie(), MOVIE)

    report = await quota_of(world.services, alice.id)

    assert report == await get_quota(world.services, alice.id)
    assert (report.movie.used, report.movie.limit) == (1, 2)
    with pytest.raises(NotFound):
        await quota_of(world.services, 999)


async def test_a_card_shows_the_quota_its_request_counts_against(world: World) -> None:
    limits = QuotaLimits(movie_limit=2, movie_days=7, tv_limit=5, tv_days=14)
    world.configure(CoreConfig(quota_defaults=limits))
    alice = world.user("alice")
    await create_request(world.services, alice.id, world.movie(), MOVIE)

    movies = await counted_against(world.services, alice.id, MOVIE)
    seasons = await counted_against(world.services, alice.id, TV)

    assert movies is not None
    assert (movies.used, movies.limit, movies.days) == (1, 2, 7)
    assert seasons is not None
    assert (seasons.used, seasons.limit, seasons.days) == (0, 5, 14)
    assert await counted_against(world.services, 999, MOVIE) is None  # the card goes without


async def test_changing_the_defaults_needs_manage_settings(world: World) -> None:
    manager = world.user("manager", P.MANAGE_USERS | P.MANAGE_REQUESTS)
    new = QuotaLimits(movie_limit=2, movie_days=14)

    with pytest.raises(PermissionDenied):
        await set_defaults(world.services, manager.id, new)

    assert await get_defaults(world.services) == QuotaLimits()


@pytest.mark.parametrize("perms", [P.MANAGE_SETTINGS, P.ADMIN])
async def test_saved_defaults_replace_the_configured_ones(world: World, perms: Permission) -> None:
    world.configure(CoreConfig(quota_defaults=QuotaLimits(movie_limit=9, tv_limit=9)))
    admin = world.user("admin", perms)
    alice = world.user("alice")
    new = QuotaLimits(movie_limit=2, movie_days=14)

    await set_defaults(world.services, admin.id, new)
    report = await get_quota(world.services, alice.id)

    assert await get_defaults(world.services) == new
    assert (report.movie.limit, report.movie.days) == (2, 14)
    assert report.tv.limit is None


async def test_negative_defaults_are_invalid(world: World) -> None:
    admin = world.user("admin", P.ADMIN)

    with pytest.raises(InvalidInput):
        await set_defaults(world.services, admin.id, QuotaLimits(tv_days=-1))

    assert world.db.setting("quota_defaults") is None


async def test_a_limit_of_zero_means_unlimited_as_in_seerr(world: World) -> None:
    alice = world.user("alice", quota=QuotaLimits(movie_limit=0, movie_days=7))
    await request_movies(world, alice, 4)

    report = await get_quota(world.services, alice.id)

    assert report.movie.limit is None
    assert report.movie.restricted is False
    assert report.movie.used == 4


@pytest.mark.parametrize(
    "limits",
    [QuotaLimits(movie_days=3651), QuotaLimits(tv_limit=100_001), QuotaLimits(movie_limit=-1)],
)
async def test_quota_limits_and_windows_out_of_bounds_are_refused(
    world: World, limits: QuotaLimits
) -> None:
    admin = world.user("admin", P.ADMIN)
    alice = world.user("alice")

    with pytest.raises(InvalidInput):
        await set_defaults(world.services, admin.id, limits)
    with pytest.raises(InvalidInput):
        await user_admin.set_user_quota(world.services, admin.id, alice.id, limits)
