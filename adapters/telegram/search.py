"""/request, /movie and /tv: a result card with a poster, paged with Prev / Next, and a
Request (or Notify me) button."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from telegram import InlineKeyboardMarkup, Message, Update

from adapters.issue_text import REPORT_BUTTON, reportable
from adapters.telegram import callbacks, render
from adapters.telegram.context import Context, Deps, Press, acting_user, card_lock, deps
from adapters.telegram.messages import PLATFORM, keyboard, noop, send, show, thread_of
from adapters.text import UserFacing
from core import chat, queries, search
from core.media import CatalogueItem, DisplayStatus, MediaType, SearchResult, label, poster_url
from core.search import Ask, SearchResults
from core.watching import watch_title

LAST = 999  # "the last result of the page" (Prev from the first result of the next page)
ASK_WORDS = {
    Ask.REQUEST: "Request",
    Ask.CHOOSE_SEASONS: "Choose seasons",
    Ask.MORE_SEASONS: "More seasons",
}
USAGE = {
    None: "What should I look for? Send /request and a title, e.g. /request The Matrix",
    MediaType.MOVIE: "Which movie? Send /movie and a title, e.g. /movie Inception",
    MediaType.TV: "Which show? Send /tv and a title, e.g. /tv Breaking Bad",
}


async def on_request_command(update: Update, context: Context) -> None:
    """/request <title>: search movies and shows."""
    await _search(update, context, None)


async def on_movie_command(update: Update, context: Context) -> None:
    """/movie <title>: search movies only."""
    await _search(update, context, MediaType.MOVIE)


async def on_tv_command(update: Update, context: Context) -> None:
    """/tv <title>: search TV shows only."""
    await _search(update, context, MediaType.TV)


async def _search(update: Update, context: Context, media_type: MediaType | None) -> None:
    message, sender = update.effective_message, update.effective_user
    if message is None or sender is None:
        return
    query = " ".join(context.args or [])
    if not query.strip():
        await message.reply_text(USAGE[media_type])
        return
    state = deps(context)
    await acting_user(update, context)
    found = await search.titles_page(state.services, query, 1, media_type)
    if not found.results:
        await message.reply_text(render.nothing_found(found.query or query))
        return
    data: dict[str, object] = {"q": found.query, "t": media_type.value if media_type else None}
    data |= {"u": sender.id, "n": sender.first_name}
    key = await chat.remember(state.services, PLATFORM, data, chat.SEARCH_TTL)
    state.searches[key] = data, state.services.clock.now() + chat.SEARCH_TTL
    text, markup, photo = card(key, found, 0)
    await send(context.bot, message.chat_id, text, markup, photo=photo, thread=thread_of(message))


def card(
    key: str | None, results: SearchResults, index: int, note: str = ""
) -> tuple[str, InlineKeyboardMarkup | None, str | None]:
    """The card of result ``index`` of a page: (text, keyboard, poster URL)."""
    result = results.results[index]
    photo = result.poster_url
    position = ""
    if len(results.results) > 1 or results.total_pages > 1:
        position = f"Result {index + 1} of {len(results.results)}"
        if results.total_pages > 1:
            position += f" · page {results.page} of {results.total_pages}"
    text = render.search_card(result, position, note, photo=photo is not None)
    rows = [_nav_row(key, results, index)] if key else []
    rows.append(_action_row(key, results.page, index, result))
    rows.append(_report_row(result))
    return text, keyboard(*rows), photo


def _report_row(result: SearchResult) -> list[tuple[str, str]]:
    """⚠️ Report a problem, on the card of a title on the server."""
    if not reportable(result) or result.media_id is None:
        return []
    return [(REPORT_BUTTON, callbacks.issue_report(result.media_id))]


def _nav_row(key: str, results: SearchResults, index: int) -> list[tuple[str, str]]:
    page, count = results.page, len(results.results)
    row = []
    if index > 0:
        row.append(("‹ Prev", callbacks.search_page(key, page, index - 1)))
    elif page > 1:
        row.append(("‹ Prev", callbacks.search_page(key, page - 1, LAST)))
    if count > 1 or results.total_pages > 1:
        row.append(noop(f"{index + 1}/{count}"))
    if index + 1 < count:
        row.append(("Next ›", callbacks.search_page(key, page, index + 1)))
    elif page < results.total_pages:
        row.append(("Next ›", callbacks.search_page(key, page + 1, 0)))
    return row if len(row) > 1 else []


def _action_row(
    key: str | None,
    page: int,
    index: int,
    result: SearchResult,
    seasons: Mapping[int, DisplayStatus] | None = None,
) -> list[tuple[str, str]]:
    """Request (or More seasons) while the card has its search, Notify me, and TMDb
    (``seasons``: each season's status, when the card is of one show known in full)."""
    item = result.item
    offered = search.title_actions(item.media_type, result.status, seasons)
    row: list[tuple[str, str]] = []
    if key and offered.ask is not None:
        pressed = callbacks.request(key, page, index, item.media_type, item.tmdb_id)
        row.append((ASK_WORDS[offered.ask], pressed))
    if offered.notify:
        row.append(("🔔 Notify me", callbacks.notify(item.media_type, item.tmdb_id)))
    row.append(("TMDb ↗", f"https://www.themoviedb.org/{item.media_type.value}/{item.tmdb_id}"))
    return row


async def recall_search(press: Press, key: str) -> dict[str, Any]:
    """The search behind a card's key, if it is still kept and the presser owns it."""
    found = await press.quickly(kept_search(press.deps, key))
    if found is None:
        raise UserFacing(render.expired())
    check_owner(press, found)
    return found


async def kept_search(state: Deps, key: str) -> dict[str, Any] | None:
    """The search kept under ``key``: from memory when this process started it (not to be
    changed), else from the database (after a restart); None once it expired."""
    remembered = state.searches.get(key)
    if remembered is not None:
        data, expires_at = remembered
        if state.services.clock.now() < expires_at:
            return data
        del state.searches[key]
    return await chat.recall(state.services, PLATFORM, key)


def check_owner(press: Press, state: dict[str, Any]) -> None:
    """Only the person who searched pages through (or requests from) their card."""
    if state.get("u") != press.query.from_user.id:
        owner = state.get("n") or "someone else"
        raise UserFacing(f"This card is {owner}'s. Send /request and a title to search yourself.")


async def show_result(
    press: Press, state: dict[str, Any], key: str, page: int, index: int, note: str = ""
) -> Message | None:
    """Put result ``index`` of ``page`` of the kept search on the pressed card."""
    media_type = MediaType(state["t"]) if state.get("t") else None
    step = -1 if index >= LAST else 1
    results = await search.titles_page(press.deps.services, state["q"], page, media_type, step)
    if not results.results:
        raise UserFacing("There are no more movies or shows in these results.")
    index = min(index, len(results.results) - 1)
    text, markup, photo = card(key, results, index, note)
    if press.message is None:
        return None
    return await show(press.message, text, markup, photo=photo, new_photo=not note)


async def show_title(
    press: Press, tmdb_id: int, media_type: MediaType, note: str = ""
) -> Message | None:
    """Put a single title on the pressed card (its search has expired): no paging."""
    state = await queries.title_state(press.deps.services, tmdb_id, media_type)
    d = state.details
    item = CatalogueItem(d.tmdb_id, d.media_type, d.title, d.year, d.overview, d.poster_path)
    result = SearchResult(item, state.status)
    photo = poster_url(d.poster_path)
    text = render.search_card(result, "", note, photo=photo is not None)
    markup = keyboard(_action_row(None, 1, 0, result, state.seasons))
    if press.message is None:
        return None
    return await show(press.message, text, markup, photo=photo)


async def on_page(update: Update, context: Context) -> None:
    """‹ Prev / Next ›: another result of the same search on the same card."""
    press = Press(update, context)
    key, page, index = press.groups[0], int(press.groups[1]), int(press.groups[2])
    async with press.deps.locks(card_lock(press)):  # a double tap pages once, in order
        state = await recall_search(press, key)
        await press.answer()
        await show_result(press, state, key, max(1, page), index)


async def on_notify(update: Update, context: Context) -> None:
    """🔔 Notify me: tell this user too when the title is decided and available."""
    press = Press(update, context)
    tmdb_id, media_type = callbacks.parse_title(press.groups[0], press.groups[1])
    user = await press.user()
    outcome = await press.quickly(watch_title(press.deps.services, user.id, tmdb_id, media_type))
    media = outcome.media
    words = render.watching(
        label(media.title, media.year), outcome.added, outcome.already_available
    )
    await press.answer(words)
