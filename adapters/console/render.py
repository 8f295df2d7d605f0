"""Text layouts for the console: search results, title cards, requests and users."""

from __future__ import annotations

import re
import textwrap

from adapters.text import BADGES, request_line, seasons_text
from core.domain import MediaRequest, RequestStatus
from core.identity import User
from core.media import MediaType, label, poster_url
from core.permissions import describe
from core.queries import TitleState
from core.search import SearchResults

OVERVIEW = 160

# Terminal escape sequences (CSI such as the arrow keys' ESC [ A, SS3, OSC, DCS and the
# 8-bit CSI), then any C0 or C1 control but tab and newline: none of them is text, and
# echoed to a terminal they move the cursor, recolour it or worse.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"
    r"|\x1bO."
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"
    r"|\x1b[P^_X][^\x1b]*(?:\x1b\\)?"
    r"|\x1b[ -/]*[0-~]"
    r"|\x9b[0-?]*[ -/]*[@-~]",
    re.DOTALL,
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """``text`` without escape sequences or control characters (tabs and newlines stay)."""
    return _CONTROLS.sub("", _ESCAPES.sub("", text))


def clean_line(line: str) -> str:
    """A typed line as a command: printable, tabs as spaces, no surrounding blanks."""
    return printable(line).replace("\t", " ").strip()


def short(text: str, width: int = OVERVIEW) -> str:
    """``text`` cut on a word boundary to ``width`` characters."""
    return textwrap.shorten(" ".join(text.split()), width, placeholder="...") if text else ""


def search_results(results: SearchResults) -> str:
    if not results.results:
        return f'Nothing found for "{results.query}".'
    titles = "title" if results.total_results == 1 else "titles"
    lines = [
        f'Results for "{results.query}" (page {results.page} of {results.total_pages}, '
        f"{results.total_results} {titles}):"
    ]
    for n, result in enumerate(results.results, 1):
        item = result.item
        kind = "movie" if item.media_type is MediaType.MOVIE else "TV"
        lines.append(f"  {n:>2}. {label(item.title, item.year)} · {kind} · {BADGES[result.status]}")
        if item.overview:
            lines.append(f"      {short(item.overview, 100)}")
    lines.append('Type "request N" to request one, "info N" for details.')
    if results.page < results.total_pages:
        lines.append('"next" shows the next page.')
    return "\n".join(lines)


def title_card(state: TitleState) -> str:
    d = state.details
    kind = "movie" if d.media_type is MediaType.MOVIE else "TV show"
    lines = [f"{label(d.title, d.year)} · {kind} · TMDb {d.tmdb_id} · {BADGES[state.status]}"]
    if d.overview:
        lines.extend("  " + line for line in textwrap.wrap(" ".join(d.overview.split()), 76))
    if poster := poster_url(d.poster_path):
        lines.append(f"  Poster: {poster}")
    if d.media_type is MediaType.TV:
        lines.append("  Seasons:")
        for season in d.seasons:
            if season.season_number == 0:
                continue
            status = BADGES[state.seasons.get(season.season_number, state.status)]
            lines.append(
                f"    {season.season_number:>2}: {season.episode_count} episodes · {status}"
            )
        specials = next((s for s in d.seasons if s.season_number == 0), None)
        if specials is not None and state.specials is not None:
            lines.append(
                f'  Specials (season 0, not part of "all"): {specials.episode_count} episodes'
                f" · {BADGES[state.specials]}"
            )
    for request in state.active_requests:
        lines.append(f"  Requested by {request.requested_by.display_name}: {request_line(request)}")
    return "\n".join(lines)


def request_detail(request: MediaRequest) -> str:
    lines = [request_line(request)]
    lines.append(f"  requested by {request.requested_by.display_name}")
    if request.modified_by:
        verb = "declined" if request.status is RequestStatus.DECLINED else "approved"
        lines.append(f"  {verb} by {request.modified_by.display_name}")
    if request.decline_reason:
        lines.append(f"  reason: {request.decline_reason}")
    if request.fail_reason:
        lines.append(f"  error: {request.fail_reason}")
    return "\n".join(lines)


def request_list(
    title: str,
    requests: list[MediaRequest],
    total: int,
    page: int,
    size: int,
    *,
    show_requester: bool = True,
) -> str:
    if not requests:
        return f"{title}: none."
    pages = max(1, -(-total // size))
    lines = [f"{title} (page {page} of {pages}, {total} in all):"]
    for request in requests:
        who = f" · by {request.requested_by.display_name}" if show_requester else ""
        lines.append(f"  {request_line(request)}{who}")
    if page < pages:
        lines.append(f"  ... more on page {page + 1}")
    return "\n".join(lines)


def user_line(user: User) -> str:
    ids = ", ".join(str(i) for i in user.identities) or "no chat identity"
    return f"  {user.id:>3}. {user.display_name} · {describe(user.permissions)} · {ids}"


def seasons_phrase(seasons: tuple[int, ...]) -> str:
    return f" ({seasons_text(seasons)})" if seasons else ""
