"""What a notification agent says about an event: Seerr's notification payload (event,
subject, message, image, extra fields) and the values of its template placeholders
(``{{subject}}``, ``{{requestedBy_username}}``, ``{{media_status}}``, ...)."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.domain import RequestStatus
from core.events import Event, EventKind, EventPayload
from core.identity import User
from core.issue_values import IssueFacts, IssueType
from core.media import MediaStatus, MediaType, poster_url
from core.notification_types import NotificationType, of_event
from core.permissions import Permission, has_any
from core.ports import UnitOfWork

MAX_MESSAGE = 500  # Seerr truncates the overview to this, at a word break

# Seerr's event line per kind ({4K }{Movie|Series} is put in front or in the middle).
_EVENTS: dict[EventKind, str] = {
    EventKind.PENDING: "New {q}{kind} Request",
    EventKind.AUTO_APPROVED: "{q}{kind} Request Automatically Approved",
    EventKind.APPROVED: "{q}{kind} Request Approved",
    EventKind.RETRIED: "{q}{kind} Request Approved",
    EventKind.DECLINED: "{q}{kind} Request Declined",
    EventKind.FAILED: "{q}{kind} Request Failed",
    EventKind.AVAILABLE: "{q}{kind} Request Now Available",
    EventKind.CANCELLED: "{q}{kind} Request Cancelled",
}
# The request status as Seerr's Discord agent words it.
_STATUS: dict[EventKind, str] = {
    EventKind.PENDING: "Pending Approval",
    EventKind.AUTO_APPROVED: "Processing",
    EventKind.APPROVED: "Processing",
    EventKind.RETRIED: "Processing",
    EventKind.DECLINED: "Declined",
    EventKind.FAILED: "Failed",
    EventKind.AVAILABLE: "Available",
    EventKind.CANCELLED: "Cancelled",
}

# Seerr tells the admins of these, and names nobody as the user to notify.
_FOR_ADMINS = frozenset({EventKind.PENDING, EventKind.AUTO_APPROVED, EventKind.FAILED})


@dataclass(frozen=True, slots=True)
class Person:
    """A user as Seerr's placeholders show them (``requestedBy_*``, ``notifyuser_*``)."""

    username: str = ""
    email: str = ""
    avatar: str = ""
    discord_id: str = ""
    telegram_chat_id: str = ""

    @classmethod
    def of(cls, user: User | None) -> Person | None:
        if user is None:
            return None
        discord, telegram = user.numeric_id("discord"), user.numeric_id("telegram")
        return cls(
            username=user.display_name,
            email=user.email or "",
            discord_id="" if discord is None else str(discord),
            telegram_chat_id="" if telegram is None else str(telegram),
        )

    def fields(self, prefix: str) -> dict[str, str]:
        return {
            f"{prefix}_username": self.username,
            f"{prefix}_email": self.email,
            f"{prefix}_avatar": self.avatar,
            f"{prefix}_settings_discordId": self.discord_id,
            f"{prefix}_settings_telegramChatId": self.telegram_chat_id,
        }


@dataclass(frozen=True, slots=True)
class MediaFacts:
    media_type: MediaType
    tmdb_id: int
    tvdb_id: int | None
    status: MediaStatus
    status_4k: MediaStatus


@dataclass(frozen=True, slots=True)
class AgentMessage:
    """One notification as the agents send it (Seerr's NotificationPayload)."""

    type: NotificationType
    subject: str
    message: str = ""
    event: str = ""
    image: str = ""
    extra: tuple[tuple[str, str], ...] = ()
    media: MediaFacts | None = None
    request_id: int | None = None
    requested_by: Person | None = None
    notify_user: Person | None = None
    kind: EventKind | None = None  # the request event it reports (None for a test)
    status_line: str = ""  # "Pending Approval", "Available", ...
    # Issue events have these (Seerr's issue_*/reportedBy_*/comment_*/commentedBy_*).
    issue: dict[str, str] | None = field(default=None)
    comment: dict[str, str] | None = field(default=None)
    reported_by: Person | None = None
    commented_by: Person | None = None

    @property
    def title(self) -> str:
        """``{event}: {subject}``, as Seerr's chat agents title it."""
        return f"{self.event}: {self.subject}" if self.event else self.subject

    def placeholders(self) -> dict[str, str]:
        """Every Seerr template placeholder with its value ("" where it has none)."""
        media = self.media
        values = {
            "notification_type": self.type.name or "NONE",
            "event": self.event,
            "subject": self.subject,
            "message": self.message,
            "image": self.image,
            "media_tmdbid": str(media.tmdb_id) if media else "",
            "media_tvdbid": str(media.tvdb_id) if media and media.tvdb_id else "",
            "media_type": media.media_type.value if media else "",
            "media_status": media.status.name if media else "",
            "media_status4k": media.status_4k.name if media else "",
            "request_id": "" if self.request_id is None else str(self.request_id),
            # requestbot's own additions, for the Apprise agents' templates.
            "request_status": self.status_line,
            "extra_text": "\n".join(f"{name}: {value}" for name, value in self.extra),
        }
        values |= (self.notify_user or Person()).fields("notifyuser")
        values |= (self.requested_by or Person()).fields("requestedBy")
        for name in ("issue_id", "issue_type", "issue_status", "comment_message"):
            values[name] = ""
        values |= (self.issue or {}) | (self.comment or {})
        values |= (self.reported_by or Person()).fields("reportedBy")
        values |= (self.commented_by or Person()).fields("commentedBy")
        return values


def truncated(text: str, limit: int = MAX_MESSAGE) -> str:
    """``text`` cut to ``limit`` characters at a word break, with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    head, space, _ = cut.rpartition(" ")
    return (head if space and head else cut).rstrip() + "…"


def event_line(kind: EventKind, media_type: MediaType, is_4k: bool) -> str:
    words = "Movie" if media_type is MediaType.MOVIE else "Series"
    return _EVENTS[kind].format(q="4K " if is_4k else "", kind=words)


def issue_event_line(kind: EventKind, issue_type: IssueType) -> str:
    """Seerr's event line of an issue event ("New Video Issue Reported", "New Comment on
    Subtitle Issue", "Audio Issue Resolved", ...; an "other" issue is just "Issue")."""
    word = "" if issue_type is IssueType.OTHER else f"{issue_type.word} "
    return {
        EventKind.ISSUE_CREATED: f"New {word}Issue Reported",
        EventKind.ISSUE_COMMENT: f"New Comment on {word}Issue",
        EventKind.ISSUE_RESOLVED: f"{word}Issue Resolved",
        EventKind.ISSUE_REOPENED: f"{word}Issue Reopened",
        EventKind.ISSUE_DELETED: f"{word}Issue Deleted",
    }[kind]


async def _media_facts(uow: UnitOfWork, payload: EventPayload) -> MediaFacts:
    media = await uow.media.get_by_tmdb(payload.tmdb_id, payload.media_type)
    return MediaFacts(
        payload.media_type,
        payload.tmdb_id,
        media.tvdb_id if media else None,
        media.status if media else MediaStatus.UNKNOWN,
        media.status_4k if media else MediaStatus.UNKNOWN,
    )


async def _issue_message(uow: UnitOfWork, event: Event, issue: IssueFacts) -> AgentMessage:
    """Seerr's notification of an issue event: the first comment as the message, the
    affected season and episode as extra fields, the reporter told of a comment or a status
    change that someone else made, unless they manage issues (they hear of it as such)."""
    payload, kind = event.payload, event.kind
    reporter = await uow.users.get(issue.reported_by_id)
    reported = Person.of(reporter) or Person(username=issue.reported_by_name)
    extra: list[tuple[str, str]] = []
    if payload.media_type is MediaType.TV and issue.problem_season:
        extra.append(("Affected Season", str(issue.problem_season)))
        if issue.problem_episode:
            extra.append(("Affected Episode", str(issue.problem_episode)))
    comment = commenter = None
    if issue.comment_message is not None:
        comment = {"comment_message": issue.comment_message}
        if issue.commented_by_id is not None:
            found = await uow.users.get(issue.commented_by_id)
            commenter = Person.of(found) or Person(username=issue.commented_by_name or "")
    by_others = payload.actor_id != issue.reported_by_id
    manages = reporter is not None and has_any(reporter.permissions, Permission.MANAGE_ISSUES)
    tells_reporter = kind in _TO_REPORTER and by_others and not manages
    return AgentMessage(
        type=of_event(kind),
        subject=payload.label,
        message=issue.message,
        event=issue_event_line(kind, issue.issue_type),
        image=poster_url(payload.poster_path) or "",
        extra=tuple(extra),
        media=await _media_facts(uow, payload),
        notify_user=reported if tells_reporter else None,
        kind=kind,
        status_line=issue.status.name.capitalize(),
        issue={
            "issue_id": str(issue.issue_id),
            "issue_type": issue.issue_type.name,
            "issue_status": issue.status.name,
        },
        comment=comment,
        reported_by=reported,
        commented_by=commenter,
    )


_TO_REPORTER = frozenset(
    {EventKind.ISSUE_COMMENT, EventKind.ISSUE_RESOLVED, EventKind.ISSUE_REOPENED}
)


async def message_for(uow: UnitOfWork, event: Event) -> AgentMessage:
    """The agents' notification of an event, with the title's and the requester's state as
    they are now (ids, statuses) and the snapshot's words."""
    payload = event.payload
    if payload.issue is not None:
        return await _issue_message(uow, event, payload.issue)
    requester = await uow.users.get(payload.requested_by_id)
    facts = await _media_facts(uow, payload)
    status = _STATUS[event.kind]
    extra = [("Requested By", payload.requested_by_name), ("Request Status", status)]
    if payload.media_type is MediaType.TV and payload.seasons:
        extra.append(("Requested Seasons", ", ".join(map(str, payload.seasons))))
    if payload.reason:
        label = "Reason" if payload.status is not RequestStatus.FAILED else "Error"
        extra.append((label, payload.reason))
    person = Person.of(requester) or Person(username=payload.requested_by_name)
    return AgentMessage(
        type=of_event(event.kind),
        subject=payload.label,
        message=truncated(payload.overview),
        event=event_line(event.kind, payload.media_type, payload.is_4k),
        image=poster_url(payload.poster_path) or "",
        extra=tuple(extra),
        media=facts,
        request_id=payload.request_id,
        requested_by=person,
        # Seerr names the requester as the user to notify of their request's fate.
        notify_user=None if event.kind in _FOR_ADMINS else person,
        kind=event.kind,
        status_line=status,
    )


def check_message(user: User | None = None) -> AgentMessage:
    """Seerr's test notification (as the settings page's "Test" button sends it)."""
    return AgentMessage(
        type=NotificationType.TEST_NOTIFICATION,
        subject="Test Notification",
        message="Check check, 1, 2, 3. Are we coming in clear?",
        notify_user=Person.of(user),
    )
