"""What the media server holds: match its items to TMDb and record what is available.

A scan reads the server page by page and handles each page in one transaction, so a
library of any size is scanned in the memory of one page. Items are matched to TMDb by
their TMDb id, else by their IMDb or TheTVDB id through the catalogue's lookup. A show's
seasons are compared with TMDb's episode counts: a season with every episode is
AVAILABLE, one with some is PARTIALLY_AVAILABLE, and the show is AVAILABLE when every
regular season is. Approved requests that are now satisfied are completed, and their
requesters and watchers told, as when a downloader reports a file.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from core.availability import moves_forward, record_availability
from core.errors import CoreError, TitleNotFound
from core.media import LibraryItem, MediaDetails, MediaKey, MediaStatus, MediaType, label
from core.ports import MediaServer, UnitOfWork
from core.request_repositories import MediaState
from core.services import Services, in_transaction

log = logging.getLogger(__name__)

BATCH = 100  # items per transaction (and per media-state query)
_SETTLED = frozenset({MediaStatus.AVAILABLE, MediaStatus.BLOCKLISTED})  # nothing to record
MAX_EXAMPLES = 5
_SOURCES = (("imdb_id", "imdb"), ("tvdb_id", "tvdb"))


@dataclass(slots=True)
class ScanReport:
    """What a scan saw and changed; ``newly_available`` keeps a few example titles."""

    seen: int = 0
    matched: int = 0
    unmatched: int = 0
    updated: int = 0
    completed: int = 0
    newly_available: list[str] = field(default_factory=list)
    lookup_errors: int = 0

    def summary(self) -> str:
        text = (
            f"{plural(self.seen, 'item')}, {self.matched} matched to TMDb, {self.unmatched} not; "
            f"{plural(self.updated, 'title')} changed, "
            f"{plural(self.completed, 'request')} completed"
        )
        if self.newly_available:
            more = self.updated - len(self.newly_available)
            text += f" ({', '.join(self.newly_available)}{f' and {more} more' if more > 0 else ''})"
        if self.lookup_errors:
            text += f"; {self.lookup_errors} TMDb lookups failed"
        return text


def plural(n: int, word: str) -> str:
    """``1 item``, ``2 items``."""
    return f"{n} {word}{'' if n == 1 else 's'}"


@dataclass(frozen=True, slots=True)
class _Found:
    item: LibraryItem
    key: MediaKey


async def scan_library(
    services: Services, server: MediaServer, *, added_since: datetime | None = None
) -> ScanReport:
    """Scan the whole library (or what was added since ``added_since``) and record it."""
    report = ScanReport()
    batch: list[LibraryItem] = []
    async for item in server.library(added_since=added_since):
        batch.append(item)
        if len(batch) >= BATCH:
            await _scan_batch(services, batch, report)
            batch = []
    if batch:
        await _scan_batch(services, batch, report)
    log.info("%s scan: %s", server.name, report.summary())
    return report


async def _scan_batch(services: Services, items: Sequence[LibraryItem], report: ScanReport) -> None:
    report.seen += len(items)
    found: list[_Found] = []
    for item in items:
        key = await _match(services, item, report)
        if key is None:
            report.unmatched += 1
            continue
        report.matched += 1
        found.append(_Found(item, key))
    if not found:
        return

    async def read(uow: UnitOfWork) -> dict[MediaKey, MediaState]:
        return await uow.media.states(f.key for f in found)

    states = await in_transaction(services, read, write=False)
    changes: list[tuple[_Found, dict[int, MediaStatus], tuple[int, ...], MediaDetails]] = []
    for f in found:
        state = states.get(f.key)
        media = state.media if state else None
        if f.key[1] is MediaType.MOVIE:
            if media is None or media.status not in _SETTLED:
                changes.append((f, {}, (), _plain_details(f)))
            continue
        # Specials (season 0) are recorded too (they may be asked for by number), but never
        # make a show available or partly available on their own.
        present = {n: count for n, count in f.item.episodes.items() if n >= 0 and count > 0}
        if not present:
            continue
        known = media.season_statuses if media else {}
        if all(known.get(n) is MediaStatus.AVAILABLE for n in present):
            continue  # nothing here can move a season forward
        try:
            details = await services.catalogue.details(f.key[0], MediaType.TV)
        except CoreError as exc:
            report.lookup_errors += 1
            log.warning("no TMDb seasons for %s (tv %d): %s", f.item.label, f.key[0], exc)
            continue
        seasons = _season_statuses(present, details)
        if any(moves_forward(known.get(n, MediaStatus.UNKNOWN), st) for n, st in seasons.items()):
            changes.append((f, seasons, details.requestable_seasons, details))
    if not changes:
        return

    async def write(uow: UnitOfWork) -> tuple[int, list[str]]:
        # Every entry of ``changes`` moves its title forward (checked against the state
        # read above; record_availability re-checks against the row as it is now).
        now = services.clock.now()
        # Titles the database has never seen have no request to complete: one INSERT of
        # their rows, already in their final status, does for all of them.
        new = [
            (details, _title_status(seasons, all_seasons), seasons)
            for f, seasons, all_seasons, details in changes
            if f.key not in states
        ]
        added = await uow.media.add_new(new, now)
        completed = 0
        for f, seasons, all_seasons, details in changes:
            if f.key in added:
                continue
            media = await uow.media.ensure(details, now)
            done = await record_availability(
                uow, media, now, seasons=seasons or None, all_seasons=all_seasons
            )
            completed += len(done)
        return completed, [f.item.label for f, *_ in changes[:MAX_EXAMPLES]]

    completed, titles = await in_transaction(services, write, wakes=True)
    report.updated += len(changes)
    report.completed += completed
    room = MAX_EXAMPLES - len(report.newly_available)
    report.newly_available.extend(titles[: max(0, room)])


async def _match(services: Services, item: LibraryItem, report: ScanReport) -> MediaKey | None:
    """The item's TMDb key: its own TMDb id, else what TMDb finds for its IMDb/TVDB id."""
    if item.tmdb_id:
        return item.tmdb_id, item.media_type
    for source, attribute in _SOURCES:
        external = getattr(item, f"{attribute}_id")
        if not external:
            continue
        try:
            keys = await services.catalogue.find(source, str(external))
        except TitleNotFound:
            continue
        except CoreError as exc:
            # TMDb away, or an id it refuses (a stray character in the server's metadata):
            # this item stays unmatched, the scan goes on.
            report.lookup_errors += 1
            log.warning("TMDb cannot look up %s %s (%s): %s", source, external, item.label, exc)
            continue
        for tmdb_id, media_type in keys:
            if media_type is item.media_type:
                return tmdb_id, media_type
    log.debug("no TMDb match for %s (%s)", item.label, item.server_id)
    return None


def _season_statuses(present: dict[int, int], details: MediaDetails) -> dict[int, MediaStatus]:
    """Each season the server has episodes of: AVAILABLE when it has as many as TMDb
    lists, else PARTIALLY_AVAILABLE. Seasons TMDb does not know are left out."""
    expected = {s.season_number: s.episode_count for s in details.seasons}
    statuses: dict[int, MediaStatus] = {}
    for number, count in present.items():
        if number not in expected:
            continue
        whole = expected[number] > 0 and count >= expected[number]
        statuses[number] = MediaStatus.AVAILABLE if whole else MediaStatus.PARTIALLY_AVAILABLE
    return statuses


def _title_status(seasons: dict[int, MediaStatus], all_seasons: Sequence[int]) -> MediaStatus:
    """A new title's status: a movie (no seasons) or a show with every regular season
    available is AVAILABLE, a show with less PARTIALLY_AVAILABLE (UNKNOWN with specials
    only)."""
    if not seasons:
        return MediaStatus.AVAILABLE
    if not any(n > 0 for n in seasons):
        return MediaStatus.UNKNOWN
    whole = all(seasons.get(n) is MediaStatus.AVAILABLE for n in all_seasons or seasons)
    return MediaStatus.AVAILABLE if whole else MediaStatus.PARTIALLY_AVAILABLE


def _plain_details(found: _Found) -> MediaDetails:
    """Details for a media row made from what the server says, for a title never looked
    up in the catalogue (the catalogue fills in poster and overview when someone does)."""
    item = found.item
    return MediaDetails(
        tmdb_id=found.key[0],
        media_type=found.key[1],
        title=item.title or label("unknown", None),
        year=item.year,
        overview="",
        poster_path=None,
        tvdb_id=item.tvdb_id,
        imdb_id=item.imdb_id,
    )
