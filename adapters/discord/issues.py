"""Handling issues: Resolve / Reopen and Comment (a modal) on an issue's card or on a notice
of it, and /issues, the open issues one may see (one's own; everyone's for those who see
others'), paged, each with a button that shows its card. The core decides who may."""

from __future__ import annotations

import asyncio
import logging
import math
import re
from typing import Any

import discord

from adapters.discord import render
from adapters.discord.context import acting_user, deps, owner_only, report_error
from adapters.discord.controls import PREFIX, Control, button
from adapters.discord.forms import submitted, words_form
from adapters.discord.issue_cards import ON_CARD, card
from adapters.discord.replies import defer, frozen, say, show
from adapters.issue_text import IssueAction, issue_name, issues_heading, list_line
from core import issue_rules
from core.errors import PermissionDenied
from core.identity import User
from core.issue_queries import get_issue, list_issues
from core.issue_values import Issue, IssueStatus
from core.issues import comment_on_issue, set_issue_status

log = logging.getLogger(__name__)

COMMENT_MODAL = re.compile(PREFIX + r"in:(?P<id>\d{1,18}):(?P<where>[cn])")
EXPIRED_FORM = "That form has expired. Press Comment again."
PER_PAGE = 10  # issues a page of /issues lists, each with a button (two rows of five)
PER_ROW = 5
STATUS_OF = {IssueAction.RESOLVE: IssueStatus.RESOLVED, IssueAction.REOPEN: IssueStatus.OPEN}


async def _shown(interaction: discord.Interaction[Any], issue: Issue) -> None:
    """Show the pressed card as the issue now is; the outbox need not edit it."""
    shown = card(issue)
    await show(interaction, **shown)
    if interaction.message is not None:
        deps(interaction).notifier.issues.shown_by_hand(interaction.message, shown)


async def on_status(interaction: discord.Interaction[Any], args: list[str], _: list[str]) -> None:
    """✅ Resolve / ↩️ Reopen: a manager any issue, the reporter their own."""
    await defer(interaction, update=True)
    issue_id, status = int(args[0]), STATUS_OF[IssueAction(args[1])]
    user = await acting_user(interaction)
    found = deps(interaction)
    async with found.locks(f"issue:{issue_id}"):
        issue = await set_issue_status(found.services, user.id, issue_id, status)
        await _shown(interaction, issue)


async def on_comment(interaction: discord.Interaction[Any], args: list[str], _: list[str]) -> None:
    """💬 Comment: ask for the words in a modal (a modal must be the first answer, so the
    quick checks get a short budget; the core checks again when the words come)."""
    issue_id, where = int(args[0]), args[1]
    found = deps(interaction)
    title = f"Comment on issue #{issue_id}"
    try:
        async with asyncio.timeout(found.config.modal_check_budget):
            user = await acting_user(interaction)
            issue = await get_issue(found.services, user.id, issue_id)
            issue_rules.check_may_comment(user, issue)
            title = f"Comment on {issue_name(issue.issue_type, issue.id)}"
    except TimeoutError:
        log.info("interaction %s: comment checks were slow; asking anyway", interaction.id)
    custom_id = f"{PREFIX}in:{issue_id}:{where}"
    form = words_form(custom_id, title, "Your comment", max_length=issue_rules.MAX_MESSAGE)
    await interaction.response.send_modal(form)  # answered by on_modal, after a restart too


async def on_modal(interaction: discord.Interaction[Any]) -> None:
    """A comment's words: add it; on a card, show the card with it."""
    form = await submitted(interaction, COMMENT_MODAL, EXPIRED_FORM)
    if form is None:
        return
    match, words = form
    try:
        await _commented(interaction, int(match["id"]), match["where"], words)
    except Exception as error:
        await report_error(interaction, error)


async def _commented(
    interaction: discord.Interaction[Any], issue_id: int, where: str, words: str
) -> None:
    on_card = where == ON_CARD and interaction.message is not None
    await defer(interaction, update=on_card)
    user = await acting_user(interaction)
    found = deps(interaction)
    async with found.locks(f"issue:{issue_id}"):
        issue, _ = await comment_on_issue(found.services, user.id, issue_id, words)
        if on_card:
            await _shown(interaction, issue)
            return
    await say(interaction, f"💬 Your comment on {issue_name(issue.issue_type, issue.id)} is added.")


def _may_act(user: User, issue: Issue) -> bool:
    """Whether the card shown to ``user`` offers its buttons (the core's rule of who may
    resolve: a manager, or the reporter)."""
    try:
        issue_rules.check_may_resolve(user, issue)
    except PermissionDenied:
        return False
    return True


async def on_open(interaction: discord.Interaction[Any], args: list[str], _: list[str]) -> None:
    """An issue's button on /issues: its card, privately (with buttons for who may act)."""
    await defer(interaction)
    user = await acting_user(interaction)
    issue = await get_issue(deps(interaction).services, user.id, int(args[0]))
    await say(interaction, **card(issue, actions=_may_act(user, issue)))


async def on_issues(interaction: discord.Interaction[Any]) -> None:
    """/issues: the open issues I may see, newest first, ten a page."""
    await defer(interaction)
    await show(interaction, **await _page(interaction, interaction.user.id, 0))


async def on_issues_page(
    interaction: discord.Interaction[Any], args: list[str], _: list[str]
) -> None:
    """‹ Newer / Older ›: another page of /issues."""
    await defer(interaction, update=True)
    owner, page = int(args[0]), int(args[1])
    owner_only(interaction, owner)
    await show(interaction, **await _page(interaction, owner, page))


async def _page(interaction: discord.Interaction[Any], owner: int, page: int) -> dict[str, Any]:
    user = await acting_user(interaction)
    services = deps(interaction).services
    found = await list_issues(
        services, user.id, status=IssueStatus.OPEN, offset=page * PER_PAGE, limit=PER_PAGE
    )
    pages = max(1, math.ceil(found.total / PER_PAGE))
    if not found.issues and page > 0:  # the list shrank since the button was made
        return await _page(interaction, owner, pages - 1)
    lines = [f"• {list_line(i, render.esc, with_reporter=found.everyone)}" for i in found.issues]
    embed = discord.Embed(
        title=issues_heading(found.total, everyone=found.everyone),
        description=render.cut("\n".join(lines), render.DESCRIPTION) or None,
        colour=render.ORANGE if found.total else render.GREEN,
    )
    if pages > 1:
        embed.set_footer(text=f"Page {page + 1} of {pages}")
    items: list[Control] = [
        button(f"#{issue.id}", "io", issue.id, row=n // PER_ROW)
        for n, issue in enumerate(found.issues)
    ]
    if page > 0:
        items.append(button("‹ Newer", "il", owner, page - 1, row=2))
    if page + 1 < pages:
        items.append(button("Older ›", "il", owner, page + 1, row=2))
    return {"embed": embed, "view": frozen(*items)}
