"""A fake Discord gateway and REST API on 127.0.0.1, for tests that run the real discord.py.

discord.py 2.7.1 takes its REST base from ``discord.http.Route.BASE`` (read each time a Route
is built, by ``HTTPClient`` and by the webhook adapter behind interaction responses and
follow-ups alike) and its gateway from ``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY``
(a plain ``Client`` never asks ``GET /gateway/bot``; ``AutoShardedClient`` does). Both are
class attributes, so pointing the library here is two assignments, which
``point_discord_at(fake)`` makes and its returned callable undoes::

    from tests.fake_discord import FakeDiscord, point_discord_at

    async def test_quota(fake_discord: FakeDiscord) -> None:
        fake = fake_discord
        fake.add_user(42, "ann")
        undo = point_discord_at(fake)
        client = MyBot(intents=discord.Intents.default(), guild_ready_timeout=0.05)
        runner = asyncio.create_task(client.start(fake.token))
        await fake.wait_ready()
        await client.tree.sync(guild=discord.Object(fake.guild_id))
        ix = await fake.slash(42, "quota")
        shown = await ix.settled()
        assert "3 left" in shown.text()
        await client.close(); await runner; undo()

The ``fake_discord`` fixture (below; listed in tests/conftest.py's ``pytest_plugins``) yields
a started fake with default ids and a "general" text channel.

Gateway (``ws://127.0.0.1:PORT/``, JSON encoding, API v9 or v10): HELLO (op 10,
``heartbeat_interval`` ms), then IDENTIFY (op 2: a wrong token closes with 4004, no intents
with 4013, privileged intents not in ``allowed_intents`` with 4014) answered by READY and a
GUILD_CREATE of the one guild (roles, text channels, the bot member, and every member when
the GUILD_MEMBERS or GUILD_PRESENCES intent is on); HEARTBEAT (op 1) gets HEARTBEAT_ACK
(op 11); RESUME (op 6) replays what the session missed and then RESUMED, or gets INVALID
SESSION (op 9, ``false``) for a session that is gone; REQUEST_GUILD_MEMBERS (op 8) gets one
GUILD_MEMBERS_CHUNK. Dispatches carry per-session sequence numbers. ``compress=zlib-stream``
in the query gets one zlib stream per connection, each payload flushed with Z_SYNC_FLUSH
into one binary frame; ``compress=zstd-stream`` (what discord.py asks for when zstandard or
compression.zstd is importable) gets one zstd stream flushed per frame; no ``compress`` gets
text frames. Messages the bot creates, edits or deletes that others can see are dispatched as
MESSAGE_CREATE / MESSAGE_UPDATE / MESSAGE_DELETE to sessions with the GUILD_MESSAGES or
DIRECT_MESSAGES intent, as Discord does; ephemeral ones are not.

REST (``/api/v10``): ``Authorization: Bot <token>`` is required (401, code 0) except on
``GET /gateway``, interaction callbacks and webhook endpoints, which carry the interaction
token in the path. Served: users/@me, users/{id}, users/@me/channels (open a DM),
oauth2/applications/@me and applications/@me, gateway and gateway/bot, guilds/{id},
guilds/{id}/channels, guilds/{id}/roles, guilds/{id}/members/{id}, channels/{id},
channels/{id}/messages (GET history, POST JSON or multipart with ``payload_json`` and
``files[n]``), channels/{id}/messages/{id} (GET, PATCH, DELETE), channels/{id}/typing,
application commands global and per guild (GET, bulk PUT, POST, DELETE), and the interaction
endpoints below. Unknown paths get 404 (code 0), unknown objects Discord's 404s (10003
Unknown Channel, 10008 Unknown Message, 10013 Unknown User, ...). Every response carries
``Via`` and ``X-RateLimit-*`` headers (Limit, Remaining, Reset, Reset-After, Bucket) from a
per-route, per-major-parameter window of ``bucket_limit`` requests per ``bucket_window``
seconds (50 per second by default, so discord.py never waits unless a test makes it 5 per
5 s); the window is advertised, not enforced.

Interactions: ``slash``, ``autocomplete``, ``click``, ``select`` and ``submit_modal`` send an
INTERACTION_CREATE shaped like Discord's (member with permissions in the guild, user in
DMs, channel, guild, token, version 1, locale, guild_locale, app_permissions, entitlements,
authorizing_integration_owners, context, attachment_size_limit, and the whole stored message
for components) and return a ``FakeInteraction`` at once. Slash and autocomplete data carry
the id the fake gave the command when it was synced (guild commands first, then global; an
unsynced command gets a fresh id and no ``guild_id``, i.e. it looks global) and option types
from the synced definition (else inferred from the Python value). The driver behaves like
Discord's own client: it refuses (AssertionError) unknown subcommands and options, missing
required options, values outside the choices or the min/max, clicks on missing or disabled
components, values a select does not offer, and modal fields that are missing or too long.

``POST /interactions/{id}/{token}/callback`` (discord.py adds ``with_response=1`` and gets
Discord's InteractionCallbackResponse: ``interaction`` with response_message_id /
response_message_loading / response_message_ephemeral, and ``resource`` with the callback
type and the message for types 4, 5 and 7) takes types 4 (message; flags 64 makes it
ephemeral), 5 (deferred: a loading message, flags 128), 6 (deferred update), 7 (update the
message the component was on), 8 (autocomplete choices) and 9 (modal), each only where
Discord allows it. More than ``ack_deadline`` (3.0 s) after dispatch: 404 10062 "Unknown
interaction"; a second callback: 400 40060 "Interaction has already been acknowledged.".
Follow-ups live under ``/webhooks/{application_id}/{token}``: POST (``wait``, flags 64
honoured; right after a type 5 defer it edits the loading message instead, as Discord still
does), and GET / PATCH / DELETE of ``messages/@original`` or ``messages/{id}``. They work only
after a successful callback (else 404 10015 "Unknown Webhook") and for ``followup_window``
(15 min, then 401 50027 "Invalid Webhook Token").

Discord's limits, refused with 400 50035 "Invalid Form Body" and Discord's nested
``errors``: content 2000; at most 10 embeds, title 256, description 4096, 25 fields, field
name 256 and value 1024 (both required), footer text 2048, author name 256, 6000 characters
over all embeds; at most 5 action rows, a row holds 1-5 buttons or exactly one select;
button label 80, custom_id 1-100 and unique within the message, link buttons a url and no
custom_id; selects 1-25 options, option label/value/description 100, placeholder 150,
min_values 0-25, max_values 1-25 and not above the options; components v2 (flag 32768):
no content or embeds, at most 40 components; modals: title 1-45, custom_id 1-100, 1-5
top-level components, text inputs (in a row of their own, or in a Label) with label 1-45,
style 1 or 2, lengths 0-4000, placeholder 100; autocomplete: at most 25 choices, name 1-100,
string value at most 100; commands: name 1-32 lowercase, description 1-100, 25 options and
25 choices. An empty message gets 400 50006 "Cannot send an empty message".

Everything the bot did wrong lands in ``violations`` (strings; a test can assert it stays
empty): every 50035 and 50006, late (10062) and double (40060) acknowledgements, callback
types the interaction does not allow, and follow-ups before the acknowledgement or after
the window. A DM to a user added with ``dms_open=False`` gets 403 50007 "Cannot send messages
to this user", which is not a violation: the bot must cope with it.

Observing: ``requests`` (tests/fake_server.py's ``SeenRequest``: method, path after
``/api/v10``, query, headers, arrival by ``time.monotonic()``, status once answered; the
gateway is not recorded); ``interactions``; ``channel_messages``,
``dms``, ``message``; ``commands(guild_id=None)``; ``rate_limit_hits``; ``identify_count``,
``resume_count``, ``heartbeat_count``; ``gateway_queries`` (the query of each websocket,
e.g. ``{"v": "10", "encoding": "json", "compress": "zlib-stream"}``); ``sent``
(``SentMessage``: every message created and every edit that set content, with the body's
``allowed_mentions`` and the ``Mentions`` Discord makes of it: without ``allowed_mentions``
every ``@everyone``/``@here``, ``<@id>`` and ``<@&id>`` in the content counts; with it, only
the kinds in ``parse`` and the ids listed; "users" both in ``parse`` and listed is a 50035).

Waiting without sleeps: ``await wait_for(predicate, timeout=10)`` (tests/fake_server.py)
re-evaluates a zero-argument predicate after every change (request, frame, dispatch) and
returns its first truthy value; an AssertionError or LookupError from it counts as "not
yet"; on timeout it raises AssertionError with the recent requests, violations and
interactions.
``wait_ready``, ``FakeInteraction.acked`` and ``FakeInteraction.settled`` build on it.

Knobs: ``ack_deadline`` (3.0), ``followup_window`` (900.0), ``heartbeat_interval`` (41250
ms), ``bucket_limit`` (50), ``bucket_window`` (1.0), ``allowed_intents`` (privileged intents
the application may ask for; all by default), and ``rate_limit(method, path_regex,
retry_after=0.3, times=1, *, is_global=False)``, which answers the next ``times`` matching
requests (``re.search`` on the path after ``/api/v10``, method ``"*"`` for any) with 429, the
body ``{"message": "You are being rate limited.", "retry_after": x, "global": false}`` and
Discord's headers (Retry-After, X-RateLimit-Limit / Remaining 0 / Reset / Reset-After /
Bucket / Scope, and Via, without which discord.py takes a 429 for a Cloudflare ban and
gives up). Each shows up in ``rate_limit_hits`` with when it was given and when the next
request for the same method and path arrived. ``stall(method, path_regex, times=1)`` holds
the next matching requests without applying them (its ``reached`` event is set when one
arrives) until ``end()`` or the fake stops, then answers 503: a call a crash cut short.
Lifetime, ``outage()`` / ``restore()``, ``delay`` (REST only), ``fail(times, status)`` and
``send_garbage(times)`` (after the auth check, for any REST request) and ``reset()`` are
tests/fake_server.py's.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import datetime as dt
import hashlib
import importlib
import json
import math
import re
import secrets
import time
import zlib
from collections import deque
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
)
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Self

import discord.gateway
import discord.http
import pytest
import yarl
from aiohttp import WSMsgType, web

from tests.fake_server import HOST, FakeServer, Forced, Garbled, Hopeless, garbage, phrase

Json = dict[str, Any]

API_VERSION = 10
DISCORD_EPOCH_MS = 1_420_070_400_000
DEFAULT_TOKEN = "MTM3MDAwMDAwMDAwMDAwMDAwMQ.GfAkE0.fake-discord-token-for-tests-only"
DEFAULT_APPLICATION_ID = 1_370_000_000_000_000_001  # also the bot user's id, as on Discord
DEFAULT_GUILD_ID = 1_370_000_000_000_000_002
DEFAULT_CHANNEL_ID = 1_370_000_000_000_000_003
DEFAULT_OWNER_ID = 1_370_000_000_000_000_004
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024

# message flags
SUPPRESS_EMBEDS = 1 << 2
EPHEMERAL = 1 << 6
LOADING = 1 << 7
SUPPRESS_NOTIFICATIONS = 1 << 12
IS_COMPONENTS_V2 = 1 << 15
_SETTABLE_FLAGS = SUPPRESS_EMBEDS | SUPPRESS_NOTIFICATIONS | IS_COMPONENTS_V2

# gateway intents
GUILDS = 1 << 0
GUILD_MEMBERS = 1 << 1
GUILD_PRESENCES = 1 << 8
GUILD_MESSAGES = 1 << 9
DIRECT_MESSAGES = 1 << 12
MESSAGE_CONTENT = 1 << 15
PRIVILEGED_INTENTS = GUILD_MEMBERS | GUILD_PRESENCES | MESSAGE_CONTENT

# permissions
ADMINISTRATOR = 1 << 3
ALL_PERMISSIONS = (1 << 51) - 1
EVERYONE_PERMISSIONS = sum(
    1 << bit for bit in (0, 6, 10, 11, 14, 15, 16, 18, 20, 21, 25, 26, 31, 35, 36, 37, 38, 40, 41)
)
BOT_PERMISSIONS = sum(1 << bit for bit in (6, 10, 11, 13, 14, 15, 16, 18, 31, 38))

# interaction and callback types
PING, APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 1, 2, 3, 4, 5
PONG, CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, DEFERRED_UPDATE = 1, 4, 5, 6
UPDATE_MESSAGE, AUTOCOMPLETE_RESULT, MODAL = 7, 8, 9
_ALLOWED_CALLBACKS: dict[int, frozenset[int]] = {
    PING: frozenset({PONG}),
    APPLICATION_COMMAND: frozenset({CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, MODAL}),
    MESSAGE_COMPONENT: frozenset(
        {CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE, MODAL}
    ),
    AUTOCOMPLETE: frozenset({AUTOCOMPLETE_RESULT}),
    MODAL_SUBMIT: frozenset(
        {CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE}
    ),
}

# component types
ACTION_ROW, BUTTON, STRING_SELECT, TEXT_INPUT = 1, 2, 3, 4
SELECTS = frozenset({3, 5, 6, 7, 8})
SECTION, TEXT_DISPLAY, THUMBNAIL, CONTAINER, LABEL = 9, 10, 11, 17, 18
_V2_TOP_LEVEL = frozenset({1, 9, 10, 12, 13, 14, 17})
_LABEL_CHILDREN = frozenset({3, 4, 5, 6, 7, 8, 19, 21, 22, 23})

# option types
SUB_COMMAND, SUB_COMMAND_GROUP, STRING, INTEGER, BOOLEAN = 1, 2, 3, 4, 5
USER, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = 6, 7, 8, 9, 10, 11

_TRACE = ['["gateway-prd-fake-0",{"micros":0.0}]']
_COMMAND_NAME_RE = re.compile(r"[-_'\w]{1,32}")
_CLOSE_REASONS = {
    4001: "Unknown opcode.",
    4002: "Error while decoding payload.",
    4003: "Not authenticated.",
    4004: "Authentication failed.",
    4005: "Already authenticated.",
    4012: "Invalid API version.",
    4013: "Invalid intent(s).",
    4014: "Disallowed intent(s).",
}


# ----- errors -------------------------------------------------------------------------------


class _ApiError(Exception):
    """An error answer: HTTP status, Discord's message and JSON error code, maybe ``errors``."""

    def __init__(
        self,
        status: int,
        message: str,
        code: int = 0,
        *,
        errors: Json | None = None,
        headers: Mapping[str, str] | None = None,
        extra: Json | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.errors = errors
        self.headers = dict(headers or {})
        self.extra = extra

    def body(self) -> Json:
        if self.extra is not None:
            return dict(self.extra)
        body: Json = {"message": self.message, "code": self.code}
        if self.errors is not None:
            body["errors"] = self.errors
        return body


def _unknown(what: str, code: int) -> _ApiError:
    return _ApiError(404, f"Unknown {what}", code)


class _Problem(NamedTuple):
    """One broken rule: where in the body (JSON path), Discord's error code and text."""

    path: tuple[str | int, ...]
    code: str
    message: str


def _form_errors(problems: Sequence[_Problem]) -> Json:
    """Discord's nested ``errors`` object: ``{"embeds": {"0": {"title": {"_errors": [...]}}}}``."""
    errors: Json = {}
    for problem in problems:
        node = errors
        for key in problem.path:
            node = node.setdefault(str(key), {})
        node.setdefault("_errors", []).append({"code": problem.code, "message": problem.message})
    return errors


def _dotted(path: Sequence[str | int]) -> str:
    return ".".join(str(part) for part in path) or "<body>"


class _Checker:
    """Collects broken rules while walking a request body."""

    def __init__(self) -> None:
        self.problems: list[_Problem] = []

    def add(self, path: tuple[str | int, ...], code: str, message: str) -> None:
        self.problems.append(_Problem(path, code, message))

    def text(
        self,
        path: tuple[str | int, ...],
        value: object,
        maximum: int,
        *,
        minimum: int = 0,
        required: bool = False,
    ) -> str:
        """Check a string field's length; returns it ("" when absent or not a string)."""
        if value is None:
            if required:
                self.add(path, "BASE_TYPE_REQUIRED", "This field is required")
            return ""
        if not isinstance(value, str):
            self.add(path, "BASE_TYPE_STRING", "Could not interpret value as string.")
            return ""
        if (minimum and len(value) < minimum) or len(value) > maximum:
            if minimum:
                message = f"Must be between {minimum} and {maximum} in length."
                self.add(path, "BASE_TYPE_BAD_LENGTH", message)
            else:
                self.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {maximum} or fewer in length.")
        return value

    def items(self, path: tuple[str | int, ...], value: object, maximum: int) -> list[Any]:
        """Check a list field's size; returns it ([] when absent or not a list)."""
        if value is None:
            return []
        if not isinstance(value, list):
            self.add(path, "BASE_TYPE_ARRAY", "Must be an array.")
            return []
        if len(value) > maximum:
            self.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {maximum} or fewer in length.")
        return value

    def number(
        self, path: tuple[str | int, ...], value: object, minimum: int, maximum: int
    ) -> int | None:
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool):
            self.add(path, "NUMBER_TYPE_COERCE", f"Value {value!r} is not int.")
            return None
        if not minimum <= value <= maximum:
            code = "NUMBER_TYPE_MAX" if value > maximum else "NUMBER_TYPE_MIN"
            self.add(path, code, f"Must be between {minimum} and {maximum}.")
        return value


# ----- records ------------------------------------------------------------------------------


@dataclass(slots=True)
class RateLimitHit:
    """A 429 the fake gave on purpose, and when the same request came back."""

    method: str
    path: str
    retry_after: float
    given_at: float
    retried_at: float | None = None

    @property
    def waited(self) -> float | None:
        """Seconds between the 429 and the retry (None before the retry)."""
        return None if self.retried_at is None else self.retried_at - self.given_at


@dataclass(frozen=True, slots=True)
class Mentions:
    """Whom a message's content mentions (and, when it is created, notifies), as Discord
    works it out from the content and the body's ``allowed_mentions``."""

    everyone: bool = False
    users: tuple[int, ...] = ()
    roles: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class SentMessage:
    """A message the bot created, or an edit that set its content, with the body's
    ``allowed_mentions`` as sent (None when it had none) and what Discord made of it."""

    at: float
    message_id: int
    created: bool
    content: str
    allowed_mentions: Json | None
    mentions: Mentions


class Stall:
    """REST requests that reach the fake but never take effect: the next ``times`` matching
    ones wait (``reached`` is set at the first) until ``end()`` or the fake stops, and are
    then answered 503 without being applied, like calls a crash cut short."""

    def __init__(self, method: str, pattern: re.Pattern[str], times: int) -> None:
        self.method = method
        self.pattern = pattern
        self.left = times
        self.reached = asyncio.Event()
        self.stalled = 0
        self._ended = asyncio.Event()

    def matches(self, method: str, path: str) -> bool:
        return self.left > 0 and self.method in ("*", method) and bool(self.pattern.search(path))

    async def hold(self) -> None:
        self.left -= 1
        self.stalled += 1
        self.reached.set()
        await self._ended.wait()

    def end(self) -> None:
        self._ended.set()


@dataclass(frozen=True, slots=True)
class CallbackAttempt:
    """One POST to an interaction's callback endpoint, as answered."""

    at: float
    type: int | None
    status: int
    body: Json = field(repr=False)


@dataclass(frozen=True, slots=True)
class Upload:
    """A file part of a multipart body."""

    filename: str
    content_type: str
    data: bytes = field(repr=False)


@dataclass(slots=True)
class FakeUser:
    """A Discord user, and their membership of the fake's guild when ``in_guild``."""

    id: int
    name: str
    roles: tuple[int, ...] = ()
    dms_open: bool = True
    global_name: str | None = None
    locale: str = "en-US"
    bot: bool = False
    in_guild: bool = True
    joined_at: str = field(default_factory=lambda: _iso_now())

    def to_json(self) -> Json:
        """The User object Discord sends."""
        user: Json = {
            "id": str(self.id),
            "username": self.name,
            "discriminator": "0",
            "global_name": self.global_name,
            "avatar": None,
            "avatar_decoration_data": None,
            "banner": None,
            "accent_color": None,
            "collectibles": None,
            "primary_guild": None,
            "public_flags": 0,
        }
        if self.bot:
            user["bot"] = True
            user["global_name"] = None
        return user


@dataclass(slots=True, eq=False)
class FakeMessage:
    """A message the bot made (in a channel, a DM, or an ephemeral one only one user sees)."""

    id: int
    channel_id: int
    author_id: int
    content: str = ""
    embeds: list[Json] = field(default_factory=list)
    components: list[Json] = field(default_factory=list)
    flags: int = 0
    type: int = 0
    guild_id: int | None = None
    attachments: list[Json] = field(default_factory=list)
    files: list[Upload] = field(default_factory=list, repr=False)
    tts: bool = False
    edits: int = 0
    deleted: bool = False
    interaction_id: int | None = None
    visible_to: int | None = None
    created_at: float = field(default_factory=time.monotonic)
    edited_at: float | None = None
    timestamp: str = field(default_factory=lambda: _iso_now(), repr=False)
    edited_timestamp: str | None = field(default=None, repr=False)
    author: Json = field(default_factory=dict, repr=False)
    extra: Json = field(default_factory=dict, repr=False)
    history: list[Json] = field(default_factory=list, repr=False)
    mentions: Mentions = field(default_factory=lambda: Mentions(), repr=False)

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL)

    @property
    def loading(self) -> bool:
        """Still the "is thinking..." message of a deferred interaction."""
        return bool(self.flags & LOADING)

    def to_json(self) -> Json:
        """The Message object Discord returns (a fresh copy each time)."""
        message: Json = {
            "type": self.type,
            "content": self.content,
            "mentions": [],
            "mention_roles": [],
            "attachments": copy.deepcopy(self.attachments),
            "embeds": copy.deepcopy(self.embeds),
            "timestamp": self.timestamp,
            "edited_timestamp": self.edited_timestamp,
            "flags": self.flags,
            "components": copy.deepcopy(self.components),
            "id": str(self.id),
            "channel_id": str(self.channel_id),
            "author": copy.deepcopy(self.author),
            "pinned": False,
            "mention_everyone": False,
            "tts": self.tts,
        }
        message.update(copy.deepcopy(self.extra))
        return message

    def walk(self) -> Iterator[Json]:
        """Every component, depth first (rows, their children, sections, accessories...)."""
        return _walk(self.components)

    def buttons(self) -> list[Json]:
        """The buttons as ``{"custom_id", "label", "style", "disabled"}`` (link buttons: no id)."""
        return [
            {
                "custom_id": c.get("custom_id"),
                "label": c.get("label"),
                "style": c.get("style"),
                "disabled": bool(c.get("disabled", False)),
            }
            for c in self.walk()
            if c.get("type") == BUTTON
        ]

    def selects(self) -> list[Json]:
        """The select menus as sent (type, custom_id, options, placeholder, min/max_values...)."""
        return [copy.deepcopy(c) for c in self.walk() if c.get("type") in SELECTS]

    def custom_ids(self) -> list[str]:
        """Every custom_id on the message, in order."""
        return [c["custom_id"] for c in self.walk() if isinstance(c.get("custom_id"), str)]

    def text(self) -> str:
        """Content, embed author/title/description/fields/footer and text displays, joined."""
        parts = [self.content] if self.content else []
        for embed in self.embeds:
            author = (embed.get("author") or {}).get("name")
            parts += [p for p in (author, embed.get("title"), embed.get("description")) if p]
            for item in embed.get("fields") or []:
                parts.append(f"{item.get('name', '')}: {item.get('value', '')}")
            footer = (embed.get("footer") or {}).get("text")
            if footer:
                parts.append(footer)
        parts += [c["content"] for c in self.walk() if c.get("type") == TEXT_DISPLAY]
        return "\n".join(str(p) for p in parts)


def _walk(components: Iterable[Any]) -> Iterator[Json]:
    for component in components:
        if not isinstance(component, dict):
            continue
        yield component
        yield from _walk(component.get("components") or [])
        for key in ("component", "accessory"):
            child = component.get(key)
            if isinstance(child, dict):
                yield from _walk([child])


class FakeInteraction:
    """One interaction the fake dispatched, and everything the bot answered to it.

    ``acked_at`` / ``ack_type`` / ``ack_body`` / ``ack_status`` describe the callback that
    acknowledged the interaction, or, while none has, the first attempt (a late one keeps
    ``ack_status`` 404); ``callbacks`` lists every attempt. ``original`` is the message
    ``@original`` names (the response, the loading message, or the component's message
    after type 6/7); ``followups`` are the follow-up messages in order; ``modal`` is the
    modal body of a type 9 answer and ``choices`` the list of a type 8 one.
    """

    def __init__(
        self,
        fake: FakeDiscord,
        *,
        interaction_id: int,
        token: str,
        type: int,
        user_id: int,
        channel_id: int,
        guild_id: int | None,
        data: Json,
        message: FakeMessage | None,
        name: str | None,
    ) -> None:
        self._fake = fake
        self.id = interaction_id
        self.token = token
        self.type = type
        self.user_id = user_id
        self.channel_id = channel_id
        self.guild_id = guild_id
        self.data = data
        self.message = message
        self.name = name
        self.payload: Json = {}
        self.dispatched_at = 0.0
        self.acked_at: float | None = None
        self.ack_type: int | None = None
        self.ack_body: Json | None = None
        self.ack_status: int | None = None
        self.acknowledged = False
        self.callbacks: list[CallbackAttempt] = []
        self.followups: list[FakeMessage] = []
        self.original: FakeMessage | None = None
        self.modal: Json | None = None
        self.choices: list[Json] | None = None
        self.shown: FakeMessage | None = None

    def __repr__(self) -> str:
        return (
            f"<FakeInteraction id={self.id} type={self.type} name={self.name!r}"
            f" ack_type={self.ack_type} ack_status={self.ack_status}>"
        )

    @property
    def ack_latency(self) -> float | None:
        """Seconds from dispatch to the acknowledging callback (None before any)."""
        return None if self.acked_at is None else self.acked_at - self.dispatched_at

    async def acked(self, timeout: float = 5.0) -> Self:  # noqa: ASYNC109
        """Wait for the first callback (whatever its status); returns self."""
        await self._fake.wait_for(lambda: self.callbacks, timeout=timeout)
        return self

    async def settled(self, timeout: float = 10.0) -> FakeMessage:  # noqa: ASYNC109
        """The message the user finally sees: a type 4/7 answer, or after a 5/6 defer the
        first edit of ``@original`` or the first follow-up. Fails at once when the callback
        was refused or answered with autocomplete choices or a modal."""

        def check() -> FakeMessage | None:
            if self.shown is not None:
                return self.shown
            if self.callbacks and not self.acknowledged:
                last = self.callbacks[-1]
                raise Hopeless(
                    f"interaction {self.id} ({self.name}) was never acknowledged: the callback"
                    f" got {last.status} {last.body}"
                )
            if self.acknowledged and self.ack_type in (AUTOCOMPLETE_RESULT, MODAL):
                raise Hopeless(
                    f"interaction {self.id} ({self.name}) was answered with callback type"
                    f" {self.ack_type}, which shows no message"
                )
            return None

        return await self._fake.wait_for(check, timeout=timeout)


# ----- gateway ------------------------------------------------------------------------------


def _zstd_stream() -> Callable[[bytes], bytes] | None:
    """A zstd stream compressor flushed per frame, from whichever module discord.py found."""
    try:
        zstd = importlib.import_module("compression.zstd")
    except ImportError:
        pass
    else:
        compressor = zstd.ZstdCompressor()
        flush_block = zstd.ZstdCompressor.FLUSH_BLOCK
        return lambda data: bytes(compressor.compress(data, mode=flush_block))
    try:
        zstandard = importlib.import_module("zstandard")
    except ImportError:
        return None
    stream = zstandard.ZstdCompressor().compressobj()
    flush = zstandard.COMPRESSOBJ_FLUSH_BLOCK
    return lambda data: bytes(stream.compress(data) + stream.flush(flush))


class _Connection:
    """One websocket; frames go out compressed the way its query asked, one at a time."""

    def __init__(self, ws: web.WebSocketResponse, compress: str | None) -> None:
        self.ws = ws
        self.compress = compress
        self._zlib = zlib.compressobj() if compress == "zlib-stream" else None
        self._zstd = _zstd_stream() if compress == "zstd-stream" else None
        self.lock = asyncio.Lock()
        self.session: _Session | None = None
        self.ready = False
        self.closed_by_server = False

    async def send(self, payload: Json) -> bool:
        """Send one payload; False when the socket is gone."""
        text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
        async with self.lock:
            if self.ws.closed:
                return False
            try:
                if self._zlib is not None:
                    data = self._zlib.compress(text.encode()) + self._zlib.flush(zlib.Z_SYNC_FLUSH)
                    await self.ws.send_bytes(data)
                elif self._zstd is not None:
                    await self.ws.send_bytes(self._zstd(text.encode()))
                else:
                    await self.ws.send_str(text)
            except (ConnectionError, RuntimeError):
                return False
        return True

    async def close(self, code: int, reason: str = "") -> None:
        with contextlib.suppress(ConnectionError, RuntimeError):
            await self.ws.close(
                code=code, message=(reason or _CLOSE_REASONS.get(code, "")).encode()
            )


@dataclass(eq=False)
class _Session:
    """A gateway session: its sequence, every dispatch it got (to replay) and its socket."""

    session_id: str
    intents: int
    shard: tuple[int, int] | None
    seq: int = 0
    history: list[Json] = field(default_factory=list)
    conn: _Connection | None = None
    identified: bool = False
    dropped: bool = False
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def live(self) -> bool:
        conn = self.conn
        return conn is not None and conn.ready and not conn.ws.closed


# ----- REST plumbing ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Route:
    method: str
    template: str
    pattern: re.Pattern[str]
    handler: Callable[[_Call], Awaitable[Any]]
    auth: bool


@dataclass(slots=True)
class _Call:
    """One REST request as the handlers see it."""

    request: web.Request
    route: _Route
    params: dict[str, str]
    at: float
    body: Any = None
    files: list[Upload] = field(default_factory=list)

    @property
    def where(self) -> str:
        return f"{self.route.method} {self.route.template}"

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.request.query.get(name)
        if value is None:
            return default
        return value.lower() in ("1", "true", "yes")


@dataclass(frozen=True, slots=True)
class _Reply:
    status: int
    body: Any = None


@dataclass(frozen=True, slots=True)
class _Limit(Forced):
    """A 429 ``rate_limit`` queued: for the whole bot (global) or one route's bucket."""

    is_global: bool = False


# ----- the fake -----------------------------------------------------------------------------


class FakeDiscord(FakeServer):
    """A Discord gateway + REST look-alike on a free port of 127.0.0.1; see the module doc."""

    max_body_size = 64 * 1024 * 1024

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        application_id: int = DEFAULT_APPLICATION_ID,
        guild_id: int = DEFAULT_GUILD_ID,
        channel_id: int = DEFAULT_CHANNEL_ID,
        owner_id: int = DEFAULT_OWNER_ID,
        guild_name: str = "Requests",
        bot_name: str = "requestbot",
        application_flags: int = (1 << 15) | (1 << 19) | (1 << 23),
    ) -> None:
        super().__init__()
        self.token = token
        self.application_id = application_id
        self.guild_id = guild_id
        self.default_channel_id = channel_id
        self.owner_id = owner_id
        self.guild_name = guild_name
        self.application_flags = application_flags
        self.guild_locale = "en-US"
        self.ack_deadline = 3.0
        self.followup_window = 15 * 60.0
        self.heartbeat_interval = 41_250
        self.bucket_limit = 50
        self.bucket_window = 1.0
        self.allowed_intents = PRIVILEGED_INTENTS
        self.violations: list[str] = []
        self.interactions: list[FakeInteraction] = []
        self.rate_limit_hits: list[RateLimitHit] = []
        self.sent: list[SentMessage] = []
        self.gateway_queries: list[dict[str, str]] = []
        self.identify_count = 0
        self.resume_count = 0
        self.heartbeat_count = 0
        self._last_id = 0
        self.bot = FakeUser(application_id, bot_name, bot=True)
        self._bot_role_id = self._snowflake()
        self._users: dict[int, FakeUser] = {}
        self._roles: dict[int, Json] = {}
        self._channels: dict[int, Json] = {}
        self._dm_channels: dict[int, int] = {}  # user id -> DM channel id
        self._messages: dict[int, FakeMessage] = {}
        self._by_channel: dict[int, list[FakeMessage]] = {}
        self._by_id: dict[int, FakeInteraction] = {}
        self._by_token: dict[str, FakeInteraction] = {}
        self._commands: dict[int | None, list[Json]] = {}
        self._stalls: list[Stall] = []
        self._buckets: dict[str, deque[float]] = {}
        self._sessions: dict[str, _Session] = {}
        self._connections: set[_Connection] = set()
        self._routes = self._make_routes()
        self.bot.roles = (self._bot_role_id,)
        self.bot.joined_at = _iso_now()
        self._add_role_json(guild_id, "@everyone", EVERYONE_PERMISSIONS, position=0)
        bot_role = self._add_role_json(self._bot_role_id, bot_name, BOT_PERMISSIONS, position=1)
        bot_role["managed"] = True
        bot_role["tags"] = {"bot_id": str(application_id)}
        self.add_channel(channel_id, "general")

    # ----- lifetime ---------------------------------------------------------------------

    def _add_routes(self, router: web.UrlDispatcher) -> None:
        router.add_get("/", self._gateway)
        router.add_route("*", r"/api/v{version:\d+}/{tail:.*}", self._rest)

    def _seen_path(self, request: web.Request) -> str | None:
        """REST requests are recorded by their path after ``/api/v10``; the gateway is not."""
        tail = request.match_info.get("tail")
        return None if tail is None else "/" + tail

    async def stop(self) -> None:
        """Close every gateway connection (1001) and stop listening."""
        for stall in self._stalls:
            stall.end()
        for conn in list(self._connections):
            conn.ready, conn.closed_by_server = False, True
            await conn.close(1001, "Going away")
        await super().stop()

    @property
    def api_base(self) -> str:
        """What ``discord.http.Route.BASE`` should be: ``http://127.0.0.1:PORT/api/v10``."""
        return f"{self.origin}/api/v{API_VERSION}"

    @property
    def gateway_url(self) -> str:
        """What ``DiscordWebSocket.DEFAULT_GATEWAY`` should be: ``ws://127.0.0.1:PORT/``."""
        return f"ws://{HOST}:{self.port}/"

    @property
    def bot_user_id(self) -> int:
        return self.bot.id

    # ----- the guild --------------------------------------------------------------------

    def add_role(
        self, role_id: int, name: str, *, permissions: int = 0, position: int | None = None
    ) -> Json:
        """Add (or replace) a role; returns its Role JSON."""
        assert role_id != self.guild_id, "the @everyone role exists already (id == guild id)"
        return self._add_role_json(role_id, name, permissions, position=position)

    def add_channel(self, channel_id: int, name: str, *, topic: str | None = None) -> Json:
        """Add (or replace) a guild text channel; returns its Channel JSON."""
        position = sum(1 for c in self._channels.values() if c.get("guild_id"))
        channel: Json = {
            "id": str(channel_id),
            "type": 0,
            "guild_id": str(self.guild_id),
            "name": name,
            "position": position,
            "permission_overwrites": [],
            "parent_id": None,
            "topic": topic,
            "nsfw": False,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "flags": 0,
        }
        self._channels[channel_id] = channel
        return channel

    def add_user(
        self,
        user_id: int,
        name: str,
        *,
        roles: Iterable[int] = (),
        dms_open: bool = True,
        global_name: str | None = None,
        locale: str = "en-US",
        in_guild: bool = True,
    ) -> FakeUser:
        """Add (or replace) a user, a member of the guild unless ``in_guild=False``."""
        role_ids = tuple(roles)
        for role_id in role_ids:
            assert role_id in self._roles, f"unknown role {role_id}: add_role() it first"
        user = FakeUser(
            user_id,
            name,
            roles=role_ids,
            dms_open=dms_open,
            global_name=global_name if global_name is not None else name.title(),
            locale=locale,
            in_guild=in_guild,
        )
        self._users[user_id] = user
        return user

    def user(self, user_id: int) -> FakeUser:
        """A user added (or the bot); AssertionError when unknown."""
        found = self._find_user(user_id)
        assert found is not None, f"unknown user {user_id}: add_user() them first"
        return found

    # ----- observing --------------------------------------------------------------------

    def message(self, message_id: int) -> FakeMessage:
        """Any message the bot made (deleted ones too); AssertionError when unknown."""
        found = self._messages.get(message_id)
        assert found is not None, f"the bot made no message {message_id}"
        return found

    def channel_messages(
        self, channel_id: int, *, include_ephemeral: bool = True, include_deleted: bool = False
    ) -> list[FakeMessage]:
        """The bot's messages in a channel, oldest first."""
        return [
            m
            for m in self._by_channel.get(channel_id, [])
            if (include_deleted or not m.deleted) and (include_ephemeral or not m.ephemeral)
        ]

    def dms(self, user_id: int, *, include_deleted: bool = False) -> list[FakeMessage]:
        """The bot's messages in its DM channel with the user, oldest first."""
        channel_id = self._dm_channels.get(user_id)
        if channel_id is None:
            return []
        return self.channel_messages(channel_id, include_deleted=include_deleted)

    def dm_channel_id(self, user_id: int) -> int:
        """The DM channel with the user (opened now if the bot has not opened it)."""
        return int(self._open_dm(self.user(user_id))["id"])

    def commands(self, guild_id: int | None = None) -> list[Json]:
        """The commands synced globally (None) or to a guild, as Discord stored them."""
        return copy.deepcopy(self._commands.get(guild_id, []))

    def interaction(self, interaction_id: int) -> FakeInteraction:
        found = self._by_id.get(interaction_id)
        assert found is not None, f"no interaction {interaction_id}"
        return found

    @property
    def live_sessions(self) -> int:
        """How many gateway sessions are connected and past READY (or RESUMED)."""
        return sum(1 for s in self._sessions.values() if s.live)

    # ----- waiting ----------------------------------------------------------------------

    async def wait_ready(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Wait until a client has a live session: READY and GUILD_CREATE (or RESUMED) sent.

        discord.py handles frames in order, so anything dispatched afterwards reaches the bot
        after its guild. Its own ``on_ready`` comes ``guild_ready_timeout`` (2 s unless the
        Client is given less) after GUILD_CREATE."""
        await self.wait_for(lambda: self.live_sessions, timeout=timeout)

    def dump(self) -> str:
        """The recent state, for failure messages."""
        lines = [f"live gateway sessions: {self.live_sessions} of {len(self._sessions)}"]
        lines.append(super()._report())
        lines.append(f"violations: {self.violations or 'none'}")
        for ix in self.interactions[-5:]:
            lines.append(
                f"  interaction {ix.id} type {ix.type} {ix.name!r}: ack {ix.ack_type}"
                f" status {ix.ack_status}, {len(ix.followups)} follow-up(s)"
            )
        return "\n".join(lines)

    def _report(self) -> str:
        return self.dump()

    # ----- knobs ------------------------------------------------------------------------

    def rate_limit(
        self,
        method: str,
        path_regex: str,
        retry_after: float = 0.3,
        times: int = 1,
        *,
        is_global: bool = False,
    ) -> None:
        """Answer the next ``times`` matching requests with 429 and ``retry_after`` seconds."""
        matches = _route_matcher(method, path_regex)
        self._force(times, _Limit(429, retry_after, matches=matches, is_global=is_global))

    def stall(self, method: str, path_regex: str, times: int = 1) -> Stall:
        """Hold the next ``times`` matching requests (``re.search`` on the path after
        ``/api/v10``, method ``"*"`` for any) without applying them; see ``Stall``."""
        stall = Stall(method.upper(), re.compile(path_regex), times)
        self._stalls.append(stall)
        return stall

    async def disconnect_all(self, code: int = 4000, *, invalidate: bool = False) -> int:
        """Close every gateway connection with ``code``; sessions stay resumable unless
        ``invalidate`` (then RESUME gets op 9 and the client identifies again). Returns how
        many connections were closed."""
        conns = list(self._connections)
        for conn in conns:
            conn.ready, conn.closed_by_server = False, True
            session = conn.session
            if session is not None:
                if session.conn is conn:
                    session.conn = None
                if invalidate:
                    self._drop(session)
        for conn in conns:
            await conn.close(code, "Disconnected by the test")
        self._bump()
        return len(conns)

    # ----- driving interactions ---------------------------------------------------------

    async def slash(
        self,
        user_id: int,
        name: str,
        *,
        subcommand: str | Sequence[str] | None = None,
        options: Mapping[str, object] | None = None,
        channel_id: int | None = None,
        guild: bool = True,
    ) -> FakeInteraction:
        """The user runs ``/name [group] [subcommand] options...``; type 2."""
        user = self.user(user_id)
        command, command_guild = self._find_command(name, guild)
        path = _path(subcommand)
        built, resolved = self._command_options(
            name, command, path, dict(options or {}), user_guild=guild, focused=None
        )
        data: Json = {"id": self._command_id(command), "name": name, "type": 1}
        if command_guild is not None:
            data["guild_id"] = str(command_guild)
        if built:
            data["options"] = built
        if resolved:
            data["resolved"] = resolved
        label = " ".join([name, *path])
        return await self._interact(APPLICATION_COMMAND, user, data, channel_id, guild, None, label)

    async def autocomplete(
        self,
        user_id: int,
        name: str,
        *,
        subcommand: str | Sequence[str] | None = None,
        focused: str,
        value: str = "",
        options: Mapping[str, object] | None = None,
        channel_id: int | None = None,
        guild: bool = True,
    ) -> FakeInteraction:
        """The user types ``value`` into option ``focused`` of a command; type 4."""
        user = self.user(user_id)
        command, command_guild = self._find_command(name, guild)
        path = _path(subcommand)
        built, resolved = self._command_options(
            name,
            command,
            path,
            dict(options or {}),
            user_guild=guild,
            focused=(focused, value),
        )
        data: Json = {"id": self._command_id(command), "name": name, "type": 1, "options": built}
        if command_guild is not None:
            data["guild_id"] = str(command_guild)
        if resolved:
            data["resolved"] = resolved
        label = " ".join([name, *path]) + f" ({focused} autocomplete)"
        return await self._interact(AUTOCOMPLETE, user, data, channel_id, guild, None, label)

    async def click(
        self, user_id: int, message: FakeMessage | int, custom_id: str
    ) -> FakeInteraction:
        """The user presses the button with ``custom_id`` on the message; type 3."""
        user = self.user(user_id)
        target = self._clickable(user, message)
        button = _component(target, custom_id)
        if button is None or button.get("type") != BUTTON:
            raise AssertionError(
                f"no button {custom_id!r} on message {target.id}; its custom ids:"
                f" {target.custom_ids()}"
            )
        assert not button.get("disabled"), f"button {custom_id!r} is disabled"
        data: Json = {"custom_id": custom_id, "component_type": BUTTON, "id": button.get("id")}
        return await self._component_interaction(user, target, data, f"click {custom_id}")

    async def select(
        self, user_id: int, message: FakeMessage | int, custom_id: str, values: Sequence[str]
    ) -> FakeInteraction:
        """The user picks ``values`` in the select menu with ``custom_id``; type 3."""
        user = self.user(user_id)
        target = self._clickable(user, message)
        menu = _component(target, custom_id)
        if menu is None or menu.get("type") not in SELECTS:
            raise AssertionError(
                f"no select {custom_id!r} on message {target.id}; its custom ids:"
                f" {target.custom_ids()}"
            )
        assert not menu.get("disabled"), f"select {custom_id!r} is disabled"
        picked = [str(v) for v in values]
        low, high = menu.get("min_values", 1), menu.get("max_values", 1)
        assert low <= len(picked) <= high, (
            f"select {custom_id!r} takes {low} to {high} values, not {len(picked)}"
        )
        data: Json = {
            "custom_id": custom_id,
            "component_type": menu["type"],
            "values": picked,
            "id": menu.get("id"),
        }
        if menu["type"] == STRING_SELECT:
            offered = [o.get("value") for o in menu.get("options", [])]
            strays = [v for v in picked if v not in offered]
            assert not strays, f"select {custom_id!r} offers {offered}, not {strays}"
        else:
            data["resolved"] = self._resolve_select(menu["type"], picked, target.guild_id)
        return await self._component_interaction(user, target, data, f"select {custom_id}")

    async def submit_modal(
        self,
        user_id: int,
        modal: FakeInteraction | str,
        values: Mapping[str, str | Sequence[str]],
        *,
        message: FakeMessage | int | None = None,
        channel_id: int | None = None,
        guild: bool = True,
    ) -> FakeInteraction:
        """The user fills in and submits a modal; type 5.

        ``modal`` is the interaction the bot answered with it (type 9), or its custom_id (the
        latest modal with that id; with none, ``values`` become text inputs in rows of their
        own). The submitted components echo the modal's layout as Discord does: action rows
        ``{"type": 1, "components": [{"type": 4, "custom_id", "value"}]}`` and labels
        ``{"type": 18, "component": {...}}``, selects in labels with ``values``. The message
        of a modal opened from a component comes along unless ``message`` says otherwise."""
        user = self.user(user_id)
        source = modal if isinstance(modal, FakeInteraction) else self._modal_source(modal)
        channel: int | None
        if source is not None:
            if source.modal is None or not source.acknowledged:
                raise AssertionError(
                    f"interaction {source.id} was not answered with a modal (ack_type"
                    f" {source.ack_type}, status {source.ack_status})"
                )
            body = source.modal
            channel = source.channel_id if channel_id is None else channel_id
            in_guild = source.guild_id is not None
            if message is None and source.message is not None:
                message = source.message
        else:
            assert isinstance(modal, str)
            rows = [
                {"type": ACTION_ROW, "components": [{"type": TEXT_INPUT, "custom_id": key}]}
                for key in values
            ]
            body = {"custom_id": modal, "title": modal, "components": rows}
            channel, in_guild = channel_id, guild
        unused = set(values)
        echoed = [_echo(c, values, unused) for c in body.get("components", [])]
        assert not unused, f"the modal has no field {sorted(unused)}"
        data: Json = {"custom_id": body["custom_id"], "components": echoed}
        target = None if message is None else self._current(message)
        label = f"modal {body['custom_id']}"
        return await self._interact(MODAL_SUBMIT, user, data, channel, in_guild, target, label)

    # ----- building interactions --------------------------------------------------------

    async def _component_interaction(
        self, user: FakeUser, target: FakeMessage, data: Json, label: str
    ) -> FakeInteraction:
        in_guild = target.guild_id is not None
        return await self._interact(
            MESSAGE_COMPONENT, user, data, target.channel_id, in_guild, target, label
        )

    async def _interact(
        self,
        kind: int,
        user: FakeUser,
        data: Json,
        channel_id: int | None,
        guild: bool,
        message: FakeMessage | None,
        label: str,
    ) -> FakeInteraction:
        if guild:
            assert user.in_guild, f"user {user.id} is not a member of the guild"
            channel = self.default_channel_id if channel_id is None else channel_id
            assert self._guild_channel(channel) is not None, f"unknown guild channel {channel}"
        else:
            channel = self.dm_channel_id(user.id) if channel_id is None else channel_id
        ix = FakeInteraction(
            self,
            interaction_id=self._snowflake(),
            token=_interaction_token(),
            type=kind,
            user_id=user.id,
            channel_id=channel,
            guild_id=self.guild_id if guild else None,
            data=data,
            message=message,
            name=label,
        )
        ix.payload = self._interaction_payload(ix, user)
        if not self.live_sessions:
            await self.wait_ready(timeout=5.0)
        self.interactions.append(ix)
        self._by_id[ix.id] = ix
        self._by_token[ix.token] = ix
        ix.dispatched_at = time.monotonic()
        await self._broadcast("INTERACTION_CREATE", ix.payload)
        self._bump()
        return ix

    def _interaction_payload(self, ix: FakeInteraction, user: FakeUser) -> Json:
        payload: Json = {
            "id": str(ix.id),
            "application_id": str(self.application_id),
            "type": ix.type,
            "data": ix.data,
            "token": ix.token,
            "version": 1,
            "locale": user.locale,
            "entitlements": [],
            "authorizing_integration_owners": {
                "0": str(ix.guild_id) if ix.guild_id is not None else "0"
            },
            "context": 0 if ix.guild_id is not None else 1,
            "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
            "channel_id": str(ix.channel_id),
        }
        if ix.guild_id is not None:
            member = self._member_json(user)
            member["permissions"] = str(self._permissions(user))
            channel = dict(self._guild_channel(ix.channel_id) or {})
            channel["permissions"] = member["permissions"]
            payload |= {
                "guild_id": str(ix.guild_id),
                "guild": {"id": str(ix.guild_id), "locale": self.guild_locale, "features": []},
                "guild_locale": self.guild_locale,
                "member": member,
                "channel": channel,
                "app_permissions": str(self._permissions(self.bot)),
            }
        else:
            payload |= {
                "user": user.to_json(),
                "channel": self._open_dm(user),
                "app_permissions": str(BOT_PERMISSIONS),
            }
        if ix.message is not None:
            payload["message"] = ix.message.to_json()
        return payload

    def _find_command(self, name: str, guild: bool) -> tuple[Json | None, int | None]:
        """The synced command ``name`` and the guild it belongs to (None: global)."""
        if guild:
            for command in self._commands.get(self.guild_id, []):
                if command["name"] == name and command.get("type", 1) == 1:
                    return command, self.guild_id
        for command in self._commands.get(None, []):
            if command["name"] == name and command.get("type", 1) == 1:
                return command, None
        return None, None

    def _command_id(self, command: Json | None) -> str:
        return command["id"] if command is not None else str(self._snowflake())

    def _command_options(
        self,
        name: str,
        command: Json | None,
        path: list[str],
        given: dict[str, object],
        *,
        user_guild: bool,
        focused: tuple[str, str] | None,
    ) -> tuple[list[Json], Json]:
        """The ``options`` tree of a command interaction, and its ``resolved`` data."""
        defs: list[Json] | None = None if command is None else command.get("options") or []
        chain: list[Json] = []
        where = f"/{name}"
        for depth, part in enumerate(path):
            found = _option(defs, part)
            nested = (SUB_COMMAND, SUB_COMMAND_GROUP)
            if defs is not None and (found is None or found["type"] not in nested):
                raise AssertionError(
                    f"{where} has no subcommand {part!r}; it has {[d['name'] for d in defs]}"
                )
            leaf = depth == len(path) - 1
            kind = found["type"] if found is not None else (SUB_COMMAND if leaf else 2)
            chain.append({"name": part, "type": kind})
            defs = None if found is None else found.get("options") or []
            where += f" {part}"
        if defs is not None and focused is None:
            subs = [d["name"] for d in defs if d["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP)]
            assert not subs, f"{where} needs a subcommand: one of {subs}"
        resolved: Json = {}
        built: list[Json] = []
        for option_name, value in given.items():
            definition = _option(defs, option_name)
            if defs is not None:
                assert definition is not None, (
                    f"{where} has no option {option_name!r}; it has {[d['name'] for d in defs]}"
                )
            kind = definition["type"] if definition is not None else _infer_type(value)
            check = focused is None
            built.append(
                self._option_value(option_name, kind, value, definition, resolved, check, where)
            )
        if focused is not None:
            focused_name, typed = focused
            definition = _option(defs, focused_name)
            if defs is not None:
                assert definition is not None, f"{where} has no option {focused_name!r}"
            kind = definition["type"] if definition is not None else STRING
            built = [o for o in built if o["name"] != focused_name]
            built.append({"name": focused_name, "type": kind, "value": typed, "focused": True})
        elif defs is not None:
            missing = [d["name"] for d in defs if d.get("required") and d["name"] not in given]
            assert not missing, f"{where} requires {missing}"
        if not user_guild:
            resolved.pop("members", None)
        options = built
        for link in reversed(chain):
            options = [{**link, "options": options}]
        return options, resolved

    def _option_value(
        self,
        name: str,
        kind: int,
        value: object,
        definition: Json | None,
        resolved: Json,
        check: bool,
        where: str,
    ) -> Json:
        option: Json = {"name": name, "type": kind}
        if kind in (USER, CHANNEL, ROLE, MENTIONABLE):
            raw = value.id if isinstance(value, FakeUser) else value
            snowflake = int(str(raw))
            option["value"] = str(snowflake)
            self._resolve_option(kind, snowflake, resolved)
            return option
        if kind == INTEGER:
            option["value"] = int(value)  # type: ignore[call-overload]
        elif kind == NUMBER:
            option["value"] = float(value)  # type: ignore[arg-type]
        elif kind == BOOLEAN:
            option["value"] = bool(value)
        elif kind == STRING:
            option["value"] = str(value)
        else:
            raise AssertionError(f"{where}: option type {kind} is not supported by the fake")
        if check and definition is not None:
            _check_option_input(where, definition, option["value"])
        return option

    def _resolve_option(self, kind: int, snowflake: int, resolved: Json) -> None:
        if kind in (USER, MENTIONABLE) and self._find_user(snowflake) is not None:
            user = self.user(snowflake)
            resolved.setdefault("users", {})[str(snowflake)] = user.to_json()
            if user.in_guild:
                member = self._member_json(user, with_user=False)
                member["permissions"] = str(self._permissions(user))
                resolved.setdefault("members", {})[str(snowflake)] = member
        elif kind in (ROLE, MENTIONABLE) and snowflake in self._roles:
            resolved.setdefault("roles", {})[str(snowflake)] = copy.deepcopy(self._roles[snowflake])
        elif kind == CHANNEL and snowflake in self._channels:
            channel = self._channels[snowflake]
            resolved.setdefault("channels", {})[str(snowflake)] = {
                "id": channel["id"],
                "name": channel.get("name"),
                "type": channel["type"],
                "permissions": str(BOT_PERMISSIONS),
                "flags": 0,
            }
        else:
            raise AssertionError(f"nothing to resolve for option type {kind} and id {snowflake}")

    def _resolve_select(self, kind: int, picked: list[str], guild_id: int | None) -> Json:
        resolved: Json = {}
        option_kind = {5: USER, 6: ROLE, 7: MENTIONABLE, 8: CHANNEL}[kind]
        for value in picked:
            self._resolve_option(option_kind, int(value), resolved)
        if guild_id is None:
            resolved.pop("members", None)
        return resolved

    def _clickable(self, user: FakeUser, message: FakeMessage | int) -> FakeMessage:
        target = self._current(message)
        if target.visible_to is not None:
            assert target.visible_to == user.id, (
                f"message {target.id} is ephemeral: only user {target.visible_to} sees it"
            )
        return target

    def _current(self, message: FakeMessage | int) -> FakeMessage:
        message_id = message.id if isinstance(message, FakeMessage) else message
        found = self._messages.get(message_id)
        if found is None or found.deleted:
            raise AssertionError(f"no current message {message_id}")
        return found

    def _modal_source(self, custom_id: str) -> FakeInteraction | None:
        for ix in reversed(self.interactions):
            if ix.modal is not None and ix.modal.get("custom_id") == custom_id:
                return ix
        return None

    # ----- guild data -------------------------------------------------------------------

    def _snowflake(self) -> int:
        """A fresh snowflake with the current time in it, always larger than the last."""
        now_ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        candidate = (now_ms << 22) | (1 << 17)
        self._last_id = max(candidate, self._last_id + 1)
        return self._last_id

    def _add_role_json(
        self, role_id: int, name: str, permissions: int, *, position: int | None
    ) -> Json:
        role: Json = {
            "id": str(role_id),
            "name": name,
            "description": None,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": len(self._roles) if position is None else position,
            "permissions": str(permissions),
            "managed": False,
            "mentionable": False,
            "flags": 0,
        }
        self._roles[role_id] = role
        return role

    def _find_user(self, user_id: int) -> FakeUser | None:
        if user_id == self.bot.id:
            return self.bot
        return self._users.get(user_id)

    def _permissions(self, user: FakeUser) -> int:
        if user.id == self.owner_id:
            return ALL_PERMISSIONS
        total = int(self._roles[self.guild_id]["permissions"])
        for role_id in user.roles:
            role = self._roles.get(role_id)
            if role is not None:
                total |= int(role["permissions"])
        return ALL_PERMISSIONS if total & ADMINISTRATOR else total

    def _member_json(self, user: FakeUser, *, with_user: bool = True) -> Json:
        member: Json = {
            "avatar": None,
            "banner": None,
            "communication_disabled_until": None,
            "deaf": False,
            "flags": 0,
            "joined_at": user.joined_at,
            "mute": False,
            "nick": None,
            "pending": False,
            "premium_since": None,
            "roles": [str(r) for r in user.roles],
            "unusual_dm_activity_until": None,
        }
        if with_user:
            member["user"] = user.to_json()
        return member

    def _members(self) -> list[FakeUser]:
        return [self.bot, *(u for u in self._users.values() if u.in_guild)]

    def _guild_channel(self, channel_id: int) -> Json | None:
        channel = self._channels.get(channel_id)
        return channel if channel is not None and channel["type"] == 0 else None

    def _open_dm(self, user: FakeUser) -> Json:
        channel_id = self._dm_channels.get(user.id)
        if channel_id is None:
            channel_id = self._snowflake()
            self._dm_channels[user.id] = channel_id
            self._channels[channel_id] = {
                "id": str(channel_id),
                "type": 1,
                "last_message_id": None,
                "flags": 0,
                "recipients": [user.to_json()],
            }
        return copy.deepcopy(self._channels[channel_id])

    def _dm_recipient(self, channel_id: int) -> FakeUser | None:
        for user_id, dm_id in self._dm_channels.items():
            if dm_id == channel_id:
                return self._find_user(user_id)
        return None

    def _guild_json(self) -> Json:
        system_channel = next(iter(self._channels.values()), None)
        return {
            "id": str(self.guild_id),
            "name": self.guild_name,
            "icon": None,
            "icon_hash": None,
            "splash": None,
            "discovery_splash": None,
            "owner_id": str(self.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "widget_enabled": False,
            "verification_level": 1,
            "default_message_notifications": 1,
            "explicit_content_filter": 0,
            "roles": copy.deepcopy(list(self._roles.values())),
            "emojis": [],
            "features": [],
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": system_channel["id"] if system_channel else None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "max_presences": None,
            "max_members": 500000,
            "vanity_url_code": None,
            "description": None,
            "banner": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": self.guild_locale,
            "public_updates_channel_id": None,
            "max_video_channel_users": 25,
            "max_stage_video_channel_users": 50,
            "nsfw_level": 0,
            "stickers": [],
            "premium_progress_bar_enabled": False,
            "safety_alerts_channel_id": None,
            "incidents_data": None,
        }

    def _guild_create(self, session: _Session) -> Json:
        members = self._members()
        shown = members if session.intents & (GUILD_MEMBERS | GUILD_PRESENCES) else [self.bot]
        channels = []
        for channel in self._channels.values():
            if channel["type"] == 0:
                channels.append({k: v for k, v in channel.items() if k != "guild_id"})
        return {
            **self._guild_json(),
            "joined_at": self.bot.joined_at,
            "large": False,
            "unavailable": False,
            "member_count": len(members),
            "voice_states": [],
            "members": [self._member_json(u) for u in shown],
            "channels": channels,
            "threads": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "embedded_activities": [],
            "lazy": True,
        }

    def _bot_user_json(self) -> Json:
        user = self.bot.to_json()
        user |= {"verified": True, "mfa_enabled": False, "flags": 0, "email": None}
        user |= {"locale": "en-US", "premium_type": 0}
        return user

    def _application_json(self) -> Json:
        owner = FakeUser(self.owner_id, "owner", global_name="Owner").to_json()
        return {
            "id": str(self.application_id),
            "name": self.bot.name,
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "is_monetized": False,
            "is_verified": False,
            "is_discoverable": False,
            "hook": True,
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": hashlib.sha256(self.token.encode()).hexdigest(),
            "owner": owner,
            "team": None,
            "flags": self.application_flags,
            "bot": self.bot.to_json(),
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "role_connections_verification_url": None,
            "tags": [],
            "integration_types_config": {"0": {}},
            "approximate_guild_count": 1,
        }

    # ----- gateway ----------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        if not ws.can_prepare(request).ok:
            return _json_response({"message": "400: Bad Request", "code": 0}, 400, {})
        await ws.prepare(request)
        self.gateway_queries.append(dict(request.query))
        compress = request.query.get("compress")
        conn = _Connection(ws, compress)
        self._connections.add(conn)
        try:
            version = request.query.get("v", str(API_VERSION))
            if version not in ("9", "10"):
                await conn.close(4012)
            elif request.query.get("encoding", "json") != "json":
                await conn.close(4002, "The fake speaks JSON only.")
            elif compress not in (None, "zlib-stream") and conn._zstd is None:
                await conn.close(4000, f"Unsupported compression {compress}.")
            else:
                hello = {"heartbeat_interval": self.heartbeat_interval, "_trace": _TRACE}
                await conn.send({"op": 10, "d": hello, "s": None, "t": None})
                async for msg in ws:
                    if msg.type is WSMsgType.TEXT:
                        await self._on_frame(conn, msg.data)
                    elif msg.type is WSMsgType.BINARY:
                        await conn.close(4002)
                    else:
                        break
        finally:
            self._forget(conn)
        return ws

    def _forget(self, conn: _Connection) -> None:
        self._connections.discard(conn)
        conn.ready = False
        session = conn.session
        if session is not None and session.conn is conn:
            session.conn = None
            if not conn.closed_by_server and conn.ws.close_code in (1000, 1001):
                self._drop(session)  # a client's clean close ends its session, as on Discord
        self._bump()

    def _drop(self, session: _Session) -> None:
        session.dropped = True
        self._sessions.pop(session.session_id, None)

    async def _on_frame(self, conn: _Connection, text: str) -> None:
        try:
            frame = json.loads(text)
            op = frame["op"]
        except (ValueError, KeyError, TypeError):
            await conn.close(4002)
            return
        data = frame.get("d")
        if op == 1:
            self.heartbeat_count += 1
            await conn.send({"op": 11, "d": None, "s": None, "t": None})
        elif op == 2:
            await self._identify(conn, data if isinstance(data, dict) else {})
        elif op == 6:
            await self._resume(conn, data if isinstance(data, dict) else {})
        elif op in (3, 4, 8):
            if conn.session is None:
                await conn.close(4003)
            elif op == 8:
                await self._members_chunk(conn.session, data if isinstance(data, dict) else {})
        else:
            await conn.close(4001)
        self._bump()

    async def _identify(self, conn: _Connection, data: Json) -> None:
        if conn.session is not None:
            await conn.close(4005)
            return
        if data.get("token") != self.token:
            await conn.close(4004)
            return
        intents = data.get("intents")
        if not isinstance(intents, int) or isinstance(intents, bool) or intents < 0:
            await conn.close(4013)
            return
        if intents & PRIVILEGED_INTENTS & ~self.allowed_intents:
            await conn.close(4014)
            return
        raw_shard = data.get("shard")
        shard = (int(raw_shard[0]), int(raw_shard[1])) if raw_shard else None
        session = _Session(secrets.token_hex(16), intents, shard)
        self._sessions[session.session_id] = session
        conn.session, session.conn = session, conn
        self.identify_count += 1
        in_shard = shard is None or (self.guild_id >> 22) % shard[1] == shard[0]
        ready: Json = {
            "v": API_VERSION,
            "user_settings": {},
            "user": self._bot_user_json(),
            "session_type": "normal",
            "session_id": session.session_id,
            "resume_gateway_url": self.gateway_url,
            "relationships": [],
            "private_channels": [],
            "presences": [],
            "guilds": [{"id": str(self.guild_id), "unavailable": True}] if in_shard else [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": ["fake-local"],
            "application": {"id": str(self.application_id), "flags": self.application_flags},
            "auth": {},
            "_trace": _TRACE,
        }
        if shard is not None:
            ready["shard"] = list(shard)
        await self._emit(session, "READY", ready)
        if in_shard:
            await self._emit(session, "GUILD_CREATE", self._guild_create(session))
        session.identified = True
        conn.ready = True

    async def _resume(self, conn: _Connection, data: Json) -> None:
        if data.get("token") != self.token:
            await conn.close(4004)
            return
        session = self._sessions.get(str(data.get("session_id")))
        if session is None or session.dropped:
            await conn.send({"op": 9, "d": False, "s": None, "t": None})
            return
        seq = data.get("seq") or 0
        async with session.lock:
            old = session.conn
            session.conn, conn.session = conn, session
            for frame in session.history:
                if frame["s"] > seq:
                    await conn.send(frame)
            session.seq += 1
            resumed = {"op": 0, "t": "RESUMED", "s": session.seq, "d": {"_trace": _TRACE}}
            session.history.append(resumed)
            await conn.send(resumed)
            conn.ready = True
        self.resume_count += 1
        if old is not None and old is not conn:
            old.ready, old.closed_by_server = False, True
            await old.close(4000, "Session resumed elsewhere")

    async def _members_chunk(self, session: _Session, data: Json) -> None:
        wanted = {int(u) for u in data.get("user_ids") or []}
        query = str(data.get("query") or "").lower()
        limit = int(data.get("limit") or 0) or 1000
        members = [
            u
            for u in self._members()
            if (not wanted or u.id in wanted) and u.name.lower().startswith(query)
        ][:limit]
        chunk: Json = {
            "guild_id": str(self.guild_id),
            "members": [self._member_json(u) for u in members],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [str(u) for u in wanted - {u.id for u in members}],
        }
        if data.get("nonce") is not None:
            chunk["nonce"] = data["nonce"]
        if data.get("presences"):
            chunk["presences"] = []
        await self._emit(session, "GUILD_MEMBERS_CHUNK", chunk)

    async def _emit(self, session: _Session, event: str, data: Json) -> bool:
        """Dispatch to one session: next sequence number, kept for RESUME, sent if connected."""
        async with session.lock:
            session.seq += 1
            frame = {"op": 0, "t": event, "s": session.seq, "d": data}
            session.history.append(frame)
            conn = session.conn
            sent = await conn.send(frame) if conn is not None else False
        self._bump()
        return sent

    async def _broadcast(self, event: str, data: Json, *, intent: int | None = None) -> None:
        """Dispatch to every identified session (with the intent), connected or resumable."""
        for session in list(self._sessions.values()):
            if session.identified and (intent is None or session.intents & intent):
                await self._emit(session, event, data)

    async def _announce(self, event: str, message: FakeMessage) -> None:
        """MESSAGE_CREATE / MESSAGE_UPDATE / MESSAGE_DELETE, as Discord sends them."""
        if message.ephemeral:
            return
        intent = GUILD_MESSAGES if message.guild_id is not None else DIRECT_MESSAGES
        if event == "MESSAGE_DELETE":
            data: Json = {"id": str(message.id), "channel_id": str(message.channel_id)}
        else:
            data = message.to_json()
            if message.guild_id is not None:
                data["member"] = self._member_json(self.bot, with_user=False)
        if message.guild_id is not None:
            data["guild_id"] = str(message.guild_id)
        await self._broadcast(event, data, intent=intent)

    # ----- REST -------------------------------------------------------------------------

    def _make_routes(self) -> list[_Route]:
        table: list[tuple[str, str, Callable[[_Call], Awaitable[Any]], bool]] = [
            ("GET", "/users/@me", self._get_me, True),
            ("POST", "/users/@me/channels", self._create_dm, True),
            ("GET", "/users/{user_id}", self._get_user, True),
            ("GET", "/oauth2/applications/@me", self._get_application, True),
            ("GET", "/applications/@me", self._get_application, True),
            ("GET", "/gateway", self._get_gateway, False),
            ("GET", "/gateway/bot", self._get_gateway_bot, True),
            ("GET", "/applications/{app_id}/commands", self._list_commands, True),
            ("PUT", "/applications/{app_id}/commands", self._put_commands, True),
            ("POST", "/applications/{app_id}/commands", self._post_command, True),
            ("DELETE", "/applications/{app_id}/commands/{command_id}", self._del_command, True),
            ("GET", "/applications/{app_id}/guilds/{guild_id}/commands", self._list_commands, True),
            ("PUT", "/applications/{app_id}/guilds/{guild_id}/commands", self._put_commands, True),
            ("POST", "/applications/{app_id}/guilds/{guild_id}/commands", self._post_command, True),
            (
                "DELETE",
                "/applications/{app_id}/guilds/{guild_id}/commands/{command_id}",
                self._del_command,
                True,
            ),
            ("GET", "/guilds/{guild_id}", self._get_guild, True),
            ("GET", "/guilds/{guild_id}/channels", self._get_guild_channels, True),
            ("GET", "/guilds/{guild_id}/roles", self._get_roles, True),
            ("GET", "/guilds/{guild_id}/members/{user_id}", self._get_member, True),
            ("GET", "/channels/{channel_id}", self._get_channel, True),
            ("GET", "/channels/{channel_id}/messages", self._history, True),
            ("POST", "/channels/{channel_id}/messages", self._post_message, True),
            ("POST", "/channels/{channel_id}/typing", self._typing, True),
            ("GET", "/channels/{channel_id}/messages/{message_id}", self._get_message, True),
            ("PATCH", "/channels/{channel_id}/messages/{message_id}", self._patch_message, True),
            ("DELETE", "/channels/{channel_id}/messages/{message_id}", self._del_message, True),
            ("POST", "/interactions/{interaction_id}/{token}/callback", self._callback, False),
            ("POST", "/webhooks/{app_id}/{token}", self._followup, False),
            ("GET", "/webhooks/{app_id}/{token}/messages/{message_id}", self._hook_get, False),
            ("PATCH", "/webhooks/{app_id}/{token}/messages/{message_id}", self._hook_edit, False),
            ("DELETE", "/webhooks/{app_id}/{token}/messages/{message_id}", self._hook_del, False),
        ]
        routes = []
        for method, template, handler, auth in table:
            regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
            routes.append(_Route(method, template, re.compile(regex), handler, auth))
        return routes

    def _match(self, method: str, path: str) -> tuple[_Route, dict[str, str]]:
        allowed = False
        for route in self._routes:
            match = route.pattern.fullmatch(path)
            if match is None:
                continue
            if route.method == method:
                return route, match.groupdict()
            allowed = True
        if allowed:
            raise _ApiError(405, "405: Method Not Allowed", 0)
        raise _ApiError(404, "404: Not Found", 0)

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        at = time.monotonic()
        path = "/" + request.match_info["tail"]
        method = request.method
        headers: dict[str, str] = {"Via": "1.1 google"}
        try:
            if request.match_info["version"] not in ("9", "10"):
                raise _ApiError(404, "404: Not Found", 0)
            route, params = self._match(method, path)
            headers |= self._bucket_headers(route, params, at)
            if route.auth and request.headers.get("Authorization") != f"Bot {self.token}":
                raise _ApiError(401, "401: Unauthorized", 0)
            self._note_retry(method, path, at)
            self._check_forced(method, path, at)
            await self._check_stalled(method, path)
            call = _Call(request, route, params, at)
            call.body, call.files = await _read_body(request)
            result = await route.handler(call)
        except _ApiError as error:
            headers |= error.headers
            response: web.StreamResponse = _json_response(error.body(), error.status, headers)
        except Garbled:
            response = garbage()
            response.headers.update(headers)
        except Exception as exc:  # a bug in the fake: make it visible
            body = {"message": f"500: the fake crashed: {exc!r}", "code": 0}
            self.violations.append(f"{method} {path}: the fake crashed: {exc!r}")
            response = _json_response(body, 500, headers)
        else:
            reply = result if isinstance(result, _Reply) else _Reply(200, result)
            if reply.status == 204:
                response = web.Response(status=204, headers=headers)
            else:
                response = _json_response(reply.body, reply.status, headers)
        return response

    def _bucket_headers(self, route: _Route, params: dict[str, str], at: float) -> dict[str, str]:
        major = "+".join(
            params[k] for k in ("channel_id", "guild_id", "app_id", "token") if k in params
        )
        bucket = hashlib.blake2b(f"{route.method} {route.template}".encode(), digest_size=16)
        key = f"{bucket.hexdigest()}:{major}"
        hits = self._buckets.setdefault(key, deque())
        while hits and hits[0] <= at - self.bucket_window:
            hits.popleft()
        hits.append(at)
        reset_after = max(0.001, hits[0] + self.bucket_window - at)
        return {
            "X-RateLimit-Limit": str(self.bucket_limit),
            "X-RateLimit-Remaining": str(max(0, self.bucket_limit - len(hits))),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": bucket.hexdigest(),
        }

    def _note_retry(self, method: str, path: str, at: float) -> None:
        for hit in self.rate_limit_hits:
            if hit.retried_at is None and hit.method == method and hit.path == path:
                hit.retried_at = at

    def _check_forced(self, method: str, path: str, at: float) -> None:
        forced = self._take_forced(method, path)
        if forced is None:
            return
        if forced.garbage:
            raise Garbled
        retry = forced.retry_after
        if retry is None:
            raise _ApiError(forced.status, f"{forced.status}: {phrase(forced.status)}", 0)
        is_global = isinstance(forced, _Limit) and forced.is_global
        self.rate_limit_hits.append(RateLimitHit(method, path, retry, at))
        headers = {
            "Retry-After": str(max(1, math.ceil(retry))),
            "X-RateLimit-Limit": str(self.bucket_limit),
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": f"{time.time() + retry:.3f}",
            "X-RateLimit-Reset-After": f"{retry:.3f}",
            "X-RateLimit-Scope": "global" if is_global else "user",
        }
        if is_global:
            headers["X-RateLimit-Global"] = "true"
            for name in ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"):
                headers.pop(name)
        message = "You are being rate limited."
        body = {"message": message, "retry_after": retry, "global": is_global}
        raise _ApiError(429, message, headers=headers, extra=body)

    async def _check_stalled(self, method: str, path: str) -> None:
        for stall in self._stalls:
            if stall.matches(method, path):
                self._bump()
                await stall.hold()
                raise _ApiError(503, "upstream connect error", 0)

    def _violation(self, call: _Call, text: str) -> None:
        self.violations.append(f"{call.where}: {text}")

    def _invalid(self, call: _Call, problems: Sequence[_Problem]) -> _ApiError:
        """Record the problems as violations; the 400 50035 error to raise."""
        for problem in problems:
            self._violation(call, f"{_dotted(problem.path)}: {problem.message}")
        return _ApiError(400, "Invalid Form Body", 50035, errors=_form_errors(problems))

    # ----- REST: users, application, gateway, guild -------------------------------------

    async def _get_me(self, call: _Call) -> Json:
        return self._bot_user_json()

    async def _get_user(self, call: _Call) -> Json:
        user = self._find_user(_snowflake_param(call, "user_id"))
        if user is None:
            raise _unknown("User", 10013)
        return user.to_json()

    async def _create_dm(self, call: _Call) -> Json:
        body = call.body if isinstance(call.body, dict) else {}
        try:
            user = self._find_user(int(str(body.get("recipient_id"))))
        except ValueError:
            user = None
        if user is None or user.bot:
            raise _unknown("User", 10013)
        return self._open_dm(user)

    async def _get_application(self, call: _Call) -> Json:
        return self._application_json()

    async def _get_gateway(self, call: _Call) -> Json:
        return {"url": self.gateway_url}

    async def _get_gateway_bot(self, call: _Call) -> Json:
        limit = {"total": 1000, "remaining": 999, "reset_after": 86_400_000, "max_concurrency": 1}
        return {"url": self.gateway_url, "shards": 1, "session_start_limit": limit}

    def _check_guild(self, call: _Call) -> None:
        if _snowflake_param(call, "guild_id") != self.guild_id:
            raise _unknown("Guild", 10004)

    async def _get_guild(self, call: _Call) -> Json:
        self._check_guild(call)
        return self._guild_json()

    async def _get_guild_channels(self, call: _Call) -> list[Json]:
        self._check_guild(call)
        return [copy.deepcopy(c) for c in self._channels.values() if c["type"] == 0]

    async def _get_roles(self, call: _Call) -> list[Json]:
        self._check_guild(call)
        return copy.deepcopy(list(self._roles.values()))

    async def _get_member(self, call: _Call) -> Json:
        self._check_guild(call)
        user = self._find_user(_snowflake_param(call, "user_id"))
        if user is None or not user.in_guild:
            raise _unknown("Member", 10007)
        return self._member_json(user)

    async def _get_channel(self, call: _Call) -> Json:
        return copy.deepcopy(self._channel(call))

    def _channel(self, call: _Call) -> Json:
        channel = self._channels.get(_snowflake_param(call, "channel_id"))
        if channel is None:
            raise _unknown("Channel", 10003)
        return channel

    # ----- REST: application commands ---------------------------------------------------

    def _command_scope(self, call: _Call) -> int | None:
        if _snowflake_param(call, "app_id") != self.application_id:
            raise _ApiError(403, "Missing Access", 50001)
        if "guild_id" not in call.params:
            return None
        self._check_guild(call)
        return self.guild_id

    async def _list_commands(self, call: _Call) -> list[Json]:
        return self.commands(self._command_scope(call))

    async def _put_commands(self, call: _Call) -> list[Json]:
        scope = self._command_scope(call)
        checker = _Checker()
        _check_commands(checker, call.body)
        if checker.problems:
            raise self._invalid(call, checker.problems)
        old = {(c["name"], c.get("type", 1)): c["id"] for c in self._commands.get(scope, [])}
        stored = [self._store_command(scope, c, old) for c in call.body]
        self._commands[scope] = stored
        return copy.deepcopy(stored)

    async def _post_command(self, call: _Call) -> _Reply:
        scope = self._command_scope(call)
        checker = _Checker()
        _check_commands(checker, [call.body])
        if checker.problems:
            raise self._invalid(call, [p._replace(path=p.path[1:]) for p in checker.problems])
        current = self._commands.setdefault(scope, [])
        key = (call.body["name"], call.body.get("type", 1))
        old = {(c["name"], c.get("type", 1)): c["id"] for c in current}
        stored = self._store_command(scope, call.body, old)
        current[:] = [c for c in current if (c["name"], c.get("type", 1)) != key] + [stored]
        return _Reply(200 if key in old else 201, copy.deepcopy(stored))

    async def _del_command(self, call: _Call) -> _Reply:
        scope = self._command_scope(call)
        current = self._commands.get(scope, [])
        kept = [c for c in current if c["id"] != call.params["command_id"]]
        if len(kept) == len(current):
            raise _unknown("application command", 10063)
        self._commands[scope] = kept
        return _Reply(204)

    def _store_command(
        self, scope: int | None, command: Json, old: dict[tuple[str, int], str]
    ) -> Json:
        kind = command.get("type", 1)
        stored: Json = {
            "id": old.get((command["name"], kind)) or str(self._snowflake()),
            "application_id": str(self.application_id),
            "version": str(self._snowflake()),
            "default_member_permissions": command.get("default_member_permissions"),
            "type": kind,
            "name": command["name"],
            "name_localizations": command.get("name_localizations"),
            "description": command.get("description", ""),
            "description_localizations": command.get("description_localizations"),
            "contexts": command.get("contexts"),
            "integration_types": command.get("integration_types") or [0],
            "nsfw": bool(command.get("nsfw", False)),
        }
        if command.get("options"):
            stored["options"] = copy.deepcopy(command["options"])
        if scope is None:
            stored["dm_permission"] = command.get("dm_permission", True)
        else:
            stored["guild_id"] = str(scope)
        return stored

    # ----- REST: channel messages -------------------------------------------------------

    async def _history(self, call: _Call) -> list[Json]:
        channel = self._channel(call)
        limit = int(call.request.query.get("limit", "50"))
        shown = self.channel_messages(int(channel["id"]), include_ephemeral=False)
        return [m.to_json() for m in reversed(shown)][:limit]

    async def _typing(self, call: _Call) -> _Reply:
        self._channel(call)
        return _Reply(204)

    async def _post_message(self, call: _Call) -> Json:
        channel = self._channel(call)
        channel_id = int(channel["id"])
        recipient = self._dm_recipient(channel_id) if channel["type"] == 1 else None
        if recipient is not None and not recipient.dms_open:
            raise _ApiError(403, "Cannot send messages to this user", 50007)
        body = _message_body(call)
        body["flags"] = int(body.get("flags") or 0) & _SETTABLE_FLAGS
        message = self._new_message(call, channel_id, body, msg_type=0)
        reference = body.get("message_reference")
        if reference:
            message.type = 19
            # As Discord returns it: snowflakes as strings, the channel filled in, and the
            # request's fail_if_not_exists left out.
            shown = {"type": reference.get("type", 0), "channel_id": str(channel_id)}
            for key in ("message_id", "channel_id", "guild_id"):
                if reference.get(key) is not None:
                    shown[key] = str(reference[key])
            message.extra["message_reference"] = shown
        self._store(message)
        await self._announce("MESSAGE_CREATE", message)
        return message.to_json()

    def _channel_message(self, call: _Call) -> FakeMessage:
        channel = self._channel(call)
        message = self._messages.get(_snowflake_param(call, "message_id"))
        if message is None or message.deleted or message.channel_id != int(channel["id"]):
            raise _unknown("Message", 10008)
        if message.ephemeral:
            raise _unknown("Message", 10008)
        return message

    async def _get_message(self, call: _Call) -> Json:
        return self._channel_message(call).to_json()

    async def _patch_message(self, call: _Call) -> Json:
        message = self._channel_message(call)
        self._edit(call, message, _message_body(call))
        await self._announce("MESSAGE_UPDATE", message)
        return message.to_json()

    async def _del_message(self, call: _Call) -> _Reply:
        message = self._channel_message(call)
        message.deleted = True
        await self._announce("MESSAGE_DELETE", message)
        return _Reply(204)

    # ----- messages: creating and editing -----------------------------------------------

    def _new_message(
        self,
        call: _Call,
        channel_id: int,
        body: Json,
        *,
        msg_type: int,
        ix: FakeInteraction | None = None,
        allow_empty: bool = False,
    ) -> FakeMessage:
        """Validate a create body and build the message (not stored yet)."""
        flags = int(body.get("flags") or 0)
        checker = _Checker()
        _check_message(checker, body, v2=bool(flags & IS_COMPONENTS_V2))
        if checker.problems:
            raise self._invalid(call, checker.problems)
        channel = self._channels.get(channel_id, {})
        guild_id = self.guild_id if channel.get("type") == 0 else None
        message = FakeMessage(
            id=self._snowflake(),
            channel_id=channel_id,
            author_id=self.bot.id,
            content=str(body.get("content") or ""),
            embeds=copy.deepcopy(body.get("embeds") or []),
            components=_with_ids(body.get("components") or []),
            flags=flags,
            type=msg_type,
            guild_id=guild_id,
            tts=bool(body.get("tts", False)),
            author=self.bot.to_json(),
        )
        message.attachments, message.files = self._attachments(call, message, body, [])
        if ix is not None:
            message.interaction_id = ix.id
            message.extra = self._interaction_extra(ix)
            if flags & EPHEMERAL:
                message.visible_to = ix.user_id
        if not allow_empty and _empty(message):
            self._violation(call, "an empty message")
            raise _ApiError(400, "Cannot send an empty message", 50006)
        if not message.loading:
            self._note_sent(call, message, body, created=True)
        return message

    def _edit(self, call: _Call, message: FakeMessage, body: Json) -> None:
        """Validate a (partial) edit body and apply it."""
        flags = message.flags
        if body.get("flags") is not None:
            wanted = int(body["flags"])
            flags = (flags & ~SUPPRESS_EMBEDS) | (wanted & (SUPPRESS_EMBEDS | IS_COMPONENTS_V2))
        checker = _Checker()
        v2 = bool(flags & IS_COMPONENTS_V2)
        _check_message(checker, body, v2=v2)
        if v2 and "content" not in body and message.content:
            checker.add(
                ("content",),
                "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2",
                "The 'content' field cannot be used when using MessageFlags.IS_COMPONENTS_V2",
            )
        if checker.problems:
            raise self._invalid(call, checker.problems)
        before = message.to_json()
        attachments, files = message.attachments, message.files
        if "attachments" in body or call.files:
            attachments, files = self._attachments(call, message, body, message.attachments)
        changed = copy.copy(message)
        if "content" in body:
            changed.content = str(body["content"] or "")
        if "embeds" in body:
            changed.embeds = copy.deepcopy(body["embeds"] or [])
        if "components" in body:
            changed.components = _with_ids(body["components"] or [])
        changed.attachments, changed.flags = attachments, flags & ~LOADING
        if _empty(changed):
            self._violation(call, "an edit that leaves the message empty")
            raise _ApiError(400, "Cannot send an empty message", 50006)
        message.history.append(before)
        message.content, message.embeds = changed.content, changed.embeds
        message.components, message.attachments = changed.components, attachments
        message.files, message.flags = files, changed.flags
        message.edits += 1
        message.edited_at = time.monotonic()
        message.edited_timestamp = _iso_now()
        if "content" in body:
            self._note_sent(call, message, body, created=False)

    def _note_sent(self, call: _Call, message: FakeMessage, body: Json, *, created: bool) -> None:
        allowed = body.get("allowed_mentions")
        allowed = copy.deepcopy(allowed) if isinstance(allowed, dict) else None
        mentions = _mentions(message.content, allowed)
        message.mentions = mentions
        self.sent.append(
            SentMessage(call.at, message.id, created, message.content, allowed, mentions)
        )

    def _attachments(
        self, call: _Call, message: FakeMessage, body: Json, existing: list[Json]
    ) -> tuple[list[Json], list[Upload]]:
        """Attachments after a create or edit: kept ones listed by id, plus the uploads."""
        described = {str(a.get("id")): a for a in body.get("attachments") or []}
        kept = [a for a in existing if a["id"] in described]
        kept_files = [f for f in message.files if any(a["filename"] == f.filename for a in kept)]
        for index, upload in enumerate(call.files):
            attachment_id = self._snowflake()
            meta = described.get(str(index), {})
            filename = meta.get("filename") or upload.filename
            url = f"https://cdn.discordapp.com/attachments/{message.channel_id}/{attachment_id}"
            kept.append(
                {
                    "id": str(attachment_id),
                    "filename": filename,
                    "size": len(upload.data),
                    "url": f"{url}/{filename}",
                    "proxy_url": f"{url.replace('cdn.discordapp.com', 'media.discordapp.net')}"
                    f"/{filename}",
                    "content_type": upload.content_type,
                    "description": meta.get("description"),
                }
            )
            kept_files.append(upload)
        return kept, kept_files

    def _store(self, message: FakeMessage) -> None:
        self._messages[message.id] = message
        self._by_channel.setdefault(message.channel_id, []).append(message)
        channel = self._channels.get(message.channel_id)
        if channel is not None and not message.ephemeral:
            channel["last_message_id"] = str(message.id)

    def _interaction_extra(self, ix: FakeInteraction) -> Json:
        user = self.user(ix.user_id)
        metadata: Json = {
            "id": str(ix.id),
            "type": ix.type,
            "user": user.to_json(),
            "authorizing_integration_owners": ix.payload.get("authorizing_integration_owners"),
        }
        if ix.type == APPLICATION_COMMAND:
            metadata["name"] = ix.data.get("name")
            metadata["command_type"] = 1
        if ix.message is not None:
            metadata["interacted_message_id"] = str(ix.message.id)
        if ix.original is not None:
            metadata["original_response_message_id"] = str(ix.original.id)
        extra: Json = {
            "webhook_id": str(self.application_id),
            "application_id": str(self.application_id),
            "interaction_metadata": metadata,
        }
        if ix.type == APPLICATION_COMMAND:
            extra["interaction"] = {
                "id": str(ix.id),
                "type": ix.type,
                "name": ix.name,
                "user": user.to_json(),
            }
        return extra

    # ----- REST: interaction callbacks --------------------------------------------------

    async def _callback(self, call: _Call) -> _Reply:
        ix = self._by_id.get(_snowflake_param(call, "interaction_id"))
        if ix is None:
            raise _unknown("interaction", 10062)
        if call.params["token"] != ix.token:
            raise _ApiError(401, "Invalid Webhook Token", 50027)
        body = call.body if isinstance(call.body, dict) else {}
        kind = body.get("type") if isinstance(body.get("type"), int) else None
        first = not ix.callbacks
        if first:
            ix.acked_at, ix.ack_type, ix.ack_body = call.at, kind, body
        try:
            resource = await self._answer(call, ix, kind, body)
        except _ApiError as error:
            ix.callbacks.append(CallbackAttempt(call.at, kind, error.status, error.body()))
            if first:
                ix.ack_status = error.status
            raise
        status = 200 if call.flag("with_response") else 204
        ix.callbacks.append(CallbackAttempt(call.at, kind, status, body))
        ix.acked_at, ix.ack_type, ix.ack_body, ix.ack_status = call.at, kind, body, status
        ix.acknowledged = True
        if status == 204:
            return _Reply(204)
        return _Reply(200, resource)

    async def _answer(self, call: _Call, ix: FakeInteraction, kind: int | None, body: Json) -> Json:
        """Apply one callback; its InteractionCallbackResponse."""
        late = call.at - ix.dispatched_at
        if late > self.ack_deadline:
            self._violation(call, f"interaction {ix.id} ({ix.name}) acknowledged {late:.2f} s late")
            raise _unknown("interaction", 10062)
        if ix.acknowledged:
            self._violation(call, f"interaction {ix.id} ({ix.name}) acknowledged twice")
            raise _ApiError(400, "Interaction has already been acknowledged.", 40060)
        allowed = set(_ALLOWED_CALLBACKS.get(ix.type, frozenset()))
        if ix.type == MODAL_SUBMIT and ix.message is None:
            allowed -= {DEFERRED_UPDATE, UPDATE_MESSAGE}
        if kind not in allowed:
            problem = _Problem(
                ("type",),
                "INTERACTION_RESPONSE_TYPE_INVALID",
                f"Callback type {kind} is not valid for an interaction of type {ix.type}",
            )
            raise self._invalid(call, [problem])
        raw_data = body.get("data")
        data: Json = dict(raw_data) if isinstance(raw_data, dict) else {}
        interaction: Json = {"id": str(ix.id), "type": ix.type}
        resource: Json = {"type": kind}
        if kind == CHANNEL_MESSAGE:
            data["flags"] = int(data.get("flags") or 0) & (_SETTABLE_FLAGS | EPHEMERAL)
            message = self._new_message(call, ix.channel_id, data, msg_type=_reply_type(ix), ix=ix)
            self._store(message)
            ix.original = ix.shown = message
            resource["message"] = message.to_json()
            await self._announce("MESSAGE_CREATE", message)
        elif kind == DEFERRED_CHANNEL_MESSAGE:
            flags = LOADING | (int(data.get("flags") or 0) & EPHEMERAL)
            message = self._new_message(
                call,
                ix.channel_id,
                {"flags": flags},
                msg_type=_reply_type(ix),
                ix=ix,
                allow_empty=True,
            )
            self._store(message)
            ix.original = message
            resource["message"] = message.to_json()
            await self._announce("MESSAGE_CREATE", message)
        elif kind == DEFERRED_UPDATE:
            ix.original = ix.message
        elif kind == UPDATE_MESSAGE:
            assert ix.message is not None
            self._edit(call, ix.message, data)
            ix.original = ix.shown = ix.message
            resource["message"] = ix.message.to_json()
            await self._announce("MESSAGE_UPDATE", ix.message)
        elif kind == AUTOCOMPLETE_RESULT:
            checker = _Checker()
            choices = checker.items(("data", "choices"), data.get("choices"), 25)
            for index, choice in enumerate(choices):
                _check_choice(checker, ("data", "choices", index), choice)
            if checker.problems:
                raise self._invalid(call, checker.problems)
            ix.choices = copy.deepcopy(choices)
        elif kind == MODAL:
            checker = _Checker()
            _check_modal(checker, data)
            if checker.problems:
                raise self._invalid(call, checker.problems)
            ix.modal = {**copy.deepcopy(data), "components": _with_ids(data["components"])}
        if ix.original is not None and kind in (CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, 7):
            interaction["response_message_id"] = str(ix.original.id)
            interaction["response_message_loading"] = ix.original.loading
            interaction["response_message_ephemeral"] = ix.original.ephemeral
        return {"interaction": interaction, "resource": resource}

    # ----- REST: webhooks (follow-ups and @original) ------------------------------------

    def _hook_interaction(self, call: _Call) -> FakeInteraction:
        if _snowflake_param(call, "app_id") != self.application_id:
            raise _unknown("Webhook", 10015)
        ix = self._by_token.get(call.params["token"])
        if ix is None:
            raise _ApiError(401, "Invalid Webhook Token", 50027)
        if not ix.acknowledged:
            self._violation(
                call, f"interaction {ix.id} ({ix.name}) used before it was acknowledged"
            )
            raise _unknown("Webhook", 10015)
        assert ix.acked_at is not None
        if call.at - ix.acked_at > self.followup_window:
            self._violation(call, f"interaction {ix.id} ({ix.name}) token used after it expired")
            raise _ApiError(401, "Invalid Webhook Token", 50027)
        return ix

    def _hook_message(self, call: _Call, ix: FakeInteraction) -> FakeMessage:
        wanted = call.params["message_id"]
        if wanted == "@original":
            message = ix.original
        else:
            candidates = [ix.original, *ix.followups]
            message = next((m for m in candidates if m is not None and str(m.id) == wanted), None)
        if message is None or message.deleted:
            raise _unknown("Message", 10008)
        return message

    async def _followup(self, call: _Call) -> _Reply:
        ix = self._hook_interaction(call)
        body = _message_body(call)
        original = ix.original
        if ix.ack_type == DEFERRED_CHANNEL_MESSAGE and original is not None and original.loading:
            # Discord still completes the "thinking..." message with the first follow-up.
            body = {k: v for k, v in body.items() if k != "flags"}
            self._edit(call, original, body)
            message = original
            await self._announce("MESSAGE_UPDATE", message)
        else:
            body["flags"] = int(body.get("flags") or 0) & (_SETTABLE_FLAGS | EPHEMERAL)
            message = self._new_message(call, ix.channel_id, body, msg_type=_reply_type(ix), ix=ix)
            self._store(message)
            await self._announce("MESSAGE_CREATE", message)
        ix.followups.append(message)
        if ix.shown is None:
            ix.shown = message
        if not call.flag("wait"):
            return _Reply(204)
        return _Reply(200, message.to_json())

    async def _hook_get(self, call: _Call) -> Json:
        ix = self._hook_interaction(call)
        return self._hook_message(call, ix).to_json()

    async def _hook_edit(self, call: _Call) -> Json:
        ix = self._hook_interaction(call)
        message = self._hook_message(call, ix)
        self._edit(call, message, _message_body(call))
        if ix.shown is None and call.params["message_id"] == "@original":
            ix.shown = message
        await self._announce("MESSAGE_UPDATE", message)
        return message.to_json()

    async def _hook_del(self, call: _Call) -> _Reply:
        ix = self._hook_interaction(call)
        message = self._hook_message(call, ix)
        message.deleted = True
        await self._announce("MESSAGE_DELETE", message)
        return _Reply(204)


def point_discord_at(fake: FakeDiscord) -> Callable[[], None]:
    """Point discord.py at the fake; returns the callable that points it back.

    Sets ``discord.http.Route.BASE`` (used by the bot's HTTPClient and by the webhook adapter
    behind interaction callbacks, follow-ups and ``@original`` alike) and
    ``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY`` (where a Client connects; READY's
    ``resume_gateway_url`` then keeps resumes on the fake). Both are process-wide, so undo
    after the client is closed."""
    old_base = discord.http.Route.BASE
    old_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = fake.api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)

    def undo() -> None:
        discord.http.Route.BASE = old_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway

    return undo


@pytest.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    """A running FakeDiscord (default ids, a "general" channel, no users), stopped after."""
    async with FakeDiscord() as server:
        yield server


# ----- helpers ------------------------------------------------------------------------------


def _json_response(body: Any, status: int, headers: Mapping[str, str]) -> web.Response:
    """JSON with Discord's bare ``Content-Type: application/json``: discord.py compares the
    header with that string, so aiohttp's ``; charset=utf-8`` would turn bodies into text."""
    data = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    return web.Response(
        body=data, status=status, headers={**headers, "Content-Type": "application/json"}
    )


def _route_matcher(method: str, path_regex: str) -> Callable[[str, str], bool]:
    """Requests with this method (``"*"``: any) whose path ``re.search``-matches the regex."""
    wanted, pattern = method.upper(), re.compile(path_regex)
    return lambda m, path: wanted in ("*", m) and bool(pattern.search(path))


def _iso_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


def _interaction_token() -> str:
    return "aW50ZXJhY3Rpb246" + secrets.token_urlsafe(120)


def _snowflake_param(call: _Call, name: str) -> int:
    try:
        return int(call.params[name])
    except ValueError:
        raise _ApiError(
            400,
            "Invalid Form Body",
            50035,
            errors={
                name: {"_errors": [{"code": "NUMBER_TYPE_COERCE", "message": "Not a snowflake."}]}
            },
        ) from None


def _path(subcommand: str | Sequence[str] | None) -> list[str]:
    if subcommand is None:
        return []
    if isinstance(subcommand, str):
        return subcommand.split()
    return list(subcommand)


def _option(defs: list[Json] | None, name: str) -> Json | None:
    if defs is None:
        return None
    return next((d for d in defs if d.get("name") == name), None)


def _infer_type(value: object) -> int:
    if isinstance(value, bool):
        return BOOLEAN
    if isinstance(value, int):
        return INTEGER
    if isinstance(value, float):
        return NUMBER
    if isinstance(value, FakeUser):
        return USER
    return STRING


def _check_option_input(where: str, definition: Json, value: object) -> None:
    """What Discord's own client would not let a user send."""
    name = definition["name"]
    choices = definition.get("choices")
    if choices:
        offered = [c["value"] for c in choices]
        assert value in offered, f"{where} {name}: {value!r} is not one of {offered}"
    if isinstance(value, str):
        low, high = definition.get("min_length", 0), definition.get("max_length", 6000)
        assert low <= len(value) <= high, f"{where} {name}: length must be {low}-{high}"
    elif isinstance(value, int | float) and not isinstance(value, bool):
        low_value, high_value = definition.get("min_value"), definition.get("max_value")
        assert low_value is None or value >= low_value, f"{where} {name}: below {low_value}"
        assert high_value is None or value <= high_value, f"{where} {name}: above {high_value}"


def _component(message: FakeMessage, custom_id: str) -> Json | None:
    return next((c for c in message.walk() if c.get("custom_id") == custom_id), None)


def _with_ids(components: list[Any]) -> list[Any]:
    """A copy with a numeric ``id`` on every component, as Discord assigns them."""
    copied = copy.deepcopy(components)
    used = {c["id"] for c in _walk(copied) if isinstance(c.get("id"), int)}
    counter = 0
    for component in _walk(copied):
        if not isinstance(component.get("id"), int):
            counter += 1
            while counter in used:
                counter += 1
            component["id"] = counter
    return copied


def _echo(component: Json, values: Mapping[str, str | Sequence[str]], unused: set[str]) -> Json:
    """What a modal submit sends back for one component of the modal."""
    kind = component.get("type")
    echoed: Json = {"type": kind}
    if component.get("id") is not None:
        echoed["id"] = component["id"]
    if kind == ACTION_ROW:
        echoed["components"] = [_echo(c, values, unused) for c in component["components"]]
    elif kind == LABEL:
        echoed["component"] = _echo(component["component"], values, unused)
    elif kind == TEXT_INPUT:
        custom_id = component["custom_id"]
        value = values.get(custom_id, component.get("value") or "")
        assert isinstance(value, str), f"text input {custom_id!r} takes a string"
        unused.discard(custom_id)
        if component.get("required", True):
            assert value, f"text input {custom_id!r} is required"
        low = component.get("min_length", 0)
        high = component.get("max_length", 4000)
        if value or component.get("required", True):
            assert low <= len(value) <= high, (
                f"text input {custom_id!r} takes {low}-{high} characters, not {len(value)}"
            )
        echoed |= {"custom_id": custom_id, "value": value}
    elif isinstance(component.get("custom_id"), str):
        custom_id = component["custom_id"]
        raw = values.get(custom_id, [])
        picked = [raw] if isinstance(raw, str) else [str(v) for v in raw]
        unused.discard(custom_id)
        if kind == STRING_SELECT:
            offered = [o.get("value") for o in component.get("options", [])]
            strays = [v for v in picked if v not in offered]
            assert not strays, f"select {custom_id!r} offers {offered}, not {strays}"
        echoed |= {"custom_id": custom_id, "values": picked}
    return echoed


def _reply_type(ix: FakeInteraction) -> int:
    """Message type of an interaction's answer: 20 (CHAT_INPUT_COMMAND) or 19 (REPLY)."""
    return 20 if ix.type == APPLICATION_COMMAND else 19


def _empty(message: FakeMessage) -> bool:
    return (
        not (
            message.content.strip()
            or message.embeds
            or message.components
            or message.attachments
            or message.extra.get("sticker_items")
        )
        and not message.loading
    )


def _message_body(call: _Call) -> Json:
    if call.body is None:
        return {}
    if not isinstance(call.body, dict):
        raise _ApiError(
            400,
            "Invalid Form Body",
            50035,
            errors={
                "_errors": [
                    {
                        "code": "DICT_TYPE_CONVERT",
                        "message": "Only dictionaries may be used in a DictType",
                    }
                ]
            },
        )
    return dict(call.body)


async def _read_body(request: web.Request) -> tuple[Any, list[Upload]]:
    """The JSON body, or a multipart body's ``payload_json`` and its ``files[n]`` parts."""
    if not request.body_exists:
        return None, []
    if request.content_type == "application/json":
        try:
            return json.loads(await request.text()), []
        except ValueError:
            raise _ApiError(400, "The request body contains invalid JSON.", 50109) from None
    if request.content_type.startswith("multipart/"):
        form = await request.post()
        files = []
        body: Any = None
        for name, value in form.items():
            if isinstance(value, web.FileField):
                files.append(Upload(value.filename, value.content_type, value.file.read()))
            elif name == "payload_json":
                try:
                    body = json.loads(str(value))
                except ValueError:
                    raise _ApiError(400, "The request body contains invalid JSON.", 50109) from None
        return body, files
    text = await request.text()
    if not text:
        return None, []
    raise _ApiError(400, "400: Bad Request", 0)


# ----- Discord's rules ----------------------------------------------------------------------


def _check_message(checker: _Checker, body: Json, *, v2: bool) -> None:
    """Content, embeds and components of a message create or edit body."""
    if v2:
        for key in ("content", "embeds"):
            if body.get(key):
                checker.add(
                    (key,),
                    "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2",
                    f"The '{key}' field cannot be used when using MessageFlags.IS_COMPONENTS_V2",
                )
    checker.text(("content",), body.get("content"), 2000)
    _check_allowed_mentions(checker, body.get("allowed_mentions"))
    embeds = checker.items(("embeds",), body.get("embeds"), 10)
    total = 0
    for index, embed in enumerate(embeds):
        total += _check_embed(checker, ("embeds", index), embed)
    if total > 6000:
        checker.add(
            ("embeds",), "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000"
        )
    components = body.get("components")
    if components is not None:
        _check_components(checker, components, v2=v2)


_MENTION_KINDS = ("everyone", "users", "roles")
_USER_MENTION = re.compile(r"<@!?(\d+)>")
_ROLE_MENTION = re.compile(r"<@&(\d+)>")


def _check_allowed_mentions(checker: _Checker, allowed: object) -> None:
    if allowed is None:
        return
    if not isinstance(allowed, dict):
        checker.add(("allowed_mentions",), "DICT_TYPE_CONVERT", "Only dictionaries may be used")
        return
    parse = allowed.get("parse", [])
    if not isinstance(parse, list) or any(p not in _MENTION_KINDS for p in parse):
        checker.add(
            ("allowed_mentions", "parse"),
            "ENUM_TYPE_COERCE",
            f"Value(s) {parse!r} are not valid enum value(s).",
        )
        parse = []
    for kind in ("users", "roles"):
        listed = allowed.get(kind)
        if listed is None:
            continue
        ids = checker.items(("allowed_mentions", kind), listed, 100)
        if kind in parse and ids:
            checker.add(
                ("allowed_mentions",),
                "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
                f'parse:["{kind}"] and {kind}: [ids] are mutually exclusive.',
            )


def _mentions(content: str, allowed: Json | None) -> Mentions:
    """What Discord mentions in ``content``: everything it finds when the body has no
    ``allowed_mentions``, else only the kinds in ``parse`` and the ids listed."""
    everyone = "@everyone" in content or "@here" in content
    users = [int(n) for n in _USER_MENTION.findall(content)]
    roles = [int(n) for n in _ROLE_MENTION.findall(content)]
    if allowed is not None:
        parse = allowed.get("parse") or []
        listed_users = {int(n) for n in allowed.get("users") or []}
        listed_roles = {int(n) for n in allowed.get("roles") or []}
        everyone = everyone and "everyone" in parse
        users = [n for n in users if "users" in parse or n in listed_users]
        roles = [n for n in roles if "roles" in parse or n in listed_roles]
    return Mentions(everyone, tuple(dict.fromkeys(users)), tuple(dict.fromkeys(roles)))


def _check_embed(checker: _Checker, path: tuple[str | int, ...], embed: object) -> int:
    """Check one embed; returns its size in characters as Discord counts it."""
    if not isinstance(embed, dict):
        checker.add(path, "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
        return 0
    size = len(checker.text((*path, "title"), embed.get("title"), 256))
    size += len(checker.text((*path, "description"), embed.get("description"), 4096))
    fields = checker.items((*path, "fields"), embed.get("fields"), 25)
    for index, item in enumerate(fields):
        where = (*path, "fields", index)
        if not isinstance(item, dict):
            checker.add(where, "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
            continue
        size += len(checker.text((*where, "name"), item.get("name"), 256, required=True))
        size += len(checker.text((*where, "value"), item.get("value"), 1024, required=True))
    footer = embed.get("footer")
    if isinstance(footer, dict):
        size += len(
            checker.text((*path, "footer", "text"), footer.get("text"), 2048, required=True)
        )
    author = embed.get("author")
    if isinstance(author, dict):
        size += len(checker.text((*path, "author", "name"), author.get("name"), 256, required=True))
    colour = embed.get("color")
    if colour is not None:
        checker.number((*path, "color"), colour, 0, 0xFFFFFF)
    return size


def _check_components(checker: _Checker, components: object, *, v2: bool) -> None:
    rows = checker.items(("components",), components, 40 if v2 else 5)
    seen: set[str] = set()
    if v2:
        total = sum(1 for _ in _walk(rows))
        if total > 40:
            checker.add(("components",), "BASE_TYPE_MAX_LENGTH", "Must be 40 or fewer in length.")
    for index, component in enumerate(rows):
        path: tuple[str | int, ...] = ("components", index)
        if not isinstance(component, dict):
            checker.add(path, "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
            continue
        kind = component.get("type")
        if kind == ACTION_ROW:
            _check_row(checker, path, component, seen)
        elif v2 and kind in _V2_TOP_LEVEL:
            _check_v2(checker, path, component, seen)
        else:
            checker.add(
                (*path, "type"),
                "COMPONENT_TYPE_INVALID",
                f"Component type {kind} is not valid here",
            )


def _check_row(checker: _Checker, path: tuple[str | int, ...], row: Json, seen: set[str]) -> None:
    children = row.get("components")
    if not isinstance(children, list) or not children:
        checker.add((*path, "components"), "BASE_TYPE_MIN_LENGTH", "Must be 1 or more in length.")
        return
    kinds = [c.get("type") if isinstance(c, dict) else None for c in children]
    if any(k in SELECTS for k in kinds):
        if len(children) != 1:
            checker.add(
                (*path, "components"),
                "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                "The specified component exceeds the maximum width",
            )
    elif len(children) > 5:
        checker.add((*path, "components"), "BASE_TYPE_MAX_LENGTH", "Must be 5 or fewer in length.")
    for index, child in enumerate(children):
        _check_interactive(checker, (*path, "components", index), child, seen)


def _check_v2(
    checker: _Checker, path: tuple[str | int, ...], component: Json, seen: set[str]
) -> None:
    kind = component.get("type")
    if kind == TEXT_DISPLAY:
        checker.text((*path, "content"), component.get("content"), 4000, minimum=1)
    elif kind == SECTION:
        texts = checker.items((*path, "components"), component.get("components"), 3)
        for index, text in enumerate(texts):
            _check_v2(checker, (*path, "components", index), text, seen)
        accessory = component.get("accessory")
        if isinstance(accessory, dict) and accessory.get("type") == BUTTON:
            _check_interactive(checker, (*path, "accessory"), accessory, seen)
    elif kind == CONTAINER:
        children = checker.items((*path, "components"), component.get("components"), 40)
        for index, child in enumerate(children):
            where = (*path, "components", index)
            if isinstance(child, dict) and child.get("type") == ACTION_ROW:
                _check_row(checker, where, child, seen)
            elif isinstance(child, dict):
                _check_v2(checker, where, child, seen)


def _check_custom_id(
    checker: _Checker, path: tuple[str | int, ...], custom_id: object, seen: set[str]
) -> None:
    value = checker.text((*path, "custom_id"), custom_id, 100, minimum=1, required=True)
    if value and value in seen:
        checker.add(
            (*path, "custom_id"),
            "COMPONENT_CUSTOM_ID_DUPLICATED",
            "Component custom id cannot be duplicated",
        )
    seen.add(value)


def _check_interactive(
    checker: _Checker, path: tuple[str | int, ...], component: object, seen: set[str]
) -> None:
    """A button or a select inside a message."""
    if not isinstance(component, dict):
        checker.add(path, "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
        return
    kind = component.get("type")
    if kind == BUTTON:
        style = component.get("style")
        checker.number((*path, "style"), style, 1, 6)
        checker.text((*path, "label"), component.get("label"), 80)
        if style == 5:
            checker.text((*path, "url"), component.get("url"), 512, minimum=1, required=True)
            if component.get("custom_id") is not None:
                checker.add(
                    (*path, "custom_id"),
                    "BUTTON_COMPONENT_CUSTOM_ID_WITH_URL",
                    "A link button cannot have a custom id",
                )
        elif style == 6:
            checker.text((*path, "sku_id"), component.get("sku_id"), 20, minimum=1, required=True)
        else:
            _check_custom_id(checker, path, component.get("custom_id"), seen)
            if not component.get("label") and not component.get("emoji"):
                checker.add(
                    path,
                    "BUTTON_COMPONENT_LABEL_OR_EMOJI_REQUIRED",
                    "A button needs a label or an emoji",
                )
    elif kind in SELECTS:
        _check_select(checker, path, component, seen)
    else:
        checker.add(
            (*path, "type"),
            "COMPONENT_TYPE_INVALID",
            f"Component type {kind} is not valid in an action row of a message",
        )


def _check_select(
    checker: _Checker, path: tuple[str | int, ...], menu: Json, seen: set[str]
) -> None:
    _check_custom_id(checker, path, menu.get("custom_id"), seen)
    checker.text((*path, "placeholder"), menu.get("placeholder"), 150)
    low = checker.number((*path, "min_values"), menu.get("min_values"), 0, 25)
    high = checker.number((*path, "max_values"), menu.get("max_values"), 1, 25)
    if low is not None and high is not None and low > high:
        checker.add(
            (*path, "min_values"),
            "SELECT_COMPONENT_MIN_VALUES_TOO_HIGH",
            "min_values must be less than or equal to max_values",
        )
    if menu.get("type") != STRING_SELECT:
        return
    options = menu.get("options")
    if not isinstance(options, list) or not options:
        checker.add((*path, "options"), "BASE_TYPE_MIN_LENGTH", "Must be 1 or more in length.")
        return
    checker.items((*path, "options"), options, 25)
    values: set[str] = set()
    for index, option in enumerate(options):
        where = (*path, "options", index)
        if not isinstance(option, dict):
            checker.add(where, "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
            continue
        checker.text((*where, "label"), option.get("label"), 100, minimum=1, required=True)
        value = checker.text((*where, "value"), option.get("value"), 100, minimum=1, required=True)
        checker.text((*where, "description"), option.get("description"), 100)
        if value in values:
            checker.add(
                (*where, "value"),
                "SELECT_COMPONENT_OPTION_VALUE_DUPLICATED",
                "Select option values must be unique",
            )
        values.add(value)
    if high is not None and high > len(options):
        checker.add(
            (*path, "max_values"),
            "SELECT_COMPONENT_MAX_VALUES_TOO_HIGH",
            f"max_values must be {len(options)} or fewer (the number of options)",
        )


def _check_modal(checker: _Checker, data: Json) -> None:
    checker.text(("data", "title"), data.get("title"), 45, minimum=1, required=True)
    seen: set[str] = set()
    _check_custom_id(checker, ("data",), data.get("custom_id"), set())
    components = data.get("components")
    if not isinstance(components, list) or not components:
        checker.add(("data", "components"), "BASE_TYPE_MIN_LENGTH", "Must be 1 or more in length.")
        return
    checker.items(("data", "components"), components, 5)
    for index, component in enumerate(components):
        path: tuple[str | int, ...] = ("data", "components", index)
        kind = component.get("type") if isinstance(component, dict) else None
        if kind == ACTION_ROW:
            children = component.get("components")
            if not isinstance(children, list) or len(children) != 1:
                checker.add(
                    (*path, "components"),
                    "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                    "A modal row holds exactly one text input",
                )
                continue
            _check_text_input(checker, (*path, "components", 0), children[0], seen, labelled=False)
        elif kind == LABEL:
            checker.text((*path, "label"), component.get("label"), 45, minimum=1, required=True)
            checker.text((*path, "description"), component.get("description"), 100)
            child = component.get("component")
            child_kind = child.get("type") if isinstance(child, dict) else None
            if child_kind == TEXT_INPUT:
                _check_text_input(checker, (*path, "component"), child, seen, labelled=True)
            elif child_kind in SELECTS:
                _check_select(checker, (*path, "component"), child, seen)
            elif child_kind in _LABEL_CHILDREN and isinstance(child, dict):
                _check_custom_id(checker, (*path, "component"), child.get("custom_id"), seen)
            else:
                checker.add(
                    (*path, "component", "type"),
                    "COMPONENT_TYPE_INVALID",
                    f"Component type {child_kind} is not valid in a label",
                )
        elif kind == TEXT_DISPLAY:
            checker.text((*path, "content"), component.get("content"), 4000, minimum=1)
        else:
            checker.add(
                (*path, "type"),
                "COMPONENT_TYPE_INVALID",
                f"Component type {kind} is not valid in a modal",
            )


def _check_text_input(
    checker: _Checker,
    path: tuple[str | int, ...],
    field_: object,
    seen: set[str],
    *,
    labelled: bool,
) -> None:
    if not isinstance(field_, dict) or field_.get("type") != TEXT_INPUT:
        checker.add(path, "COMPONENT_TYPE_INVALID", "Only text inputs go in a modal's rows")
        return
    _check_custom_id(checker, path, field_.get("custom_id"), seen)
    checker.number((*path, "style"), field_.get("style"), 1, 2)
    if labelled:
        checker.text((*path, "label"), field_.get("label"), 45)
    else:
        checker.text((*path, "label"), field_.get("label"), 45, minimum=1, required=True)
    low = checker.number((*path, "min_length"), field_.get("min_length"), 0, 4000)
    high = checker.number((*path, "max_length"), field_.get("max_length"), 1, 4000)
    if low is not None and high is not None and low > high:
        checker.add((*path, "min_length"), "BASE_TYPE_BAD_LENGTH", "min_length above max_length")
    checker.text((*path, "value"), field_.get("value"), 4000)
    checker.text((*path, "placeholder"), field_.get("placeholder"), 100)


def _check_choice(checker: _Checker, path: tuple[str | int, ...], choice: object) -> None:
    if not isinstance(choice, dict):
        checker.add(path, "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
        return
    checker.text((*path, "name"), choice.get("name"), 100, minimum=1, required=True)
    value = choice.get("value")
    if isinstance(value, str):
        checker.text((*path, "value"), value, 100)
    elif not isinstance(value, int | float) or isinstance(value, bool):
        checker.add((*path, "value"), "BASE_TYPE_REQUIRED", "A choice needs a string or number")


def _check_commands(checker: _Checker, commands: object) -> None:
    listed = checker.items((), commands, 100)
    if not isinstance(commands, list):
        return
    names: set[tuple[str, int]] = set()
    for index, command in enumerate(listed):
        path: tuple[str | int, ...] = (index,)
        if not isinstance(command, dict):
            checker.add(path, "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
            continue
        kind = command.get("type", 1)
        name = checker.text((*path, "name"), command.get("name"), 32, minimum=1, required=True)
        if kind == 1:
            _check_command_name(checker, (*path, "name"), name)
            checker.text(
                (*path, "description"), command.get("description"), 100, minimum=1, required=True
            )
        if (name, kind) in names:
            checker.add(
                (*path, "name"),
                "APPLICATION_COMMANDS_DUPLICATE_NAME",
                f"Application command names must be unique: {name}",
            )
        names.add((name, kind))
        _check_command_options(checker, (*path, "options"), command.get("options"), depth=0)


def _check_command_name(checker: _Checker, path: tuple[str | int, ...], name: str) -> None:
    if name and (not _COMMAND_NAME_RE.fullmatch(name) or name != name.lower()):
        checker.add(
            path,
            "APPLICATION_COMMAND_INVALID_NAME",
            f"Command name is invalid: {name!r} (1-32 lowercase letters, digits, - or _)",
        )


def _check_command_options(
    checker: _Checker, path: tuple[str | int, ...], options: object, *, depth: int
) -> None:
    listed = checker.items(path, options, 25)
    names: set[str] = set()
    optional_seen = False
    kinds: set[bool] = set()
    for index, option in enumerate(listed):
        where = (*path, index)
        if not isinstance(option, dict):
            checker.add(where, "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
            continue
        kind = option.get("type")
        name = checker.text((*where, "name"), option.get("name"), 32, minimum=1, required=True)
        _check_command_name(checker, (*where, "name"), name)
        checker.text(
            (*where, "description"), option.get("description"), 100, minimum=1, required=True
        )
        if name in names:
            checker.add(
                (*where, "name"),
                "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS",
                f"Option names must be unique: {name}",
            )
        names.add(name)
        nested = kind in (SUB_COMMAND, SUB_COMMAND_GROUP)
        kinds.add(nested)
        if nested:
            if (kind == SUB_COMMAND_GROUP and depth > 0) or (kind == SUB_COMMAND and depth > 1):
                checker.add(
                    (*where, "type"),
                    "APPLICATION_COMMAND_OPTION_TYPE_INVALID",
                    "Subcommands nest at most as command > group > subcommand",
                )
            _check_command_options(
                checker, (*where, "options"), option.get("options"), depth=depth + 1
            )
            continue
        if not isinstance(kind, int) or not 3 <= kind <= 11:
            checker.add(
                (*where, "type"), "APPLICATION_COMMAND_OPTION_TYPE_INVALID", f"Bad type {kind}"
            )
        if option.get("required"):
            if optional_seen:
                checker.add(
                    (*where, "required"),
                    "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                    "Required options must be placed before non-required options",
                )
        else:
            optional_seen = True
        choices = checker.items((*where, "choices"), option.get("choices"), 25)
        for choice_index, choice in enumerate(choices):
            _check_choice(checker, (*where, "choices", choice_index), choice)
        if choices and option.get("autocomplete"):
            checker.add(
                (*where, "autocomplete"),
                "APPLICATION_COMMAND_OPTION_AUTOCOMPLETE_WITH_CHOICES",
                "Autocomplete cannot be enabled on an option with choices",
            )
    if len(kinds) > 1:
        checker.add(
            path,
            "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
            "Subcommands and other options cannot be mixed at one level",
        )
