"""Reporting a problem with a title on the server: ⚠️ Report a problem on its search card, or
/issue title, opens a private picker of the problem's type; for a show a season menu and an
episode menu follow (pages of 24, with "whole show" / "whole season" first), and a modal
asks for the words. The core checks and records it (core.issues.report_issue).

The flow keeps nothing: its custom_ids carry the title's media id, the type and the season,
and the core checks them all again when the words come."""

from __future__ import annotations

import re
from typing import Any

import discord

from adapters.discord import render
from adapters.discord.context import acting_user, deps, report_error
from adapters.discord.controls import PREFIX, Control, button, menu, refuse
from adapters.discord.forms import submitted, words_form
from adapters.discord.replies import defer, frozen, show
from adapters.discord.search import CHOSEN, LETTER, TYPES
from adapters.issue_text import ASK_MESSAGE, TYPE_CHOICES, TYPE_MARKS, pages, reported_text
from adapters.text import count
from core import issue_rules
from core.issue_queries import ReportChoices, report_choices, reportable_titles
from core.issue_values import IssueType, where
from core.issues import report_issue
from core.listing import media_infos
from core.media import Media, MediaType
from core.services import Services

MAX_LISTED = 5  # titles /issue offers when typed words match several (a row each)
PER_PAGE = 24  # a menu holds 25 options, and the first is the whole show (or season)
WHOLE = "0"  # the menus' value for the whole show (season menu) or season (episode menu)
REPORT_MODAL = re.compile(
    PREFIX + r"im:(?P<media>\d{1,18}):(?P<kind>[1-4]):(?P<s>\d{1,4}):(?P<e>\d{1,4})"
)
SEASON = re.compile(r"(?P<season>\d{1,4})(?::(?P<episodes>\d{1,4}))?")
EXPIRED_FORM = "That form has expired. Press Report a problem again."


async def on_issue_command(interaction: discord.Interaction[Any], title: str) -> None:
    """/issue title: the chosen suggestion (``movie:603``), else the titles on the server that
    the typed words name (core.issue_queries.reportable_titles): the picker for one, a
    choice for several."""
    await defer(interaction)
    user = await acting_user(interaction)
    services = deps(interaction).services
    chosen = CHOSEN.fullmatch(title.strip())
    if chosen:
        await _start(interaction, services, user.id, MediaType(chosen["type"]), int(chosen["id"]))
        return
    found = await reportable_titles(services, title, MAX_LISTED)
    if not found.titles:
        words = render.shown(found.query or title, 100)
        await show(interaction, f"I found nothing on the server called “{words}”. Try other words?")
        return
    if len(found.titles) == 1:
        media = found.titles[0]
        await _start(interaction, services, user.id, media.media_type, media.tmdb_id)
        return
    # Several titles on the server match: the user says which, rather than the first
    # being taken for them.
    items = [
        button(render.cut(m.label, 80), "ir", LETTER[m.media_type], m.tmdb_id, row=n)
        for n, m in enumerate(found.titles)
    ]
    await show(interaction, "Which title has the problem?", view=frozen(*items))


async def on_report(interaction: discord.Interaction[Any], args: list[str], _: list[str]) -> None:
    """⚠️ Report a problem on a search card: the picker comes as a message of its own."""
    await defer(interaction)
    user = await acting_user(interaction)
    await _start(interaction, deps(interaction).services, user.id, TYPES[args[0]], int(args[1]))


async def _start(
    interaction: discord.Interaction[Any],
    services: Services,
    user_id: int,
    media_type: MediaType,
    tmdb_id: int,
) -> None:
    """The type picker, once the core says the user may report on this title."""
    media = await _media(services, media_type, tmdb_id)
    choices = await report_choices(services, user_id, media.id)
    letter = LETTER[media_type]
    items = [
        button(words, "it", media.id, int(kind), letter, row=0) for kind, words in TYPE_CHOICES
    ]
    embed = _embed(choices.media, "What kind of problem is it?")
    await show(interaction, embed=embed, view=frozen(*items))


async def _media(services: Services, media_type: MediaType, tmdb_id: int) -> Media:
    """The title as known here; one the server has never had is refused as the core words
    it (the title as the catalogue names it, with no status here)."""
    info = (await media_infos(services, [(tmdb_id, media_type)])).get((tmdb_id, media_type))
    if info is not None:
        return info.media
    d = await services.catalogue.details(tmdb_id, media_type)
    unknown = Media(0, d.tmdb_id, d.media_type, d.title, d.year, d.poster_path)
    issue_rules.check_on_server(unknown)  # raises IssueRefused
    raise AssertionError("a title unknown here is not on the server")  # pragma: no cover


def _embed(media: Media, question: str) -> discord.Embed:
    embed = discord.Embed(
        title=render.shown(f"Report a problem: {media.label}", render.TITLE),
        description=question,
        colour=render.ORANGE,
    )
    return embed


async def on_type(interaction: discord.Interaction[Any], args: list[str], _: list[str]) -> None:
    """The problem's type: for a movie the modal asks for the words, for a show the season
    menu comes next."""
    media_id, kind = int(args[0]), IssueType(int(args[1]))
    if TYPES[args[2]] is MediaType.MOVIE:
        await _ask(interaction, media_id, kind, 0, 0)
        return
    await defer(interaction, update=True)
    await _seasons(interaction, media_id, kind, 0)


async def on_season(
    interaction: discord.Interaction[Any], args: list[str], values: list[str]
) -> None:
    """A season (with its episode count) or the whole show: the episode menu, or the modal."""
    media_id, kind = int(args[0]), IssueType(int(args[1]))
    picked = SEASON.fullmatch(values[0] if values else "")
    if picked is None:
        await refuse(interaction, str(values)[:100])
        return
    season, episodes = int(picked["season"]), int(picked["episodes"] or 0)
    if not season or not episodes:  # the whole show, or a season of unknown length
        await _ask(interaction, media_id, kind, season, 0)
        return
    await defer(interaction, update=True)
    await _episodes(interaction, media_id, kind, season, 0)


async def on_episode(
    interaction: discord.Interaction[Any], args: list[str], values: list[str]
) -> None:
    """An episode, or the whole season: the modal."""
    media_id, kind, season = int(args[0]), IssueType(int(args[1])), int(args[2])
    episode = values[0] if values else ""
    if not episode.isdigit() or len(episode) > 4:
        await refuse(interaction, episode[:100])
        return
    await _ask(interaction, media_id, kind, season, int(episode))


async def on_page(interaction: discord.Interaction[Any], args: list[str], _: list[str]) -> None:
    """‹ / ›: another page of seasons (season 0) or of a season's episodes."""
    await defer(interaction, update=True)
    media_id, kind, season, page = int(args[0]), IssueType(int(args[1])), int(args[2]), int(args[3])
    if season:
        await _episodes(interaction, media_id, kind, season, page)
    else:
        await _seasons(interaction, media_id, kind, page)


async def _choices(interaction: discord.Interaction[Any], media_id: int) -> ReportChoices:
    user = await acting_user(interaction)
    return await report_choices(deps(interaction).services, user.id, media_id)


async def _seasons(
    interaction: discord.Interaction[Any], media_id: int, kind: IssueType, page: int
) -> None:
    choices = await _choices(interaction, media_id)
    numbers = [n for n, _ in choices.seasons]
    shown, before, after = pages(numbers, page, PER_PAGE)
    options = [discord.SelectOption(label="Whole show", value=WHOLE, emoji="📺")]
    for number in shown:
        episodes = choices.episodes(number)
        value = f"{number}:{episodes}" if episodes else str(number)
        note = count(episodes, "episode") if episodes else None
        options.append(
            discord.SelectOption(label=f"Season {number}", value=value, description=note)
        )
    items = [
        menu(options, "is", media_id, int(kind), page, placeholder="Which season?", single=True)
    ]
    items += _paging(media_id, kind, 0, page, before, after)
    embed = _embed(choices.media, f"{_kind(kind)}: which season has it?")
    await show(interaction, embed=embed, view=frozen(*items))


async def _episodes(
    interaction: discord.Interaction[Any], media_id: int, kind: IssueType, season: int, page: int
) -> None:
    choices = await _choices(interaction, media_id)
    numbers = list(range(1, choices.episodes(season) + 1))
    shown, before, after = pages(numbers, page, PER_PAGE)
    options = [discord.SelectOption(label=f"Whole season {season}", value=WHOLE, emoji="📺")]
    options += [discord.SelectOption(label=f"Episode {n}", value=str(n)) for n in shown]
    placeholder = f"Which episode of season {season}?"
    items = [
        menu(options, "ie", media_id, int(kind), season, page, placeholder=placeholder, single=True)
    ]
    items += _paging(media_id, kind, season, page, before, after)
    embed = _embed(choices.media, f"{_kind(kind)} in season {season}: which episode?")
    await show(interaction, embed=embed, view=frozen(*items))


def _paging(
    media_id: int, kind: IssueType, season: int, page: int, before: bool, after: bool
) -> list[Control]:
    items = []
    if before:
        items.append(button("‹ Earlier", "ip", media_id, int(kind), season, page - 1, row=1))
    if after:
        items.append(button("Later ›", "ip", media_id, int(kind), season, page + 1, row=1))
    return items


def _kind(kind: IssueType) -> str:
    return f"{TYPE_MARKS[kind]} {kind.label} problem"


async def _ask(
    interaction: discord.Interaction[Any], media_id: int, kind: IssueType, season: int, episode: int
) -> None:
    """The modal of the words, as the first answer (Discord allows no other; it is answered
    by on_modal, after a restart too): the core checks again when the words come."""
    place = where(season, episode)
    title = _kind(kind) + (f" · {place}" if place else "")
    custom_id = f"{PREFIX}im:{media_id}:{int(kind)}:{season}:{episode}"
    form = words_form(
        custom_id, title, "The problem", max_length=issue_rules.MAX_MESSAGE, intro=ASK_MESSAGE
    )
    await interaction.response.send_modal(form)


async def on_modal(interaction: discord.Interaction[Any]) -> None:
    """The report's words: record it, and say so where the picker was."""
    form = await submitted(interaction, REPORT_MODAL, EXPIRED_FORM)
    if form is None:
        return
    match, words = form
    try:
        await defer(interaction, update=interaction.message is not None)
        user = await acting_user(interaction)
        issue = await report_issue(
            deps(interaction).services,
            user.id,
            int(match["media"]),
            int(match["kind"]),
            words,
            int(match["s"]),
            int(match["e"]),
        )
        await show(interaction, render.esc(reported_text(issue)), view=frozen())
    except Exception as error:
        await report_error(interaction, error)
