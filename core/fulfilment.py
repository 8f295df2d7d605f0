"""Approved requests to Radarr/Sonarr, and their downloads back to available.

``send_approved`` hands every approved request that has not reached its downloader yet
over to it; a refusal (or a downloader that does not answer) marks the request FAILED
with the reason, which tells the managers, and ``retry_request`` makes it APPROVED again
so that the next pass sends it once more. Sending is idempotent on the downloader's side
(a title already there is monitored and searched, never added twice), so a crash between
sending and recording it only means one more harmless send.

``sync_downloads`` asks each downloader where the titles it was sent stand: one in the
download queue is PROCESSING; a movie with its file, or a show's seasons with all their
episode files, are available, which completes the requests and tells everyone who asked.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from core.availability import mark_available, mark_processing, moves_forward
from core.domain import DownloadOrder, MediaRequest
from core.errors import CoreError, InvalidTransition, NotFound, ServiceUnavailable
from core.library import plural
from core.media import MediaStatus, MediaType
from core.ports import Downloader, UnitOfWork
from core.requests import fail_request
from core.services import Services, in_transaction

log = logging.getLogger(__name__)

SEND_BATCH = 50
SYNC_LIMIT = 1000

Route = tuple[MediaType, bool]  # (media type, is 4K)


@dataclass(frozen=True, slots=True)
class Downloaders:
    """The configured downloaders by media type and 4K-ness (any may be missing)."""

    routes: Mapping[Route, Downloader] = field(default_factory=dict)

    def for_request(self, request: MediaRequest) -> Downloader | None:
        return self.routes.get((request.media_type, request.is_4k))

    def __bool__(self) -> bool:
        return bool(self.routes)


@dataclass(slots=True)
class SendReport:
    sent: int = 0
    failed: int = 0
    postponed: int = 0
    unrouted: int = 0
    completed: int = 0  # already on the media server: completed without a download

    def summary(self) -> str:
        parts = [f"{self.sent} sent", f"{self.failed} failed"]
        if self.completed:
            parts.append(f"{plural(self.completed, 'request')} already available")
        if self.postponed:
            parts.append(f"{self.postponed} postponed (TMDb did not answer)")
        if self.unrouted:
            parts.append(f"{self.unrouted} waiting for a downloader that is not configured")
        return ", ".join(parts)


@dataclass(slots=True)
class SyncReport:
    checked: int = 0
    downloading: int = 0
    completed: int = 0
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = (
            f"{plural(self.checked, 'title')} checked, {self.downloading} downloading, "
            f"{plural(self.completed, 'request')} completed"
        )
        if self.errors:
            text += "; " + "; ".join(self.errors)
        return text


async def send_approved(services: Services, downloaders: Downloaders) -> SendReport:
    """Hand every approved, unsent request to its downloader (oldest first)."""
    report = SendReport()

    async def unsent(uow: UnitOfWork) -> tuple[list[MediaRequest], int]:
        # Only what some downloader takes: requests no downloader is configured for must not
        # fill the batch and keep the others waiting.
        routed = list(downloaders.routes)
        sendable = await uow.requests.approved(sent=False, limit=SEND_BATCH, kinds=routed)
        waiting = await uow.requests.approved(sent=False, limit=SEND_BATCH)
        return sendable, sum(1 for r in waiting if downloaders.for_request(r) is None)

    sendable, report.unrouted = await in_transaction(services, unsent, write=False)
    for request in sendable:
        downloader = downloaders.for_request(request)
        if downloader is None:  # pragma: no cover - the query only returns routed ones
            continue
        if _already_there(request):
            # The media server has it already (found by a scan since the request was made):
            # nothing to download; the request is complete.
            report.completed += await _complete(services, request)
            continue
        try:
            order = await _order(services, request)
        except ServiceUnavailable as exc:
            log.warning("request %d waits: %s", request.id, exc)
            report.postponed += 1
            continue
        except CoreError as exc:
            await _fail(services, request, f"{exc}", report)
            continue
        try:
            ref = await downloader.send(order)
        except CoreError as exc:
            log.warning(
                "%s did not take request %d (%s): %s", downloader.name, request.id, order.label, exc
            )
            await _fail(services, request, f"{downloader.name}: {exc}", report)
            continue
        await _record_sent(services, request, ref)
        log.info("request %d (%s) sent to %s as %s", request.id, order.label, downloader.name, ref)
        report.sent += 1
    return report


def _order_of(request: MediaRequest) -> DownloadOrder:
    """The order for a request, from what its media row knows."""
    media = request.media
    return DownloadOrder(
        request_id=request.id,
        media_type=media.media_type,
        tmdb_id=media.tmdb_id,
        title=media.title,
        year=media.year,
        is_4k=request.is_4k,
        seasons=request.season_numbers,
        tvdb_id=media.tvdb_id,
        imdb_id=media.imdb_id,
    )


def _already_there(request: MediaRequest) -> bool:
    media = request.media
    if request.is_4k or media.media_type is MediaType.MOVIE:
        status = media.status_4k if request.is_4k else media.status
        return status is MediaStatus.AVAILABLE
    return bool(request.season_numbers) and all(
        media.season_statuses.get(n) is MediaStatus.AVAILABLE for n in request.season_numbers
    )


async def _complete(services: Services, request: MediaRequest) -> int:
    seasons = dict.fromkeys(request.season_numbers, MediaStatus.AVAILABLE) or None
    media = request.media
    done = await mark_available(
        services, media.tmdb_id, media.media_type, seasons, is_4k=request.is_4k
    )
    log.info("request %d: %s is already on the media server", request.id, media.label)
    return len(done)


async def _order(services: Services, request: MediaRequest) -> DownloadOrder:
    """The order to send: a show's also carries TMDb's TheTVDB id and anime keyword."""
    order = _order_of(request)
    if order.media_type is MediaType.MOVIE:
        return order
    details = await services.catalogue.details(order.tmdb_id, MediaType.TV)
    tvdb_id = details.tvdb_id or order.tvdb_id
    if tvdb_id is None:
        raise NotFound("TheTVDB id (Sonarr needs one) of", request.media.label)
    return replace(
        order,
        tvdb_id=tvdb_id,
        imdb_id=details.imdb_id or order.imdb_id,
        is_anime=details.is_anime,
    )


async def _fail(services: Services, request: MediaRequest, reason: str, report: SendReport) -> None:
    try:
        await fail_request(services, request.id, reason)
    except (InvalidTransition, NotFound):
        return  # declined, cancelled or retried meanwhile: nothing to fail
    report.failed += 1


async def _record_sent(services: Services, request: MediaRequest, ref: str) -> None:
    async def work(uow: UnitOfWork) -> bool:
        return await uow.requests.mark_sent(request.id, ref, services.clock.now())

    if not await in_transaction(services, work):
        log.info("request %d changed while it was being sent; %s keeps the title", request.id, ref)


async def sync_downloads(services: Services, downloaders: Downloaders) -> SyncReport:
    """Ask each downloader about the titles it was sent and move them forward."""
    report = SyncReport()

    async def sent(uow: UnitOfWork) -> list[MediaRequest]:
        return await uow.requests.approved(sent=True, limit=SYNC_LIMIT)

    orders: dict[Route, dict[tuple[int, MediaType], DownloadOrder]] = {}
    current: dict[tuple[Route, int], dict[int, MediaStatus]] = {}
    for request in await in_transaction(services, sent, write=False):
        route = (request.media_type, request.is_4k)
        if route not in downloaders.routes:
            continue
        media = request.media
        titles = orders.setdefault(route, {})
        key = (media.tmdb_id, media.media_type)
        known = titles.get(key)
        seasons = tuple(sorted({*(known.seasons if known else ()), *request.season_numbers}))
        titles[key] = replace(_order_of(request), seasons=seasons)
        current[(route, media.tmdb_id)] = {} if request.is_4k else dict(media.season_statuses)
    for route, titles in orders.items():
        downloader = downloaders.routes[route]
        try:
            progress = await downloader.progress(list(titles.values()))
        except CoreError as exc:
            report.errors.append(f"{downloader.name}: {exc}")
            log.warning("cannot read %s's downloads: %s", downloader.name, exc)
            continue
        is_4k = route[1]
        for p in progress:
            report.checked += 1
            stored = current.get((route, p.tmdb_id), {})
            forward = {
                n: st
                for n, st in p.seasons.items()
                if moves_forward(stored.get(n, MediaStatus.UNKNOWN), st)
            }
            try:
                if p.media_type is MediaType.MOVIE and p.available:
                    done = await mark_available(services, p.tmdb_id, p.media_type, is_4k=is_4k)
                    report.completed += len(done)
                    continue
                if p.media_type is MediaType.TV and forward:
                    done = await mark_available(
                        services, p.tmdb_id, p.media_type, p.seasons, is_4k=is_4k
                    )
                    report.completed += len(done)
                    continue
                if p.queued:
                    report.downloading += 1
                    await mark_processing(services, p.tmdb_id, p.media_type, is_4k=is_4k)
            except CoreError as exc:
                report.errors.append(f"{p.media_type} {p.tmdb_id}: {exc}")
                log.warning("cannot record progress of %s %d: %s", p.media_type, p.tmdb_id, exc)
    return report
