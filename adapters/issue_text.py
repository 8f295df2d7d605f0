"""Issues as both chats word them: the type picker's choices, an issue's card (its lines and
the buttons it offers as it is now), a line of /issues, and what a notification of an issue
event says. Each platform escapes (``esc``) and lays them out its own way."""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence

from core.errors import PermissionDenied
from core.events import Event, EventKind, EventPayload, Notification
from core.identity import User
from core.issue_rules import check_may_resolve
from core.issue_values import Issue, IssueComment, IssueFacts, IssueStatus, IssueType, where
from core.media import SearchResult

Escape = Callable[[str], str]

TYPE_MARKS = {
    IssueType.VIDEO: "🎞️",
    IssueType.AUDIO: "🔊",
    IssueType.SUBTITLES: "🔤",  # 💬 marks comments
    IssueType.OTHER: "❓",
}
# The type picker's buttons, in Seerr's order.
TYPE_CHOICES: tuple[tuple[IssueType, str], ...] = tuple(
    (t, f"{TYPE_MARKS[t]} {t.label}") for t in IssueType
)
CARD_COMMENTS = 3  # the latest comments a card shows
COMMENT_CUT = 300  # characters of a comment shown on a card or in a list
REPORT_BUTTON = "⚠️ Report a problem"
ASK_MESSAGE = (
    "What is wrong? Describe the problem in a few words (for example: no sound after "
    "10 minutes, subtitles out of sync)."
)


# What an issue's reporter does that managers are told of besides their cards' edit (Seerr
# tells the admins of each).
REPORTER_NEWS = frozenset(
    {EventKind.ISSUE_COMMENT, EventKind.ISSUE_RESOLVED, EventKind.ISSUE_REOPENED}
)


def is_reporters_news(event: Event) -> bool:
    """A comment, resolution or reopening by the issue's reporter: news for the managers,
    whose cards show it but who did not do it."""
    return event.kind in REPORTER_NEWS and event.payload.actor_id == event.payload.requested_by_id


class IssueAction(enum.Enum):
    """A button on an issue's card."""

    RESOLVE = "resolve"
    REOPEN = "reopen"
    COMMENT = "comment"


ACTION_LABELS = {
    IssueAction.RESOLVE: "✅ Resolve",
    IssueAction.REOPEN: "↩️ Reopen",
    IssueAction.COMMENT: "💬 Comment",
}


def reportable(result: SearchResult) -> bool:
    """Whether a search result's card offers to report a problem: the title is on the
    server, in either quality (one only in 4K too, as core.issue_rules.on_server)."""
    return result.media_id is not None and result.on_server


def card_actions(issue: Issue | None) -> tuple[IssueAction, ...]:
    """What an issue's card offers now: resolve or reopen, and comment; nothing once the
    issue is gone. Who may press them is the core's check."""
    if issue is None:
        return ()
    flip = IssueAction.RESOLVE if issue.is_open else IssueAction.REOPEN
    return (flip, IssueAction.COMMENT)


def may_act(user: User, issue: Issue) -> bool:
    """Whether a card shown to ``user`` gets the buttons: they may resolve or reopen the
    issue (its managers and its reporter; core.issue_rules checks every press anyway)."""
    try:
        check_may_resolve(user, issue)
    except PermissionDenied:
        return False
    return True


def shorten(text: str, limit: int = COMMENT_CUT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def status_word(status: IssueStatus) -> str:
    return "🟠 Open" if status is IssueStatus.OPEN else "🟢 Resolved"


def issue_name(issue_type: IssueType, issue_id: int) -> str:
    """ "🎞️ Video issue #3"."""
    return f"{TYPE_MARKS[issue_type]} {issue_type.label} issue #{issue_id}"


def _what(label: str, season: int, episode: int) -> str:
    place = where(season, episode)
    return f"{label}, {place}" if place else label


def card_lines(issue: Issue, esc: Escape, *, comments: int = CARD_COMMENTS) -> list[str]:
    """An issue's card as it is now: what, where, who, its status, the report and the
    latest ``comments`` comments (escaped; the platform makes the first line a heading)."""
    lines = [
        f"{issue_name(issue.issue_type, issue.id)} · {status_word(issue.status)}",
        esc(_what(issue.media.label, issue.problem_season, issue.problem_episode)),
        f"Reported by {esc(issue.created_by.display_name)}: “{esc(shorten(issue.message))}”",
    ]
    later = issue.comments[1:]
    if len(later) > comments:
        lines.append(f"… {len(later) - comments} earlier comment(s)")
    lines += [comment_line(c, esc) for c in later[max(0, len(later) - comments) :]]
    if not issue.is_open and issue.modified_by is not None:
        lines.append(f"Resolved by {esc(issue.modified_by.display_name)}.")
    return lines


def gone_lines(facts: IssueFacts, label: str, esc: Escape) -> list[str]:
    """The card of an issue that was deleted."""
    return [
        f"{issue_name(facts.issue_type, facts.issue_id)} · 🗑️ Deleted",
        esc(_what(label, facts.problem_season, facts.problem_episode)),
    ]


def comment_line(comment: IssueComment, esc: Escape) -> str:
    return f"💬 {esc(comment.user.display_name)}: {esc(shorten(comment.message))}"


def list_line(issue: Issue, esc: Escape, *, with_reporter: bool) -> str:
    """One line of /issues: "#3 🎞️ Video · The Show (2020), S2E5 · 2 comments · Alice"."""
    what = esc(_what(issue.media.label, issue.problem_season, issue.problem_episode))
    parts = [f"#{issue.id} {TYPE_MARKS[issue.issue_type]} {issue.issue_type.label}", what]
    comments = len(issue.comments) - 1
    if comments:
        parts.append(f"{comments} comment{'s' * (comments != 1)}")
    if with_reporter:
        parts.append(esc(issue.created_by.display_name))
    if not issue.is_open:
        parts.append("resolved")
    return " · ".join(parts)


def issues_heading(total: int, *, everyone: bool) -> str:
    whose = "Open issues" if everyone else "Your open issues"
    if not total:
        return "No open issues." if everyone else "You have no open issues."
    return f"{whose} ({total}):"


def reported_text(issue: Issue) -> str:
    """The reporter's answer once the issue is recorded (not escaped)."""
    return (
        f"Thanks: {issue_name(issue.issue_type, issue.id)} on "
        f"{_what(issue.media.label, issue.problem_season, issue.problem_episode)} is "
        "reported. The admins have been told; you will hear when it is resolved."
    )


def event_sentence(kind: EventKind, payload: EventPayload, esc: Escape) -> str:
    """What happened to an issue, in one sentence for anyone (escaped)."""
    facts = payload.issue
    assert facts is not None, "an issue event carries its issue"
    name = issue_name(facts.issue_type, facts.issue_id)
    title = esc(_what(payload.label, facts.problem_season, facts.problem_episode))
    by = esc(payload.actor_name or "someone")
    reporter = esc(facts.reported_by_name)
    match kind:
        case EventKind.ISSUE_CREATED:
            words = esc(shorten(facts.message))
            return f"{reporter} reported a problem with {title} ({name}): “{words}”"
        case EventKind.ISSUE_COMMENT:
            words = esc(shorten(facts.comment_message or ""))
            return f"{by} commented on {name} ({title}): “{words}”"
        case EventKind.ISSUE_RESOLVED:
            return f"{by} resolved {name} ({title})."
        case EventKind.ISSUE_REOPENED:
            return f"{by} reopened {name} ({title})."
        case EventKind.ISSUE_DELETED:
            return f"{by} deleted {name} ({title})."
    raise ValueError(f"not an issue event: {kind}")


def notice(notification: Notification, esc: Escape) -> str:
    """A private message about an issue event: to its reporter, of what others did to it
    ("Your issue ..."), or to a manager."""
    event, recipient = notification.event, notification.recipient
    facts = event.payload.issue
    assert facts is not None, "an issue event carries its issue"
    if facts.reported_by_id != recipient.id:
        return event_sentence(event.kind, event.payload, esc)
    title = esc(_what(event.payload.label, facts.problem_season, facts.problem_episode))
    name = issue_name(facts.issue_type, facts.issue_id)
    by = esc(event.payload.actor_name or "An admin")
    match event.kind:
        case EventKind.ISSUE_COMMENT:
            words = esc(shorten(facts.comment_message or ""))
            return f"{by} commented on your {name} ({title}): “{words}”"
        case EventKind.ISSUE_RESOLVED:
            return f"✅ Your {name} ({title}) was resolved by {by}."
        case EventKind.ISSUE_REOPENED:
            return f"↩️ Your {name} ({title}) was reopened by {by}."
    return event_sentence(event.kind, event.payload, esc)


def pages(numbers: Sequence[int], page: int, size: int) -> tuple[list[int], bool, bool]:
    """One page of a picker's numbers (seasons, episodes): those on it, and whether there
    is a page before and after it."""
    start = max(page, 0) * size
    return list(numbers[start : start + size]), start > 0, start + size < len(numbers)
