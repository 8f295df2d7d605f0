"""The request lifecycle: create, approve, decline, cancel, retry, fail, complete."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from core.domain import CreateResult, MediaRequest, QuotaStatus, RequestStatus
from core.errors import (
    AlreadyDecided,
    Blocklisted,
    DuplicateRequest,
    InvalidInput,
    InvalidSeasons,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    QuotaExceeded,
)
from core.events import EventKind, EventPayload
from core.identity import User
from core.media import DisplayStatus, Media, MediaDetails, MediaStatus, MediaType
from core.notifications import WATCHER_EVENTS
from core.permissions import Permission, has_all, has_any
from core.ports import UnitOfWork
from core.quotas import ENFORCED_DEFAULTS_MAX_AGE, limiting_quota, load_defaults
from core.search import display_status
from core.services import Services, in_transaction
from core.users import is_named, named_user

ALL: Literal["all"] = "all"
SPECIALS = 0  # TMDb's season number for specials
MAX_REASON = 500
SYSTEM = None  # actor of changes made by jobs rather than people

# Season (and media) statuses that take a season out of a new request.
_TAKEN = frozenset(
    {
        MediaStatus.PENDING,
        MediaStatus.PROCESSING,
        MediaStatus.PARTIALLY_AVAILABLE,
        MediaStatus.AVAILABLE,
    }
)
_KEEP_MEDIA_STATUS = frozenset(
    {MediaStatus.AVAILABLE, MediaStatus.PARTIALLY_AVAILABLE, MediaStatus.BLOCKLISTED}
)


@dataclass(frozen=True, slots=True)
class TitleState:
    """A title's details with its status here and each season's (for season pickers)."""

    details: MediaDetails
    status: DisplayStatus
    seasons: dict[int, DisplayStatus]
    active_requests: tuple[MediaRequest, ...]
    # Season 0 (specials), when the show has one: left out of ``seasons`` and of "all", as in
    # Seerr, but it can be asked for by its number, so a card can say where it stands.
    specials: DisplayStatus | None = None


# ----- helpers shared by the use cases -------------------------------------------------


async def _user(uow: UnitOfWork, user_id: int, *, for_update: bool = False) -> User:
    user = await uow.users.get(user_id, for_update=for_update)
    if user is None:
        raise NotFound("user", user_id)
    return user


async def _manager(uow: UnitOfWork, actor_id: int, action: str) -> User:
    actor = await _user(uow, actor_id)
    if not has_any(actor.permissions, Permission.MANAGE_REQUESTS):
        raise PermissionDenied(action, (Permission.MANAGE_REQUESTS,))
    return actor


async def _request(uow: UnitOfWork, request_id: int) -> MediaRequest:
    request = await uow.requests.get(request_id, for_update=True)
    if request is None:
        raise NotFound("request", request_id)
    return request


def _require_pending(request: MediaRequest) -> None:
    if request.status is not RequestStatus.PENDING:
        raise AlreadyDecided(request, request.modified_by, request.updated_at)


def snapshot(request: MediaRequest, actor: User | None, reason: str | None = None) -> EventPayload:
    """The request as an event reports it (what adapters show on a card)."""
    media = request.media
    return EventPayload(
        request_id=request.id,
        media_type=media.media_type,
        tmdb_id=media.tmdb_id,
        title=media.title,
        year=media.year,
        poster_path=media.poster_path,
        overview=media.overview,
        is_4k=request.is_4k,
        seasons=request.season_numbers,
        requested_by_id=request.requested_by.id,
        requested_by_name=request.requested_by.display_name,
        actor_id=actor.id if actor else None,
        actor_name=actor.display_name if actor else None,
        status=request.status,
        reason=reason,
    )


async def _record(
    uow: UnitOfWork,
    kind: EventKind,
    request: MediaRequest,
    actor: User | None,
    now: datetime,
    reason: str | None = None,
) -> None:
    """Write the outbox row in the same transaction as the change it reports, with the
    title's watchers when they hear of this kind of change."""
    payload = snapshot(request, actor, reason)
    if kind in WATCHER_EVENTS:
        watchers = await uow.watchers.user_ids(request.media.id)
        payload = replace(payload, watcher_ids=tuple(watchers))
    await uow.events.add(kind, payload, now)


def _media_status(media: Media, is_4k: bool) -> MediaStatus:
    return media.status_4k if is_4k else media.status


async def _advance_media(
    uow: UnitOfWork,
    media: Media,
    status: MediaStatus,
    seasons: Sequence[int],
    is_4k: bool,
    now: datetime,
) -> Media:
    """Move media (and the given seasons) to PENDING or PROCESSING without hiding
    availability; return the media as it now is."""
    current = _media_status(media, is_4k)
    keep = current in _KEEP_MEDIA_STATUS or (
        current is MediaStatus.PROCESSING and status is MediaStatus.PENDING
    )
    if not keep and current is not status:
        await uow.media.set_status(media.id, status, now, is_4k=is_4k)
        media = replace(media, status_4k=status) if is_4k else replace(media, status=status)
    if seasons and not is_4k:
        changes = {
            n: status
            for n in seasons
            if media.season_statuses.get(n, MediaStatus.UNKNOWN) not in _KEEP_MEDIA_STATUS
        }
        if changes:
            await uow.media.set_season_statuses(media.id, changes, now)
            merged = {**media.season_statuses, **changes}
            media = replace(media, season_statuses=dict(sorted(merged.items())))
    return media


async def _release_media(
    uow: UnitOfWork, request: MediaRequest, now: datetime, *, still_active: Sequence[MediaRequest]
) -> None:
    """After a decline or cancel: reset media and seasons nobody else is waiting for."""
    media = request.media
    others = [r for r in still_active if r.id != request.id]
    current = _media_status(media, request.is_4k)
    if not others and current not in _KEEP_MEDIA_STATUS:
        await uow.media.set_status(media.id, MediaStatus.UNKNOWN, now, is_4k=request.is_4k)
    if request.seasons and not request.is_4k:
        wanted = {n for r in others for n in r.season_numbers}
        changes = {
            n: MediaStatus.UNKNOWN
            for n in request.season_numbers
            if n not in wanted
            and media.season_statuses.get(n, MediaStatus.UNKNOWN) not in _KEEP_MEDIA_STATUS
        }
        if changes:
            await uow.media.set_season_statuses(media.id, changes, now)


async def _locked_media(uow: UnitOfWork, request: MediaRequest) -> Media:
    """The request's media as it is now, locked (PostgreSQL), so that a library scan
    committing "available" meanwhile is not overwritten with a stale status."""
    media = request.media
    found = await uow.media.get_by_tmdb(media.tmdb_id, media.media_type, for_update=True)
    return found or media


def _modifier_id(request: MediaRequest) -> int | None:
    """Keep who decided a request when the system moves it on (failed, completed)."""
    return request.modified_by.id if request.modified_by else None


def _check_can_request(user: User, media_type: MediaType, is_4k: bool) -> None:
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


def _auto_approves(actor: User, media_type: MediaType, is_4k: bool) -> bool:
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


def _wanted_seasons(
    details: MediaDetails, seasons: Sequence[int] | Literal["all"] | None
) -> tuple[int, ...]:
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


def _check_quota(
    quota: QuotaStatus | None, media_type: MediaType, *, need: int, asked: int
) -> None:
    """Raise QuotaExceeded when fewer than ``need`` slots remain; the error reports ``asked``."""
    if quota is None or quota.limit is None or quota.days is None:
        return  # not limited
    if (quota.remaining or 0) < need:
        raise QuotaExceeded(media_type, quota.limit, quota.used, quota.days, asked, quota.resets_at)


# ----- use cases ---------------------------------------------------------------------


async def create_request(
    services: Services,
    actor_id: int,
    tmdb_id: int,
    media_type: MediaType,
    seasons: Sequence[int] | Literal["all"] | None = None,
    *,
    is_4k: bool = False,
    on_behalf_of: int | None = None,
    then: Callable[[UnitOfWork, CreateResult], Awaitable[None]] | None = None,
) -> CreateResult:
    """Request a movie, or seasons of a show ("all" means every season but the specials),
    with Seerr's permission, quota, duplicate and auto-approval rules. ``then`` runs in the
    same transaction with the outcome: what it writes commits with the request or not at all."""
    details = await services.catalogue.details(tmdb_id, media_type)

    async def work(uow: UnitOfWork) -> CreateResult:
        now = services.clock.now()
        actor = await _user(uow, actor_id, for_update=True)
        requester = actor
        if on_behalf_of is not None and on_behalf_of != actor.id:
            if not has_all(actor.permissions, Permission.MANAGE_USERS, Permission.MANAGE_REQUESTS):
                raise PermissionDenied(
                    "request for another user",
                    (Permission.MANAGE_USERS, Permission.MANAGE_REQUESTS),
                )
            requester = await _user(uow, on_behalf_of, for_update=True)
        _check_can_request(requester, media_type, is_4k)
        wanted = _wanted_seasons(details, seasons)
        defaults = await load_defaults(
            uow, services.config.quota_defaults, max_age=ENFORCED_DEFAULTS_MAX_AGE
        )
        quota = await limiting_quota(uow, requester, defaults, media_type, now)
        # Seerr's step 3: a quota already used up refuses before anything else is looked at.
        _check_quota(quota, media_type, need=1, asked=max(1, len(wanted)))
        media = await uow.media.upsert(details, now)
        current = _media_status(media, is_4k)
        if current is MediaStatus.BLOCKLISTED:
            raise Blocklisted(media)
        active = await uow.requests.active_for_media(media.id, is_4k)
        if media_type is MediaType.MOVIE:
            if active:
                raise DuplicateRequest(active[0])
            if current is MediaStatus.AVAILABLE:
                return CreateResult(None, False, (), already_available=True)
            chosen: tuple[int, ...] = ()
            skipped: tuple[int, ...] = ()
        else:
            taken = {n for r in active for n in r.season_numbers}
            if not is_4k:
                taken |= {n for n, st in media.season_statuses.items() if st in _TAKEN}
            chosen = tuple(n for n in wanted if n not in taken)
            skipped = tuple(n for n in wanted if n in taken)
            if not chosen:
                return CreateResult(None, False, skipped, existing=tuple(active))
            _check_quota(quota, media_type, need=len(chosen), asked=len(chosen))
        auto = _auto_approves(actor, media_type, is_4k)
        status = RequestStatus.APPROVED if auto else RequestStatus.PENDING
        media = await _advance_media(
            uow,
            media,
            MediaStatus.PROCESSING if auto else MediaStatus.PENDING,
            chosen,
            is_4k,
            now,
        )
        request = await uow.requests.add(
            media=media,
            requested_by=requester,
            status=status,
            is_4k=is_4k,
            seasons=chosen,
            modified_by=actor if auto else None,
            now=now,
        )
        kind = EventKind.AUTO_APPROVED if auto else EventKind.PENDING
        await _record(uow, kind, request, actor if auto else None, now)
        return CreateResult(request, auto, skipped)

    async def work_then(uow: UnitOfWork) -> CreateResult:
        result = await work(uow)
        if then is not None:
            await then(uow, result)
        return result

    return await in_transaction(services, work_then, wakes=True)


async def approve_request(services: Services, actor_id: int, request_id: int) -> MediaRequest:
    """Approve a pending request (MANAGE_REQUESTS); a decided one raises AlreadyDecided."""

    async def work(uow: UnitOfWork) -> MediaRequest:
        actor = await _manager(uow, actor_id, "approve requests")
        request = await _request(uow, request_id)
        _require_pending(request)
        now = services.clock.now()
        media = await _locked_media(uow, request)
        await _advance_media(
            uow, media, MediaStatus.PROCESSING, request.season_numbers, request.is_4k, now
        )
        updated = await uow.requests.set_status(
            request.id, RequestStatus.APPROVED, now, modified_by_id=actor.id
        )
        await _record(uow, EventKind.APPROVED, updated, actor, now)
        return updated

    return await in_transaction(services, work, wakes=True)


async def decision_pending(services: Services, actor_id: int, request_id: int) -> MediaRequest:
    """The request a manager is about to decide (asking for a reason first): raises what
    approving or declining it now would raise, and changes nothing."""

    async def work(uow: UnitOfWork) -> MediaRequest:
        await _manager(uow, actor_id, "decline requests")
        request = await uow.requests.get(request_id)
        if request is None:
            raise NotFound("request", request_id)
        _require_pending(request)
        return request

    return await in_transaction(services, work, write=False)


async def decline_request(
    services: Services, actor_id: int, request_id: int, reason: str | None = None
) -> MediaRequest:
    """Decline a pending request with an optional reason (MANAGE_REQUESTS)."""
    text = " ".join(reason.split()) if reason else None
    if text and len(text) > MAX_REASON:
        raise InvalidInput("reason", text[:40] + "...", f"longer than {MAX_REASON} characters")

    async def work(uow: UnitOfWork) -> MediaRequest:
        actor = await _manager(uow, actor_id, "decline requests")
        request = await _request(uow, request_id)
        _require_pending(request)
        now = services.clock.now()
        updated = await uow.requests.set_status(
            request.id,
            RequestStatus.DECLINED,
            now,
            modified_by_id=actor.id,
            decline_reason=text or None,
        )
        active = await uow.requests.active_for_media(request.media.id, request.is_4k)
        await _release_media(uow, request, now, still_active=active)
        await _record(uow, EventKind.DECLINED, updated, actor, now, text or None)
        return updated

    return await in_transaction(services, work, wakes=True)


async def cancel_request(services: Services, actor_id: int, request_id: int) -> MediaRequest:
    """Withdraw a request: the requester while it is pending; managers any time.

    The request row is deleted (as Seerr does); the event keeps a snapshot of it.
    """

    async def work(uow: UnitOfWork) -> MediaRequest:
        actor = await _user(uow, actor_id)
        request = await _request(uow, request_id)
        if not has_any(actor.permissions, Permission.MANAGE_REQUESTS):
            if request.requested_by.id != actor.id:
                raise PermissionDenied(
                    "cancel another user's request", (Permission.MANAGE_REQUESTS,)
                )
            if request.status is not RequestStatus.PENDING:
                raise InvalidTransition(request.id, request.status, "cancel")
        now = services.clock.now()
        await uow.requests.delete(request.id)
        active = await uow.requests.active_for_media(request.media.id, request.is_4k)
        await _release_media(uow, request, now, still_active=active)
        await _record(uow, EventKind.CANCELLED, request, actor, now)
        return request

    return await in_transaction(services, work, wakes=True)


async def retry_request(services: Services, actor_id: int, request_id: int) -> MediaRequest:
    """Send a failed request again: it becomes APPROVED (MANAGE_REQUESTS)."""

    async def work(uow: UnitOfWork) -> MediaRequest:
        actor = await _manager(uow, actor_id, "retry requests")
        request = await _request(uow, request_id)
        if request.status is not RequestStatus.FAILED:
            raise InvalidTransition(request.id, request.status, "retry")
        now = services.clock.now()
        updated = await uow.requests.set_status(
            request.id, RequestStatus.APPROVED, now, modified_by_id=actor.id
        )
        media = await _locked_media(uow, request)
        await _advance_media(
            uow, media, MediaStatus.PROCESSING, request.season_numbers, request.is_4k, now
        )
        await _record(uow, EventKind.APPROVED, updated, actor, now, "retry")
        return updated

    return await in_transaction(services, work, wakes=True)


async def fail_request(services: Services, request_id: int, reason: str) -> MediaRequest:
    """Mark an approved request FAILED (the downloader refused it); managers are told."""

    async def work(uow: UnitOfWork) -> MediaRequest:
        request = await _request(uow, request_id)
        if request.status is not RequestStatus.APPROVED:
            raise InvalidTransition(request.id, request.status, "fail")
        now = services.clock.now()
        text = " ".join(reason.split())[:MAX_REASON] or "unknown error"
        updated = await uow.requests.set_status(
            request.id,
            RequestStatus.FAILED,
            now,
            modified_by_id=_modifier_id(request),
            fail_reason=text,
        )
        await _record(uow, EventKind.FAILED, updated, SYSTEM, now, text)
        return updated

    return await in_transaction(services, work, wakes=True)


# How far along a season or title is, to never move one back (a scan that briefly sees
# fewer files must not undo "available").
_PROGRESS = {
    MediaStatus.UNKNOWN: 0,
    MediaStatus.DELETED: 0,
    MediaStatus.PENDING: 1,
    MediaStatus.PROCESSING: 2,
    MediaStatus.PARTIALLY_AVAILABLE: 3,
    MediaStatus.AVAILABLE: 4,
}


def moves_forward(current: MediaStatus, new: MediaStatus) -> bool:
    """Whether ``new`` is further along than ``current`` (blocklisted titles never move)."""
    return _PROGRESS.get(new, -1) > _PROGRESS.get(current, 5)


async def record_availability(
    uow: UnitOfWork,
    media: Media,
    now: datetime,
    *,
    seasons: Mapping[int, MediaStatus] | None = None,
    all_seasons: Sequence[int] = (),
    is_4k: bool = False,
) -> list[MediaRequest]:
    """Inside a transaction: the media server or a downloader has ``media`` (TV: the given
    seasons, each AVAILABLE or PARTIALLY_AVAILABLE). Move the title and its seasons forward
    (never back), complete every approved request now satisfied and record its AVAILABLE
    event for the requester and the watchers; return the completed requests.

    A show is AVAILABLE when every season in ``all_seasons`` (the catalogue's regular
    seasons) is, else PARTIALLY_AVAILABLE. 4K season statuses are not tracked: for 4K the
    given seasons decide alone.
    """
    current = _media_status(media, is_4k)
    season_states = {} if is_4k else dict(media.season_statuses)
    if media.media_type is MediaType.TV:
        given = dict(seasons or {})
        changes = {
            n: st
            for n, st in given.items()
            if moves_forward(season_states.get(n, MediaStatus.UNKNOWN), st)
        }
        if changes and not is_4k:
            await uow.media.set_season_statuses(media.id, changes, now)
        season_states.update(changes)
        if is_4k:
            season_states.update(given)
        judged = tuple(all_seasons) or tuple(given)
        whole = bool(judged) and all(season_states.get(n) is MediaStatus.AVAILABLE for n in judged)
        some = any(  # specials alone do not make a show partly available
            st in (MediaStatus.AVAILABLE, MediaStatus.PARTIALLY_AVAILABLE)
            for n, st in season_states.items()
            if n > 0
        )
        if whole:
            new_status = MediaStatus.AVAILABLE
        elif some:
            new_status = MediaStatus.PARTIALLY_AVAILABLE
        else:
            new_status = current
    else:
        new_status = MediaStatus.AVAILABLE
    if new_status is not current and current is not MediaStatus.BLOCKLISTED:
        await uow.media.set_status(media.id, new_status, now, is_4k=is_4k)
    completed: list[MediaRequest] = []
    for request in await uow.requests.active_for_media(media.id, is_4k):
        if request.status is not RequestStatus.APPROVED:
            continue
        if media.media_type is MediaType.TV and not all(
            season_states.get(n) is MediaStatus.AVAILABLE for n in request.season_numbers
        ):
            continue
        try:
            done = await uow.requests.set_status(
                request.id, RequestStatus.COMPLETED, now, modified_by_id=_modifier_id(request)
            )
        except NotFound:
            continue  # withdrawn by a manager in the meantime
        await _record(uow, EventKind.AVAILABLE, done, SYSTEM, now)
        completed.append(done)
    if completed and new_status is MediaStatus.AVAILABLE and not is_4k:
        # Everyone who asked is in the events just written; nothing is left to wait for.
        await uow.watchers.clear(media.id)
    return completed


async def mark_available(
    services: Services,
    tmdb_id: int,
    media_type: MediaType,
    seasons: Mapping[int, MediaStatus] | None = None,
    *,
    is_4k: bool = False,
) -> list[MediaRequest]:
    """Record that the media server (or a downloader) has a title (TV: the given seasons'
    statuses) and complete every approved request it now satisfies, telling each requester
    (see record_availability)."""
    all_seasons: tuple[int, ...] = ()
    if media_type is MediaType.TV:
        if not seasons:
            raise InvalidInput("seasons", seasons, "say which seasons are available")
        all_seasons = (await services.catalogue.details(tmdb_id, media_type)).requestable_seasons

    async def work(uow: UnitOfWork) -> list[MediaRequest]:
        media = await uow.media.get_by_tmdb(tmdb_id, media_type, for_update=True)
        if media is None:
            raise NotFound("media", f"{media_type}:{tmdb_id}")
        return await record_availability(
            uow,
            media,
            services.clock.now(),
            seasons=seasons,
            all_seasons=all_seasons,
            is_4k=is_4k,
        )

    return await in_transaction(services, work, wakes=True)


async def mark_processing(
    services: Services, tmdb_id: int, media_type: MediaType, *, is_4k: bool = False
) -> bool:
    """A downloader is fetching the title: show it as PROCESSING unless it is further
    along already. True if that changed anything."""

    async def work(uow: UnitOfWork) -> bool:
        media = await uow.media.get_by_tmdb(tmdb_id, media_type, for_update=True)
        if media is None or not moves_forward(_media_status(media, is_4k), MediaStatus.PROCESSING):
            return False
        await uow.media.set_status(
            media.id, MediaStatus.PROCESSING, services.clock.now(), is_4k=is_4k
        )
        return True

    return await in_transaction(services, work)


# ----- queries -------------------------------------------------------------------------


async def current_request(services: Services, request_id: int) -> MediaRequest | None:
    """A request as it is now, or None once it was cancelled, for the bot's own use (a card
    being brought up to date); a user's view goes through get_request."""

    async def work(uow: UnitOfWork) -> MediaRequest | None:
        return await uow.requests.get(request_id)

    return await in_transaction(services, work, write=False)


async def check_may_request(
    services: Services, actor_id: int, media_type: MediaType, *, is_4k: bool = False
) -> None:
    """Raise PermissionDenied unless the actor may request this kind of title (before a
    season picker is shown, say); changes nothing."""

    async def work(uow: UnitOfWork) -> None:
        _check_can_request(await _user(uow, actor_id), media_type, is_4k)

    await in_transaction(services, work, write=False)


async def get_request(services: Services, actor_id: int, request_id: int) -> MediaRequest:
    """One request: one's own, or any with MANAGE_REQUESTS or REQUEST_VIEW."""

    async def work(uow: UnitOfWork) -> MediaRequest:
        actor = await _user(uow, actor_id)
        request = await uow.requests.get(request_id)
        if request is None:
            raise NotFound("request", request_id)
        if request.requested_by.id != actor.id and not has_any(
            actor.permissions, Permission.MANAGE_REQUESTS, Permission.REQUEST_VIEW
        ):
            raise PermissionDenied("view another user's request", (Permission.MANAGE_REQUESTS,))
        return request

    return await in_transaction(services, work, write=False)


async def my_requests(
    services: Services,
    actor_id: int,
    offset: int = 0,
    limit: int = 10,
    *,
    status: RequestStatus | None = None,
) -> tuple[list[MediaRequest], int]:
    """A page of the actor's own requests (only those in ``status``, if given), newest
    first, and their total."""

    async def work(uow: UnitOfWork) -> tuple[list[MediaRequest], int]:
        await _user(uow, actor_id)
        page = max(0, offset), max(1, limit)
        return await uow.requests.for_user(actor_id, *page, status=status)

    return await in_transaction(services, work, write=False)


async def user_requests(
    services: Services, actor_id: int, who: str, offset: int = 0, limit: int = 10
) -> tuple[User, list[MediaRequest], int]:
    """The user ``who`` names (see users.named_user) with a page of their requests, newest
    first, and their total: anyone's with MANAGE_REQUESTS or REQUEST_VIEW, else one's own."""

    async def work(uow: UnitOfWork) -> tuple[User, list[MediaRequest], int]:
        actor = await _user(uow, actor_id)
        if is_named(actor, who):
            target = actor
        elif has_any(actor.permissions, Permission.MANAGE_REQUESTS, Permission.REQUEST_VIEW):
            target = await named_user(uow, who)
        else:
            raise PermissionDenied(
                "see another user's requests; you may only see your own",
                (Permission.MANAGE_REQUESTS, Permission.REQUEST_VIEW),
                any_of=True,
            )
        found, total = await uow.requests.for_user(target.id, max(0, offset), max(1, limit))
        return target, found, total

    return await in_transaction(services, work, write=False)


async def pending_requests(
    services: Services, actor_id: int, offset: int = 0, limit: int = 10
) -> tuple[list[MediaRequest], int]:
    """The approval queue, oldest first (MANAGE_REQUESTS)."""
    return await requests_in_status(services, actor_id, RequestStatus.PENDING, offset, limit)


async def requests_in_status(
    services: Services, actor_id: int, status: RequestStatus, offset: int = 0, limit: int = 10
) -> tuple[list[MediaRequest], int]:
    """Requests in one status, oldest first (MANAGE_REQUESTS)."""

    async def work(uow: UnitOfWork) -> tuple[list[MediaRequest], int]:
        await _manager(uow, actor_id, "list requests")
        return await uow.requests.with_status(status, max(0, offset), max(1, limit))

    return await in_transaction(services, work, write=False)


async def title_state(services: Services, tmdb_id: int, media_type: MediaType) -> TitleState:
    """A title's details, its status here and each season's, for a result card or season picker."""
    details = await services.catalogue.details(tmdb_id, media_type)

    async def work(uow: UnitOfWork) -> tuple[Media | None, list[MediaRequest], DisplayStatus]:
        states = await uow.media.states([(tmdb_id, media_type)])
        state = states.get((tmdb_id, media_type))
        if state is None:
            return None, [], DisplayStatus.NOT_REQUESTED
        active = await uow.requests.active_for_media(state.media.id, False)
        return state.media, active, display_status(state)

    media, active, status = await in_transaction(services, work, write=False)
    numbers = [s.season_number for s in details.seasons if s.season_number >= 0]
    seasons = {n: DisplayStatus.NOT_REQUESTED for n in numbers}
    by_request = {
        RequestStatus.PENDING: DisplayStatus.PENDING,
        RequestStatus.APPROVED: DisplayStatus.APPROVED,
        RequestStatus.FAILED: DisplayStatus.FAILED,
    }
    for request in active:
        for n in request.season_numbers:
            seasons[n] = by_request.get(request.status, DisplayStatus.PENDING)
    if media is not None:
        by_media = {
            MediaStatus.AVAILABLE: DisplayStatus.AVAILABLE,
            MediaStatus.PARTIALLY_AVAILABLE: DisplayStatus.PARTIALLY_AVAILABLE,
            MediaStatus.PROCESSING: DisplayStatus.PROCESSING,
        }
        for n, st in media.season_statuses.items():
            if st in by_media and seasons.get(n) is not DisplayStatus.APPROVED:
                seasons[n] = by_media[st]
    specials = seasons.pop(SPECIALS, None)
    return TitleState(details, status, seasons, tuple(active), specials)
