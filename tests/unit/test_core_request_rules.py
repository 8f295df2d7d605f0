"""Seerr's rules of requesting, called directly on plain values: no unit of work, no fakes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

import pytest

from core.domain import MediaRequest, QuotaStatus, RequestStatus, SeasonRequest
from core.errors import (
    Blocklisted,
    DuplicateRequest,
    InvalidInput,
    InvalidSeasons,
    PermissionDenied,
    QuotaExceeded,
)
from core.identity import User
from core.media import Media, MediaDetails, MediaStatus, MediaType, SeasonInfo
from core.permissions import Permission
from core.request_rules import (
    auto_approves,
    check_can_request,
    check_manages_requests,
    check_may_request_for_others,
    check_quota,
    decider_id,
    plan_request,
    wanted_seasons,
)

P = Permission
M = MediaStatus
MOVIE = MediaType.MOVIE
TV = MediaType.TV
NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def user(permissions: Permission = P.REQUEST, user_id: int = 1) -> User:
    return User(id=user_id, display_name=f"user {user_id}", permissions=permissions)


def movie(status: MediaStatus = M.UNKNOWN, *, status_4k: MediaStatus = M.UNKNOWN) -> Media:
    return Media(1, 100, MOVIE, "Alien", 1979, None, status=status, status_4k=status_4k)


def show(seasons: dict[int, MediaStatus] | None = None, status: MediaStatus = M.UNKNOWN) -> Media:
    return Media(2, 200, TV, "Severance", 2022, None, status=status, season_statuses=seasons or {})


def show_details(*numbers: int) -> MediaDetails:
    seasons = tuple(SeasonInfo(n, 9) for n in numbers)
    return MediaDetails(200, TV, "Severance", 2022, "", None, seasons=seasons)


MOVIE_DETAILS = MediaDetails(100, MOVIE, "Alien", 1979, "", None)


def request(
    media: Media,
    *seasons: int,
    status: RequestStatus = RequestStatus.PENDING,
    modified_by: User | None = None,
) -> MediaRequest:
    return MediaRequest(
        id=7,
        media=media,
        status=status,
        requested_by=user(user_id=9),
        created_at=NOW,
        updated_at=NOW,
        seasons=tuple(SeasonRequest(n, status) for n in seasons),
        modified_by=modified_by,
    )


def quota(limit: int | None, used: int) -> QuotaStatus:
    remaining = None if limit is None else max(0, limit - used)
    return QuotaStatus(days=7, limit=limit, used=used, remaining=remaining, restricted=False)


@pytest.mark.parametrize(
    ("permissions", "media_type", "is_4k"),
    [
        (P.REQUEST, MOVIE, False),
        (P.REQUEST, TV, False),
        (P.REQUEST_MOVIE, MOVIE, False),
        (P.REQUEST_TV, TV, False),
        (P.REQUEST_4K, TV, True),
        (P.REQUEST_4K_MOVIE, MOVIE, True),
        (P.ADMIN, MOVIE, True),
    ],
)
def test_a_user_with_the_general_or_specific_permission_may_request(
    permissions: Permission, media_type: MediaType, is_4k: bool
) -> None:
    check_can_request(user(permissions), media_type, is_4k)


@pytest.mark.parametrize(
    ("permissions", "media_type", "is_4k", "action"),
    [
        (P.REQUEST_TV, MOVIE, False, "request a movie"),
        (P.REQUEST_MOVIE, TV, False, "request a tv"),
        (P.REQUEST, MOVIE, True, "request in 4K"),
        (P.REQUEST_4K_TV, MOVIE, True, "request in 4K"),
        (P.NONE, TV, False, "request a tv"),
    ],
)
def test_a_user_without_the_permission_is_refused_naming_what_would_do(
    permissions: Permission, media_type: MediaType, is_4k: bool, action: str
) -> None:
    with pytest.raises(PermissionDenied) as denied:
        check_can_request(user(permissions), media_type, is_4k)

    assert denied.value.action == action
    assert denied.value.any_of
    assert len(denied.value.required) == 2


@pytest.mark.parametrize(
    ("permissions", "media_type", "is_4k", "approves"),
    [
        (P.REQUEST, MOVIE, False, False),
        (P.AUTO_APPROVE, TV, False, True),
        (P.AUTO_APPROVE_MOVIE, MOVIE, False, True),
        (P.AUTO_APPROVE_MOVIE, TV, False, False),
        (P.AUTO_APPROVE, MOVIE, True, False),
        (P.AUTO_APPROVE_4K_TV, TV, True, True),
        (P.AUTO_APPROVE_4K, TV, False, False),
        (P.MANAGE_REQUESTS, MOVIE, True, True),
    ],
)
def test_auto_approval_follows_the_matching_auto_approve_permission(
    permissions: Permission, media_type: MediaType, is_4k: bool, approves: bool
) -> None:
    assert auto_approves(user(permissions), media_type, is_4k) is approves


def test_requesting_for_others_needs_both_manage_users_and_manage_requests() -> None:
    check_may_request_for_others(user(P.MANAGE_USERS | P.MANAGE_REQUESTS))
    for partial in (P.MANAGE_USERS, P.MANAGE_REQUESTS):
        with pytest.raises(PermissionDenied) as denied:
            check_may_request_for_others(user(partial))
        assert denied.value.required == (P.MANAGE_USERS, P.MANAGE_REQUESTS)


def test_managing_requests_needs_manage_requests_and_names_the_action() -> None:
    check_manages_requests(user(P.MANAGE_REQUESTS), "approve requests")
    with pytest.raises(PermissionDenied) as denied:
        check_manages_requests(user(P.REQUEST | P.MANAGE_USERS), "approve requests")

    assert denied.value.action == "approve requests"


@pytest.mark.parametrize("asked", [None, "all"])
def test_all_seasons_are_every_season_but_the_specials(asked: Literal["all"] | None) -> None:
    assert wanted_seasons(show_details(0, 1, 2, 3), asked) == (1, 2, 3)


def test_seasons_asked_for_are_sorted_once_each_and_may_include_the_specials() -> None:
    assert wanted_seasons(show_details(0, 1, 2, 3), [3, 1, 3, 0]) == (0, 1, 3)


def test_unknown_seasons_are_named_with_those_there_are() -> None:
    with pytest.raises(InvalidSeasons) as invalid:
        wanted_seasons(show_details(0, 1, 2), [2, 5, 9])

    assert invalid.value.unknown == (5, 9)
    assert invalid.value.available == (1, 2)
    assert invalid.value.specials


def test_a_show_without_regular_seasons_has_none_to_request() -> None:
    with pytest.raises(InvalidSeasons) as invalid:
        wanted_seasons(show_details(0), "all")

    assert invalid.value.available == ()
    assert not invalid.value.specials


def test_an_empty_season_list_is_invalid_input() -> None:
    with pytest.raises(InvalidInput) as invalid:
        wanted_seasons(show_details(1), [])

    assert invalid.value.field == "seasons"


def test_a_movie_has_no_seasons_to_ask_for() -> None:
    assert wanted_seasons(MOVIE_DETAILS, None) == ()
    assert wanted_seasons(MOVIE_DETAILS, "all") == ()
    with pytest.raises(InvalidInput):
        wanted_seasons(MOVIE_DETAILS, [1])


def test_a_quota_refuses_when_fewer_slots_remain_than_needed_and_reports_what_was_asked() -> None:
    check_quota(quota(5, 3), TV, need=2, asked=4)
    with pytest.raises(QuotaExceeded) as exceeded:
        check_quota(quota(5, 3), TV, need=3, asked=4)

    assert (exceeded.value.limit, exceeded.value.used, exceeded.value.days) == (5, 3, 7)
    assert exceeded.value.requested == 4


def test_no_quota_or_no_limit_never_refuses() -> None:
    check_quota(None, MOVIE, need=100, asked=100)
    check_quota(quota(None, 50), MOVIE, need=100, asked=100)


def test_a_movie_nobody_asked_for_is_requested_and_waits_for_approval() -> None:
    plan = plan_request(user(), movie(), [], (), None, is_4k=False)

    assert plan.creates
    assert (plan.seasons, plan.skipped) == ((), ())
    assert (plan.status, plan.media_status) == (RequestStatus.PENDING, M.PENDING)


def test_an_auto_approving_actor_makes_the_request_approved_and_the_title_processing() -> None:
    plan = plan_request(user(P.AUTO_APPROVE), movie(), [], (), None, is_4k=False)

    assert plan.auto_approved
    assert (plan.status, plan.media_status) == (RequestStatus.APPROVED, M.PROCESSING)


def test_a_blocklisted_title_is_refused_in_its_own_quality() -> None:
    with pytest.raises(Blocklisted):
        plan_request(user(), movie(M.BLOCKLISTED), [], (), None, is_4k=False)
    with pytest.raises(Blocklisted):
        plan_request(user(), movie(status_4k=M.BLOCKLISTED), [], (), None, is_4k=True)

    assert plan_request(user(), movie(status_4k=M.BLOCKLISTED), [], (), None, is_4k=False).creates


def test_a_movie_with_an_active_request_is_a_duplicate_of_it() -> None:
    first = request(movie(), status=RequestStatus.FAILED)

    with pytest.raises(DuplicateRequest) as duplicate:
        plan_request(user(), movie(), [first], (), None, is_4k=False)

    assert duplicate.value.existing is first


def test_an_available_movie_is_not_requested_again() -> None:
    plan = plan_request(user(), movie(M.AVAILABLE), [], (), quota(1, 1), is_4k=False)

    assert not plan.creates
    assert plan.already_available


def test_seasons_requested_or_under_way_are_skipped() -> None:
    media = show({2: M.PROCESSING, 3: M.AVAILABLE, 4: M.DELETED})
    active = [request(media, 1)]

    plan = plan_request(user(), media, active, (1, 2, 3, 4, 5), None, is_4k=False)

    assert (plan.seasons, plan.skipped) == ((4, 5), (1, 2, 3))


def test_a_4k_request_ignores_the_regular_season_statuses() -> None:
    media = show({1: M.AVAILABLE, 2: M.PENDING})

    plan = plan_request(user(P.REQUEST_4K), media, [], (1, 2), None, is_4k=True)

    assert (plan.seasons, plan.skipped) == ((1, 2), ())


def test_nothing_left_to_request_hands_back_the_requests_that_took_the_seasons() -> None:
    media = show()
    active = [request(media, 1), request(media, 2)]

    plan = plan_request(user(), media, active, (1, 2), quota(1, 1), is_4k=False)

    assert not plan.creates
    assert plan.skipped == (1, 2)
    assert plan.existing == tuple(active)


def test_the_series_quota_counts_only_the_seasons_left_to_request() -> None:
    media = show({1: M.AVAILABLE})

    plan = plan_request(user(), media, [], (1, 2, 3), quota(4, 2), is_4k=False)
    assert plan.seasons == (2, 3)
    with pytest.raises(QuotaExceeded) as exceeded:
        plan_request(user(), media, [], (1, 2, 3, 4), quota(4, 2), is_4k=False)

    assert exceeded.value.requested == 3


def test_a_request_moved_on_by_the_system_keeps_who_decided_it() -> None:
    boss = user(P.MANAGE_REQUESTS, user_id=3)

    assert decider_id(request(movie(), modified_by=boss)) == 3
    assert decider_id(request(movie())) is None
