"""/request movie|tv: a private card with the poster and status of the chosen title or of
each search result, paged with Prev / Next, and Request (or Notify me, or, for a title on
the server, Report a problem)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import discord

from adapters.discord import render
from adapters.discord.config import PLATFORM
from adapters.discord.context import acting_user, deps, owner_only
from adapters.discord.controls import Control, button
from adapters.discord.replies import defer, frozen, show
from adapters.issue_text import REPORT_BUTTON
from adapters.text import UserFacing
from core import chat, queries, search
from core.media import CatalogueItem, DisplayStatus, MediaType, SearchResult
from core.search import Ask, SearchResults
from core.watching import watch_title

LAST = 999  # "the last result of the page" (Prev from the first result of the next page)
CHOSEN = re.compile(r"(?P<type>movie|tv):(?P<id>\d{1,10})")
EXPIRED_SEARCH = "This search has expired. Run /request again."
TYPES = {"m": MediaType.MOVIE, "t": MediaType.TV}
LETTER = {MediaType.MOVIE: "m", MediaType.TV: "t"}
ASK_BUTTONS = {  # a show's Request opens the season picker
    Ask.REQUEST: ("Request", discord.ButtonStyle.primary),
    Ask.CHOOSE_SEASONS: ("Request", discord.ButtonStyle.primary),
    Ask.MORE_SEASONS: ("More seasons", discord.ButtonStyle.secondary),
}


async def on_request(
    interaction: discord.Interaction[Any], media_type: MediaType, title: str
) -> None:
    """/request movie|tv title: the chosen suggestion, or the first result of a search."""
    await defer(interaction)
    found = deps(interaction)
    await acting_user(interaction)
    chosen = CHOSEN.fullmatch(title.strip())
    if chosen and MediaType(chosen["type"]) is media_type:
        await show_title(interaction, int(chosen["id"]), media_type)
        return
    results = await search.search(found.services, title, 1, media_type)
    if not results.results:
        await show(interaction, render.nothing_found(results.query or title))
        return
    data = {"q": results.query, "t": media_type.value, "u": interaction.user.id}
    key = await chat.remember(found.services, PLATFORM, data, chat.SEARCH_TTL)
    await show(interaction, **card(key, results, 0))


def card(
    key: str | None,
    results: SearchResults,
    index: int,
    note: str = "",
    seasons: Mapping[int, DisplayStatus] | None = None,
) -> dict[str, Any]:
    """The card of result ``index`` of a page, with its buttons (``seasons``: each season's
    status, when the card is of one show known in full)."""
    result = results.results[index]
    position = ""
    if len(results.results) > 1 or results.total_pages > 1:
        position = f"Result {index + 1} of {len(results.results)}"
        if results.total_pages > 1:
            position += f" · page {results.page} of {results.total_pages}"
    items = _nav(key, results, index) if key else []
    items += _actions(result, key, results.page, index, seasons)
    return {"embed": render.title_card(result, position, note), "view": frozen(*items)}


def _nav(key: str, results: SearchResults, index: int) -> list[Control]:
    page, count = results.page, len(results.results)
    items = []
    if index > 0:
        items.append(button("‹ Prev", "pg", key, page, index - 1, row=1))
    elif page > 1:
        items.append(button("‹ Prev", "pg", key, page - 1, LAST, row=1))
    if index + 1 < count:
        items.append(button("Next ›", "pg", key, page, index + 1, row=1))
    elif page < results.total_pages:
        items.append(button("Next ›", "pg", key, page + 1, 0, row=1))
    return items


def _actions(
    result: SearchResult,
    key: str | None,
    page: int,
    index: int,
    seasons: Mapping[int, DisplayStatus] | None,
) -> list[Control]:
    item = result.item
    offer = search.title_actions(item.media_type, result.status, seasons)
    back = (key, page, index) if key else ()
    letter = LETTER[item.media_type]
    items = []
    if offer.ask is not None:
        words, style = ASK_BUTTONS[offer.ask]
        items.append(button(words, "rq", letter, item.tmdb_id, *back, style=style, row=0))
    if offer.notify:
        items.append(button("🔔 Notify me", "nt", letter, item.tmdb_id, row=0))
    if result.on_server:  # in either quality
        items.append(button(REPORT_BUTTON, "ir", letter, item.tmdb_id, row=0))
    return items


async def show_title(
    interaction: discord.Interaction[Any], tmdb_id: int, media_type: MediaType, note: str = ""
) -> None:
    """One title on its own card (a chosen suggestion, or a search that expired)."""
    state = await queries.title_state(deps(interaction).services, tmdb_id, media_type)
    d = state.details
    item = CatalogueItem(d.tmdb_id, d.media_type, d.title, d.year, d.overview, d.poster_path)
    result = SearchResult(item, state.status, on_server=state.on_server)
    await show(interaction, **card(None, _single(result), 0, note, state.seasons))


def _single(result: SearchResult) -> SearchResults:
    return SearchResults(query="", page=1, total_pages=1, total_results=1, results=(result,))


async def recall_search(interaction: discord.Interaction[Any], key: str) -> dict[str, Any]:
    state = await chat.recall(deps(interaction).services, PLATFORM, key)
    if state is None:
        raise UserFacing(EXPIRED_SEARCH)
    owner_only(interaction, int(state["u"]))
    return state


async def show_result(
    interaction: discord.Interaction[Any],
    state: dict[str, Any],
    key: str,
    page: int,
    index: int,
    note: str = "",
) -> None:
    """Result ``index`` of page ``page`` of a remembered search (LAST: its last result)."""
    media_type = MediaType(state["t"])
    results = await search.search(deps(interaction).services, state["q"], page, media_type)
    if not results.results:
        raise UserFacing(EXPIRED_SEARCH)
    index = min(index, len(results.results) - 1)
    await show(interaction, **card(key, results, index, note))


async def on_page(interaction: discord.Interaction[Any], args: list[str], _: list[str]) -> None:
    """‹ Prev / Next ›: another result of the same search on the same card."""
    await defer(interaction, update=True)
    key, page, index = args[0], int(args[1]), int(args[2])
    state = await recall_search(interaction, key)
    await show_result(interaction, state, key, max(1, page), index)


async def on_notify(interaction: discord.Interaction[Any], args: list[str], _: list[str]) -> None:
    """🔔 Notify me: tell this user too when the title is decided and available."""
    await defer(interaction, update=True)
    media_type, tmdb_id = TYPES[args[0]], int(args[1])
    user = await acting_user(interaction)
    result = await watch_title(deps(interaction).services, user.id, tmdb_id, media_type)
    text = render.watching(result.media.label, result.added, result.already_available)
    await interaction.followup.send(text, ephemeral=True)
