"""Telegram HTML for every message the bot writes, kept inside Telegram's limits.

Telegram counts a text's length after parsing its entities, in UTF-16 code units: at most
4096 for a message and 1024 for a photo caption. Each layout below has one flexible part
(an overview, a list) that is shortened on a word boundary until the whole fits; everything
user-supplied (titles, names, reasons, overviews) is escaped.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from datetime import datetime

from adapters.text import (
    BADGES,
    asked_already_text,
    asked_text,
    card_outcome,
    event_title,
    kind_word,
    quota_text,
    request_line,
    seasons_text,
    what_happened,
)
from core.chat import Asked
from core.domain import MediaRequest, QuotaReport
from core.events import EventKind, EventPayload, Notification
from core.media import DisplayStatus, MediaType, SearchResult

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
ANSWER_LIMIT = 200  # answerCallbackQuery's text
CARD_OVERVIEW = 300  # approval cards and notifications keep the overview short
CARD_REASON = 300  # a decline or failure reason on a card, which has other lines to keep
ELLIPSIS = "…"

EMOJI = {
    DisplayStatus.NOT_REQUESTED: "🔵",
    DisplayStatus.PENDING: "🟡",
    DisplayStatus.APPROVED: "🟢",
    DisplayStatus.PROCESSING: "🟠",
    DisplayStatus.PARTIALLY_AVAILABLE: "🟣",
    DisplayStatus.AVAILABLE: "🟣",
    DisplayStatus.DECLINED: "🔴",
    DisplayStatus.FAILED: "🔴",
    DisplayStatus.BLOCKLISTED: "⚫",
}

_TAG = re.compile(r"<[^>]*>")


def esc(text: str) -> str:
    """Text made safe for Telegram's HTML parse mode."""
    return html.escape(text, quote=False)


def mention(user_id: int, name: str) -> str:
    """A link that names a Telegram user (and makes a selective ForceReply theirs)."""
    return f'<a href="tg://user?id={user_id}">{esc(name)}</a>'


def units(text: str) -> int:
    """Length in UTF-16 code units, as Telegram counts."""
    return len(text.encode("utf-16-le")) // 2


def visible_length(markup: str) -> int:
    """How long Telegram considers an HTML text: tags dropped, entities decoded."""
    return units(plain(markup))


def shorten(text: str, room: int) -> str:
    """``text`` (plain, whitespace collapsed) cut on a word boundary to at most ``room``
    UTF-16 units, with an ellipsis when anything was cut."""
    text = " ".join(text.split())
    if units(text) <= room:
        return text
    if room < 2:
        return ""
    cut = _prefix(text, room - 1)
    if not text[len(cut)].isspace():  # the cut is inside a word: drop its start
        head, space, _ = cut.rpartition(" ")
        if space and units(head) >= (room - 1) // 2:
            cut = head
    return cut.rstrip(" ,.;:-") + ELLIPSIS


def _prefix(text: str, room: int) -> str:
    """The longest prefix of ``text`` of at most ``room`` UTF-16 units."""
    used = 0
    for index, char in enumerate(text):
        used += 2 if ord(char) > 0xFFFF else 1
        if used > room:
            return text[:index]
    return text


def compose(head: Sequence[str], body: str, tail: Sequence[str], limit: int) -> str:
    """HTML lines ``head``, then ``body`` (plain text, in italics, shortened to fit), then
    ``tail``, in at most ``limit`` visible characters."""
    fixed = [line for line in (*head, *tail) if line]
    room = limit - visible_length("\n".join(fixed)) - 2
    shown = shorten(body, room) if body and room > 10 else ""
    lines = [*head, f"<i>{esc(shown)}</i>" if shown else "", *tail]
    text = "\n".join(line for line in lines if line)
    if visible_length(text) > limit:  # only when the fixed lines alone are too long
        text = _plain_fit([*head, *tail], limit)
    return text


def _plain_fit(lines: Sequence[str], limit: int) -> str:
    """The lines without their markup, the longest cut in half until all fit: every line
    (the outcome, the request number) keeps its start."""
    words = [plain(line) for line in lines if line]
    while units("\n".join(words)) > limit:
        longest = max(range(len(words)), key=lambda i: units(words[i]))
        words[longest] = shorten(words[longest], max(1, units(words[longest]) // 2))
    return esc("\n".join(words))


def answer_text(text: str) -> str:
    """A callback answer's text: plain, at most 200 characters."""
    return shorten(text, ANSWER_LIMIT)


def plain(markup: str) -> str:
    """The words of an HTML text, for a callback answer: tags dropped, entities decoded."""
    return html.unescape(_TAG.sub("", markup))


def title_line(title: str, year: int | None, media_type: MediaType) -> str:
    """``<b>The Matrix</b> (1999) · Movie``."""
    shown = f"<b>{esc(title)}</b>" + (f" ({year})" if year else "")
    return f"{shown} · {'Movie' if media_type is MediaType.MOVIE else 'TV show'}"


def badge(status: DisplayStatus) -> str:
    """``🟡 Requested, pending approval``."""
    words = BADGES[status]
    return f"{EMOJI[status]} {words[:1].upper()}{words[1:]}"


# ----- search ------------------------------------------------------------------------


def search_card(result: SearchResult, position: str, note: str = "", *, photo: bool) -> str:
    """A search result: title, type, status badge, overview, where it is in the results,
    and what just happened to it (``note``)."""
    item = result.item
    head = [title_line(item.title, item.year, item.media_type), badge(result.status)]
    tail = [note, f"<i>{esc(position)}</i>" if position else ""]
    return compose(head, item.overview, tail, CAPTION_LIMIT if photo else TEXT_LIMIT)


def nothing_found(query: str) -> str:
    return (
        f"Nothing found for “{esc(query)}”. Check the spelling, or try the original title "
        "or fewer words."
    )


def expired() -> str:
    return "This search has expired. Send /request with a title to search again."


# ----- seasons -----------------------------------------------------------------------


def season_picker(
    title: str,
    year: int | None,
    selected: Sequence[int],
    taken: dict[int, DisplayStatus],
    *,
    photo: bool,
) -> str:
    """The season picker's text: what is chosen, and which seasons are already taken."""
    head = [f"<b>{esc(title)}</b>" + (f" ({year})" if year else "") + " · choose seasons"]
    chosen = ", ".join(str(n) for n in sorted(selected)) or "none yet"
    lines = [f"Chosen: {chosen}"]
    groups: dict[DisplayStatus, list[int]] = {}
    for number, status in sorted(taken.items()):
        groups.setdefault(status, []).append(number)
    for status, numbers in groups.items():
        lines.append(f"{EMOJI[status]} {BADGES[status]}: {', '.join(map(str, numbers))}")
    lines.append("Tap seasons to choose them, then Request.")
    return compose(head, "", lines, CAPTION_LIMIT if photo else TEXT_LIMIT)


# ----- outcomes of a request ---------------------------------------------------------


def outcome_of(asked: Asked) -> str:
    """What became of a request attempt that broke no rule: asking again for one's own
    title is told where the first request stands."""
    return asked_text(asked, esc, available_mark=EMOJI[DisplayStatus.AVAILABLE])


def asked_already(existing: MediaRequest) -> str:
    """A second press on Request by the person who asked."""
    return asked_already_text(existing, esc)


def made_already(request_id: int, request: MediaRequest | None) -> str:
    """A press on a season picker that made its request already: what became of it."""
    if request is None:
        return f"↩️ You asked for this already (request #{request_id}), and it was withdrawn."
    return asked_already(request)


def watching(title: str, added: bool, available: bool) -> str:
    """The answer to Notify me (plain: it is a callback answer)."""
    if available:
        return f"{title} is already available. Enjoy!"
    if added:
        return f"🔔 Done: I'll message you when there's news about {title}."
    return f"You're already on the list for {title}."


# ----- lists -------------------------------------------------------------------------


def request_list(
    heading: str, requests: Sequence[MediaRequest], total: int, page: int, pages: int
) -> str:
    """A page of requests, one line each."""
    if not requests:
        return f"{heading}: none yet. Send /request with a title to ask for something."
    lines = [f"<b>{esc(heading)}</b> (page {page} of {pages}, {total} in all)"]
    lines += [f"• {esc(request_line(r))}" for r in requests]
    return compose(lines, "", [], TEXT_LIMIT)


def quota(report: QuotaReport, now: datetime) -> str:
    return "<b>Your quota</b>\n" + esc(quota_text(report, now))


# ----- approval cards and notifications ----------------------------------------------


def outcome(kind: EventKind, payload: EventPayload) -> str:
    """The line that replaces a card's buttons once the request moved on."""
    return card_outcome(kind, payload, esc=esc, shorten=lambda text: shorten(text, CARD_REASON))


def approval_card(
    payload: EventPayload,
    kind: EventKind,
    *,
    quota_line: str = "",
    photo: bool,
) -> str:
    """The card managers decide on: what, by whom, their quota use, and (once decided) the
    outcome. ``kind`` is the latest event about the request."""
    head = [
        f"<b>{esc(event_title(EventKind.PENDING, payload.media_type))}</b>"
        + (" (4K)" if payload.is_4k else ""),
        *_what(payload),
        f"Requested by <b>{esc(payload.requested_by_name)}</b>",
    ]
    if quota_line:
        head.append(f"Quota: {esc(quota_line)}")
    tail = [f"Request #{payload.request_id}"]
    if kind is EventKind.PENDING:
        tail[0] += " · pending approval"
    else:
        tail.append(outcome(kind, payload))
    body = shorten(payload.overview, CARD_OVERVIEW)
    return compose(head, body, tail, CAPTION_LIMIT if photo else TEXT_LIMIT)


def notification(note: Notification, *, photo: bool) -> str:
    """A private message about a change: Seerr's title, the title, what happened."""
    event, payload = note.event, note.event.payload
    lines = [
        f"<b>{esc(event_title(event.kind, payload.media_type))}</b>",
        *_what(payload),
        what_happened(note, esc=esc, reason=esc),
    ]
    body = shorten(payload.overview, CARD_OVERVIEW) if event.kind is EventKind.AVAILABLE else ""
    return compose(lines, body, [], CAPTION_LIMIT if photo else TEXT_LIMIT)


def _what(payload: EventPayload) -> list[str]:
    """The title line, and the seasons line of a TV request."""
    lines = [title_line(payload.title, payload.year, payload.media_type)]
    if payload.seasons:
        lines.append(esc(seasons_text(payload.seasons).capitalize()))
    return lines


def announcement(payload: EventPayload, *, photo: bool) -> str:
    """The public "now available" post."""
    head = [f"🎉 <b>{esc(kind_word(payload.media_type))} now available</b>", *_what(payload)]
    body = shorten(payload.overview, CARD_OVERVIEW)
    tail = [f"Requested by {esc(payload.requested_by_name)}"]
    return compose(head, body, tail, CAPTION_LIMIT if photo else TEXT_LIMIT)
