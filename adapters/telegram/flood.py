"""Telegram's flood limits, kept on our side so that Telegram rarely has to enforce them.

python-telegram-bot's own AIORateLimiter is not used, for three reasons: it limits private
chats only by the overall rate (Telegram asks for about one message a second per chat); on a
429 it stops every request, callback answers included, for retry_after plus 0.1 s, where
Telegram asks to wait exactly retry_after; and its leaky buckets (aiolimiter) let a burst
and the refill that follows it add up to more than Telegram's "N per minute" in one minute.
Telegram counts messages in a rolling window, so this limiter keeps one: the send times of
the last N messages of each chat.

- messages sent or edited in a private chat: at most 3 in any 3 s (about one a second,
  with a short burst for a reply and its edits);
- in a group or channel: at most 20 in any minute;
- everything together: at most 30 in any second;
- everything else (callback answers, getMe, setMyCommands, deletions) goes straight through.

Those are ``FloodRates()``; ``FloodRates().scaled(f)`` keeps the counts on windows ``f``
times as long (a test server that enforces the same rules on shorter windows).

A 429 pauses that chat for exactly ``retry_after`` seconds and then retries, up to
``max_retries`` times; after that the RetryAfter reaches the caller (the notifier turns it
into a delivery retried later by the outbox).

When the process stops, ``drain()`` holds every outbox send (one made inside ``outbox()``)
that has not reached the wire yet until it is cancelled: the outbox sends it after the
restart, and nothing is sent that the outbox cannot record as sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import logging
import warnings
from collections.abc import Callable, Coroutine, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter
from telegram.warnings import PTBDeprecationWarning

log = logging.getLogger(__name__)

Rate = tuple[int, float]  # (messages, per seconds)
MAX_WINDOWS = 1024
# A share of each window kept in reserve (for the clocks' granularity): the network's delay
# is already allowed for (see Window). 0.1 s on every window held the overall rate to 30
# per 1.1 s, 27 a second.
MARGIN = 0.01
WIRE = 0.5  # seconds within which a message sent has reached Telegram
_OUTBOX: ContextVar[bool] = ContextVar("outbox", default=False)
_EXEMPT = frozenset({"sendChatAction"})


def is_limited(endpoint: str) -> bool:
    """Whether a Bot API method creates or changes a message (and so counts as one)."""
    return endpoint.startswith(("send", "edit", "copy", "forward")) and endpoint not in _EXEMPT


def is_group(chat_id: object) -> bool:
    """Groups and channels have negative ids (or an @username); private chats positive ones."""
    with contextlib.suppress(TypeError, ValueError):
        return int(chat_id) < 0  # type: ignore[call-overload, no-any-return]
    return isinstance(chat_id, str)


@contextlib.contextmanager
def outbox() -> Iterator[None]:
    """Mark the Bot API calls made inside as the outbox's (held by ``drain()``)."""
    token = _OUTBOX.set(True)
    try:
        yield
    finally:
        _OUTBOX.reset(token)


def seconds(error: RetryAfter) -> float:
    """How long Telegram asked to wait, in seconds.

    python-telegram-bot 22 gives ``retry_after`` as an int with a deprecation warning, or
    as a timedelta once its users opt in; both are read here without the warning.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    if isinstance(value, dtm.timedelta):
        return value.total_seconds()
    return float(value)


class Window:
    """At most ``limit`` messages in any ``period`` seconds; waiters go first come, first
    served.

    Telegram counts a message when it arrives, between our sending it and its answer, so
    here a message counts until ``period`` after its answer: however the network delays
    each one, Telegram never sees more than ``limit`` in a window, and no fixed guess of
    that delay stretches the window. An answer slow to come (Telegram fetching a poster)
    counts as given ``WIRE`` seconds after the sending, by when the message has arrived.
    """

    def __init__(self, limit: int, period: float) -> None:
        self.limit = limit
        self.period = period * (1 + MARGIN)
        self._slots: list[list[float]] = []  # per message: when it counts from
        self._lock = asyncio.Lock()
        self._answered = asyncio.Event()

    def idle(self, now: float) -> bool:
        """Whether forgetting this window could let anything through sooner."""
        return all(slot[0] <= now - self.period for slot in self._slots)

    async def acquire(self) -> list[float]:
        """Wait until one more fits in the window, and count it; hand the slot to
        ``answered`` when the message is answered (or failed)."""
        loop = asyncio.get_running_loop()
        async with self._lock:
            while True:
                now = loop.time()
                self._slots = [slot for slot in self._slots if slot[0] > now - self.period]
                if len(self._slots) < self.limit:
                    slot = [now + WIRE]
                    self._slots.append(slot)
                    return slot
                frees = min(slot[0] for slot in self._slots) + self.period - now
                self._answered.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._answered.wait(), frees)

    def answered(self, slot: list[float]) -> None:
        """The message of ``slot`` was answered: it counts until a period from now."""
        slot[0] = min(slot[0], asyncio.get_running_loop().time())
        self._answered.set()


@dataclass(frozen=True, slots=True)
class FloodRates:
    """The windows kept: everything together, each group or channel, each private chat."""

    overall: Rate = (30, 1.0)
    group: Rate = (20, 60.0)
    private: Rate = (3, 3.0)

    def scaled(self, factor: float) -> FloodRates:
        """The same numbers of messages in windows ``factor`` times as long."""

        def scale(rate: Rate) -> Rate:
            return rate[0], rate[1] * factor

        return FloodRates(scale(self.overall), scale(self.group), scale(self.private))


class FloodControl(BaseRateLimiter[int]):
    """A python-telegram-bot rate limiter: per-chat and overall buckets, exact 429 pauses.

    ``rate_limit_args`` of a single call, if given, is the number of retries for that call.
    """

    def __init__(self, rates: FloodRates = FloodRates(), *, max_retries: int = 2) -> None:
        self._overall = Window(*rates.overall)
        self._group_rate = rates.group
        self._private_rate = rates.private
        self._max_retries = max_retries
        self._windows: dict[str, Window] = {}
        self._paused_until: dict[str, float] = {}
        self._draining = asyncio.Event()

    def drain(self) -> None:
        """The process is stopping: no outbox send still waiting here goes out."""
        self._draining.set()

    async def _hold_if_draining(self) -> None:
        if self._draining.is_set() and _OUTBOX.get():
            await asyncio.Event().wait()  # until the outbox cancels it

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        """Send the request when its chat's window and the overall window allow it."""
        chat_id = data.get("chat_id")
        if chat_id is None or not is_limited(endpoint):
            return await callback(*args, **kwargs)
        chat = str(chat_id)
        retries = self._max_retries if rate_limit_args is None else rate_limit_args
        attempt = 0
        while True:
            await self._hold_if_draining()
            await self._wait_while_paused(chat)
            try:
                return await self._send(chat, callback, args, kwargs)
            except RetryAfter as exc:
                delay = seconds(exc)
                self._pause(chat, delay)
                if attempt >= retries:
                    raise
                attempt += 1
                log.info(
                    "Telegram asked to wait %.0f s before %s in chat %s; waiting",
                    delay,
                    endpoint,
                    chat,
                )

    async def _send(
        self,
        chat: str,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        window = self._window(chat)
        own = await window.acquire()
        try:
            overall = await self._overall.acquire()
            try:
                await self._hold_if_draining()
                return await callback(*args, **kwargs)
            finally:
                self._overall.answered(overall)
        finally:
            window.answered(own)

    def _window(self, chat: str) -> Window:
        window = self._windows.get(chat)
        if window is None:
            if len(self._windows) >= MAX_WINDOWS:
                self._forget_idle_windows()
            rate = self._group_rate if is_group(chat) else self._private_rate
            window = self._windows[chat] = Window(*rate)
        return window

    def _forget_idle_windows(self) -> None:
        now = asyncio.get_running_loop().time()
        for chat, window in list(self._windows.items()):
            if window.idle(now):
                del self._windows[chat]

    def _pause(self, chat: str, delay: float) -> None:
        until = asyncio.get_running_loop().time() + delay
        self._paused_until[chat] = max(until, self._paused_until.get(chat, 0.0))

    async def _wait_while_paused(self, chat: str) -> None:
        until = self._paused_until.get(chat)
        if until is None:
            return
        remaining = until - asyncio.get_running_loop().time()
        if remaining > 0:
            await asyncio.sleep(remaining)
        elif self._paused_until.get(chat) == until:
            del self._paused_until[chat]
