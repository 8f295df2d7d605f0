"""Seerr's webhook agent: a JSON body rendered from the admin's template, POSTed to a URL
(Home Assistant's Overseerr integration registers one through the API and reads its events).

The template is Seerr's, kept in Seerr's form: ``json_payload`` is what the client posted,
a JSON document whose value is the template's own JSON text (Seerr parses it twice when it
sends). In the template, the keys ``{{media}}``, ``{{request}}``, ``{{issue}}`` and
``{{comment}}`` become ``media``, ``request``, ``issue`` and ``comment`` (null when the
notification has none), ``{{extra}}`` becomes the list of extra fields, and every string
has Seerr's placeholders replaced.
"""

from __future__ import annotations

import json
import urllib.parse
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from core.agent_messages import AgentMessage
from core.agents import AgentSpec, SpecSource
from core.notification_types import MEDIA_TYPES, NotificationType
from core.ports import UnitOfWork, UnitOfWorkFactory

NAME = "webhook"  # the agent's name in the delivery log
SETTINGS_KEY = "notifications.webhook"

# Seerr's default template (its settings' default jsonPayload, decoded).
DEFAULT_TEMPLATE = """\
{
  "notification_type": "{{notification_type}}",
  "event": "{{event}}",
  "subject": "{{subject}}",
  "message": "{{message}}",
  "image": "{{image}}",
  "{{media}}": {
    "media_type": "{{media_type}}",
    "tmdbId": "{{media_tmdbid}}",
    "tvdbId": "{{media_tvdbid}}",
    "status": "{{media_status}}",
    "status4k": "{{media_status4k}}"
  },
  "{{request}}": {
    "request_id": "{{request_id}}",
    "requestedBy_email": "{{requestedBy_email}}",
    "requestedBy_username": "{{requestedBy_username}}",
    "requestedBy_avatar": "{{requestedBy_avatar}}",
    "requestedBy_settings_discordId": "{{requestedBy_settings_discordId}}",
    "requestedBy_settings_telegramChatId": "{{requestedBy_settings_telegramChatId}}"
  },
  "{{issue}}": {
    "issue_id": "{{issue_id}}",
    "issue_type": "{{issue_type}}",
    "issue_status": "{{issue_status}}",
    "reportedBy_email": "{{reportedBy_email}}",
    "reportedBy_username": "{{reportedBy_username}}",
    "reportedBy_avatar": "{{reportedBy_avatar}}",
    "reportedBy_settings_discordId": "{{reportedBy_settings_discordId}}",
    "reportedBy_settings_telegramChatId": "{{reportedBy_settings_telegramChatId}}"
  },
  "{{comment}}": {
    "comment_message": "{{comment_message}}",
    "commentedBy_email": "{{commentedBy_email}}",
    "commentedBy_username": "{{commentedBy_username}}",
    "commentedBy_avatar": "{{commentedBy_avatar}}",
    "commentedBy_settings_discordId": "{{commentedBy_settings_discordId}}",
    "commentedBy_settings_telegramChatId": "{{commentedBy_settings_telegramChatId}}"
  },
  "{{extra}}": []
}"""


def posted_form(template: str) -> str:
    """A template as a client posts it (a JSON string of its text)."""
    return json.dumps(template)


DEFAULT_PAYLOAD = posted_form(DEFAULT_TEMPLATE)

# Seerr's placeholders, in the order it replaces them (a value that holds a later one's
# name has it replaced too, as there).
KEYS = (
    "notification_type", "event", "subject", "message", "image",
    "notifyuser_username", "notifyuser_email", "notifyuser_avatar",
    "notifyuser_settings_discordId", "notifyuser_settings_telegramChatId",
    "media_tmdbid", "media_tvdbid", "media_type", "media_status", "media_status4k",
    "request_id",
    "requestedBy_username", "requestedBy_email", "requestedBy_avatar",
    "requestedBy_settings_discordId", "requestedBy_settings_telegramChatId",
    "issue_id", "issue_type", "issue_status",
    "reportedBy_username", "reportedBy_email", "reportedBy_avatar",
    "reportedBy_settings_discordId", "reportedBy_settings_telegramChatId",
    "comment_message",
    "commentedBy_username", "commentedBy_email", "commentedBy_avatar",
    "commentedBy_settings_discordId", "commentedBy_settings_telegramChatId",
)  # fmt: skip
# The keys whose value Seerr computes (an enum's name): "" without the section, never "test".
_COMPUTED = frozenset(
    {"notification_type", "media_status", "media_status4k", "issue_type", "issue_status"}
)
_SECTIONS = {
    "{{media}}": "media",
    "{{request}}": "request",
    "{{issue}}": "issue",
    "{{comment}}": "comment",
}
_EXTRA = "{{extra}}"


class InvalidPayload(ValueError):
    """A jsonPayload that is not JSON, or whose template is not; the message says where."""


@dataclass(frozen=True, slots=True)
class WebhookConfig:
    """The webhook as Seerr's settings keep it (``json_payload`` as the client posted it)."""

    enabled: bool = False
    types: int = 0
    webhook_url: str = ""
    json_payload: str = DEFAULT_PAYLOAD
    auth_header: str = ""
    support_variables: bool = False
    embed_poster: bool = True

    @property
    def template(self) -> str:
        """The template's JSON text (what Seerr's GET shows as ``jsonPayload``)."""
        decoded = parse_payload(self.json_payload)
        return decoded if isinstance(decoded, str) else json.dumps(decoded)

    def spec(self) -> WebhookSpec | None:
        """The agent's spec, or None when it sends nothing (off, or no URL)."""
        if not self.enabled or not self.webhook_url:
            return None
        return WebhookSpec(NAME, types=NotificationType(self.types), config=self)


@dataclass(frozen=True, slots=True)
class WebhookSpec(AgentSpec):
    """The webhook's AgentSpec, with what its transport needs."""

    config: WebhookConfig = field(default_factory=WebhookConfig)


def from_settings(
    url: str,
    *,
    authorization: str = "",
    template: str = DEFAULT_TEMPLATE,
    types: NotificationType = MEDIA_TYPES,
) -> WebhookConfig:
    """The webhook the admin set in requestbot's settings: on, with placeholders in the URL
    replaced when it has any. Raises InvalidPayload for a template that is not JSON."""
    config = WebhookConfig(
        enabled=True,
        types=int(types),
        webhook_url=url,
        json_payload=posted_form(template),
        auth_header=authorization,
        support_variables="{{" in url,
    )
    check(config.json_payload)
    return config


def _json(text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidPayload(
            f"{what} is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
        ) from None


def parse_payload(json_payload: str) -> Any:
    """The posted jsonPayload decoded once (Seerr's JSON.parse on POST and in its GET)."""
    return _json(json_payload, "jsonPayload")


def parse_template(json_payload: str) -> Any:
    """The template as a JSON value: the posted payload decoded twice, as Seerr sends it
    (once when a client posted the template itself rather than its text)."""
    decoded = parse_payload(json_payload)
    return _json(decoded, "The jsonPayload template") if isinstance(decoded, str) else decoded


def check(json_payload: str) -> None:
    """Raise InvalidPayload unless the webhook could send with this payload."""
    parse_template(json_payload)


def _values(message: AgentMessage) -> dict[str, str]:
    found = message.placeholders()
    return {key: found.get(key, "") for key in KEYS}


def _filled(text: str, values: dict[str, str]) -> str:
    """``text`` with the first occurrence of each placeholder replaced, key by key, as
    Seerr's String.replace does (the replacement is taken literally)."""
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", value, 1)
    return text


def _has(message: AgentMessage, section: str) -> bool:
    match section:
        case "media":
            return message.media is not None
        case "request":
            return message.request_id is not None
        case "issue":
            return message.issue is not None
        case _:
            return message.comment is not None


def _parse_keys(node: Any, message: AgentMessage, values: dict[str, str]) -> Any:
    """Seerr's parseKeys over one object (or array) of the template: the section keys
    renamed (their value dropped for null when the message has no such section),
    ``{{extra}}`` made the extra list, strings filled in, objects and arrays walked."""
    if isinstance(node, list):
        return [_value(item, message, values) for item in node]
    if not isinstance(node, dict):
        return node
    out = dict(node)
    for key in list(node):
        if key == _EXTRA:
            del out[key]
            key = "extra"
            out[key] = [{"name": name, "value": value} for name, value in message.extra]
        elif key in _SECTIONS:
            content = out.pop(key)
            key = _SECTIONS[key]
            out[key] = content if _has(message, key) else None
        out[key] = _value(out[key], message, values)
    return out


def _value(value: Any, message: AgentMessage, values: dict[str, str]) -> Any:
    if isinstance(value, str):
        return _filled(value, values)
    if isinstance(value, dict | list):
        return _parse_keys(value, message, values)
    return value


def render_body(json_payload: str, message: AgentMessage) -> Any:
    """The JSON body the webhook POSTs for ``message`` (Seerr's buildPayload)."""
    return _value(parse_template(json_payload), message, _values(message))


def url_for(config: WebhookConfig, message: AgentMessage) -> str:
    """The URL to POST to: with ``support_variables``, each ``{{placeholder}}`` replaced by
    its value, URL-encoded ("test" for a test notification, and for an empty plain value)."""
    url = config.webhook_url
    if not config.support_variables or "{{" not in url:
        return url
    values = _values(message)
    testing = bool(message.type & NotificationType.TEST_NOTIFICATION)
    for key, value in values.items():
        if testing or (not value and key not in _COMPUTED):
            value = "test"
        url = url.replace("{{" + key + "}}", urllib.parse.quote(value, safe="-_.!~*'()"))
    return url


def _dump(config: WebhookConfig) -> str:
    return json.dumps(
        {
            "enabled": config.enabled,
            "embedPoster": config.embed_poster,
            "types": config.types,
            "webhookUrl": config.webhook_url,
            "jsonPayload": config.json_payload,
            "authHeader": config.auth_header,
            "supportVariables": config.support_variables,
        }
    )


def _loaded(raw: str) -> WebhookConfig:
    data = json.loads(raw)
    default = WebhookConfig()
    return WebhookConfig(
        enabled=bool(data.get("enabled", default.enabled)),
        types=int(data.get("types", default.types)),
        webhook_url=str(data.get("webhookUrl", default.webhook_url)),
        json_payload=str(data.get("jsonPayload", default.json_payload)),
        auth_header=str(data.get("authHeader", default.auth_header)),
        support_variables=bool(data.get("supportVariables", default.support_variables)),
        embed_poster=bool(data.get("embedPoster", default.embed_poster)),
    )


async def load(uow: UnitOfWork) -> WebhookConfig:
    """The webhook set through the API (Seerr's defaults until one is)."""
    raw = await uow.settings.get(SETTINGS_KEY)
    return WebhookConfig() if raw is None else _loaded(raw)


async def save(uow: UnitOfWork, config: WebhookConfig, now: datetime) -> None:
    """Keep ``config`` (the caller commits). Raises InvalidPayload for a bad template."""
    check(config.json_payload)
    await uow.settings.set(SETTINGS_KEY, _dump(config), now)


def spec_source(fixed: WebhookConfig | None, uow: UnitOfWorkFactory) -> SpecSource:
    """Where the webhook's AgentNotifier finds its spec: the webhook set in the settings,
    else the one set through the API, read from the database on each event (so a client's
    change applies to the next event, in every process on the database)."""
    if fixed is not None:
        spec = fixed.spec()

        async def settled() -> AgentSpec | None:
            return spec

        return settled

    async def stored() -> AgentSpec | None:
        async with uow(write=False) as unit:
            config = await load(unit)
        return config.spec()

    return stored
