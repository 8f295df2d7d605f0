"""The Apprise agents: one Apprise URL each (Slack, email, ntfy, Gotify, Pushover, Matrix,
Mattermost, ...); Apprise knows each service's API and its rate limits."""

from __future__ import annotations

import logging

import apprise

from adapters.notify.urls import redact, secrets_of
from core.agent_messages import AgentMessage
from core.agents import AgentSpec
from core.errors import DeliveryFailed
from core.notification_types import NotificationType

log = logging.getLogger(__name__)

TIMEOUT = 20.0  # seconds one notification may take (Apprise's own connect/read limits apply)
MAX_REASON = 300

_PROBLEMS = frozenset({"WARNING", "ERROR", "CRITICAL"})  # Apprise's log levels, by name
# How each kind of event looks where the service shows a type (a colour, an icon).
_LOOKS = {
    NotificationType.MEDIA_AVAILABLE: apprise.NotifyType.SUCCESS,
    NotificationType.MEDIA_APPROVED: apprise.NotifyType.SUCCESS,
    NotificationType.MEDIA_AUTO_APPROVED: apprise.NotifyType.SUCCESS,
    NotificationType.MEDIA_DECLINED: apprise.NotifyType.WARNING,
    NotificationType.MEDIA_FAILED: apprise.NotifyType.FAILURE,
}

# Apprise logs each failure with the service's address; the agent's delivery log has the
# reason (its secrets hidden), so Apprise's own lines stay out of ours (each call still
# captures them for its result).
_apprise_log = logging.getLogger(apprise.LOGGER_NAME)
_apprise_log.propagate = False
_apprise_log.addHandler(logging.NullHandler())


def is_apprise_url(url: str) -> bool:
    """Whether Apprise knows the service of ``url`` and can read it."""
    return apprise.Apprise.instantiate(url) is not None


class AppriseTransport:
    """core.agents.AgentTransport through one Apprise URL."""

    def __init__(self, url: str, *, timeout: float = TIMEOUT) -> None:
        self._apprise = apprise.Apprise()
        if not self._apprise.add(url):
            raise ValueError("Apprise does not know this URL's service")
        self._secrets = secrets_of(url)
        self._timeout = timeout

    async def deliver(self, spec: AgentSpec, message: AgentMessage) -> None:
        title, body = spec.words(message)
        looks = _LOOKS.get(message.type, apprise.NotifyType.INFO)
        result = await self._apprise.async_notify(
            body=body,
            title=title,
            notify_type=looks,
            timeout=self._timeout,
            log_level=logging.WARNING,
        )
        if result:
            return
        said = [e.message for e in result.logs() if e.level in _PROBLEMS]
        reason = "; ".join(dict.fromkeys(said)) or f"Apprise: {result.status.name.lower()}"
        raise DeliveryFailed(redact(reason, self._secrets)[:MAX_REASON])
