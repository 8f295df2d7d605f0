"""Plain-language texts shared by every adapter: one place that turns core errors,
statuses and events into words. Adapters add their own markup around them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from adapters.issue_text import event_sentence
from core.chat import Asked
from core.domain import MediaRequest, QuotaReport, QuotaStatus, RequestStatus
from core.errors import (
    AlreadyDecided,
    ApiKeyFixed,
    Blocklisted,
    Conflict,
    CoreError,
    DuplicateRequest,
    InvalidInput,
    InvalidSeasons,
    InvalidTransition,
    IssueRefused,
    NotFound,
    OwnersOnly,
    PermissionDenied,
    ProtectedUser,
    QuotaExceeded,
    ServiceRejected,
    ServiceUnavailable,
    TitleNotFound,
)
from core.events import Audience, EventKind, EventPayload, Notification
from core.identity import User
from core.jobs import JobState
from core.media import DisplayStatus, MediaType

STATUS_WORDS = {
    RequestStatus.PENDING: "pending approval",
    RequestStatus.APPROVED: "approved",
    RequestStatus.DECLINED: "declined",
    RequestStatus.FAILED: "failed",
    RequestStatus.COMPLETED: "available",
}

# The event kind a card shows for a request in each status.
SHOWN_AS = {
    RequestStatus.PENDING: EventKind.PENDING,
    RequestStatus.APPROVED: EventKind.APPROVED,
    RequestStatus.DECLINED: EventKind.DECLINED,
    RequestStatus.FAILED: EventKind.FAILED,
    RequestStatus.COMPLETED: EventKind.AVAILABLE,
}

BADGES = {
    DisplayStatus.NOT_REQUESTED: "not requested",
    DisplayStatus.PENDING: "requested, pending approval",
    DisplayStatus.APPROVED: "approved",
    DisplayStatus.PROCESSING: "processing",
    DisplayStatus.PARTIALLY_AVAILABLE: "partially available",
    DisplayStatus.AVAILABLE: "available",
    DisplayStatus.DECLINED: "declined",
    DisplayStatus.FAILED: "failed",
    DisplayStatus.BLOCKLISTED: "blocklisted",
}


def kind_word(media_type: MediaType) -> str:
    """Seerr's words: "Movie" and "Series"."""
    return "Movie" if media_type is MediaType.MOVIE else "Series"


def event_title(kind: EventKind, media_type: MediaType) -> str:
    """Seerr's notification titles, e.g. "New Movie Request", "Series Now Available"; an
    issue's event is "Issue Reported", "Issue Comment", ..."""
    if kind.is_issue:
        return "Issue " + kind.value.removeprefix("issue_").capitalize()
    word = kind_word(media_type)
    return {
        EventKind.PENDING: f"New {word} Request",
        EventKind.AUTO_APPROVED: f"{word} Request Automatically Approved",
        EventKind.APPROVED: f"{word} Request Approved",
        EventKind.RETRIED: f"{word} Request Approved",  # Seerr has no word for a retry
        EventKind.DECLINED: f"{word} Request Declined",
        EventKind.FAILED: f"{word} Request Failed",
        EventKind.AVAILABLE: f"{word} Now Available",
        EventKind.CANCELLED: f"{word} Request Cancelled",
    }[kind]


def seasons_text(seasons: Sequence[int], *, ranges: bool = False) -> str:
    """``season 2`` / ``seasons 1, 2, 5`` (with ``ranges``, runs shortened: ``seasons 6–99``)."""
    if not seasons:
        return ""
    numbers = number_ranges(seasons) if ranges else ", ".join(str(n) for n in seasons)
    return f"season {numbers}" if len(seasons) == 1 else f"seasons {numbers}"


def event_summary(kind: EventKind, payload: EventPayload) -> str:
    """One sentence on what happened, for any audience."""
    if kind.is_issue:
        return event_sentence(kind, payload, str)
    what = payload.label + (f" ({seasons_text(payload.seasons)})" if payload.seasons else "")
    by = payload.actor_name or "the server"
    return {
        EventKind.PENDING: f"{payload.requested_by_name} requested {what}; it awaits approval.",
        EventKind.AUTO_APPROVED: f"{payload.requested_by_name} requested {what}; "
        "it was approved automatically.",
        EventKind.APPROVED: f"{what} was approved by {by}.",
        EventKind.RETRIED: f"{what} was approved by {by} and is being sent again.",
        EventKind.DECLINED: f"{what} was declined by {by}"
        + (f": {payload.reason}" if payload.reason else "."),
        EventKind.FAILED: f"{what} could not be sent to the downloader"
        + (f": {payload.reason}" if payload.reason else "."),
        EventKind.AVAILABLE: f"{what} is now available to watch.",
        EventKind.CANCELLED: f"The request for {what} was withdrawn by {by}.",
    }[kind]


def when(moment: datetime | None, now: datetime) -> str:
    """A rough, friendly distance: "in 3 days", "in 5 hours", "2 minutes ago"."""
    if moment is None:
        return "unknown"
    seconds = (moment - now).total_seconds()
    future = seconds >= 0
    seconds = abs(seconds)
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = round(seconds / size)
            text = f"{n} {unit}{'' if n == 1 else 's'}"
            break
    else:
        return "now" if future else "just now"
    return f"in {text}" if future else f"{text} ago"


def request_line(request: MediaRequest) -> str:
    """``#12 The Matrix (1999) · movie · pending approval``."""
    parts = [f"#{request.id} {request.media.label}"]
    if request.seasons:
        parts.append(seasons_text(request.season_numbers))
    parts.append(STATUS_WORDS[request.status])
    return " · ".join(parts)


# ----- what became of a request, and a card's status line (each chat adapter passes its own
# escaping of user and TMDb text, and its own way of shortening a reason) -------------------

Escape = Callable[[str], str]

CARD_OUTCOMES = {
    EventKind.APPROVED: "✅ Approved by {actor}",
    EventKind.RETRIED: "🔁 Sent again by {actor}",
    EventKind.AUTO_APPROVED: "✅ Approved automatically",
    EventKind.DECLINED: "❌ Declined by {actor}",
    EventKind.CANCELLED: "↩️ Withdrawn by {actor}",
    EventKind.FAILED: "⚠️ Failed: {reason}",
    EventKind.AVAILABLE: "🎉 Now available",
    EventKind.PENDING: "⏳ Pending approval",
}


def requested_text(request: MediaRequest, auto_approved: bool, skipped: Sequence[int]) -> str:
    """What happened to the user's request, in one or two lines (no user text in it)."""
    what = seasons_text(request.season_numbers)
    what = f" ({what})" if what else ""
    if auto_approved:
        text = f"✅ Requested{what} and approved automatically. I'll tell you when it's ready."
    else:
        text = f"✅ Requested{what}. It awaits approval; I'll tell you when it's decided."
    if skipped:
        text += f"\n{seasons_text(tuple(skipped)).capitalize()}: already requested or here."
    return text + f" (request #{request.id})"


def nothing_left_text(skipped: Sequence[int], existing: Sequence[MediaRequest], esc: Escape) -> str:
    """Seerr's "No seasons available to request": why, and who asked already."""
    what = f" ({seasons_text(tuple(skipped))})" if skipped else ""
    lines = [f"Nothing left to request{what}: already requested or available."]
    lines += [
        f"• {esc(request_line(r))}, requested by {esc(r.requested_by.display_name)}"
        for r in existing[:5]
    ]
    return "\n".join(lines)


EVERY_SEASON_TAKEN = "Every season is already requested or available."


ASKED_ALREADY = "You asked for this already: {}."  # the console's words, without the mark


def asked_already_text(existing: MediaRequest, esc: Escape) -> str:
    """A second press on Request by the person who asked."""
    return "✅ " + ASKED_ALREADY.format(esc(request_line(existing)))


def asked_text(asked: Asked, esc: Escape, *, available_mark: str) -> str:
    """What became of a request from a chat that broke no rule; one that only repeated the
    asker's own requests is told where each of them stands. ``available_mark`` is the
    chat's emoji for a title that is available already."""
    if asked.again:
        return "\n".join(asked_already_text(r, esc) for r in asked.again)
    result = asked.result
    if result.request is not None:
        return requested_text(result.request, result.auto_approved, result.skipped_seasons)
    if result.already_available:
        return f"{available_mark} Already available on the server. Enjoy!"
    return nothing_left_text(result.skipped_seasons, result.existing, esc)


def withdrawn_text(cancelled: MediaRequest | None, esc: Escape) -> str:
    """A press on a pending request's withdraw button: done, or done already."""
    if cancelled is None:
        return "Already withdrawn."
    return f"Withdrawn: {esc(cancelled.media.label)}."


def card_outcome(
    kind: EventKind, payload: EventPayload, *, esc: Escape, shorten: Callable[[str], str]
) -> str:
    """A card's status line: pending, or who decided what."""
    actor = esc(payload.actor_name or "the server")
    reason = esc(shorten(payload.reason or ""))
    if kind is EventKind.CANCELLED and payload.actor_name is None:
        return "↩️ Withdrawn"
    line = CARD_OUTCOMES[kind].format(actor=actor, reason=reason or "no reason given")
    if kind is EventKind.DECLINED and reason:
        line += f": {reason}"
    return line


def what_happened(note: Notification, *, esc: Escape, reason: Escape) -> str:
    """The sentence of a private message that says what became of the request, to its
    requester ("Your request ...") or to a manager. ``reason`` escapes (and may shorten) a
    decline or failure reason."""
    kind, payload = note.event.kind, note.event.payload
    actor = esc(payload.actor_name or "the server")
    yours = note.audience is Audience.REQUESTER
    whose = "Your request" if yours else f"The request by {esc(payload.requested_by_name)}"
    because = f": {reason(payload.reason.rstrip('.!'))}" if payload.reason else ""
    match kind:
        case EventKind.RETRIED:
            return f"{whose} is being sent again by {actor}."
        case EventKind.APPROVED:
            return f"{whose} was approved by {actor}. I'll tell you when it's ready to watch."
        case EventKind.DECLINED:
            return f"{whose} was declined by {actor}{because}."
        case EventKind.FAILED:
            return f"{whose} could not be sent to the downloader{because}. An admin can retry it."
        case EventKind.AVAILABLE:
            return "🎉 It's ready to watch now."
        case EventKind.CANCELLED:
            return f"{whose} was withdrawn by {actor}."
        case EventKind.AUTO_APPROVED:
            return f"{esc(payload.requested_by_name)} requested it; it was approved automatically."
        case EventKind.PENDING:
            return f"{esc(payload.requested_by_name)} requested it; it awaits approval."
    return ""


def quota_line(label: str, status: QuotaStatus, now: datetime) -> str:
    if status.limit is None:
        return f"{label}: unlimited ({status.used} in the last {status.days} days)"
    text = f"{label}: {status.used} of {status.limit} used in the last {status.days} days"
    if status.restricted and status.resets_at:
        text += f"; next slot frees up {when(status.resets_at, now)}"
    return text


def count(n: int, unit: str) -> str:
    """``1 movie``, ``3 movies``."""
    return f"{n} {unit}{'' if n == 1 else 's'}"


def quota_use(status: QuotaStatus | None, media_type: MediaType) -> str:
    """``2 of 5 movies in the last 7 days`` for an approval card (seasons for a show);
    nothing when the quota could not be read."""
    if status is None:
        return ""
    unit = "movie" if media_type is MediaType.MOVIE else "season"
    days = f"in the last {status.days} day{'' if status.days == 1 else 's'}"
    if status.limit is None:
        return f"no limit ({count(status.used, unit)} {days})"
    return f"{status.used} of {count(status.limit, unit)} {days}"


def quota_text(report: QuotaReport, now: datetime) -> str:
    return "\n".join(
        [quota_line("Movies", report.movie, now), quota_line("Seasons", report.tv, now)]
    )


APOLOGY = "Sorry, something went wrong on my side. Please try again in a moment."


class UserFacing(Exception):
    """An outcome to tell the user in plain words (an expired button, someone else's card)."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


def describe_error(error: CoreError, now: datetime) -> str:
    """What to tell the user when the core refuses something."""
    match error:
        case QuotaExceeded():
            return _quota_refusal(error, now)
        case DuplicateRequest():
            existing = error.existing
            return (
                f"{existing.media.label} was already requested by "
                f"{existing.requested_by.display_name} ({STATUS_WORDS[existing.status]})."
            )
        case AlreadyDecided() if error.request.status is RequestStatus.FAILED:
            who = error.decided_by.display_name if error.decided_by else "a manager"
            return (
                f"Request #{error.request.id} was approved by {who} but then failed to reach "
                "the downloader; a manager can retry it."
            )
        case AlreadyDecided():
            who = error.decided_by.display_name if error.decided_by else "the server"
            return (
                f"Request #{error.request.id} is already {STATUS_WORDS[error.request.status]} "
                f"(by {who}, {when(error.decided_at, now)})."
            )
        case PermissionDenied():
            return f"You are not allowed to {error.action}."
        case OwnersOnly():
            return f"Only the bot's owners may {error.action}."
        case ApiKeyFixed():
            return (
                "The API key is set in the settings (API_KEY): change it there and restart "
                "requestbot to replace it."
            )
        case NotFound():
            return f"There is no {error.kind} {error.key}."
        case TitleNotFound():
            return f"TMDb has no {kind_word(error.media_type).lower()} with id {error.tmdb_id}."
        case InvalidSeasons():
            return _invalid_seasons(error)
        case InvalidTransition():
            return (
                f"Request #{error.request_id} is {STATUS_WORDS[error.status]}; "
                f"it cannot be {_past(error.action)} now."
            )
        case Blocklisted():
            return f"{error.media.label} is on the blocklist and cannot be requested."
        case InvalidInput():
            what = _FIELD_WORDS.get(error.field, error.field.replace("_", " "))
            return f"That {what} does not work: {error.reason}."
        case IssueRefused():
            return error.reason
        case ProtectedUser():
            return f"That user cannot be changed: {error.reason}."
        case ServiceUnavailable():
            return f"{error.service} is not reachable right now. Please try again in a moment."
        case ServiceRejected():
            return f"{error.service} refused our request; an admin needs to check its settings."
        case Conflict():
            return "Too many changes at once; please try again."
    return "Something went wrong; please try again."


# The API's names of the fields an issue's report is refused for, as a chat says them.
_FIELD_WORDS = {"problemSeason": "season", "problemEpisode": "episode", "issueType": "type"}


def _quota_refusal(error: QuotaExceeded, now: datetime) -> str:
    """Seerr's "quota exceeded", with what is left when the request asks for too many."""
    unit = "movie" if error.media_type is MediaType.MOVIE else "season"
    window = f"in the last {count(error.days, 'day')}"
    quota = f"Your {kind_word(error.media_type).lower()} quota"
    left = error.limit - error.used
    if left > 0:
        text = (
            f"{quota} has {left} of {error.limit} {unit}s left ({error.used} used {window}), "
            f"and this request asks for {error.requested}. Ask for fewer"
        )
        if error.resets_at:
            text += f", or wait: the next slot frees up {when(error.resets_at, now)}"
        return text + "."
    text = f"{quota} is used up: {error.used} of {error.limit} {unit}s {window}"
    if error.requested > 1:
        text += f", and this request asks for {error.requested}"
    if error.resets_at:
        text += f". The next slot frees up {when(error.resets_at, now)}"
    return text + "."


def number_ranges(numbers: Sequence[int]) -> str:
    """``1–3, 5, 7–9``: runs of consecutive numbers as ranges (so 1-99 is not 99 numbers)."""
    runs: list[list[int]] = []
    for n in sorted(set(numbers)):
        if runs and n == runs[-1][1] + 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    return ", ".join(
        str(a) if a == b else f"{a}, {b}" if b == a + 1 else f"{a}–{b}" for a, b in runs
    )


def _invalid_seasons(error: InvalidSeasons) -> str:
    """Which asked-for seasons do not exist, and which do (specials are season 0)."""
    if not error.unknown:
        return "This show has no seasons to request yet."
    regular = [n for n in error.available if n > 0]
    has = f"the show has {seasons_text(regular, ranges=True) or 'no seasons yet'}"
    if error.specials:
        has += " and specials (season 0)"
    there = "There is no" if len(error.unknown) == 1 else "There are no"
    return f"{there} {seasons_text(error.unknown, ranges=True)}: {has}."


def job_lines(states: list[JobState], now: datetime) -> list[str]:
    """One line per job: its last run, how it went and when it runs next."""
    lines = []
    for state in states:
        if state.running and state.started_at:
            text = f"running (started {when(state.started_at, now)})"
        elif state.ok is None:
            text = "not run yet"
        else:
            outcome = "ok" if state.ok else "FAILED"
            text = f"{outcome} {when(state.finished_at, now)}"
            if not state.ok and state.failures > 1:
                text += f" ({state.failures} times in a row)"
            if state.result:
                text += f": {state.result}"
        if state.next_run_at and not state.running:
            text += f"; next run {when(state.next_run_at, now)}"
        lines.append(f"{state.name}: {text}")
    return lines


NO_JOBS = "No background jobs run here: no media server or downloader is configured."
LINK_USAGE = "Say which account: /link followed by your media-server username."


def jobs_text(states: list[JobState], now: datetime) -> str:
    """The `status` answer: every job's last run, or why there are none."""
    if not states:
        return NO_JOBS
    return "\n".join(["Background jobs:", *(f"• {line}" for line in job_lines(states, now))])


def link_text(user: User) -> str:
    """The `link` answer: the media-server account the user is linked to, if any."""
    name = user.media_server_username
    if name is None:
        return f"You are not linked to a media-server account. {LINK_USAGE}"
    return f"You are linked to the media-server account {name}."


def _past(action: str) -> str:
    return {"cancel": "cancelled", "retry": "retried", "fail": "marked failed"}.get(
        action, action + "d"
    )
