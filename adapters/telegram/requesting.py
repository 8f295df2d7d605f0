"""The Request button: a movie is requested at once; a show first gets a season picker
(one toggle per season, All / None, pages of 20 for long-running shows, then Request)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from telegram import InlineKeyboardMarkup, Update

from adapters.telegram import callbacks, render
from adapters.telegram.context import Context, Press, card_lock
from adapters.telegram.messages import PLATFORM, keyboard, noop, show
from adapters.telegram.search import (
    check_owner,
    kept_search,
    recall_search,
    show_result,
    show_title,
)
from adapters.text import BADGES, EVERY_SEASON_TAKEN, UserFacing
from adapters.text import count as plural
from core import chat, queries
from core.media import DisplayStatus, MediaType, poster_url
from core.queries import check_may_request
from core.seasons import (
    SeasonChoice,
    choice_from_state,
    choice_state,
    choose_all,
    choose_none,
    start_choice,
    toggle,
    turn_page,
)

PER_PAGE = 20
PER_ROW = 5
EXPIRED = "This season choice has expired. Send /tv and the title to start again."


async def on_request(update: Update, context: Context) -> None:
    """Request: a movie is requested at once; a show opens the season picker."""
    press = Press(update, context)
    key, page, index = press.groups[0], int(press.groups[1]), int(press.groups[2])
    tmdb_id, media_type = callbacks.parse_title(press.groups[3], press.groups[4])
    async with press.deps.locks(card_lock(press)):  # a double tap asks once
        found = await recall_search(press, key)  # the one read the answer depends on
        await press.answer()
        user = await press.user()
        back = [key, page, index]
        if media_type is MediaType.TV:
            await check_may_request(press.deps.services, user.id, MediaType.TV)
            await open_picker(press, tmdb_id, back)
            return
        asked = await chat.request_title(press.deps.services, user.id, tmdb_id, media_type)
        note = render.outcome_of(asked)
        await back_to_card(press, back, tmdb_id, media_type, note, search_state=found)


async def back_to_card(
    press: Press,
    back: list[Any],
    tmdb_id: int,
    media_type: MediaType,
    note: str = "",
    *,
    search_state: dict[str, Any] | None = None,
) -> None:
    """Show the search card again (or the title alone, if its search expired meanwhile);
    ``search_state`` is the search when the press has just read it."""
    if search_state is None:
        search_state = await kept_search(press.deps, back[0])
    if search_state is None:
        await show_title(press, tmdb_id, media_type, note)
    else:
        await show_result(press, search_state, back[0], max(1, back[1]), back[2], note)


async def open_picker(press: Press, tmdb_id: int, back: list[Any]) -> None:
    """Turn the card into a season picker for the show."""
    services = press.deps.services
    title = await queries.title_state(services, tmdb_id, MediaType.TV)
    d, choice = title.details, start_choice(title.seasons, PER_PAGE)
    if not choice.selectable:
        note = EVERY_SEASON_TAKEN
        await back_to_card(press, back, tmdb_id, MediaType.TV, note)
        return
    state = {
        "u": press.query.from_user.id,
        "n": press.query.from_user.first_name,
        "id": tmdb_id,
        "title": d.title,
        "year": d.year,
        "poster": d.poster_path,
        **choice_state(choice),
        "back": back,
    }
    key = await chat.remember(services, PLATFORM, state, chat.PICKER_TTL)
    await _show_picker(press, key, state, choice)


async def on_seasons(update: Update, context: Context) -> None:
    """A press in the season picker: toggle, page, all/none, request or back."""
    press = Press(update, context)
    key, op = press.groups[0], press.groups[1]
    async with press.deps.locks(f"picker:{key}"):  # quick toggles must not lose each other
        state = await press.quickly(chat.recall(press.deps.services, PLATFORM, key))
        if state is None:
            raise UserFacing(EXPIRED)
        check_owner(press, state)
        choice = choice_from_state(state, PER_PAGE)
        keep = made = chat.made_request(state) is not None
        if made:  # asked already (a double tap, or a crash before the outcome showed)
            note = await _made_already(press, state)
            op = "back"
        elif op.startswith("i"):
            status = choice.status_of(int(op[1:]))
            await press.answer(f"Season {op[1:]} is {BADGES[status]}.")
            return
        elif op.startswith("ok") and op[2:] != str(len(choice.chosen)):
            # The card had not caught up with the last taps when Request was pressed.
            count = len(choice.chosen)
            await press.answer(f"You have {count} chosen now: press Request again to confirm.")
            op = "refresh"
        elif op.startswith("ok") and not choice.chosen:
            await press.answer("Choose at least one season first (or All).")
            return
        elif op.startswith("ok"):
            note, keep = await _request_seasons(press, key, state, choice.chosen)
            op = "back"
        elif op == "back":
            await press.answer()
            note = ""
        elif (changed := _changed(choice, op)) == choice:
            await press.answer("Nothing to change there.")
            return
        else:
            await press.answer()
            choice = changed
            state |= choice_state(choice)
            state["v"] = state.get("v", 0) + 1
            saving = chat.remember(press.deps.services, PLATFORM, state, chat.PICKER_TTL, key=key)
            await press.quickly(saving)
        press.deps.latest[key] = state.get("v", 0)
    if op == "back":
        await back_to_card(press, state["back"], state["id"], MediaType.TV, note)
        # Only now that the card has moved on: a press on the picker must find its state.
        # One marked with the request it made stays until it expires, to tell of it.
        if not keep:
            await chat.forget(press.deps.services, PLATFORM, key)
    else:
        await press.answer()
        await _show_picker(press, key, state, choice)


async def _request_seasons(
    press: Press, key: str, state: dict[str, Any], chosen: Sequence[int]
) -> tuple[str, bool]:
    """Request the chosen seasons, marking the picker's state with the request in the same
    transaction: the outcome to show on the card, and whether a request was made."""
    user = await press.user()
    services = press.deps.services
    asking = chat.request_from_flow(
        services, PLATFORM, key, state, chat.PICKER_TTL, user.id, state["id"], MediaType.TV, chosen
    )
    asked = await press.quickly(asking)
    await press.answer()
    return render.outcome_of(asked), asked.result.request is not None


async def _made_already(press: Press, state: dict[str, Any]) -> str:
    """Tell the presser what became of the request this picker made (by now); the note
    for the card."""
    request_id = chat.made_request(state)
    assert request_id is not None
    request = await press.quickly(queries.current_request(press.deps.services, request_id))
    words = render.made_already(request_id, request)
    await press.answer(render.plain(words), alert=True)
    return words


def _changed(choice: SeasonChoice, op: str) -> SeasonChoice:
    """The choice after a toggle (``t3``), a page change (``p1``), All or None."""
    if op == "all":
        return choose_all(choice)
    if op == "none":
        return choose_none(choice)
    if op.startswith("p"):
        return turn_page(choice, int(op[1:]))
    return toggle(choice, int(op[1:]))


async def _show_picker(press: Press, key: str, state: dict[str, Any], choice: SeasonChoice) -> None:
    """Show the picker as the state says, unless a newer state is on its way: taps come
    faster than a chat may be edited, so only the latest of the waiting edits is made."""
    if press.message is None:
        return
    async with press.deps.locks(f"picker-card:{key}"):
        if press.deps.latest.get(key, 0) != state.get("v", 0):
            return
        await _render_picker(press, key, state, choice)


async def _render_picker(
    press: Press, key: str, state: dict[str, Any], choice: SeasonChoice
) -> None:
    assert press.message is not None
    photo = poster_url(state.get("poster")) if press.message.photo else None
    text = render.season_picker(
        state["title"], state.get("year"), choice.chosen, choice.taken, photo=photo is not None
    )
    await show(press.message, text, picker_markup(key, choice), photo=photo)


def picker_markup(key: str, choice: SeasonChoice) -> InlineKeyboardMarkup | None:
    """Season toggles (ticked when chosen, badges when taken), pages, All / None, and
    Request / Back."""
    buttons = []
    for number in choice.on_page:
        status = choice.status_of(number)
        if status is DisplayStatus.NOT_REQUESTED:
            text = f"✅ {number}" if number in choice.chosen else str(number)
            buttons.append((text, callbacks.seasons(key, f"t{number}")))
        else:
            buttons.append(
                (f"{render.EMOJI[status]} {number}", callbacks.seasons(key, f"i{number}"))
            )
    rows = [buttons[i : i + PER_ROW] for i in range(0, len(buttons), PER_ROW)]
    if choice.pages > 1:
        page, shown = choice.page, choice.on_page
        nav = []
        if page > 0:
            nav.append(("« Earlier", callbacks.seasons(key, f"p{page - 1}")))
        nav.append(noop(f"Seasons {shown[0]}–{shown[-1]}"))
        if page + 1 < choice.pages:
            nav.append(("Later »", callbacks.seasons(key, f"p{page + 1}")))
        rows.append(nav)
    rows.append([("All", callbacks.seasons(key, "all")), ("None", callbacks.seasons(key, "none"))])
    count = len(choice.chosen)
    confirm = f"Request {plural(count, 'season')}" if count else "Request"
    rows.append(
        [
            (confirm, callbacks.seasons(key, f"ok{count}")),
            ("‹ Back", callbacks.seasons(key, "back")),
        ]
    )
    return keyboard(*rows)
