"""Seerr's rules of requesting, as pure functions: who may request what, which seasons, within
which quota, and whether a request is approved at once.

They read no storage: the use cases load the user, the title's state, its active requests and
the quota, and hand them in. Each returns a decision or raises a core error.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from core.domain import MediaRequest, QuotaStatus, RequestStatus
from core.errors import (
    Blocklisted,
    DuplicateRequest,
    InvalidInput,
    InvalidSeasons,
    PermissionDenied,
    QuotaExceeded,
)
from core.identity import User
from core.media import SPECIALS, Media, MediaDetails, MediaStatus, MediaType
from core.permissions import Permission, has_all, has_any

ALL: Literal["all"] = "all"

# Season (and media) statuses that take a season out of a new request.
_TAKEN = frozenset(
    {
        MediaStatus.PENDING,
        MediaStatus.PROCESSING,
        MediaStatus.PARTIALLY_AVAILABLE,
        MediaStatus.AVAILABLE,
    }
)


@dataclass(frozen=True, slots=True)
class RequestPlan:
    """What a request attempt that broke no rule comes to: the seasons to request (none for a
    movie) and those already taken, and whether it is approved at once. When ``creates`` is
    False nothing is left to request: the movie is ``already_available``, or every season
    asked for is taken (``existing`` holds the active requests)."""

    creates: bool
    seasons: tuple[int, ...] = ()
    skipped: tuple[int, ...] = ()
    auto_approved: bool = False
    existing: tuple[MediaRequest, ...] = ()
    already_available: bool = False

    @property
    def status(self) -> RequestStatus:
        """The status the new request starts in."""
        return RequestStatus.APPROVED if self.auto_approved else RequestStatus.PENDING

    @property
    def media_status(self) -> MediaStatus:
        """The status the title (and its requested seasons) moves to."""
        return MediaStatus.PROCESSING if self.auto_approved else MediaStatus.PENDING


def check_manages_requests(actor: User, action: str) -> None:
    """Raise PermissionDenied unless ``actor`` holds MANAGE_REQUESTS (to do ``action``)."""
    if not has_any(actor.permissions, Permission.MANAGE_REQUESTS):
        raise PermissionDenied(action, (Permission.MANAGE_REQUESTS,))


def check_may_request_for_others(actor: User) -> None:
    """Raise PermissionDenied unless ``actor`` may request on another user's behalf."""
    if not has_all(actor.permissions, Permission.MANAGE_USERS, Permission.MANAGE_REQUESTS):
        raise PermissionDenied(
            "request for another user",
            (Permission.MANAGE_USERS, Permission.MANAGE_REQUESTS),
        )


def check_can_request(user: User, media_type: MediaType, is_4k: bool) -> None:
    """Raise PermissionDenied unless ``user`` may request this kind of title (in 4K or not)."""
    if is_4k:
        specific = (
            Permission.REQUEST_4K_MOVIE
            if media_type is MediaType.MOVIE
            else Permission.REQUEST_4K_TV
        )
        if not has_any(user.permissions, Permission.REQUEST_4K, specific):
            raise PermissionDenied("request in 4K", (Permission.REQUEST_4K, specific), any_of=True)
        return
    specific = Permission.REQUEST_MOVIE if media_type is MediaType.MOVIE else Permission.REQUEST_TV
    if not has_any(user.permissions, Permission.REQUEST, specific):
        raise PermissionDenied(
            f"request a {media_type}", (Permission.REQUEST, specific), any_of=True
        )


def auto_approves(actor: User, media_type: MediaType, is_4k: bool) -> bool:
    """Seerr: the acting user's AUTO_APPROVE family, or MANAGE_REQUESTS, approves at once."""
    if is_4k:
        general, movie, tv = (
            Permission.AUTO_APPROVE_4K,
            Permission.AUTO_APPROVE_4K_MOVIE,
            Permission.AUTO_APPROVE_4K_TV,
        )
    else:
        general, movie, tv = (
            Permission.AUTO_APPROVE,
            Permission.AUTO_APPROVE_MOVIE,
            Permission.AUTO_APPROVE_TV,
        )
    specific = movie if media_type is MediaType.MOVIE else tv
    return has_any(actor.permissions, general, specific, Permission.MANAGE_REQUESTS)


def wanted_seasons(
    details: MediaDetails, seasons: Sequence[int] | Literal["all"] | None
) -> tuple[int, ...]:
    """The season numbers asked for, sorted ("all" or None: every season but the specials);
    none for a movie. Raises InvalidInput or InvalidSeasons."""
    if details.media_type is MediaType.MOVIE:
        if seasons not in (None, ALL, ()):
            raise InvalidInput("seasons", seasons, "movies have no seasons")
        return ()
    available = details.requestable_seasons
    if seasons is None or seasons == ALL:
        if not available:
            raise InvalidSeasons((), available)
        return available
    wanted = tuple(sorted(set(seasons)))
    if not wanted:
        raise InvalidInput("seasons", [], "choose at least one season")
    known = {s.season_number for s in details.seasons}
    unknown = tuple(n for n in wanted if n not in known)
    if unknown:
        raise InvalidSeasons(unknown, available, specials=SPECIALS in known)
    return wanted


def check_quota(quota: QuotaStatus | None, media_type: MediaType, *, need: int, asked: int) -> None:
    """Raise QuotaExceeded when fewer than ``need`` slots remain; the error reports ``asked``."""
    if quota is None or quota.limit is None or quota.days is None:
        return  # not limited
    if (quota.remaining or 0) < need:
        raise QuotaExceeded(media_type, quota.limit, quota.used, quota.days, asked, quota.resets_at)


def plan_request(
    actor: User,
    media: Media,
    active: Sequence[MediaRequest],
    wanted: Sequence[int],
    quota: QuotaStatus | None,
    *,
    is_4k: bool,
) -> RequestPlan:
    """What requesting ``wanted`` (see wanted_seasons) of ``media``, whose ``active`` requests
    are those neither declined nor completed, comes to. Raises Blocklisted, DuplicateRequest
    (a movie already requested) or QuotaExceeded (fewer slots left than seasons to request)."""
    media_type = media.media_type
    current = media.status_4k if is_4k else media.status
    if current is MediaStatus.BLOCKLISTED:
        raise Blocklisted(media)
    if media_type is MediaType.MOVIE:
        if active:
            raise DuplicateRequest(active[0])
        if current is MediaStatus.AVAILABLE:
            return RequestPlan(creates=False, already_available=True)
        chosen: tuple[int, ...] = ()
        skipped: tuple[int, ...] = ()
    else:
        taken = {n for r in active for n in r.season_numbers}
        if not is_4k:
            taken |= {n for n, st in media.season_statuses.items() if st in _TAKEN}
        chosen = tuple(n for n in wanted if n not in taken)
        skipped = tuple(n for n in wanted if n in taken)
        if not chosen:
            return RequestPlan(creates=False, skipped=skipped, existing=tuple(active))
        check_quota(quota, media_type, need=len(chosen), asked=len(chosen))
    auto = auto_approves(actor, media_type, is_4k)
    return RequestPlan(creates=True, seasons=chosen, skipped=skipped, auto_approved=auto)


def decider_id(request: MediaRequest) -> int | None:
    """Who is kept as having changed a request the system moves on (failed, completed): the
    person who decided it."""
    return request.modified_by.id if request.modified_by else None
