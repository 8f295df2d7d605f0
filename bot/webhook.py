"""The webhook agent wired: the one set in the settings (WEBHOOK_URL...), or the one
clients set through the API, as an AgentNotifier of the outbox."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from adapters.notify.webhook import WebhookTransport
from bot.settings import WebhookSettings
from core import webhook
from core.agents import AgentNotifier, Messages, Pause, agent_name
from core.webhook import WebhookConfig

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)


def webhook_config(settings: WebhookSettings) -> WebhookConfig | None:
    """The webhook WEBHOOK_URL sets (None: it is set through the API, if at all)."""
    if settings.url is None:
        return None
    secret = settings.authorization
    return webhook.from_settings(
        settings.url,
        authorization=secret.get_secret_value().strip() if secret else "",
        template=settings.template,
        types=settings.events,
    )


def webhook_agent(app: App, transport: WebhookTransport | None = None) -> AgentNotifier:
    """The webhook's notifier: the settings' webhook, else the database's on each event."""
    services = app.services
    return AgentNotifier(
        agent_name(webhook.NAME),
        webhook.spec_source(app.webhook, services.uow),
        transport or WebhookTransport(),
        services.agents.messages or Messages(services.uow),
        Pause(app.dispatcher.policy.base_delay),
    )


def add_webhook(app: App, *, api: bool) -> AgentNotifier | None:
    """Register the webhook's notifier with the dispatcher (and the agents the chats'
    notify-test tries) when there can be a webhook: one is set in the settings, or the API
    runs (a client may set one through it)."""
    if app.webhook is None and not api:
        return None
    notifier = webhook_agent(app)
    app.dispatcher.add_notifier(notifier)
    app.services.agents.add(notifier)
    where = "set in the settings" if app.webhook is not None else "as set through the API"
    log.info("notifications: the webhook agent runs, %s", where)
    return notifier
