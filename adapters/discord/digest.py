"""The admin channel's digest of pending requests (DISCORD_ADMIN_DIGEST_MINUTES): every few
minutes, one message listing the requests that became pending since the last digest
(core.digest decides which), with Approve / Decline for each, instead of a card each.

The buttons are the cards' own (the same custom_ids, handlers and permission checks); the
digest is one of the request's chat posts, so every decision, here or anywhere, edits it
through the notifier to say who decided what. Posting goes through the notifier's send path
(discord.py waits out the rate limits); a post that fails is logged by the scheduler and
tried again at the next turn (the mark has not moved). A message holds five rows of
buttons: a row per request, the rest are counted and left to /pending.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord

from adapters.digest_job import DigestJob, details, outcome
from adapters.discord import render
from adapters.discord.cards import DECISION_BUTTONS
from adapters.discord.config import PLATFORM, DiscordConfig
from adapters.discord.controls import Control, button
from adapters.discord.replies import frozen
from adapters.text import kind_word
from core import chat
from core.decisions import Decision
from core.digest import (
    Entry,
    Posted,
    is_digest,
    posted_digest,
)
from core.domain import ChatPost
from core.services import Services

if TYPE_CHECKING:
    from adapters.discord.notifier import DiscordNotifier

LISTED = 5  # Discord's five action rows: one request each
TITLE = 80  # characters of a title, a requester's name or a reason shown in a digest
NAME = 40
REASON = 100


class DiscordDigest(DigestJob):
    """The digest job of the admin chat (see adapters/digest_job.py)."""

    def __init__(self, services: Services, config: DiscordConfig, notifier: DiscordNotifier):
        chat_id = config.admin_channel_id
        assert chat_id is not None

        async def post(posted: Posted) -> str:
            message_id = await notifier.post_digest(chat_id, layout(posted))
            return str(message_id)

        super().__init__(
            services,
            PLATFORM,
            chat_id,
            minutes=config.admin_digest_minutes,
            listed=LISTED,
            start_delay=config.digest_start_delay,
            post=post,
        )


async def layout_now(services: Services, post: ChatPost) -> dict[str, Any] | None:
    """A posted digest laid out with its requests as they are now (None: no longer kept)."""
    posted = await posted_digest(services, PLATFORM, post.chat_id, post.message_id)
    return None if posted is None else layout(posted)


async def is_digest_message(services: Services, request_id: int, message_id: int) -> bool:
    """Whether a message that shows the request is a digest (not the request's card)."""
    posts = await chat.posts_for(services, request_id, PLATFORM)
    return any(is_digest(p) and p.message_id == str(message_id) for p in posts)


def layout(posted: Posted) -> dict[str, Any]:
    """The digest's embed and buttons: a numbered line per request (what, by whom, how long
    before the digest), who decided the decided ones, and Approve / Decline for the rest."""
    waiting = posted.waiting
    lines: list[str] = []
    buttons: list[Control] = []
    for number, entry in enumerate(posted.entries, 1):
        lines.append(_line(number, entry, posted))
        if entry.pending:
            buttons += _buttons(number, entry.request_id, row=len(buttons) // 2)
        else:
            lines.append("\u2003" + outcome(entry, render.esc, _reason))
    if posted.more:
        lines.append(f"…and {posted.more} more: /pending")
    embed = discord.Embed(
        title=f"📋 Requests awaiting approval: {waiting}",
        description=render.cut("\n".join(lines), render.DESCRIPTION),
        colour=render.ORANGE if waiting else render.GREY,
    )
    return {"embed": embed, "view": frozen(*buttons)}


def _buttons(number: int, request_id: int, *, row: int) -> list[Control]:
    shown = []
    for decision in (Decision.APPROVE, Decision.DECLINE):
        label, verb, style, emoji = DECISION_BUTTONS[decision]
        shown.append(
            button(f"{label} {number}", verb, request_id, style=style, emoji=emoji, row=row)
        )
    return shown


def _line(number: int, entry: Entry, posted: Posted) -> str:
    request = entry.request
    if request is None:
        return f"**{number}.** {render.shown(entry.label, TITLE)}"
    parts = [f"**{render.shown(request.media.label, TITLE)}**", kind_word(request.media_type)]
    parts += details(request, posted.at, lambda name: render.shown(name, NAME))
    return f"**{number}.** " + " · ".join(parts)


def _reason(text: str) -> str:
    return render.cut(text, REASON)
