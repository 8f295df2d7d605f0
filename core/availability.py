"""Where a title stands here (its status, and each season's): moved forward as it is requested
and as the media server or a downloader gets it, never back; reset when the requests that
moved it go, unless it is available already."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime

from core.domain import MediaRequest, RequestStatus
from core.errors import InvalidInput, NotFound
from core.events import EventKind
from core.media import Media, MediaStatus, MediaType
from core.outbox import SYSTEM, record_event
from core.ports import UnitOfWork
from core.request_rules import check_manages_requests, decider_id
from core.services import Services, in_transaction
from core.users import load_user

# Statuses of a title (or season) that requests coming and going leave as they are.
_KEEP_MEDIA_STATUS = frozenset(
    {MediaStatus.AVAILABLE, MediaStatus.PARTIALLY_AVAILABLE, MediaStatus.BLOCKLISTED}
)


def media_status(media: Media, is_4k: bool) -> MediaStatus:
    """The title's status, in 4K or not."""
    return media.status_4k if is_4k else media.status


async def advance_media(
    uow: UnitOfWork,
    media: Media,
    status: MediaStatus,
    seasons: Sequence[int],
    is_4k: bool,
    now: datetime,
) -> Media:
    """Move media (and the given seasons) to PENDING or PROCESSING without hiding
    availability; return the media as it now is."""
    current = media_status(media, is_4k)
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


async def release_media(
    uow: UnitOfWork, request: MediaRequest, now: datetime, *, still_active: Sequence[MediaRequest]
) -> None:
    """After a decline or cancel: reset media and seasons nobody else is waiting for."""
    media = request.media
    others = [r for r in still_active if r.id != request.id]
    current = media_status(media, request.is_4k)
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


async def locked_media(uow: UnitOfWork, request: MediaRequest) -> Media:
    """The request's media as it is now, locked (PostgreSQL), so that a library scan
    committing "available" meanwhile is not overwritten with a stale status."""
    media = request.media
    found = await uow.media.get_by_tmdb(media.tmdb_id, media.media_type, for_update=True)
    return found or media


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
    current = media_status(media, is_4k)
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
                request.id, RequestStatus.COMPLETED, now, modified_by_id=decider_id(request)
            )
        except NotFound:
            continue  # withdrawn by a manager in the meantime
        await record_event(uow, EventKind.AVAILABLE, done, SYSTEM, now)
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
        if media is None or not moves_forward(media_status(media, is_4k), MediaStatus.PROCESSING):
            return False
        await uow.media.set_status(
            media.id, MediaStatus.PROCESSING, services.clock.now(), is_4k=is_4k
        )
        return True

    return await in_transaction(services, work)


async def forget_availability(services: Services, actor_id: int, media_id: int) -> Media:
    """Forget where a title stands (MANAGE_REQUESTS), as after its files were deleted: it
    and its seasons go back to UNKNOWN, in 4K too (a blocklisted title stays blocklisted),
    so that it can be requested again. Its requests stay, as history and in quotas."""

    async def work(uow: UnitOfWork) -> Media:
        check_manages_requests(await load_user(uow, actor_id), "forget a title")
        media = await uow.media.get(media_id)
        if media is None:
            raise NotFound("media", media_id)
        now = services.clock.now()
        for is_4k in (False, True):
            if media_status(media, is_4k) is not MediaStatus.BLOCKLISTED:
                await uow.media.set_status(media.id, MediaStatus.UNKNOWN, now, is_4k=is_4k)
        seasons = {n: MediaStatus.UNKNOWN for n in media.season_statuses}
        await uow.media.set_season_statuses(media.id, seasons, now)
        found = await uow.media.get(media.id)
        assert found is not None
        return found

    return await in_transaction(services, work)
