"""The Request button: a movie is requested at once; a show first gets a season menu (pages of
25 for long-running shows, seasons already requested or here marked), then Request."""

from __future__ import annotations

from typing import Any

import discord

from adapters import text
from adapters.discord import render
from adapters.discord.config import PLATFORM
from adapters.discord.context import acting_user, deps, owner_only
from adapters.discord.controls import Control, button, menu
from adapters.discord.replies import defer, frozen, show
from adapters.discord.search import TYPES, show_result, show_title
from adapters.text import BADGES, EVERY_SEASON_TAKEN, UserFacing
from core import chat, queries, seasons
from core.media import DisplayStatus, MediaType
from core.queries import check_may_request
from core.seasons import SeasonChoice

PER_PAGE = 25  # a select holds at most 25 options
EXPIRED = "This season choice has expired. Run /request tv again."


async def on_request(interaction: discord.Interaction[Any], args: list[str], _: list[str]) -> None:
    """Request: a movie is requested at once; a show opens the season menu."""
    await defer(interaction, update=True)
    media_type, tmdb_id, back = TYPES[args[0]], int(args[1]), args[2:]
    user = await acting_user(interaction)
    services = deps(interaction).services
    if media_type is MediaType.TV:
        await check_may_request(services, user.id, MediaType.TV)
        await open_picker(interaction, tmdb_id, back)
        return
    async with deps(interaction).locks(f"request:{user.id}:{tmdb_id}"):  # a double click
        asked = await chat.request_title(services, user.id, tmdb_id, media_type)
    await back_to_card(interaction, back, tmdb_id, media_type, render.outcome_of(asked))


async def back_to_card(
    interaction: discord.Interaction[Any],
    back: list[str],
    tmdb_id: int,
    media_type: MediaType,
    note: str = "",
) -> None:
    """The search card again (or the title alone, if it had no search or it expired)."""
    if back:
        state = await chat.recall(deps(interaction).services, PLATFORM, back[0])
        if state is not None:
            await show_result(interaction, state, back[0], int(back[1]), int(back[2]), note)
            return
    await show_title(interaction, tmdb_id, media_type, note)


async def open_picker(interaction: discord.Interaction[Any], tmdb_id: int, back: list[str]) -> None:
    """Turn the card into a season menu for the show."""
    services = deps(interaction).services
    title = await queries.title_state(services, tmdb_id, MediaType.TV)
    choice = seasons.start_choice(title.seasons, PER_PAGE)
    if not choice.selectable:
        note = EVERY_SEASON_TAKEN
        await back_to_card(interaction, back, tmdb_id, MediaType.TV, note)
        return
    d = title.details
    state = {
        "u": interaction.user.id,
        "id": tmdb_id,
        "title": d.title,
        "year": d.year,
        **seasons.choice_state(choice),
        "back": back,
    }
    key = await chat.remember(services, PLATFORM, state, chat.PICKER_TTL)
    await show(interaction, **picker(key, state))


async def _recall_picker(interaction: discord.Interaction[Any], key: str) -> dict[str, Any]:
    state = await chat.recall(deps(interaction).services, PLATFORM, key)
    if state is None:
        raise UserFacing(EXPIRED)
    owner_only(interaction, int(state["u"]))
    return state


async def on_choose(
    interaction: discord.Interaction[Any], args: list[str], values: list[str]
) -> None:
    """The season menu of one page: what is chosen there replaces that page's choice."""
    await defer(interaction, update=True)
    key, page = args[0], int(args[1])
    numbers = [int(v) for v in values if v.isdigit()]
    async with deps(interaction).locks(f"picker:{key}"):
        state = await _recall_picker(interaction, key)
        if chat.made_request(state) is None:
            choice = seasons.choose_on_page(_choice(state), page, numbers)
            await _keep(interaction, key, state, choice)
    if chat.made_request(state) is not None:
        await _show_done(interaction, state)
        return
    await show(interaction, **picker(key, state))


async def on_picker(interaction: discord.Interaction[Any], args: list[str], _: list[str]) -> None:
    """The picker's buttons: pages, all, none, Request and Back."""
    await defer(interaction, update=True)
    key, op = args[0], args[1]
    services = deps(interaction).services
    note = ""
    async with deps(interaction).locks(f"picker:{key}"):
        state = await _recall_picker(interaction, key)
        done = chat.made_request(state) is not None
        if done:
            pass  # whatever was pressed, the request is made: say so below
        elif op == "ok":
            note = await _confirm(interaction, key, state)
        elif op == "back":
            await chat.forget(services, PLATFORM, key)
        else:
            await _keep(interaction, key, state, _changed(_choice(state), op))
    if done:
        await _show_done(interaction, state)
    elif op in ("ok", "back"):
        await back_to_card(interaction, state["back"], state["id"], MediaType.TV, note)
    else:
        await show(interaction, **picker(key, state))


async def _confirm(interaction: discord.Interaction[Any], key: str, state: dict[str, Any]) -> str:
    """Request the chosen seasons. The picker is kept, marked with the request in the
    request's own transaction, until it expires: a press on it later (a double click, or
    after a crash that came before the card showed the outcome) is told about the request,
    not that the choice expired."""
    chosen = list(_choice(state).chosen)
    if not chosen:
        raise UserFacing("Choose at least one season first (or press All).")
    services = deps(interaction).services
    user = await acting_user(interaction)
    asked = await chat.request_from_flow(
        services, PLATFORM, key, state, chat.PICKER_TTL, user.id, state["id"], MediaType.TV, chosen
    )
    return render.outcome_of(asked)


async def _show_done(interaction: discord.Interaction[Any], state: dict[str, Any]) -> None:
    """A picker whose request was made: the card, with where that request stands now."""
    request_id = chat.made_request(state)
    assert request_id is not None
    current = await queries.current_request(deps(interaction).services, request_id)
    note = render.asked_already(current) if current else f"Request #{request_id} was withdrawn."
    await back_to_card(interaction, state["back"], state["id"], MediaType.TV, note)


def _choice(state: dict[str, Any]) -> SeasonChoice:
    """The picker's season choice, kept in its state (also by pickers saved before)."""
    return seasons.choice_from_state(state, PER_PAGE)


async def _keep(
    interaction: discord.Interaction[Any], key: str, state: dict[str, Any], choice: SeasonChoice
) -> None:
    state.update(seasons.choice_state(choice))
    await chat.remember(deps(interaction).services, PLATFORM, state, chat.PICKER_TTL, key=key)


def _changed(choice: SeasonChoice, op: str) -> SeasonChoice:
    """All, None, or a page (the custom_id's shape admits nothing else)."""
    if op == "all":
        return seasons.choose_all(choice)
    if op == "none":
        return seasons.choose_none(choice)
    return seasons.turn_page(choice, int(op.removeprefix("p")))


def picker(key: str, state: dict[str, Any]) -> dict[str, Any]:
    """The season menu of the current page, paging, All / None, Request and Back."""
    choice = _choice(state)
    shown = choice.on_page
    options = [_option(n, choice.status_of(n), n in choice.chosen) for n in shown]
    where = f" ({shown[0]}–{shown[-1]})" if choice.pages > 1 else ""
    items: list[Control] = [
        menu(options, "ss", key, choice.page, placeholder=f"Choose seasons{where}", row=0),
        *_paging(key, choice),
        button("All", "sp", key, "all", row=2),
        button("None", "sp", key, "none", row=2),
    ]
    count = len(choice.chosen)
    confirm = f"Request {text.count(count, 'season')}" if count else "Request"
    items += [
        button(confirm, "sp", key, "ok", style=discord.ButtonStyle.primary, row=3),
        button("‹ Back", "sp", key, "back", row=3),
    ]
    embed = render.season_picker(state["title"], state.get("year"), choice.chosen, choice.taken)
    return {"embed": embed, "view": frozen(*items)}


def _option(number: int, status: DisplayStatus, chosen: bool) -> discord.SelectOption:
    free = status is DisplayStatus.NOT_REQUESTED
    return discord.SelectOption(
        label=f"Season {number}",
        value=str(number),
        description=None if free else f"{BADGES[status].capitalize()}: not requestable",
        emoji=None if free else render.EMOJI[status],
        default=chosen,
    )


def _paging(key: str, choice: SeasonChoice) -> list[Control]:
    page, items = choice.page, []
    if page > 0:
        first = choice.numbers[(page - 1) * PER_PAGE]
        items.append(button(f"« Seasons {first}+", "sp", key, f"p{page - 1}", row=1))
    if page + 1 < choice.pages:
        after = choice.on_page[-1] + 1
        items.append(button(f"Seasons {after}+ »", "sp", key, f"p{page + 1}", row=1))
    return items
