"""Search the catalogue and show each title's state on this server."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

from core.domain import RequestStatus
from core.errors import InvalidInput
from core.issue_rules import on_server
from core.media import DisplayStatus, MediaKey, MediaStatus, MediaType, SearchResult
from core.ports import UnitOfWork
from core.request_repositories import MediaState
from core.seasons import seasons_left
from core.services import Services, in_transaction

MAX_QUERY = 200
# What a result card offers: a request while nothing is under way (a declined request may be
# asked for again); "notify me" while something is under way but not yet watchable.
REQUESTABLE = frozenset({DisplayStatus.NOT_REQUESTED, DisplayStatus.DECLINED})
WATCHABLE = frozenset(
    {
        DisplayStatus.PENDING,
        DisplayStatus.APPROVED,
        DisplayStatus.PROCESSING,
        DisplayStatus.FAILED,
        DisplayStatus.PARTIALLY_AVAILABLE,
    }
)
MAX_PAGE = 500  # TMDb's own limit
SKIPPED_PAGES = 3  # pages of people only (a multi search has them) skipped in a row


def offers_more_seasons(
    media_type: MediaType,
    status: DisplayStatus,
    seasons: Mapping[int, DisplayStatus] | None = None,
) -> bool:
    """Whether a show's card offers its season picker again although something is under way
    (partly requested, approved, partly here): Seerr lets anyone ask for the seasons nobody
    asked for. ``seasons``, each season's status when known, says whether any is left."""
    if media_type is not MediaType.TV or status not in WATCHABLE:
        return False
    return seasons is None or bool(seasons_left(seasons))


class Ask(enum.Enum):
    """How a title card offers to ask for a title."""

    REQUEST = "request"  # a movie: asked for at once
    CHOOSE_SEASONS = "choose"  # a show nobody asked for: the season picker
    MORE_SEASONS = "more"  # a show under way: the picker, for the seasons nobody asked for


@dataclass(frozen=True, slots=True)
class TitleActions:
    """What a title's card offers: a way to ask for it (or none), and "notify me"."""

    ask: Ask | None
    notify: bool


def title_actions(
    media_type: MediaType,
    status: DisplayStatus,
    seasons: Mapping[int, DisplayStatus] | None = None,
) -> TitleActions:
    """What a card offers for a title in ``status``: a request while nothing is under way,
    more seasons of a show under way while some are left (``seasons``, when known), and
    "notify me" while something is under way but not yet watchable. Every chat offers the
    same; who may then do it is the core's check when the button is pressed."""
    ask: Ask | None = None
    if status in REQUESTABLE:
        ask = Ask.CHOOSE_SEASONS if media_type is MediaType.TV else Ask.REQUEST
    elif offers_more_seasons(media_type, status, seasons):
        ask = Ask.MORE_SEASONS
    return TitleActions(ask, status in WATCHABLE)


@dataclass(frozen=True, slots=True)
class SearchResults:
    query: str
    page: int
    total_pages: int
    total_results: int
    results: tuple[SearchResult, ...]


def display_status(state: MediaState | None, is_4k: bool = False) -> DisplayStatus:
    """What to show next to a title, from its media row and its requests (newest first)."""
    if state is None:
        return DisplayStatus.NOT_REQUESTED
    status = state.media.status_4k if is_4k else state.media.status
    by_media = {
        MediaStatus.AVAILABLE: DisplayStatus.AVAILABLE,
        MediaStatus.PARTIALLY_AVAILABLE: DisplayStatus.PARTIALLY_AVAILABLE,
        MediaStatus.BLOCKLISTED: DisplayStatus.BLOCKLISTED,
    }
    if status in by_media:
        return by_media[status]
    statuses = state.request_statuses
    if RequestStatus.PENDING in statuses:
        return DisplayStatus.PENDING
    if RequestStatus.APPROVED in statuses:
        return DisplayStatus.APPROVED
    if RequestStatus.FAILED in statuses:
        return DisplayStatus.FAILED
    if status is MediaStatus.PROCESSING:
        return DisplayStatus.PROCESSING
    if statuses and statuses[0] is RequestStatus.DECLINED:
        return DisplayStatus.DECLINED
    return DisplayStatus.NOT_REQUESTED


async def search(
    services: Services, query: str, page: int = 1, media_type: MediaType | None = None
) -> SearchResults:
    """One page of movies and shows for ``query`` with their status here: one catalogue call,
    one database read."""
    text = " ".join(query.split())
    if len(text) > MAX_QUERY:
        raise InvalidInput("query", text[:40] + "...", f"longer than {MAX_QUERY} characters")
    if not 1 <= page <= MAX_PAGE:
        raise InvalidInput("page", page, f"must be between 1 and {MAX_PAGE}")
    if not text:
        return SearchResults(query=text, page=1, total_pages=0, total_results=0, results=())
    found = await services.catalogue.search(text, page, media_type)
    keys: list[MediaKey] = [(item.tmdb_id, item.media_type) for item in found.items]

    async def work(uow: UnitOfWork) -> dict[MediaKey, MediaState]:
        return await uow.media.states(keys)

    # A page of people only (a multi search has them) needs no database read.
    states = await in_transaction(services, work, write=False) if keys else {}
    results = []
    for item in found.items:
        state = states.get((item.tmdb_id, item.media_type))
        media_id = state.media.id if state else None
        held = state is not None and on_server(state.media)
        results.append(SearchResult(item, display_status(state), media_id, held))
    return SearchResults(
        query=text,
        page=found.page,
        total_pages=found.total_pages,
        total_results=found.total_results,
        results=tuple(results),
    )


async def titles_page(
    services: Services,
    query: str,
    page: int = 1,
    media_type: MediaType | None = None,
    step: int = 1,
) -> SearchResults:
    """A page of results with a movie or show on it, for paging through a search: the
    catalogue's multi search pages people too, and a page of people only is skipped in the
    direction of travel (``step``: 1 onwards, -1 back), a few at most."""
    found = await search(services, query, page, media_type)
    for _ in range(SKIPPED_PAGES):
        following = found.page + step
        if found.results or not 1 <= following <= found.total_pages:
            break
        found = await search(services, query, following, media_type)
    return found
