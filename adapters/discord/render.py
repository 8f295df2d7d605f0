"""Embeds and lines for Discord: Seerr's colours and titles, cut to Discord's limits, with
every piece of user or TMDb text escaped so that it cannot format (or mention) anything."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

import discord
from discord.utils import escape_markdown, escape_mentions

from adapters.text import (
    BADGES,
    STATUS_WORDS,
    asked_already_text,
    asked_text,
    card_outcome,
    describe_error,
    event_title,
    kind_word,
    quota_line,
    request_line,
    seasons_text,
    what_happened,
)
from core.chat import Asked
from core.domain import MediaRequest, QuotaReport
from core.errors import CoreError
from core.events import EventKind, EventPayload, Notification
from core.media import DisplayStatus, MediaType, SearchResult, label, poster_url

# Discord's limits (PLATFORM_LIMITS.md).
TITLE = 256
DESCRIPTION = 4096
FIELD_VALUE = 1024
FOOTER = 2048
OVERVIEW = 500  # Seerr trims overviews to about this much
REASON = 300

# Seerr's Discord colours; the search card's "not requested" is Discord's blurple.
ORANGE, PURPLE, GREEN, RED, GREY, BLURPLE = 15105570, 10181046, 3066993, 15158332, 9807270, 5793266
EVENT_COLOURS = {
    EventKind.PENDING: ORANGE,
    EventKind.AUTO_APPROVED: PURPLE,
    EventKind.APPROVED: PURPLE,
    EventKind.RETRIED: PURPLE,
    EventKind.AVAILABLE: GREEN,
    EventKind.DECLINED: RED,
    EventKind.FAILED: RED,
    EventKind.CANCELLED: GREY,
}
STATUS_COLOURS = {
    DisplayStatus.NOT_REQUESTED: BLURPLE,
    DisplayStatus.PENDING: ORANGE,
    DisplayStatus.APPROVED: PURPLE,
    DisplayStatus.PROCESSING: PURPLE,
    DisplayStatus.PARTIALLY_AVAILABLE: GREEN,
    DisplayStatus.AVAILABLE: GREEN,
    DisplayStatus.DECLINED: RED,
    DisplayStatus.FAILED: RED,
    DisplayStatus.BLOCKLISTED: RED,
}
EMOJI = {
    DisplayStatus.NOT_REQUESTED: "➕",
    DisplayStatus.PENDING: "⏳",
    DisplayStatus.APPROVED: "✅",
    DisplayStatus.PROCESSING: "⬇️",
    DisplayStatus.PARTIALLY_AVAILABLE: "🟢",
    DisplayStatus.AVAILABLE: "🟢",
    DisplayStatus.DECLINED: "❌",
    DisplayStatus.FAILED: "⚠️",
    DisplayStatus.BLOCKLISTED: "⛔",
}


# escape_mentions only knows ids of 17-20 digits; Discord still draws "<@123>" or "<#1>" as
# a mention chip (and "</x:1>", "<:e:1>", "<t:1>" as commands, emoji and dates).
_MARKUP = re.compile(r"<(?=[@#:/]|a:|t:)")


def esc(text: str) -> str:
    """User or TMDb text, shown as written: no markdown, no mention of anyone."""
    return _MARKUP.sub("<\u200b", escape_mentions(escape_markdown(text)))


def shown(text: str, room: int) -> str:
    """User or TMDb text escaped (``esc``), and at most ``room`` characters once escaped."""
    budget = room
    while True:
        escaped = esc(cut(text, budget))
        if len(escaped) <= room or budget <= 1:
            return escaped[:room]
        budget = max(1, budget - (len(escaped) - room))


def refusal(error: CoreError, now: datetime) -> str:
    """What to tell the user when the core refuses: the shared words, which carry titles
    and names, escaped as a whole (they hold no markdown of ours)."""
    return esc(describe_error(error, now))


def cut(text: str, room: int) -> str:
    """At most ``room`` characters, cut on a word boundary with an ellipsis."""
    text = text.strip()
    if len(text) <= room:
        return text
    head = text[: room - 1]
    space = head.rfind(" ")
    if space > room // 2:
        head = head[:space]
    return head.rstrip(" ,.;:") + "…"


def badge(status: DisplayStatus) -> str:
    return f"{EMOJI[status]} {BADGES[status].capitalize()}"


# ----- search cards ------------------------------------------------------------------


def title_card(result: SearchResult, position: str = "", note: str = "") -> discord.Embed:
    """A search result: poster, "Title (Year)", overview, status colour and badge."""
    item = result.item
    embed = discord.Embed(
        title=shown(label(item.title, item.year), TITLE),
        description=shown(item.overview or "No overview yet.", OVERVIEW),
        colour=STATUS_COLOURS[result.status],
        url=tmdb_page(item.media_type, item.tmdb_id),
    )
    embed.add_field(name="Type", value=kind_word(item.media_type))
    embed.add_field(name="Status", value=badge(result.status))
    if note:
        embed.add_field(name="\u200b", value=cut(note, FIELD_VALUE), inline=False)
    image = result.poster_url
    if image:
        embed.set_thumbnail(url=image)
    if position:
        embed.set_footer(text=position)
    return embed


def tmdb_page(media_type: MediaType, tmdb_id: int) -> str:
    return f"https://www.themoviedb.org/{media_type.value}/{tmdb_id}"


def nothing_found(query: str) -> str:
    return f"I found no movie or show called “{shown(query, 100)}”. Try other words?"


def season_picker(
    title: str, year: int | None, chosen: Sequence[int], taken: dict[int, DisplayStatus]
) -> discord.Embed:
    """The season picker's embed: what is chosen, and what is taken already."""
    lines = [
        "Pick the seasons you want in the menu below (it keeps your choice across pages), "
        "then press **Request**."
    ]
    lines.append(
        f"**Chosen:** {', '.join(str(n) for n in chosen)}" if chosen else "**Chosen:** none yet"
    )
    if taken:
        marks = [f"{n} ({BADGES[s]})" for n, s in sorted(taken.items())]
        lines.append(cut("**Already requested or here:** " + ", ".join(marks), 1500))
    return discord.Embed(
        title="Seasons of " + shown(label(title, year), TITLE - 11),
        description="\n".join(lines),
        colour=BLURPLE,
    )


# ----- outcomes ----------------------------------------------------------------------


def outcome_of(asked: Asked) -> str:
    """What became of a request attempt that broke no rule: asking again for one's own
    title is told where the first request stands."""
    return asked_text(asked, esc, available_mark=EMOJI[DisplayStatus.AVAILABLE])


def asked_already(existing: MediaRequest) -> str:
    """A second press on Request by the person who asked."""
    return asked_already_text(existing, esc)


def watching(title: str, added: bool, available: bool) -> str:
    if available:
        return f"🟢 {esc(title)} is already available. Enjoy!"
    if added:
        return f"🔔 Done: I'll message you when there's news about {esc(title)}."
    return f"You're already on the list for {esc(title)}."


# ----- lists -------------------------------------------------------------------------


def request_list(
    heading: str, requests: Sequence[MediaRequest], total: int, page: int, pages: int
) -> discord.Embed:
    """A page of requests, one line each."""
    if not requests:
        text = "None yet. Use `/request movie` or `/request tv` to ask for something."
        return discord.Embed(title=heading, description=text, colour=BLURPLE)
    lines = [f"• {esc(request_line(r))}" for r in requests]
    embed = discord.Embed(title=heading, description=cut("\n".join(lines), DESCRIPTION))
    embed.colour = BLURPLE
    embed.set_footer(text=f"Page {page} of {pages} · {total} in all")
    return embed


def quota(report: QuotaReport, now: datetime) -> discord.Embed:
    embed = discord.Embed(title="Your quota", colour=BLURPLE)
    embed.add_field(name="Movies", value=quota_line("Movies", report.movie, now), inline=False)
    embed.add_field(name="Seasons", value=quota_line("Seasons", report.tv, now), inline=False)
    return embed


# ----- approval cards and notifications ----------------------------------------------


def outcome(kind: EventKind, payload: EventPayload) -> str:
    """The status line of a card: pending, or who decided what."""
    return card_outcome(kind, payload, esc=esc, shorten=lambda text: cut(text, REASON))


def _event_embed(title: str, kind: EventKind, payload: EventPayload) -> discord.Embed:
    embed = discord.Embed(
        title=f"{title}: " + shown(payload.label, TITLE - len(title) - 2),
        colour=EVENT_COLOURS[kind],
        url=tmdb_page(payload.media_type, payload.tmdb_id),
    )
    image = poster_url(payload.poster_path)
    if image:
        embed.set_thumbnail(url=image)
    return embed


def approval_card(payload: EventPayload, kind: EventKind, quota_use: str = "") -> discord.Embed:
    """The admin channel's card of a request, as it is now."""
    embed = _event_embed(event_title(EventKind.PENDING, payload.media_type), kind, payload)
    embed.description = shown(payload.overview, OVERVIEW) or None
    embed.add_field(name="Requested By", value=shown(payload.requested_by_name, 200))
    embed.add_field(name="Request Status", value=cut(outcome(kind, payload), FIELD_VALUE))
    if payload.seasons:
        embed.add_field(name="Requested Seasons", value=cut(seasons_text(payload.seasons), 1000))
    if quota_use:
        embed.add_field(name="Quota", value=quota_use, inline=False)
    embed.set_footer(text=f"Request #{payload.request_id}")
    return embed


def notification(note: Notification) -> discord.Embed:
    """A direct message about a change: Seerr's title, the title, what happened."""
    kind, payload = note.event.kind, note.event.payload
    embed = _event_embed(event_title(kind, payload.media_type), kind, payload)
    embed.description = what_happened(note, esc=esc, reason=lambda text: shown(text, REASON))
    if kind is EventKind.AVAILABLE and payload.overview:
        embed.description += "\n\n" + shown(payload.overview, OVERVIEW)
    embed.add_field(name="Requested By", value=shown(payload.requested_by_name, 200))
    embed.add_field(name="Request Status", value=STATUS_WORDS[payload.status].capitalize())
    if payload.seasons:
        embed.add_field(name="Requested Seasons", value=cut(seasons_text(payload.seasons), 1000))
    embed.set_footer(text=f"Request #{payload.request_id}")
    return embed


def announcement(payload: EventPayload) -> discord.Embed:
    """The public "now available" post."""
    embed = _event_embed(
        event_title(EventKind.AVAILABLE, payload.media_type), EventKind.AVAILABLE, payload
    )
    embed.description = shown(payload.overview, OVERVIEW) or None
    embed.add_field(name="Requested By", value=shown(payload.requested_by_name, 200))
    if payload.seasons:
        embed.add_field(name="Seasons", value=cut(seasons_text(payload.seasons), 1000))
    return embed


def failure_note(payload: EventPayload) -> str:
    reason = shown(payload.reason or "no reason given", REASON)
    return (
        f"⚠️ Request #{payload.request_id} ({esc(payload.label)}) could not be sent to the "
        f"downloader: {reason}. Press Retry on its card when that is fixed."
    )
