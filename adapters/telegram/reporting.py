"""Reporting a problem with a title on the server: ⚠️ Report a problem on its card (or
/issue and its name), a type picker, for a show a season and then an episode picker (pages
of 20, "whole show" and "whole season"), then a question (ForceReply) whose answer is the
report's words. The pickers' state is kept under a short key (core.chat); the core checks
the title, the season and episode, and who may report, at the start and at the end."""

from __future__ import annotations

from typing import Any

from telegram import ForceReply, InlineKeyboardMarkup, Update
from telegram import User as TelegramUser

from adapters.issue_text import ASK_MESSAGE, TYPE_CHOICES, pages, reported_text
from adapters.telegram import awaiting, callbacks, render
from adapters.telegram.context import Context, Press, acting_user, deps
from adapters.telegram.messages import PLATFORM, keyboard, noop, replying_to, send, show, thread_of
from adapters.text import UserFacing
from core import chat
from core.issue_queries import ReportChoices, report_choices, reportable_titles
from core.issue_values import IssueType, where
from core.issues import report_issue
from core.media import MediaType
from core.services import Services

PER_PAGE = 20
PER_ROW = 5
MAX_LISTED = 10  # titles /issue offers
USAGE = "Which title? Send /issue and its name, e.g. /issue Breaking Bad"
NOT_HERE = (
    "Nothing called “{}” is on the server, and problems can be reported only with what is "
    "there. Check the spelling, or send /request to search everything."
)
EXPIRED = (
    "This report has expired. Press ⚠️ Report a problem on the title's card, or send /issue "
    "and its name, to start again."
)
PLACEHOLDER = "What is wrong?"


async def on_issue_command(update: Update, context: Context) -> None:
    """/issue <title>: the matching titles on the server (core.issue_queries.reportable_titles),
    to report a problem with one: the pickers at once for one, a list for several."""
    message, sender = update.effective_message, update.effective_user
    if message is None or sender is None:
        return
    query = " ".join(context.args or [])
    if not query.strip():
        await message.reply_text(USAGE)
        return
    services = deps(context).services
    user = await acting_user(update, context)
    found = await reportable_titles(services, query, MAX_LISTED)
    if not found.titles:
        await message.reply_text(render.esc(NOT_HERE.format(found.query or query)))
        return
    if len(found.titles) == 1:
        choices = await report_choices(services, user.id, found.titles[0].id)
        text, markup = await _start(services, sender, choices)
        await message.reply_text(text, reply_markup=markup)
        return
    rows = [
        [(_title(m.title, m.year, m.media_type), callbacks.issue_pick(sender.id, m.id))]
        for m in found.titles
    ]
    await message.reply_text("Which title has the problem?", reply_markup=keyboard(*rows))


def _title(title: str, year: int | None, media_type: MediaType) -> str:
    shown = f"{title} ({year})" if year else title
    return render.shorten(f"{shown} · {'Movie' if media_type is MediaType.MOVIE else 'TV'}", 60)


async def on_report(update: Update, context: Context) -> None:
    """⚠️ Report a problem on a title's card: the report's pickers, in a new message."""
    press = Press(update, context)
    text, markup = await _pressed_start(press, int(press.groups[0]))
    if press.message is not None:
        card = press.message
        bot = press.message.get_bot()
        await send(
            bot, card.chat_id, text, markup, reply_to=card.message_id, thread=thread_of(card)
        )


async def on_pick(update: Update, context: Context) -> None:
    """A title of the /issue list: the report's pickers, in its place."""
    press = Press(update, context)
    if int(press.groups[0]) != press.query.from_user.id:
        raise UserFacing("That list is someone else's. Send /issue and a title to report one.")
    text, markup = await _pressed_start(press, int(press.groups[1]))
    if press.message is not None:
        await show(press.message, text, markup)


async def _pressed_start(press: Press, media_id: int) -> tuple[str, InlineKeyboardMarkup | None]:
    """A button that starts a report on a title: the core's check, the answer, the picker."""
    user = await press.user()
    services = press.deps.services
    choices = await press.quickly(report_choices(services, user.id, media_id))
    await press.answer()
    return await _start(services, press.query.from_user, choices)


async def _start(
    services: Services, who: TelegramUser, choices: ReportChoices
) -> tuple[str, InlineKeyboardMarkup | None]:
    """Keep a new report's state; the type picker."""
    media = choices.media
    state: dict[str, Any] = {
        "u": who.id,
        "n": who.first_name,
        "m": media.id,
        "l": media.label,
        "tv": media.media_type is MediaType.TV,
        "ss": [n for n, _ in choices.seasons],
        "ep": {str(n): count for n, count in choices.seasons},
        "t": None,
        "s": None,
        "e": None,
        "p": 0,
        "q": 0,
    }
    key = await chat.remember(services, PLATFORM, state, chat.PICKER_TTL)
    return picker(key, state)


async def on_step(update: Update, context: Context) -> None:
    """A press in a report's pickers: a type, a season, an episode, a page, back or cancel."""
    press = Press(update, context)
    key, op = press.groups[0], press.groups[1]
    services = press.deps.services
    async with press.deps.locks(f"report:{key}"):  # quick taps are taken one by one
        state = await press.quickly(chat.recall(services, PLATFORM, key))
        if state is None:
            raise UserFacing(EXPIRED)
        if state.get("u") != press.query.from_user.id:
            owner = state.get("n") or "someone else"
            raise UserFacing(f"This report is {owner}'s. Send /issue and a title to report one.")
        if op == "stop":
            await press.answer("Cancelled.")
            await chat.forget(services, PLATFORM, key)
            if press.message is not None:
                await show(press.message, "Report cancelled.", None)
            return
        state = advance(state, op)
        await press.answer()
        if state["e"] is None:
            await press.quickly(chat.remember(services, PLATFORM, state, chat.PICKER_TTL, key=key))
            if press.message is not None:
                await show(press.message, *picker(key, state))
            return
        await _ask(press, state)
        await chat.forget(services, PLATFORM, key)


def _episodes(state: dict[str, Any], season: int) -> int:
    """How many episodes the season has (0: the catalogue could not say)."""
    return int(state["ep"].get(str(season), 0))


def advance(state: dict[str, Any], op: str) -> dict[str, Any]:
    """The report's state after a press (UserFacing for one its pickers never offered)."""
    new = dict(state)
    what, number = op[0], int(op[1:]) if op[1:].isdigit() else 0
    seasons = state["ss"]
    if op == "back":
        new["s" if new["s"] is not None else "t"] = None
        new["q"] = 0
    elif what == "t":
        new["t"] = number
        if not new["tv"]:
            new["s"], new["e"] = 0, 0
    elif what in "pq":
        new[what] = number
    elif what == "s" and new["tv"] and (number == 0 or number in seasons):
        new["s"], new["q"] = number, 0
        if number == 0 or not _episodes(state, number):
            new["e"] = 0  # the whole show, or a season whose episodes are not known
    elif what == "e" and new["s"] and number <= _episodes(state, new["s"]):
        new["e"] = number
    else:
        raise UserFacing("That choice is not on offer any more. Start the report again.")
    return new


def picker(key: str, state: dict[str, Any]) -> tuple[str, InlineKeyboardMarkup | None]:
    """The picker the state is at: the type, the season, or the episode."""
    head = f"<b>Report a problem</b> · {render.esc(state['l'])}"
    if state["t"] is None:
        rows = [
            [
                (label, callbacks.issue_step(key, f"t{int(t)}"))
                for t, label in TYPE_CHOICES[i : i + 2]
            ]
            for i in range(0, len(TYPE_CHOICES), 2)
        ]
        rows.append([("Cancel", callbacks.issue_step(key, "stop"))])
        return f"{head}\nWhat kind of problem is it?", keyboard(*rows)
    kind = _kind(state)
    if state["s"] is None:
        numbers = state["ss"]
        grid = _grid(key, "s", "p", numbers, state["p"], "Seasons")
        whole = ("Whole show", callbacks.issue_step(key, "s0"))
        return f"{head}\n{kind} · which season?", keyboard(*grid, [whole, _back(key)])
    season = state["s"]
    numbers = list(range(1, _episodes(state, season) + 1))
    grid = _grid(key, "e", "q", numbers, state["q"], "Episodes")
    whole = ("Whole season", callbacks.issue_step(key, "e0"))
    text = f"{head}\n{kind} · season {season} · which episode?"
    return text, keyboard(*grid, [whole, _back(key)])


def _kind(state: dict[str, Any]) -> str:
    """The chosen type as its button said it: "🔊 Audio"."""
    return dict(TYPE_CHOICES)[IssueType(state["t"])]


def _back(key: str) -> tuple[str, str]:
    return "‹ Back", callbacks.issue_step(key, "back")


def _grid(
    key: str, choose: str, turn: str, numbers: list[int], page: int, word: str
) -> list[list[tuple[str, str]]]:
    """A page of number buttons, rows of five, and « Earlier / Later » between pages."""
    shown, before, after = pages(numbers, page, PER_PAGE)
    if not shown and page:  # a page past the end (forged): the first
        return _grid(key, choose, turn, numbers, 0, word)
    buttons = [(str(n), callbacks.issue_step(key, f"{choose}{n}")) for n in shown]
    rows = [buttons[i : i + PER_ROW] for i in range(0, len(buttons), PER_ROW)]
    nav = []
    if before:
        nav.append(("« Earlier", callbacks.issue_step(key, f"{turn}{page - 1}")))
    if before or after:
        nav.append(noop(f"{word} {shown[0]}–{shown[-1]}"))
    if after:
        nav.append(("Later »", callbacks.issue_step(key, f"{turn}{page + 1}")))
    return [*rows, nav]


async def _ask(press: Press, state: dict[str, Any]) -> None:
    """The choices are made: say so on the picker, and ask for the report's words."""
    picked = where(state["s"], state["e"])
    what = render.esc(state["l"] + (f", {picked}" if picked else ""))
    kind = _kind(state)
    summary = f"<b>Report a problem</b> · {what}\n{kind}\n<i>Reply to my question below.</i>"
    if press.message is None:
        return
    picker_message = press.message
    await show(picker_message, summary, None)
    who = press.query.from_user
    words = render.esc(ASK_MESSAGE)
    if picker_message.chat.type != "private":
        words = f"{render.mention(who.id, who.first_name)}: {words}"
    data = {"m": state["m"], "t": state["t"], "s": state["s"], "e": state["e"], "n": who.first_name}
    reply = ForceReply(selective=True, input_field_placeholder=PLACEHOLDER)
    async with press.deps.locks(awaiting.asker_lock(picker_message.chat_id, who.id)):
        question = await picker_message.get_bot().send_message(
            picker_message.chat_id,
            words,
            reply_markup=reply,
            **replying_to(picker_message.message_id),
        )
        await awaiting.expect_answer(press.deps.services, question, who.id, awaiting.REPORT, data)


async def take_report(update: Update, context: Context, found: dict[str, Any]) -> None:
    """The answer to a report's question: report the problem with those words."""
    message, sender = update.effective_message, update.effective_user
    if message is None or sender is None or not message.text:
        return
    if found.get("o") != sender.id:
        raise UserFacing(
            f"That question is for {found.get('n') or 'someone else'}. Send /issue and a title "
            "to report a problem yourself."
        )
    user = await acting_user(update, context)
    services = deps(context).services
    async with awaiting.answering(services, message, found):
        issue = await report_issue(
            services, user.id, found["m"], found["t"], message.text, found["s"], found["e"]
        )
    thanks = render.esc(reported_text(issue))
    await send(message.get_bot(), message.chat_id, thanks, reply_to=message.message_id)
