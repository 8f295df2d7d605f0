"""Notifications printed on the terminal, for every console user."""

from __future__ import annotations

from typing import TextIO

from adapters.console.render import printable
from adapters.issue_text import notice
from adapters.text import event_summary, event_title
from core.audience import told_in_place
from core.events import Audience, Notification
from core.identity import User

PLATFORM = "console"


class ConsoleNotifier:
    """Prints each notification as a line addressed to its recipient."""

    name = PLATFORM

    def __init__(self, out: TextIO) -> None:
        self._out = out

    def reaches(self, user: User) -> bool:
        return any(identity.platform == PLATFORM for identity in user.identities)

    async def send(self, notification: Notification) -> bool:
        event, user = notification.event, notification.recipient
        if told_in_place(notification):
            return False  # the command's own answer said it already
        role = " (manager)" if notification.audience is Audience.MANAGER else ""
        title = event_title(event.kind, event.payload.media_type)
        if event.kind.is_issue:  # "Your issue ..." to its reporter
            summary = notice(notification, str)
        else:
            summary = event_summary(event.kind, event.payload)
        line = f"  [notification to {user.display_name}{role}] {title}: {event.payload.label}"
        print(printable(f"{line} - {summary}"), file=self._out, flush=True)
        return True
