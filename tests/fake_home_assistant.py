"""Home Assistant's side of Seerr's webhook, as its Overseerr integration does it: the
payload template it registers, its registration sequence through python-overseerr (GET,
test, POST), its coordinator's refresh (``refresh``: the request and issue counts, at
set-up and every 5 minutes), and a webhook endpoint on 127.0.0.1 that parses each event
as HA does.

``FakeHomeAssistant`` (a FakeServer) answers ``POST /api/webhook/<id>`` with HA's
``{"message": "ok"}``, or a queued failure (``fail(times, status)``, ``rate_limit``);
``events`` are the bodies received, ``parsed`` what HA's event entity makes of them.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp import web
from python_overseerr import OverseerrClient
from python_overseerr.models import IssueCount, NotificationType, RequestCount

from tests.fake_server import FakeServer, Forced, SeenRequest

# HA's const.REGISTERED_NOTIFICATIONS (222) and const.JSON_PAYLOAD: its template, compact,
# posted as a JSON string of its text.
REGISTERED_NOTIFICATIONS = (
    NotificationType.REQUEST_PENDING_APPROVAL
    | NotificationType.REQUEST_APPROVED
    | NotificationType.REQUEST_DECLINED
    | NotificationType.REQUEST_AVAILABLE
    | NotificationType.REQUEST_PROCESSING_FAILED
    | NotificationType.REQUEST_AUTOMATICALLY_APPROVED
)
TEMPLATE = (
    '{"notification_type":"{{notification_type}}","subject":"{{subject}}",'
    '"message":"{{message}}","image":"{{image}}","{{media}}":{"media_type":"{{media_type}}",'
    '"tmdb_id":"{{media_tmdbid}}","tvdb_id":"{{media_tvdbid}}","status":"{{media_status}}",'
    '"status4k":"{{media_status4k}}"},"{{request}}":{"request_id":"{{request_id}}",'
    '"requested_by_email":"{{requestedBy_email}}",'
    '"requested_by_username":"{{requestedBy_username}}",'
    '"requested_by_avatar":"{{requestedBy_avatar}}",'
    '"requested_by_settings_discord_id":"{{requestedBy_settings_discordId}}",'
    '"requested_by_settings_telegram_chat_id":"{{requestedBy_settings_telegramChatId}}"},'
    '"{{issue}}":{"issue_id":"{{issue_id}}","issue_type":"{{issue_type}}",'
    '"issue_status":"{{issue_status}}","reported_by_email":"{{reportedBy_email}}",'
    '"reported_by_username":"{{reportedBy_username}}",'
    '"reported_by_avatar":"{{reportedBy_avatar}}",'
    '"reported_by_settings_discord_id":"{{reportedBy_settings_discordId}}",'
    '"reported_by_settings_telegram_chat_id":"{{reportedBy_settings_telegramChatId}}"},'
    '"{{comment}}":{"comment_message":"{{comment_message}}",'
    '"commented_by_email":"{{commentedBy_email}}",'
    '"commented_by_username":"{{commentedBy_username}}",'
    '"commented_by_avatar":"{{commentedBy_avatar}}",'
    '"commented_by_settings_discord_id":"{{commentedBy_settings_discordId}}",'
    '"commented_by_settings_telegram_chat_id":"{{commentedBy_settings_telegramChatId}}"}}'
)
JSON_PAYLOAD = json.dumps(TEMPLATE)
MEDIA_EVENT_TYPES = ("pending", "approved", "available", "failed", "declined", "auto_approved")


async def needs_change(client: OverseerrClient, url: str) -> bool:
    """HA's check_need_change: whether the webhook Seerr has is not HA's."""
    current = await client.get_webhook_notification_config()
    return (
        not current.enabled
        or current.options.webhook_url != url
        or current.options.json_payload != json.loads(JSON_PAYLOAD)
        or current.types != REGISTERED_NOTIFICATIONS
    )


async def register(client: OverseerrClient, url: str) -> str:
    """HA's register_webhook: what it did ("unchanged", "test failed" or "registered")."""
    if not await needs_change(client, url):
        return "unchanged"
    if not await client.test_webhook_notification_config(url, JSON_PAYLOAD):
        return "test failed"
    await client.set_webhook_notification_config(
        enabled=True, types=REGISTERED_NOTIFICATIONS, webhook_url=url, json_payload=JSON_PAYLOAD
    )
    return "registered"


@dataclass(frozen=True, slots=True)
class HaData:
    """HA's coordinator data (its models.OverseerrData), which its sensors show."""

    requests: RequestCount
    issues: IssueCount


async def refresh(client: OverseerrClient) -> HaData:
    """HA's coordinator update: the request count, then the issue count. HA sets up only
    when both answer; OverseerrAuthenticationError (a 403) starts its re-authentication,
    any other failure marks the update failed until the next one."""
    return HaData(await client.get_request_count(), await client.get_issue_count())


@dataclass(frozen=True, slots=True)
class HaEvent:
    """One webhook call as HA takes it: whether it refreshes its sensors, and the event its
    media event entity fires (type and data; None for a call that is no media event)."""

    refreshes: bool
    event_type: str | None
    data: dict[str, Any] | None
    image: str | None


def parse(body: dict[str, Any]) -> HaEvent:
    """What HA's handle_webhook and its event entity make of a body (KeyError, ValueError
    or AttributeError where HA's own code would fail on it)."""
    data = json.loads(json.dumps(body))
    notification_type: str = data["notification_type"]
    refreshes = notification_type.startswith("MEDIA")
    event_type = notification_type.lower()
    if event_type.split("_")[0] != "media":
        return HaEvent(refreshes, None, None, None)
    image = data.get("image")
    data.pop("notification_type")
    data.pop("image")
    for nullable in ("comment", "issue"):
        data.pop(nullable)
    if (media := data.get("media")) is not None:
        for name in ("status", "status4k"):
            media[name] = media[name].lower()
        for name in ("tmdb_id", "tvdb_id"):
            value = media.get(name)
            media[name] = int(value) if value != "" else None
    if (request := data.get("request")) is not None:
        request["request_id"] = int(request["request_id"])
    return HaEvent(refreshes, event_type[6:], data, image)


class FakeHomeAssistant(FakeServer):
    """HA's webhook endpoint; ``url`` is the webhook URL it registers."""

    webhook_id = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"

    def _add_routes(self, router: web.UrlDispatcher) -> None:
        router.add_post("/api/webhook/{webhook_id}", self._webhook)

    @property
    def url(self) -> str:
        return f"{self.origin}/api/webhook/{self.webhook_id}"

    def rate_limit(self, times: int = 1, retry_after: float = 30.0) -> None:
        self._force(times, Forced(429, retry_after=retry_after))

    async def _seen_body(self, request: web.Request) -> Any:
        return await request.json()

    @property
    def calls(self) -> list[SeenRequest]:
        """The webhook calls answered 200 (HA handled them)."""
        return [r for r in self.requests if r.status == 200]

    @property
    def events(self) -> list[dict[str, Any]]:
        """The bodies of the calls HA handled, in order."""
        return [r.body for r in self.calls]

    @property
    def parsed(self) -> list[HaEvent]:
        return [parse(body) for body in self.events]

    async def _webhook(self, request: web.Request) -> web.Response:
        if request.match_info["webhook_id"] != self.webhook_id:
            return web.Response(status=404)
        forced = self._take_forced()
        if forced is not None:
            headers = {"Retry-After": f"{forced.retry_after:g}"} if forced.retry_after else {}
            return web.json_response({"message": "error"}, status=forced.status, headers=headers)
        return web.json_response({"message": "ok"})


@pytest.fixture
async def fake_home_assistant() -> AsyncIterator[FakeHomeAssistant]:
    """A running FakeHomeAssistant, stopped after the test."""
    async with FakeHomeAssistant() as server:
        yield server
