"""A fake Telegram Bot API server on 127.0.0.1, for tests that run the real python-telegram-bot.

Give PTB ``base_url=fake.base_url`` (``http://127.0.0.1:PORT/bot``) and ``fake.token``; PTB
then POSTs to ``/bot<TOKEN>/<method>``. Bodies may be form-encoded, multipart (uploads) or
JSON, and query-string parameters count too; JSON-valued parameters (``reply_markup``,
``scope``, ``commands``, ``entities``, ``media``, ...) are decoded and id-like ones
(``chat_id``, ``message_id``, ``offset``, ``limit``, ``timeout``, ...) turned into numbers.
Method names match case-insensitively. Answers are Telegram's: ``{"ok": true, "result": ..}``
or ``{"ok": false, "error_code": N, "description": ..}`` with HTTP status N (429 adds
``"parameters": {"retry_after": S}``); a wrong token gets 401 ``Unauthorized`` and an
unknown method 404 ``Not Found``.

Use it as an async context manager, or through the ``fake_telegram`` fixture (listed in
tests/conftest.py's ``pytest_plugins``)::

    from tests.fake_telegram import FakeTelegram

    async def test_start(fake_telegram: FakeTelegram) -> None:
        tg = fake_telegram
        tg.add_user(5, "Ann")
        ...  # start the bot with base_url=tg.base_url, token=tg.token
        tg.send_text(5, "/start")
        reply = await tg.wait_for_message(5, lambda m: "Welcome" in (m.text or ""))
        tg.press_button(5, reply, "Search")

Methods served (Telegram's field names and shapes): getMe, logOut, close, deleteWebhook,
getWebhookInfo, getUpdates (long polling), setMyCommands / getMyCommands / deleteMyCommands
(stored per scope and language), sendMessage, sendPhoto (URL, a file_id it issued, or an
upload), editMessageText, editMessageCaption, editMessageMedia (photo only),
editMessageReplyMarkup, deleteMessage, answerCallbackQuery, getChat, sendChatAction.
Inline messages (``inline_message_id``) are not supported: 400 ``MESSAGE_ID_INVALID``.

Telegram's rules, enforced with the real server's error texts:

- text 1-4096 and caption 0-1024 UTF-16 code units after entity parsing and after stripping
  leading and trailing white space, as Telegram does ("message text is empty", "message is
  too long", "message caption is too long");
- ``parse_mode="HTML"``: only Telegram's tags (b strong i em u ins s strike del a code pre
  span.tg-spoiler tg-spoiler blockquote[expandable] tg-emoji), balanced; entities become
  ``entities`` with UTF-16 offsets. Stricter than Telegram: a bare ``<``, ``>`` or an ``&``
  that does not start ``&lt; &gt; &amp; &quot;`` or a numeric entity is refused too ("can't
  parse entities: ..."), to catch missing escaping. Markdown modes are not parsed;
- inline keyboards: callback_data 1-64 UTF-8 bytes (``BUTTON_DATA_INVALID``), at most 8
  buttons a row and 100 in all ("reply markup is too long"), each button with text and
  exactly one action (callback_data, url, ...); URLs must be http(s):// or tg://;
- answerCallbackQuery: text at most 200 characters (``MESSAGE_TOO_LONG``); an unknown query,
  one answered already or one older than ``callback_answer_deadline`` gets "query is too old
  and response timeout expired or query ID is invalid";
- edits: "message to edit not found", "there is no text in the message to edit", "there is
  no caption in the message to edit", "message is not modified: ..." (same text or caption,
  entities, photo and keyboard); "message to delete not found"; an edit without
  ``reply_markup`` removes the keyboard, as on Telegram;
- private chats: 403 "bot was blocked by the user", 403 "bot can't initiate conversation
  with a user" (not started), and 400 "chat not found" for unknown chats;
- flood control for the methods that send or edit messages: more than 30 in any rolling
  second overall, more than 20 in any rolling minute in a group, or more than
  ``private_burst`` in any rolling ``private_window`` seconds in a private chat get 429 "Too
  Many Requests: retry after N" (N = seconds until a slot frees, rounded up, at least 1).
  Every call that gets past the check counts, even one then refused as invalid.

People and chats (nobody exists until added):

- ``add_user(user_id, first_name, *, username=None, last_name=None, started=True,
  language_code="en") -> dict``: the User JSON; the private chat's id is the user's id.
- ``add_group(chat_id, title, *, supergroup=True, username=None) -> dict``: the Chat JSON
  (``chat_id`` negative; ``username`` makes it reachable as ``"@username"``).
- ``block(user_id)`` / ``unblock(user_id)``. A user who writes to the bot in private
  becomes started (and unblocked).

Injecting updates (update ids count up from 1; each wakes a pending getUpdates):

- ``send_text(user_id, text, *, chat_id=None, reply_to=None) -> dict``: a message from the
  user (in their private chat unless ``chat_id`` names a group); a leading ``/command`` or
  ``/command@bot`` gets a ``bot_command`` entity; ``reply_to`` is a message reference (below).
- ``press(user_id, message, data) -> str``: a callback query on a bot message with any data
  (forged data welcome); returns the query id.
- ``press_button(user_id, message, text_or_predicate) -> str``: press the button whose text is
  equal (or makes the callable true) on the message's current keyboard; AssertionError
  listing the buttons when there is none, or when it is a URL button.
- ``inject(update) -> dict``: any other update body, e.g. ``{"my_chat_member": {...}}``.

A message reference is a ``SentMessage``, a Message dict (as ``send_text`` returns), a
``(chat_id, message_id)`` pair, or anything with ``chat_id`` and ``message_id`` attributes
(``HasMessageIds``, e.g. PTB's ``telegram.Message``).

Observing:

- ``calls``: every API call as an ``ApiCall`` (method, params as parsed, status, description,
  result, arrival time by ``time.monotonic()``, ``ok``), in the order answered; uploaded files
  appear in params as ``Upload(filename, content_type, data)``; ``calls_to(method)``;
  ``errors``: the calls answered with an error (a crash of the fake itself shows up here as
  a 500 saying so).
- ``messages(chat_id, *, include_deleted=False)``: the bot's messages there, oldest first, as
  ``SentMessage`` (chat_id, message_id, text, caption, photo, parse_mode, reply_markup,
  ``buttons`` rows of (text, callback_data or url), entities, source (text or caption as
  sent), reply_to, deleted, history of previous versions, sent_at, edited_at, and
  ``to_json()``). text and caption are what the user sees (tags stripped, entities
  decoded). ``message(chat_id, message_id)`` and ``last(chat_id)`` raise AssertionError when
  there is no such message.
- ``answers``: ``CallbackAnswer`` per answered query (query_id, text, show_alert, url, at,
  created_at, user_id, data, chat_id, message_id); ``unanswered_queries``: ids pressed but
  not answered.
- ``commands(scope=None, language_code="")``: the stored BotCommand dicts for a scope such as
  ``{"type": "chat", "chat_id": 5}`` (default scope when None).
- ``updates``: every update injected; ``pending_updates``: those not yet confirmed;
  ``polling``: how many getUpdates requests are being held open right now (so
  ``await tg.wait_for(lambda: tg.polling)`` waits until the bot is listening).
- ``flood_violations``: a ``FloodViolation(method, chat_id, at)`` per call refused by the
  flood limits (not those forced by ``rate_limit``).
- ``bot``: the bot's User JSON (getMe), ``token``, ``base_url``; ``chats``: the Chat JSON of
  every chat added, by id.

Waiting without sleeps: ``await wait_for(predicate, timeout=10.0)`` (tests/fake_server.py)
evaluates the zero-argument predicate now and after every change (each answered call, each
injected update) and returns its first truthy value; an AssertionError or LookupError raised
by the predicate counts as "not yet". On timeout it raises AssertionError with the last 10
calls other than getUpdates.
``await wait_for_message(chat_id, predicate=None, *, after=None, timeout=10.0)`` returns the
oldest current bot message in the chat newer than ``after`` (a message reference or a
message id) that satisfies the predicate.

Knobs (``reset()`` puts them back and forgets calls, answers, flood history and queued
failures; users, chats, messages, commands and updates stay):

- ``delay``: seconds to wait before answering any call but getUpdates.
- ``rate_limit(times=1, retry_after=1, *, chat_id=None, methods=None)``: the next ``times``
  matching calls get 429 with that ``retry_after``, whatever the flood counters say;
  ``methods`` defaults to the methods that send or edit messages.
- ``fail(times=1, status=500, *, methods=None)``: the next ``times`` matching calls get
  ``status`` (500 "Internal Server Error", 502 "Bad Gateway", ...); ``methods`` defaults to
  every method but getUpdates, so a polling bot does not swallow the failure.
  ``send_garbage(times=1, *, methods=None)``: the same with 200 and a body that is not JSON.
- ``callback_answer_deadline`` (15.0 s), ``enforce_flood`` (True), ``private_burst`` (4),
  ``private_window`` (3.0 s), ``flood_scale`` (1.0: every flood window, the private one
  included, is that many times as long; a bot told the same scale keeps to the same rules
  sooner).
- lifetime and ``outage()`` / ``restore()`` are tests/fake_server.py's. The calls are
  recorded in ``calls`` only: the base's ``requests`` stays empty.

getUpdates follows Telegram: ``offset`` confirms (drops) every update with a smaller id (a
negative one keeps only the last -offset), ``limit`` 1-100, ``timeout`` holds the request
until an update is queued, ``allowed_updates`` is remembered and filters. A newer getUpdates
ends a pending one with 409 Conflict, unless its client has gone (PTB's final poll while
stopping), in which case it quietly returns ``[]``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import math
import re
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple, Protocol, TypeAlias

import pytest
from aiohttp import web

from tests.fake_server import FakeServer, Forced, Garbled, garbage, phrase

Json = dict[str, Any]

DEFAULT_TOKEN = "123456:TEST-token_abcdefghijklmnopqrstuvw"
BOT_USER: Json = {
    "id": 7000001,
    "is_bot": True,
    "first_name": "requestbot",
    "username": "requestbot_test_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
    "can_connect_to_business": False,
    "has_main_web_app": False,
}
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64
CALLBACK_TEXT_LIMIT = 200
ROW_LIMIT = 8
BUTTON_LIMIT = 100
COMMAND_LIMIT = 100
GLOBAL_RATE = (30, 1.0)  # calls, seconds
GROUP_RATE = (20, 60.0)

MESSAGE_METHODS = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "editMessageText",
        "editMessageCaption",
        "editMessageMedia",
        "editMessageReplyMarkup",
    }
)
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the"
    " same as a current content and reply markup of the message"
)
_QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
_QUERY_ID_BASE = 4_000_000_000_000_000_000
_JSON_KEYS = frozenset(
    {
        "reply_markup", "scope", "commands", "entities", "caption_entities",
        "link_preview_options", "media", "allowed_updates", "reply_parameters",
    }
)  # fmt: skip
_INT_KEYS = frozenset(
    {
        "chat_id", "message_id", "offset", "limit", "user_id", "reply_to_message_id",
        "cache_time", "message_thread_id", "from_chat_id", "timeout",
    }
)  # fmt: skip
_BOOL_KEYS = frozenset(
    {
        "disable_notification", "protect_content", "show_alert", "drop_pending_updates",
        "allow_sending_without_reply", "has_spoiler", "disable_web_page_preview",
        "show_caption_above_media",
    }
)  # fmt: skip
_INT_RE = re.compile(r"-?\d+")
_COMMAND_RE = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?=\s|$)")
_BOT_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_URL_RE = re.compile(r"(?:https?|tg)://\S+", re.IGNORECASE)
_BUTTON_ACTIONS = (
    "callback_data", "url", "web_app", "login_url", "switch_inline_query",
    "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "copy_text",
    "callback_game", "pay",
)  # fmt: skip
_SCOPES = frozenset(
    {
        "default", "all_private_chats", "all_group_chats", "all_chat_administrators", "chat",
        "chat_administrators", "chat_member",
    }
)  # fmt: skip
_CHAT_ACTIONS = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice",
        "upload_voice", "upload_document", "choose_sticker", "find_location",
        "record_video_note", "upload_video_note",
    }
)  # fmt: skip
_PHOTO_SIZES = ((90, 135, "s"), (320, 480, "m"), (800, 1200, "x"))


class _ApiError(Exception):
    """An error answer: HTTP status, Telegram's description and maybe retry_after."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def body(self) -> Json:
        body: Json = {"ok": False, "error_code": self.status, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def _bad(description: str) -> _ApiError:
    return _ApiError(400, f"Bad Request: {description}")


def _forbidden(description: str) -> _ApiError:
    return _ApiError(403, f"Forbidden: {description}")


def _too_many(retry_after: int) -> _ApiError:
    return _ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)


# ----- records ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Upload:
    """A file uploaded in a multipart body."""

    filename: str
    content_type: str
    data: bytes = field(repr=False)


@dataclass(frozen=True, slots=True)
class ApiCall:
    """One call of the Bot API, as answered."""

    method: str
    params: Json
    status: int
    description: str | None
    at: float
    result: Any = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return self.status == 200


class FloodViolation(NamedTuple):
    """A call refused by the flood limits."""

    method: str
    chat_id: int
    at: float


@dataclass(frozen=True, slots=True)
class CallbackAnswer:
    """An answerCallbackQuery the bot made in time."""

    query_id: str
    text: str | None
    show_alert: bool
    url: str | None
    at: float
    created_at: float
    user_id: int
    data: str
    chat_id: int
    message_id: int


@dataclass(slots=True)
class SentMessage:
    """A message the bot sent; edits update it in place and push the old version to history."""

    chat_id: int
    message_id: int
    text: str | None = None
    caption: str | None = None
    photo: str | None = None
    parse_mode: str | None = None
    reply_markup: Json | None = None
    entities: list[Json] = field(default_factory=list)
    source: str | None = None
    reply_to: int | None = None
    deleted: bool = False
    sent_at: float = 0.0
    edited_at: float | None = None
    history: list[SentMessage] = field(default_factory=list, repr=False)
    date: int = field(default=0, repr=False)
    edit_date: int | None = field(default=None, repr=False)
    chat: Json = field(default_factory=dict, repr=False)
    sender: Json = field(default_factory=dict, repr=False)
    photo_sizes: list[Json] = field(default_factory=list, repr=False)
    reply_to_message: Json | None = field(default=None, repr=False)

    @property
    def buttons(self) -> list[list[tuple[str, str | None]]]:
        """The inline keyboard as rows of (text, callback_data or url)."""
        return [
            [(b.get("text", ""), b.get("callback_data", b.get("url"))) for b in row]
            for row in _inline_rows(self.reply_markup)
        ]

    def to_json(self) -> Json:
        """The Message object Telegram would return for the current version."""
        message: Json = {
            "message_id": self.message_id,
            "from": self.sender,
            "chat": self.chat,
            "date": self.date,
        }
        if self.edit_date is not None:
            message["edit_date"] = self.edit_date
        if self.reply_to_message is not None:
            message["reply_to_message"] = self.reply_to_message
        if self.photo is None:
            message["text"] = self.text
            if self.entities:
                message["entities"] = self.entities
        else:
            message["photo"] = self.photo_sizes
            if self.caption:
                message["caption"] = self.caption
            if self.entities:
                message["caption_entities"] = self.entities
        if _inline_rows(self.reply_markup):
            message["reply_markup"] = self.reply_markup
        return message


class HasMessageIds(Protocol):
    """Anything with ``chat_id`` and ``message_id``: a SentMessage, PTB's Message, ..."""

    @property
    def chat_id(self) -> int: ...

    @property
    def message_id(self) -> int: ...


MessageRef: TypeAlias = HasMessageIds | Json | tuple[int, int]


@dataclass(slots=True)
class _Person:
    user: Json
    started: bool
    blocked: bool = False


@dataclass(slots=True)
class _Query:
    user_id: int
    data: str
    chat_id: int
    message_id: int
    created_at: float
    answered: bool = False


# ----- the fake -----------------------------------------------------------------------------


class FakeTelegram(FakeServer):
    """A Telegram Bot API look-alike on a random free port of 127.0.0.1; see the module doc."""

    def __init__(self, *, token: str = DEFAULT_TOKEN) -> None:
        super().__init__()
        self.token = token
        self.bot: Json = dict(BOT_USER)
        self.chats: dict[int, Json] = {}
        self.calls: list[ApiCall] = []
        self.answers: list[CallbackAnswer] = []
        self.updates: list[Json] = []
        self.flood_violations: list[FloodViolation] = []
        self._people: dict[int, _Person] = {}
        self._sent: dict[int, list[SentMessage]] = {}
        self._incoming: dict[tuple[int, int], Json] = {}
        self._deleted_incoming: set[tuple[int, int]] = set()
        self._last_id: dict[int, int] = {}
        self._pending: list[Json] = []
        self._allowed: set[str] | None = None
        self._queries: dict[str, _Query] = {}
        self._commands: dict[tuple[Any, ...], list[Json]] = {}
        self._files: dict[str, str] = {}
        self._flood_all: deque[float] = deque()
        self._flood_chat: dict[int, deque[float]] = {}
        self._update_seq = 0
        self._query_seq = 0
        self._polls = 0
        self.polling = 0
        self._set_default_knobs()
        self._routes = self._make_routes()

    def _set_default_knobs(self) -> None:
        self.callback_answer_deadline = 15.0
        self.enforce_flood = True
        self.private_burst = 4
        self.private_window = 3.0
        self.flood_scale = 1.0

    # ----- lifetime ---------------------------------------------------------------------

    def _add_routes(self, router: web.UrlDispatcher) -> None:
        router.add_route("*", "/bot{token}/{method}", self._handle)

    def _seen_path(self, request: web.Request) -> None:
        return None  # every call is recorded as an ApiCall once answered, in ``calls``

    @property
    def base_url(self) -> str:
        """What to give PTB as ``base_url``, like ``https://api.telegram.org/bot``."""
        return self.origin + "/bot"

    # ----- people and chats -------------------------------------------------------------

    def add_user(
        self,
        user_id: int,
        first_name: str,
        *,
        username: str | None = None,
        last_name: str | None = None,
        started: bool = True,
        language_code: str | None = "en",
    ) -> Json:
        """Add (or replace) a user and their private chat; returns the User JSON."""
        assert user_id > 0, "user ids are positive"
        user: Json = {"id": user_id, "is_bot": False, "first_name": first_name}
        chat: Json = {"id": user_id, "type": "private", "first_name": first_name}
        for key, value in (("last_name", last_name), ("username", username)):
            if value is not None:
                user[key] = chat[key] = value
        if language_code is not None:
            user["language_code"] = language_code
        self._people[user_id] = _Person(user, started)
        self.chats[user_id] = chat
        return user

    def add_group(
        self, chat_id: int, title: str, *, supergroup: bool = True, username: str | None = None
    ) -> Json:
        """Add (or replace) a group the bot is in; returns the Chat JSON."""
        assert chat_id < 0, "group chat ids are negative"
        chat: Json = {"id": chat_id, "type": "supergroup" if supergroup else "group"}
        chat["title"] = title
        if username is not None:
            chat["username"] = username.removeprefix("@")
        self.chats[chat_id] = chat
        return chat

    def block(self, user_id: int) -> None:
        """The user blocks the bot: sends and edits to them get 403."""
        self._person(user_id).blocked = True

    def unblock(self, user_id: int) -> None:
        self._person(user_id).blocked = False

    # ----- injecting updates ------------------------------------------------------------

    def inject(self, update: Json) -> Json:
        """Queue an update body (``{"message": ...}``); returns it with its update_id."""
        self._update_seq += 1
        queued = {"update_id": self._update_seq, **update}
        self.updates.append(queued)
        self._pending.append(queued)
        self._bump()
        return queued

    def send_text(
        self,
        user_id: int,
        text: str,
        *,
        chat_id: int | None = None,
        reply_to: MessageRef | None = None,
    ) -> Json:
        """The user writes ``text`` to the bot; returns the Message JSON queued."""
        person = self._person(user_id)
        chat = self.chats.get(user_id if chat_id is None else chat_id)
        assert chat is not None, f"unknown chat {chat_id}: add_group() it first"
        if chat["type"] == "private":
            assert chat["id"] == user_id, "a user writes only in their own private chat"
            person.started, person.blocked = True, False
        message: Json = {
            "message_id": self._next_id(chat["id"]),
            "from": person.user,
            "chat": chat,
            "date": int(time.time()),
        }
        if reply_to is not None:
            message["reply_to_message"] = self._reply_json(*_ref_ids(reply_to))
        message["text"] = text
        command = _COMMAND_RE.match(text)
        if command is not None:
            length = _u16(command.group())
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        self._incoming[(chat["id"], message["message_id"])] = message
        self.inject({"message": message})
        return message

    def press(self, user_id: int, message: MessageRef, data: str) -> str:
        """The user presses a button carrying ``data`` on a bot message; returns the query id."""
        person = self._person(user_id)
        sent = self._bot_message(message)
        self._query_seq += 1
        query_id = str(_QUERY_ID_BASE + self._query_seq)
        now = time.monotonic()
        self._queries[query_id] = _Query(user_id, data, sent.chat_id, sent.message_id, now)
        query = {
            "id": query_id,
            "from": person.user,
            "message": sent.to_json(),
            "chat_instance": str(-(7_000_000_000_000_000_000 + abs(sent.chat_id))),
            "data": data,
        }
        self.inject({"callback_query": query})
        return query_id

    def press_button(
        self, user_id: int, message: MessageRef, text_or_predicate: str | Callable[[str], bool]
    ) -> str:
        """Press the button with that text (or whose text satisfies the callable)."""
        sent = self._bot_message(message)
        wanted = text_or_predicate
        for row in _inline_rows(sent.reply_markup):
            for button in row:
                text = button.get("text", "")
                if not (wanted(text) if callable(wanted) else text == wanted):
                    continue
                data = button.get("callback_data")
                if data is None:
                    raise AssertionError(f"button {text!r} sends no callback: {button}")
                return self.press(user_id, sent, data)
        raise AssertionError(
            f"no button {wanted!r} on message {sent.message_id} in chat {sent.chat_id};"
            f" its buttons: {sent.buttons}"
        )

    # ----- observing --------------------------------------------------------------------

    @property
    def errors(self) -> list[ApiCall]:
        """The calls answered with an error."""
        return [call for call in self.calls if not call.ok]

    def calls_to(self, method: str) -> list[ApiCall]:
        """The calls of one method (case-insensitive)."""
        return [call for call in self.calls if call.method.lower() == method.lower()]

    def messages(self, chat_id: int, *, include_deleted: bool = False) -> list[SentMessage]:
        """The bot's messages in the chat, oldest first."""
        return [m for m in self._sent.get(chat_id, []) if include_deleted or not m.deleted]

    def message(self, chat_id: int, message_id: int) -> SentMessage:
        """One message the bot sent (deleted or not)."""
        found = self._find_sent(chat_id, message_id)
        if found is None:
            raise AssertionError(f"the bot sent no message {message_id} in chat {chat_id}")
        return found

    def last(self, chat_id: int) -> SentMessage:
        """The bot's newest current message in the chat."""
        current = self.messages(chat_id)
        if not current:
            raise AssertionError(f"the bot has no message in chat {chat_id}")
        return current[-1]

    @property
    def unanswered_queries(self) -> list[str]:
        """Callback query ids pressed but not answered (yet)."""
        return [query_id for query_id, q in self._queries.items() if not q.answered]

    @property
    def pending_updates(self) -> list[Json]:
        """Updates queued and not yet confirmed by a getUpdates offset."""
        return list(self._pending)

    def commands(self, scope: Json | None = None, language_code: str = "") -> list[Json]:
        """The BotCommand list stored for a scope (default scope when None)."""
        return list(self._commands.get(self._scope_key(scope, language_code), []))

    # ----- waiting ----------------------------------------------------------------------

    async def wait_for_message(
        self,
        chat_id: int,
        predicate: Callable[[SentMessage], object] | None = None,
        *,
        after: MessageRef | int | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> SentMessage:
        """The oldest current bot message in the chat, newer than ``after``, that matches."""
        floor = 0 if after is None else after if isinstance(after, int) else _ref_ids(after)[1]

        def found() -> SentMessage | None:
            for m in self.messages(chat_id):
                if m.message_id > floor and (predicate is None or predicate(m)):
                    return m
            return None

        return await self.wait_for(found, timeout=timeout)

    def _report(self) -> str:
        recent = [c for c in self.calls if c.method != "getUpdates"][-10:]
        lines = ["last calls (getUpdates left out):" if recent else "no calls but getUpdates"]
        lines += [f"  {_describe(call)}" for call in recent]
        lines.append(f"{len(self._pending)} update(s) not yet confirmed by getUpdates")
        return "\n".join(lines)

    # ----- knobs ------------------------------------------------------------------------

    def rate_limit(
        self,
        times: int = 1,
        retry_after: int = 1,
        *,
        chat_id: int | str | None = None,
        methods: Iterable[str] | None = None,
    ) -> None:
        """Answer the next ``times`` matching calls with 429 and ``retry_after``."""
        matches = _calls_to(methods, MESSAGE_METHODS, chat_id)
        self._force(times, Forced(429, math.ceil(retry_after), matches=matches))

    def fail(
        self, times: int = 1, status: int = 500, *, methods: Iterable[str] | None = None
    ) -> None:
        """Answer the next ``times`` matching calls (not getUpdates by default) with ``status``."""
        self._force(times, Forced(status, matches=_calls_to(methods)))

    def send_garbage(self, times: int = 1, *, methods: Iterable[str] | None = None) -> None:
        """Answer the next ``times`` matching calls (not getUpdates by default) with 200 and a
        body that is not JSON."""
        self._force(times, Forced(200, garbage=True, matches=_calls_to(methods)))

    def reset(self) -> None:
        """Forget calls, answers, flood history and queued failures; knobs back to defaults."""
        super().reset()
        self._set_default_knobs()
        self.calls.clear()
        self.answers.clear()
        self.flood_violations.clear()
        self._flood_all.clear()
        self._flood_chat.clear()

    # ----- the server -------------------------------------------------------------------

    def _make_routes(self) -> dict[str, tuple[str, Callable[[Json], Any]]]:
        handlers: dict[str, Callable[[Json], Any]] = {
            "getMe": lambda p: dict(self.bot),
            "logOut": lambda p: True,
            "close": lambda p: True,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._webhook_info,
            "getUpdates": lambda p: None,  # served by _get_updates, which needs the request
            "setMyCommands": self._set_commands,
            "getMyCommands": self._get_commands,
            "deleteMyCommands": self._delete_commands,
            "sendMessage": self._send_message,
            "sendPhoto": self._send_photo,
            "editMessageText": self._edit_text,
            "editMessageCaption": self._edit_caption,
            "editMessageMedia": self._edit_media,
            "editMessageReplyMarkup": self._edit_reply_markup,
            "deleteMessage": self._delete_message,
            "answerCallbackQuery": self._answer_callback,
            "getChat": self._get_chat,
            "sendChatAction": self._send_chat_action,
        }
        return {name.lower(): (name, handler) for name, handler in handlers.items()}

    async def _handle(self, request: web.Request) -> web.Response:
        at = time.monotonic()
        route = self._routes.get(request.match_info["method"].lower())
        method = route[0] if route else request.match_info["method"]
        params: Json = {}
        result: Any = None
        try:
            params = await _read_params(request)
            result = await self._dispatch(request, method, route is not None, params)
        except _ApiError as error:
            self.calls.append(ApiCall(method, params, error.status, error.description, at))
            response = web.json_response(error.body(), status=error.status)
        except Garbled:
            self.calls.append(ApiCall(method, params, 200, "garbage: not JSON", at))
            response = garbage()
        except Exception as exc:  # a bug in the fake: make it visible in calls and errors
            crash = _ApiError(500, f"Internal Server Error (the fake crashed: {exc!r})")
            self.calls.append(ApiCall(method, params, 500, crash.description, at))
            response = web.json_response(crash.body(), status=500)
        else:
            self.calls.append(ApiCall(method, params, 200, None, at, result))
            response = web.json_response({"ok": True, "result": result})
        self._bump()
        return response

    async def _dispatch(self, request: web.Request, method: str, known: bool, p: Json) -> Any:
        if request.match_info["token"] != self.token:
            raise _ApiError(401, "Unauthorized")
        if not known:
            raise _ApiError(404, "Not Found")
        if method == "getUpdates":
            self._check_forced(method, p)
            return await self._get_updates(p, request)
        await self._pause()
        self._check_forced(method, p)
        return self._routes[method.lower()][1](p)

    def _check_forced(self, method: str, p: Json) -> None:
        chat = self._lookup(p.get("chat_id"))
        chat_id = chat["id"] if chat is not None else p.get("chat_id")
        forced = self._take_forced(method, chat_id)
        if forced is None:
            return
        if forced.garbage:
            raise Garbled
        if forced.retry_after is not None:
            raise _too_many(int(forced.retry_after))
        raise _ApiError(forced.status, phrase(forced.status))

    # ----- updates ----------------------------------------------------------------------

    async def _get_updates(self, p: Json, request: web.Request) -> list[Json]:
        self._polls += 1
        generation = self._polls
        self._confirm(p.get("offset"))
        limit = min(max(_as_int(p.get("limit"), 100), 1), 100)
        timeout = max(_as_float(p.get("timeout"), 0.0), 0.0)
        if p.get("allowed_updates") is not None:
            self._allowed = set(p["allowed_updates"]) or None
        deadline = time.monotonic() + timeout
        held = False
        try:
            while True:
                if generation != self._polls:
                    return _superseded(request)
                batch = self._deliverable(limit)
                remaining = deadline - time.monotonic()
                if batch or remaining <= 0 or self._closing.is_set():
                    return batch
                if not held:
                    held, self.polling = True, self.polling + 1
                    self._bump()
                changed = self._changed
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(changed.wait(), remaining)
        finally:
            if held:
                self.polling -= 1

    def _confirm(self, offset: object) -> None:
        if not isinstance(offset, int) or offset == 0:
            return
        if offset > 0:
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
        else:
            self._pending = self._pending[offset:]

    def _deliverable(self, limit: int) -> list[Json]:
        if self._allowed is not None:
            allowed = self._allowed
            self._pending = [u for u in self._pending if _update_type(u) in allowed]
        return self._pending[:limit]

    def _delete_webhook(self, p: Json) -> bool:
        if p.get("drop_pending_updates"):
            self._pending.clear()
        return True

    def _webhook_info(self, p: Json) -> Json:
        return {
            "url": "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }

    # ----- commands ---------------------------------------------------------------------

    def _set_commands(self, p: Json) -> bool:
        commands = p.get("commands")
        if not isinstance(commands, list):
            raise _bad("can't parse commands JSON object")
        if len(commands) > COMMAND_LIMIT:
            raise _bad("BOT_COMMANDS_TOO_MUCH")
        for command in commands:
            _check_command(command)
        key = self._checked_scope_key(p)
        stored = [{"command": c["command"], "description": c["description"]} for c in commands]
        if stored:
            self._commands[key] = stored
        else:
            self._commands.pop(key, None)
        return True

    def _get_commands(self, p: Json) -> list[Json]:
        return list(self._commands.get(self._checked_scope_key(p), []))

    def _delete_commands(self, p: Json) -> bool:
        self._commands.pop(self._checked_scope_key(p), None)
        return True

    def _checked_scope_key(self, p: Json) -> tuple[Any, ...]:
        scope = p.get("scope")
        language = p.get("language_code") or ""
        if scope is None:
            return self._scope_key(None, language)
        if not isinstance(scope, dict) or scope.get("type") not in _SCOPES:
            raise _bad("can't parse BotCommandScope JSON object")
        chat_scope = scope["type"] in ("chat", "chat_administrators", "chat_member")
        if chat_scope and self._lookup(scope.get("chat_id")) is None:
            raise _bad("chat not found")
        if scope["type"] == "chat_member" and scope.get("user_id") not in self._people:
            raise _bad("user not found")
        return self._scope_key(scope, language)

    def _scope_key(self, scope: Json | None, language: str) -> tuple[Any, ...]:
        if scope is None:
            return ("default", None, None, language)
        chat = self._lookup(scope.get("chat_id"))
        chat_id = chat["id"] if chat is not None else scope.get("chat_id")
        return (scope.get("type"), chat_id, scope.get("user_id"), language)

    # ----- chats ------------------------------------------------------------------------

    def _lookup(self, ref: object) -> Json | None:
        """The chat a chat_id parameter names: an id, or "@username" of a group."""
        if isinstance(ref, bool):
            return None
        if isinstance(ref, str) and _INT_RE.fullmatch(ref):
            ref = int(ref)
        if isinstance(ref, int):
            return self.chats.get(ref)
        if isinstance(ref, str) and ref.startswith("@"):
            name = ref[1:].lower()
            for chat in self.chats.values():
                if chat["type"] != "private" and chat.get("username", "").lower() == name:
                    return chat
        return None

    def _target(self, ref: object, *, sending: bool) -> Json:
        """The chat to send to or edit in, or the error Telegram gives."""
        if ref is None or ref == "":
            raise _bad("chat_id is empty")
        chat = self._lookup(ref)
        if chat is None:
            raise _bad("chat not found")
        person = self._people.get(chat["id"])
        if person is not None and person.blocked:
            raise _forbidden("bot was blocked by the user")
        if person is not None and sending and not person.started:
            raise _forbidden("bot can't initiate conversation with a user")
        return chat

    def _get_chat(self, p: Json) -> Json:
        chat = self._lookup(p.get("chat_id"))
        if chat is None:
            raise _bad("chat not found")
        return {**chat, **_CHAT_FULL_INFO}

    def _send_chat_action(self, p: Json) -> bool:
        self._target(p.get("chat_id"), sending=True)
        if p.get("action") not in _CHAT_ACTIONS:
            raise _bad("wrong parameter action in request")
        return True

    def _person(self, user_id: int) -> _Person:
        person = self._people.get(user_id)
        assert person is not None, f"unknown user {user_id}: add_user() them first"
        return person

    # ----- flood control ----------------------------------------------------------------

    def _admit(self, method: str, chat_id: int) -> None:
        """Refuse a call over the flood limits with 429; count it otherwise."""
        if not self.enforce_flood:
            return
        now = time.monotonic()
        per_chat = self._flood_chat.setdefault(chat_id, deque())
        scale = self.flood_scale
        horizon = now - max(GROUP_RATE[1], self.private_window, GLOBAL_RATE[1]) * scale
        for times in (self._flood_all, per_chat):
            while times and times[0] <= horizon:
                times.popleft()
        limit, window = GROUP_RATE if chat_id < 0 else (self.private_burst, self.private_window)
        waits = [_window_wait(self._flood_all, GLOBAL_RATE[0], GLOBAL_RATE[1] * scale, now)]
        waits.append(_window_wait(per_chat, limit, window * scale, now))
        wait = max((w for w in waits if w is not None), default=None)
        if wait is not None:
            self.flood_violations.append(FloodViolation(method, chat_id, now))
            raise _too_many(wait)
        self._flood_all.append(now)
        per_chat.append(now)

    # ----- sending ----------------------------------------------------------------------

    def _send_message(self, p: Json) -> Json:
        chat = self._target(p.get("chat_id"), sending=True)
        self._admit("sendMessage", chat["id"])
        text, entities = _content(p.get("text"), p.get("parse_mode"), p.get("entities"))
        _check_text(text)
        markup = _keyboard(p.get("reply_markup"))
        reply = self._reply_for(chat["id"], p)
        sent = self._store(chat, p, text=text, entities=entities, reply_markup=markup)
        sent.source = _as_str(p.get("text"))
        _set_reply(sent, reply)
        return sent.to_json()

    def _send_photo(self, p: Json) -> Json:
        chat = self._target(p.get("chat_id"), sending=True)
        self._admit("sendPhoto", chat["id"])
        shown, sizes = self._photo(p.get("photo"), p)
        caption, entities = _content(
            p.get("caption"), p.get("parse_mode"), p.get("caption_entities")
        )
        _check_caption(caption)
        markup = _keyboard(p.get("reply_markup"))
        reply = self._reply_for(chat["id"], p)
        sent = self._store(chat, p, caption=caption, entities=entities, reply_markup=markup)
        sent.photo, sent.photo_sizes, sent.source = shown, sizes, _as_str(p.get("caption"))
        _set_reply(sent, reply)
        return sent.to_json()

    def _store(self, chat: Json, p: Json, **content: Any) -> SentMessage:
        sent = SentMessage(
            chat_id=chat["id"],
            message_id=self._next_id(chat["id"]),
            parse_mode=p.get("parse_mode"),
            sent_at=time.monotonic(),
            date=int(time.time()),
            chat=chat,
            sender=_sender(self.bot),
            **content,
        )
        self._sent.setdefault(chat["id"], []).append(sent)
        return sent

    def _next_id(self, chat_id: int) -> int:
        self._last_id[chat_id] = self._last_id.get(chat_id, 0) + 1
        return self._last_id[chat_id]

    def _reply_for(self, chat_id: int, p: Json) -> Json | None:
        """The message a send replies to, from reply_parameters or reply_to_message_id."""
        params = p.get("reply_parameters")
        if not isinstance(params, dict):
            params = {"message_id": p.get("reply_to_message_id")}
            params["allow_sending_without_reply"] = p.get("allow_sending_without_reply")
        message_id = params.get("message_id")
        if message_id is None:
            return None
        chat = self._lookup(params.get("chat_id", chat_id))
        found = None if chat is None else self._find_any(chat["id"], message_id)
        if found is None and not params.get("allow_sending_without_reply"):
            raise _bad("message to be replied not found")
        return found

    def _photo(self, photo: object, p: Json) -> tuple[str, list[Json]]:
        """What was sent as the photo (URL, file_id or upload) and its PhotoSize list."""
        if isinstance(photo, str) and photo.startswith("attach://"):
            photo = p.get(photo.removeprefix("attach://"))
        if isinstance(photo, Upload):
            key = "upload:" + hashlib.sha256(photo.data).hexdigest()
            shown = f"upload:{photo.filename}"
        elif not isinstance(photo, str) or not photo:
            raise _bad("there is no photo in the request")
        elif _URL_RE.fullmatch(photo) and not photo.lower().startswith("tg:"):
            key = shown = photo
        elif photo in self._files:
            key, shown = self._files[photo], photo
        else:
            raise _bad("wrong file identifier/HTTP URL specified")
        sizes = _photo_sizes(key)
        self._files.update((size["file_id"], key) for size in sizes)
        return shown, sizes

    # ----- editing ----------------------------------------------------------------------

    def _editable(self, method: str, p: Json) -> SentMessage:
        if p.get("inline_message_id") is not None:
            raise _bad("MESSAGE_ID_INVALID")
        chat = self._target(p.get("chat_id"), sending=False)
        message_id = p.get("message_id")
        if message_id is None:
            raise _bad("message identifier is not specified")
        self._admit(method, chat["id"])
        sent = self._find_sent(chat["id"], message_id)
        if sent is None or sent.deleted:
            if (chat["id"], message_id) in self._incoming:
                raise _bad("message can't be edited")
            raise _bad("message to edit not found")
        return sent

    def _edit_text(self, p: Json) -> Json:
        sent = self._editable("editMessageText", p)
        if sent.photo is not None:
            raise _bad("there is no text in the message to edit")
        text, entities = _content(p.get("text"), p.get("parse_mode"), p.get("entities"))
        _check_text(text)
        changes = {"text": text, "entities": entities, "source": _as_str(p.get("text"))}
        changes["parse_mode"] = p.get("parse_mode")
        return self._apply(sent, p, changes)

    def _edit_caption(self, p: Json) -> Json:
        sent = self._editable("editMessageCaption", p)
        if sent.photo is None:
            raise _bad("there is no caption in the message to edit")
        caption, entities = _content(
            p.get("caption"), p.get("parse_mode"), p.get("caption_entities")
        )
        _check_caption(caption)
        changes = {"caption": caption, "entities": entities, "source": _as_str(p.get("caption"))}
        changes["parse_mode"] = p.get("parse_mode")
        return self._apply(sent, p, changes)

    def _edit_media(self, p: Json) -> Json:
        sent = self._editable("editMessageMedia", p)
        media = p.get("media")
        if not isinstance(media, dict):
            raise _bad("can't parse InputMedia JSON object")
        if media.get("type") != "photo":
            raise _bad(f"unsupported media type {media.get('type')!r} (the fake knows only photo)")
        if sent.photo is None:
            raise _bad("there is no media in the message to edit")
        shown, sizes = self._photo(media.get("media"), p)
        caption, entities = _content(
            media.get("caption"), media.get("parse_mode"), media.get("caption_entities")
        )
        _check_caption(caption)
        changes = {
            "photo": shown,
            "photo_sizes": sizes,
            "caption": caption,
            "entities": entities,
            "source": _as_str(media.get("caption")),
            "parse_mode": media.get("parse_mode"),
        }
        return self._apply(sent, p, changes)

    def _edit_reply_markup(self, p: Json) -> Json:
        sent = self._editable("editMessageReplyMarkup", p)
        return self._apply(sent, p, {})

    def _apply(self, sent: SentMessage, p: Json, changes: Json) -> Json:
        """Edit in place, keeping the old version, unless nothing would change."""
        changes["reply_markup"] = _keyboard(p.get("reply_markup"))
        if _edit_key(replace(sent, **changes)) == _edit_key(sent):
            raise _bad(_NOT_MODIFIED)
        sent.history.append(replace(sent, history=[]))
        for name, value in changes.items():
            setattr(sent, name, value)
        sent.edited_at, sent.edit_date = time.monotonic(), int(time.time())
        return sent.to_json()

    def _delete_message(self, p: Json) -> bool:
        chat = self._lookup(p.get("chat_id"))
        if chat is None:
            raise _bad("chat not found")
        message_id = p.get("message_id")
        if not isinstance(message_id, int):
            raise _bad("message identifier is not specified")
        sent = self._find_sent(chat["id"], message_id)
        if sent is not None and not sent.deleted:
            sent.deleted = True
            return True
        key = (chat["id"], message_id)
        if key in self._incoming and key not in self._deleted_incoming:
            self._deleted_incoming.add(key)
            return True
        raise _bad("message to delete not found")

    # ----- callbacks --------------------------------------------------------------------

    def _answer_callback(self, p: Json) -> bool:
        text = _as_str(p.get("text"))
        if text is not None and _u16(text) > CALLBACK_TEXT_LIMIT:
            raise _bad("MESSAGE_TOO_LONG")
        query_id = str(p.get("callback_query_id", ""))
        query = self._queries.get(query_id)
        now = time.monotonic()
        if (
            query is None
            or query.answered
            or now - query.created_at > self.callback_answer_deadline
        ):
            raise _bad(_QUERY_TOO_OLD)
        query.answered = True
        self.answers.append(
            CallbackAnswer(
                query_id=query_id,
                text=text,
                show_alert=bool(p.get("show_alert")),
                url=_as_str(p.get("url")),
                at=now,
                created_at=query.created_at,
                user_id=query.user_id,
                data=query.data,
                chat_id=query.chat_id,
                message_id=query.message_id,
            )
        )
        return True

    # ----- finding messages -------------------------------------------------------------

    def _find_sent(self, chat_id: int, message_id: int) -> SentMessage | None:
        for sent in self._sent.get(chat_id, []):
            if sent.message_id == message_id:
                return sent
        return None

    def _find_any(self, chat_id: int, message_id: int) -> Json | None:
        """A current message (the bot's or a user's) as JSON, without its own reply."""
        sent = self._find_sent(chat_id, message_id)
        if sent is not None and not sent.deleted:
            found = sent.to_json()
        else:
            found = self._incoming.get((chat_id, message_id))
            if found is None or (chat_id, message_id) in self._deleted_incoming:
                return None
        return {k: v for k, v in found.items() if k != "reply_to_message"}

    def _reply_json(self, chat_id: int, message_id: int) -> Json:
        found = self._find_any(chat_id, message_id)
        assert found is not None, f"no message {message_id} in chat {chat_id} to reply to"
        return found

    def _bot_message(self, ref: MessageRef) -> SentMessage:
        chat_id, message_id = _ref_ids(ref)
        sent = self._find_sent(chat_id, message_id)
        if sent is None or sent.deleted:
            raise AssertionError(f"no current bot message {message_id} in chat {chat_id}")
        return sent


@pytest.fixture
async def fake_telegram() -> AsyncIterator[FakeTelegram]:
    """A running FakeTelegram with no users or chats, stopped after the test."""
    async with FakeTelegram() as server:
        yield server


# ----- requests -----------------------------------------------------------------------------


async def _read_params(request: web.Request) -> Json:
    """Query string plus body (form, multipart or JSON), with Telegram's value types."""
    raw: dict[str, Any] = dict(request.query)
    if request.body_exists:
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise _bad("can't parse request JSON object") from None
            if not isinstance(body, dict):
                raise _bad("can't parse request JSON object")
            raw.update(body)
        else:
            form = await request.post()
            for key, value in form.items():
                raw[key] = _upload(value) if isinstance(value, web.FileField) else value
    return {key: _coerce(key, value) for key, value in raw.items()}


def _upload(part: web.FileField) -> Upload:
    return Upload(part.filename, part.content_type, part.file.read())


def _coerce(key: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if key in _JSON_KEYS:
        try:
            return json.loads(value)
        except ValueError:
            what = "reply keyboard markup" if key == "reply_markup" else key
            raise _bad(f"can't parse {what} JSON object") from None
    if key in _INT_KEYS and _INT_RE.fullmatch(value):
        return int(value)
    if key == "timeout":
        return _as_float(value, 0.0)
    if key in _BOOL_KEYS and value in ("true", "false"):
        return value == "true"
    return value


def _as_int(value: object, default: int) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and _INT_RE.fullmatch(value):
        return int(value)
    return default


def _as_float(value: object, default: float) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    try:
        return float(value) if isinstance(value, str) else default
    except ValueError:
        return default


def _as_str(value: object) -> str | None:
    return None if value is None else str(value)


def _calls_to(
    methods: Iterable[str] | None,
    default: frozenset[str] | None = None,
    chat_id: int | str | None = None,
) -> Callable[[str, object], bool]:
    """Which calls a forced failure is for: the ``methods`` named (any case), else those of
    ``default``, else every method but getUpdates; in ``chat_id`` only, when it is set."""
    names = None if methods is None else frozenset(m.lower() for m in methods)

    def matches(method: str, chat: object) -> bool:
        if names is not None:
            wanted = method.lower() in names
        elif default is not None:
            wanted = method in default
        else:
            wanted = method != "getUpdates"
        return wanted and (chat_id is None or chat_id == chat)

    return matches


def _describe(call: ApiCall) -> str:
    params = json.dumps(call.params, ensure_ascii=False, default=str)
    if len(params) > 200:
        params = params[:197] + "..."
    outcome = str(call.status) + (f" {call.description}" if call.description else "")
    return f"{call.method} -> {outcome} {params}"


def _superseded(request: web.Request) -> list[Json]:
    """A held getUpdates that a newer one replaced: [] if its client left, else 409."""
    if request.transport is None or request.transport.is_closing():
        return []
    raise _ApiError(
        409,
        "Conflict: terminated by other getUpdates request; make sure that only one bot"
        " instance is running",
    )


def _update_type(update: Json) -> str:
    return next((key for key in update if key != "update_id"), "")


def _ref_ids(ref: MessageRef) -> tuple[int, int]:
    """(chat_id, message_id) of a message reference."""
    if isinstance(ref, dict):
        return ref["chat"]["id"], ref["message_id"]
    if isinstance(ref, tuple):
        chat_id, message_id = ref
        return chat_id, message_id
    return ref.chat_id, ref.message_id


def _sender(bot: Json) -> Json:
    return {key: bot[key] for key in ("id", "is_bot", "first_name", "username")}


def _set_reply(sent: SentMessage, reply: Json | None) -> None:
    if reply is not None:
        sent.reply_to, sent.reply_to_message = reply["message_id"], reply


def _window_wait(times: deque[float], limit: int, window: float, now: float) -> int | None:
    """Whole seconds until a rolling window holding ``times`` has room, or None if it has."""
    recent = [t for t in times if t > now - window]
    if len(recent) < limit:
        return None
    oldest_to_expire = recent[len(recent) - limit] if limit > 0 else now
    return max(1, math.ceil(oldest_to_expire + window - now))


def _photo_sizes(key: str) -> list[Json]:
    digest = hashlib.blake2b(key.encode(), digest_size=12).hexdigest()
    return [
        {
            "file_id": f"AgACAgIAAxkDAAI{digest}{suffix}",
            "file_unique_id": f"AQAD{digest[:12]}{suffix}",
            "file_size": width * height // 10,
            "width": width,
            "height": height,
        }
        for width, height, suffix in _PHOTO_SIZES
    ]


_CHAT_FULL_INFO: Json = {
    "accent_color_id": 0,
    "max_reaction_count": 11,
    "accepted_gift_types": {
        "unlimited_gifts": False,
        "limited_gifts": False,
        "unique_gifts": False,
        "premium_subscription": False,
        "gifts_from_channels": False,
    },
}


# ----- content rules ------------------------------------------------------------------------


def _u16(text: str) -> int:
    """Length in UTF-16 code units, as Telegram counts."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _content(source: object, parse_mode: object, entities: object) -> tuple[str, list[Json]]:
    """Text (or caption) as shown and its entities, after parsing and trimming."""
    if source is None:
        return "", []
    text = str(source)
    mode = str(parse_mode or "").lower()
    if mode == "html":
        try:
            text, found = _Html(text).parse()
        except _HtmlError as exc:
            raise _bad(f"can't parse entities: {exc}") from None
    elif mode in ("", "markdown", "markdownv2"):
        found = _entities_param(entities)
    else:
        raise _bad("unsupported parse_mode")
    return _trim(text, found)


def _entities_param(entities: object) -> list[Json]:
    if entities is None:
        return []
    valid = isinstance(entities, list) and all(
        isinstance(e, dict)
        and isinstance(e.get("offset"), int)
        and isinstance(e.get("length"), int)
        for e in entities
    )
    if not valid:
        raise _bad("can't parse entities JSON object")
    return list(entities)  # type: ignore[arg-type]


def _trim(text: str, entities: list[Json]) -> tuple[str, list[Json]]:
    """Strip leading and trailing white space as Telegram does, moving entities along."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    lead = _u16(text[: len(text) - len(text.lstrip())])
    size = _u16(stripped)
    kept = []
    for entity in entities:
        start = max(0, entity["offset"] - lead)
        end = min(size, entity["offset"] + entity["length"] - lead)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return stripped, kept


def _check_text(text: str) -> None:
    if not text:
        raise _bad("message text is empty")
    if _u16(text) > TEXT_LIMIT:
        raise _bad("message is too long")


def _check_caption(caption: str) -> None:
    if _u16(caption) > CAPTION_LIMIT:
        raise _bad("message caption is too long")


def _inline_rows(markup: Json | None) -> list[list[Json]]:
    rows = (markup or {}).get("inline_keyboard")
    return rows if isinstance(rows, list) else []


def _keyboard(markup: object) -> Json | None:
    """A validated reply_markup (None when it has no button); inline keyboards checked."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise _bad("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" not in markup:
        return markup
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise _bad("can't parse reply keyboard markup JSON object")
    if any(len(row) > ROW_LIMIT for row in rows) or sum(map(len, rows)) > BUTTON_LIMIT:
        raise _bad("reply markup is too long")
    for row in rows:
        for button in row:
            _check_button(button)
    return markup if any(rows) else None


def _check_button(button: object) -> None:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise _bad('can\'t parse inline keyboard button: Field "text" must be of type String')
    if not button["text"].strip():
        raise _bad("BUTTON_TEXT_INVALID")
    actions = [key for key in _BUTTON_ACTIONS if key in button]
    if not actions:
        raise _bad(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if len(actions) > 1:
        raise _bad(f"can't parse inline keyboard button: more than one action in {actions}")
    data = button.get("callback_data")
    if "callback_data" in button and (
        not isinstance(data, str) or not 1 <= len(data.encode()) <= CALLBACK_DATA_LIMIT
    ):
        raise _bad("BUTTON_DATA_INVALID")
    url = button.get("url")
    if "url" in button and (not isinstance(url, str) or not _URL_RE.fullmatch(url)):
        raise _bad("BUTTON_URL_INVALID")


def _check_command(command: object) -> None:
    if not isinstance(command, dict):
        raise _bad("can't parse BotCommand JSON object")
    name, description = command.get("command"), command.get("description")
    if not isinstance(name, str) or not _BOT_COMMAND_RE.fullmatch(name):
        raise _bad("BOT_COMMAND_INVALID")
    if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
        raise _bad("BOT_COMMAND_DESCRIPTION_INVALID")


def _edit_key(sent: SentMessage) -> tuple[Any, ...]:
    """What must differ for an edit to count as a modification."""
    markup = json.dumps(sent.reply_markup, sort_keys=True)
    entities = json.dumps(sent.entities, sort_keys=True)
    return (sent.text, sent.caption, sent.photo, entities, markup)


# ----- Telegram's HTML parse mode -----------------------------------------------------------

_TAG_ENTITY = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
    "a": "text_link", "code": "code", "pre": "pre", "span": "spoiler", "tg-spoiler": "spoiler",
    "blockquote": "blockquote", "tg-emoji": "custom_emoji",
}  # fmt: skip
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_PLAIN_RE = re.compile(r"[^<>&]+")
_ENTITY_RE = re.compile(r"&(?:#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z][a-zA-Z0-9]{0,31}));")
_NAME_RE = re.compile(r"[a-zA-Z][a-zA-Z0-9-]*")
_ATTR_RE = re.compile(r"""\s+([a-zA-Z_][\w:.-]*)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'<>=`]+))?""")
_START_END_RE = re.compile(r"\s*>")
_END_TAG_RE = re.compile(r"</([a-zA-Z][a-zA-Z0-9-]*)\s*>")


class _HtmlError(Exception):
    """Why Telegram would refuse the markup (the part after "can't parse entities: ")."""


@dataclass(slots=True)
class _OpenTag:
    name: str
    entity: Json | None
    start: int  # UTF-16 offset in the parsed text


class _Html:
    """Telegram's HTML parse mode, strict about escaping: the plain text and its entities."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.pos = 0
        self.out: list[str] = []
        self.length = 0
        self.stack: list[_OpenTag] = []
        self.entities: list[Json] = []

    def parse(self) -> tuple[str, list[Json]]:
        while self.pos < len(self.source):
            plain = _PLAIN_RE.match(self.source, self.pos)
            if plain is not None:
                self._emit(plain.group())
                self.pos = plain.end()
            elif self.source[self.pos] == "&":
                char, self.pos = self._entity(self.source, self.pos)
                self._emit(char)
            elif self.source[self.pos] == ">":
                raise self._error('Character ">"', ' must be escaped as "&gt;"')
            elif self.source.startswith("</", self.pos):
                self._end_tag()
            else:
                self._start_tag()
        if self.stack:
            name = self.stack[-1].name
            raise _HtmlError(f'Can\'t find end tag corresponding to start tag "{name}"')
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.out), self.entities

    def _emit(self, text: str) -> None:
        self.out.append(text)
        self.length += _u16(text)

    def _error(self, what: str, tail: str = "") -> _HtmlError:
        """``what`` at the byte offset of the current position, then ``tail``."""
        offset = len(self.source[: self.pos].encode("utf-8", "surrogatepass"))
        return _HtmlError(f"{what} at byte offset {offset}{tail}")

    def _entity(self, text: str, pos: int) -> tuple[str, int]:
        """The character an HTML entity at ``text[pos]`` stands for, and where it ends."""
        match = _ENTITY_RE.match(text, pos)
        if match is None:
            raise self._error('Character "&"', ' must be escaped as "&amp;"')
        decimal, hexadecimal, name = match.groups()
        if name is not None:
            if name not in _NAMED_ENTITIES:
                raise self._error(f'Unsupported HTML entity "&{name};"')
            return _NAMED_ENTITIES[name], match.end()
        code = int(decimal) if decimal is not None else int(hexadecimal, 16)
        if not 0 < code <= 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            raise self._error(f'Invalid HTML entity "{match.group()}"')
        return chr(code), match.end()

    def _attribute(self, raw: str | None) -> str:
        if raw is None:
            return ""
        if raw[:1] in ("'", '"'):
            raw = raw[1:-1]
        value, pos = [], 0
        while pos < len(raw):
            if raw[pos] != "&":
                value.append(raw[pos])
                pos += 1
                continue
            char, pos = self._entity(raw, pos)
            value.append(char)
        return "".join(value)

    def _start_tag(self) -> None:
        start = self.pos
        name_match = _NAME_RE.match(self.source, start + 1)
        if name_match is None:
            raise self._error('Character "<"', ' must be escaped as "&lt;"')
        name = name_match.group().lower()
        if name not in _TAG_ENTITY:
            raise self._error(f'Unsupported start tag "{name}"')
        attributes: dict[str, str] = {}
        pos = name_match.end()
        while (attr := _ATTR_RE.match(self.source, pos)) is not None:
            attributes[attr.group(1).lower()] = self._attribute(attr.group(2))
            pos = attr.end()
        end = _START_END_RE.match(self.source, pos)
        if end is None:
            raise self._error("Unclosed start tag")
        entity = self._entity_for(name, attributes)
        self.stack.append(_OpenTag(name, entity, self.length))
        self.pos = end.end()

    def _entity_for(self, name: str, attributes: dict[str, str]) -> Json | None:
        if name == "span" and attributes.get("class") != "tg-spoiler":
            raise self._error('Tag "span" must have class "tg-spoiler"')
        if name == "a":
            href = attributes.get("href")
            return {"type": "text_link", "url": href} if href else None
        if name == "code" and self.stack and self.stack[-1].name == "pre":
            language = attributes.get("class", "")
            pre = self.stack[-1].entity
            if pre is not None and language.startswith("language-"):
                pre["language"] = language.removeprefix("language-")
            return None
        if name == "blockquote" and "expandable" in attributes:
            return {"type": "expandable_blockquote"}
        if name == "tg-emoji":
            emoji_id = attributes.get("emoji-id")
            if not emoji_id:
                raise self._error('Tag "tg-emoji" must have attribute "emoji-id"')
            return {"type": "custom_emoji", "custom_emoji_id": emoji_id}
        return {"type": _TAG_ENTITY[name]}

    def _end_tag(self) -> None:
        match = _END_TAG_RE.match(self.source, self.pos)
        if match is None:
            raise self._error("Unclosed end tag")
        name = match.group(1).lower()
        if not self.stack:
            raise self._error(f'Unexpected end tag "</{name}>"')
        top = self.stack.pop()
        if top.name != name:
            raise self._error("Unmatched end tag", f', expected "</{top.name}>", found "</{name}>"')
        if top.entity is not None and self.length > top.start:
            extra = {k: v for k, v in top.entity.items() if k != "type"}
            length = self.length - top.start
            self.entities.append(
                {"type": top.entity["type"], "offset": top.start, "length": length, **extra}
            )
        self.pos = match.end()
