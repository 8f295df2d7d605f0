"""Seerr's notification types: the bit flags its agents and users choose events by, the
names admins write them with, and which request event each one stands for."""

from __future__ import annotations

import enum
from functools import reduce

from core.events import EventKind


class NotificationType(enum.IntFlag):
    """Seerr's bits (part of its API: a webhook's ``types``, a user's ``notificationTypes``)."""

    NONE = 0
    MEDIA_PENDING = 2
    MEDIA_APPROVED = 4
    MEDIA_AVAILABLE = 8
    MEDIA_FAILED = 16
    TEST_NOTIFICATION = 32
    MEDIA_DECLINED = 64
    MEDIA_AUTO_APPROVED = 128
    ISSUE_CREATED = 256
    ISSUE_COMMENT = 512
    ISSUE_RESOLVED = 1024
    ISSUE_REOPENED = 2048
    MEDIA_AUTO_REQUESTED = 4096


T = NotificationType

# What each event is, for Seerr (a retry is approved again; a cancelled request and a
# deleted issue are deleted there, which notifies nobody).
EVENT_TYPES: dict[EventKind, NotificationType] = {
    EventKind.PENDING: T.MEDIA_PENDING,
    EventKind.AUTO_APPROVED: T.MEDIA_AUTO_APPROVED,
    EventKind.APPROVED: T.MEDIA_APPROVED,
    EventKind.RETRIED: T.MEDIA_APPROVED,
    EventKind.DECLINED: T.MEDIA_DECLINED,
    EventKind.FAILED: T.MEDIA_FAILED,
    EventKind.AVAILABLE: T.MEDIA_AVAILABLE,
    EventKind.ISSUE_CREATED: T.ISSUE_CREATED,
    EventKind.ISSUE_COMMENT: T.ISSUE_COMMENT,
    EventKind.ISSUE_RESOLVED: T.ISSUE_RESOLVED,
    EventKind.ISSUE_REOPENED: T.ISSUE_REOPENED,
}

# The names admins write in the settings (Seerr's, as its settings pages say them).
NAMES: dict[str, NotificationType] = {
    "pending": T.MEDIA_PENDING,
    "approved": T.MEDIA_APPROVED,
    "auto-approved": T.MEDIA_AUTO_APPROVED,
    "declined": T.MEDIA_DECLINED,
    "failed": T.MEDIA_FAILED,
    "available": T.MEDIA_AVAILABLE,
    "test": T.TEST_NOTIFICATION,
    "issue-created": T.ISSUE_CREATED,
    "issue-comment": T.ISSUE_COMMENT,
    "issue-resolved": T.ISSUE_RESOLVED,
    "issue-reopened": T.ISSUE_REOPENED,
    "auto-requested": T.MEDIA_AUTO_REQUESTED,
}

# The request events (what Home Assistant registers for: 222).
MEDIA_TYPES = (
    T.MEDIA_PENDING
    | T.MEDIA_APPROVED
    | T.MEDIA_AVAILABLE
    | T.MEDIA_FAILED
    | T.MEDIA_DECLINED
    | T.MEDIA_AUTO_APPROVED
)
ALL_TYPES: NotificationType = reduce(lambda a, b: a | b, NAMES.values(), T.NONE)
# Shorthands an admin may write instead of a list.
GROUPS: dict[str, NotificationType] = {"all": ALL_TYPES, "media": MEDIA_TYPES, "none": T.NONE}


def of_event(kind: EventKind) -> NotificationType:
    """The type of a request event (NONE for one Seerr has no notification for)."""
    return EVENT_TYPES.get(kind, T.NONE)


def parse_types(text: str) -> NotificationType:
    """``"pending, approved"``, ``"all"``, ``"media"`` or Seerr's number (``"222"``) as
    flags; raises ValueError naming what is not a type and listing those that are."""
    text = text.strip()
    if text.isdigit():
        value = int(text)
        if value & ~int(ALL_TYPES):
            raise ValueError(f"{value} has bits that are no notification type")
        return NotificationType(value)
    found = T.NONE
    unknown = []
    for word in filter(None, (w.strip().lower() for w in text.replace(";", ",").split(","))):
        word = word.replace("_", "-").replace(" ", "-")
        flags = GROUPS.get(word, NAMES.get(word))
        if flags is None:
            unknown.append(word)
        else:
            found |= flags
    if unknown:
        known = ", ".join([*NAMES, *GROUPS])
        raise ValueError(f"not an event type: {', '.join(unknown)} (use {known})")
    return found


def type_names(flags: NotificationType) -> list[str]:
    """The names of the flags set, in the order of NAMES."""
    return [name for name, flag in NAMES.items() if flags & flag]
