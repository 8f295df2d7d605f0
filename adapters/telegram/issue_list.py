"""/issues: the open issues one may see (one's own; everyone's with VIEW_ISSUES or
MANAGE_ISSUES), ten a page, each with a button that brings its card here."""

from __future__ import annotations

import math

from telegram import InlineKeyboardMarkup, Update

from adapters.issue_text import issues_heading, list_line, may_act
from adapters.telegram import callbacks, render
from adapters.telegram.context import Context, Press, paged_list
from adapters.telegram.messages import keyboard, noop
from core.identity import User
from core.issue_queries import get_issue, list_issues
from core.issue_values import IssueStatus
from core.services import Services

PER_PAGE = 10
PER_ROW = 5


async def _page(
    services: Services, user: User, owner: int, page: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    offset = (page - 1) * PER_PAGE
    listed = await list_issues(
        services, user.id, status=IssueStatus.OPEN, offset=offset, limit=PER_PAGE
    )
    pages = max(1, math.ceil(listed.total / PER_PAGE))
    if not listed.issues and page > 1:  # the list shrank since the button was made
        return await _page(services, user, owner, pages)
    heading = f"<b>{render.esc(issues_heading(listed.total, everyone=listed.everyone))}</b>"
    if pages > 1:
        heading += f" (page {page} of {pages})"
    lines = [heading]
    lines += [
        f"• {list_line(issue, render.esc, with_reporter=listed.everyone)}"
        for issue in listed.issues
    ]
    if listed.issues:
        lines.append("<i>Press a number to see that issue's card.</i>")
    buttons = [(f"#{issue.id}", callbacks.issue_open(issue.id)) for issue in listed.issues]
    rows = [buttons[i : i + PER_ROW] for i in range(0, len(buttons), PER_ROW)]
    nav = []
    if page > 1:
        nav.append(("‹ Newer", callbacks.my_issues(owner, page - 1)))
    if pages > 1:
        nav.append(noop(f"{page}/{pages}"))
    if page < pages:
        nav.append(("Older ›", callbacks.my_issues(owner, page + 1)))
    return render.compose(lines, "", [], render.TEXT_LIMIT), keyboard(*rows, nav)


async def on_open_issue(update: Update, context: Context) -> None:
    """#3 on /issues: that issue's card, here; with its buttons (kept up to date) for those
    who may act on it, its managers and its reporter."""
    press = Press(update, context)
    user = await press.user()
    issue = await press.quickly(get_issue(press.deps.services, user.id, int(press.groups[0])))
    await press.answer()
    if press.message is not None:
        cards = press.deps.notifier.issues
        await cards.post_card(press.message.chat_id, issue.id, keep=may_act(user, issue))


# /issues: the open issues I reported (every open issue, for those who may see them).
on_issues, on_issues_page = paged_list("/issues", _page)
