"""requestbot running for real against fake Telegram and TMDb servers on 127.0.0.1.

The bot is started the way ``requestbot run`` starts it: the composition root opens a real
SQLite file (migrated) and a TMDb client on the fake TMDb, the Telegram adapter is built as
the registry builds it, and the dispatcher runs beside it under bot.runner.serve. Tests talk
to it only as Telegram users would: through the fake Bot API server.

The bot and the fake server keep Telegram's flood rules on windows ``FLOOD_SCALE`` times as
long, so that a conversation does not wait out real seconds; the flood rules themselves are
tested on the real windows (test_telegram_units.py, test_fake_telegram.py). The outbox
retries a failed delivery after ``DELIVERY.base_delay`` (or the retry_after asked for), not
after production's 5 s. With ``api=True`` the REST API runs too, as one more component on
the same services (``api_client()`` calls it with the key it generated).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from adapters.api.server import listen
from adapters.telegram import TelegramAdapter
from adapters.telegram.digest import TelegramDigest
from bot.agent_settings import AgentSettings
from bot.api import api_component
from bot.app import App, open_app, telegram_config
from bot.commands import telegram_adapter
from bot.runner import Component, serve
from bot.settings import (
    ApiSettings,
    DiscordSettings,
    GeneralSettings,
    Settings,
    TelegramSettings,
    TmdbSettings,
)
from core import user_admin, users
from core.domain import MediaRequest
from core.events import DeliveryStatus, EventKind
from core.identity import Identity, QuotaLimits
from core.notifications import DispatchPolicy
from core.permissions import ROLES, Permission
from core.services import Services
from tests.fake_telegram import FakeTelegram, SentMessage
from tests.fake_tmdb import FakeTmdb
from tests.world_db import all_requests, event_kinds, settled, undelivered

ADMIN_CHAT = -1001234567890
NEWS_CHANNEL = -1009876543210
BOSS = 9001  # a bot owner: ADMIN
MOD = 9002  # a moderator: MANAGE_REQUESTS
ALICE = 1001
BOB = 1002
CAROL = 1003
FLOOD_SCALE = 0.1
DELIVERY = DispatchPolicy(base_delay=0.5)
NEVER = 24 * 3600.0  # seconds: the digest jobs run only when a test runs them


def text_of(message: SentMessage) -> str:
    """What the user sees of a message: its text, or its photo's caption."""
    return message.text or message.caption or ""


def has(words: str) -> Callable[[SentMessage], bool]:
    """A message predicate: its text or caption contains ``words``."""
    return lambda message: words in text_of(message)


def labels(message: SentMessage) -> list[str]:
    """The texts of a message's buttons, row after row."""
    return [text for row in message.buttons for text, _ in row]


@dataclass
class TelegramWorld:
    """Fake servers, a database file and, while started, the running bot."""

    tg: FakeTelegram
    tmdb: FakeTmdb
    folder: Path
    admin_chat: int | None = ADMIN_CHAT
    notify_chat: int | None = None
    quota: QuotaLimits = field(default_factory=QuotaLimits)
    flood_scale: float = FLOOD_SCALE  # 1.0: Telegram's own windows (the benchmarks)
    api: bool = False  # the REST API too, on a free port of 127.0.0.1
    agents: tuple[AgentSettings, ...] = ()  # notification agents (tests/fake_agents.py)
    # Minutes between the admin chat's digests (0: a card each); tests run it by hand.
    digest_minutes: int = 0
    # Seconds a button press waits for its checks before it is answered without words
    # (TelegramConfig's); longer where a test reads the words on a loaded machine.
    answer_budget: float = 0.5
    app: App | None = None
    adapter: TelegramAdapter | None = None
    api_port: int | None = None
    _stack: AsyncExitStack | None = None
    _stop: asyncio.Event | None = None
    _task: asyncio.Task[int] | None = None

    def __post_init__(self) -> None:
        self.tg.flood_scale = self.flood_scale
        self.tg.add_user(BOSS, "Boss", username="boss")
        self.tg.add_user(MOD, "Mo", username="mo")
        self.tg.add_user(ALICE, "Alice", username="alice")
        self.tg.add_user(BOB, "Bob", username="bob")
        self.tg.add_user(CAROL, "Carol")
        self.tg.add_group(ADMIN_CHAT, "Media admins")
        self.tg.add_group(NEWS_CHANNEL, "Now on the server")

    @property
    def database_url(self) -> str:
        return f"sqlite+aiosqlite:///{self.folder / 'requestbot.db'}"

    def settings(self) -> Settings:
        q = self.quota
        return Settings(
            general=GeneralSettings(
                _env_file=None,  # type: ignore[call-arg]
                database_url=self.database_url,
                bot_owners=f"telegram:{BOSS}",
                movie_quota_limit=q.movie_limit,
                movie_quota_days=q.movie_days,
                tv_quota_limit=q.tv_limit,
                tv_quota_days=q.tv_days,
            ),
            tmdb=TmdbSettings(
                _env_file=None,  # type: ignore[call-arg]
                api_key=SecretStr(self.tmdb.api_key or "unused"),
                base_url=self.tmdb.base_url,
                timeout=10,
            ),
            telegram=TelegramSettings(
                _env_file=None,  # type: ignore[call-arg]
                bot_token=SecretStr(self.tg.token),
                base_url=self.tg.base_url,
                admin_chat_id=self.admin_chat,
                admin_digest_minutes=self.digest_minutes,
                notify_chat_id=self.notify_chat,
                poll_timeout=5,
            ),
            discord=DiscordSettings(_env_file=None),  # type: ignore[call-arg]
            api=ApiSettings(
                _env_file=None,  # type: ignore[call-arg]
                enabled=self.api_port is not None,
                port=self.api_port or 5055,
            ),
            agents=self.agents,
        )

    @property
    def services(self) -> Services:
        assert self.app is not None, "start() the bot first"
        return self.app.services

    async def start(self) -> None:
        """Start the bot as `requestbot run` does, and wait until it polls."""
        self._stack = AsyncExitStack()
        listening = None
        if self.api:
            listening = self._stack.enter_context(listen("127.0.0.1", 0))
            self.api_port = listening.getsockname()[1]
        settings = self.settings()
        self.app = await self._stack.enter_async_context(open_app(settings, delivery=DELIVERY))
        config = replace(
            telegram_config(settings.telegram),
            flood_scale=self.flood_scale,
            digest_start_delay=NEVER,
            answer_budget=self.answer_budget,
        )
        self.adapter = telegram_adapter(self.app, config)
        components = [Component("telegram", self.adapter.run)]
        components.append(Component("notifications", self.app.dispatcher.run))
        if listening is not None:
            components.append(await api_component(settings.api, self.app, listening))
        self._stop = asyncio.Event()
        self._task = asyncio.create_task(serve(components, stop=self._stop, signals=()))
        await self.tg.wait_for(lambda: self.tg.polling or self._crashed())

    def _crashed(self) -> bool:
        if self._task is not None and self._task.done():
            raise AssertionError(f"the bot stopped: {self._task.result()}")
        return False

    async def stop(self) -> int:
        """Stop the bot as SIGTERM would; returns its exit code."""
        assert self._stop is not None
        assert self._task is not None
        assert self._stack is not None
        self._stop.set()
        code = await asyncio.wait_for(self._task, 30)
        await self._stack.aclose()
        self.app = None
        return code

    @property
    def digest(self) -> TelegramDigest:
        """The admin chat's digest job (with ``digest_minutes``), to run by hand."""
        assert self.adapter is not None, "start() the bot first"
        assert self.adapter.digest is not None, "the world has no digest (digest_minutes)"
        return self.adapter.digest

    @contextlib.asynccontextmanager
    async def offline(self) -> AsyncIterator[Services]:
        """The core on the bot's database while the bot is stopped, as the console has it."""
        assert self.app is None, "stop() the bot first"
        async with open_app(self.settings()) as app:
            yield app.services

    async def stopped_by_itself(self, within: float) -> int:
        """Wait for the bot to exit on its own (a component failed); its exit code."""
        assert self._task is not None
        assert self._stack is not None
        code = await asyncio.wait_for(self._task, within)
        await self._stack.aclose()
        self.app = None
        return code

    @contextlib.asynccontextmanager
    async def api_client(self) -> AsyncIterator[httpx.AsyncClient]:
        """An HTTP client on the running API (/api/v1), sending its key."""
        assert self.app is not None, "start() the bot first"
        assert self.api_port is not None, "the world has no API (api=True)"
        key = await self.app.api_keys.current()
        base = f"http://127.0.0.1:{self.api_port}/api/v1"
        async with httpx.AsyncClient(base_url=base, headers={"X-Api-Key": key}) as client:
            yield client

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    # -- people ----------------------------------------------------------------------

    async def user_id(self, telegram_id: int, name: str = "") -> int:
        """The requestbot user id of a Telegram user (registered if new)."""
        identity = Identity("telegram", str(telegram_id))
        return (await users.resolve_user(self.services, identity, name or str(telegram_id))).id

    async def make(self, telegram_id: int, role: str, name: str = "") -> None:
        """Give a Telegram user a role (admin, moderator, user, guest), as the owner would."""
        boss = await self.user_id(BOSS, "Boss")
        target = await self.user_id(telegram_id, name)
        await user_admin.set_permissions(self.services, boss, target, ROLES[role])

    async def set_permissions(self, telegram_id: int, permissions: Permission) -> None:
        boss = await self.user_id(BOSS, "Boss")
        target = await self.user_id(telegram_id)
        await user_admin.set_permissions(self.services, boss, target, permissions)

    async def requests(self) -> list[MediaRequest]:
        """Every request in the database, oldest first."""
        return await all_requests(self.services)

    async def event_kinds(self) -> list[EventKind]:
        """The kind of every event in the outbox, oldest first."""
        return await event_kinds(self.services)

    async def undelivered(self) -> int:
        return await undelivered(self.services)

    async def settled(self, within: float = 20.0) -> None:
        """Wait until the outbox has delivered every event."""
        assert self.app is not None, "start() the bot first"
        await settled(self.services, self.app.dispatcher, within)

    async def deliveries(self) -> list[tuple[int, str, int, DeliveryStatus]]:
        """(event id, notifier, recipient, status) of every delivery attempt logged."""
        found = []
        async with self.services.uow(write=False) as uow:
            for event_id in range(1, len(await self.event_kinds()) + 1):
                for a in await uow.events.attempts(event_id):
                    found.append((a.event_id, a.notifier, a.recipient_id, a.status))
        return found

    # -- conversations ---------------------------------------------------------------

    async def say(
        self,
        user: int,
        text: str,
        expect: Callable[[SentMessage], Any] | str,
        *,
        chat: int | None = None,
        within: float = 10.0,
    ) -> SentMessage:
        """Send ``text`` as ``user`` and wait for the bot's next message in that chat that
        contains ``expect`` (or makes the callable true)."""
        where = chat if chat is not None else user
        before = self._newest(where)
        self.tg.send_text(user, text, chat_id=chat)
        return await self.tg.wait_for_message(where, _matcher(expect), after=before, timeout=within)

    async def press(
        self,
        user: int,
        message: SentMessage,
        button: str | Callable[[str], bool],
        *,
        within: float = 10.0,
    ) -> str:
        """Press a button as ``user`` and wait until the bot answered the query."""
        query = self.tg.press_button(user, message, button)
        await self.answer_to(query, within=within)
        return query

    async def answer_to(self, query: str, *, within: float = 10.0) -> Any:
        return await self.tg.wait_for(
            lambda: next((a for a in self.tg.answers if a.query_id == query), None),
            timeout=within,
        )

    async def changed(
        self,
        message: SentMessage,
        expect: Callable[[SentMessage], Any] | str,
        *,
        within: float = 10.0,
    ) -> SentMessage:
        """Wait until ``message`` (edited in place) shows ``expect``."""
        match = _matcher(expect)

        def check() -> SentMessage | None:
            current = self.tg.message(message.chat_id, message.message_id)
            return current if match(current) else None

        found = await self.tg.wait_for(check, timeout=within)
        assert isinstance(found, SentMessage)
        return found

    async def choose_two_seasons(self) -> SentMessage:
        """Alice's season picker for Breaking Bad with seasons 1 and 2 chosen."""
        card = await self.say(ALICE, "/tv breaking bad", "Breaking Bad")
        await self.press(ALICE, card, "Choose seasons")
        picker = await self.changed(card, "choose seasons")
        await self.press(ALICE, picker, "1")
        picker = await self.changed(picker, "Chosen: 1")
        await self.press(ALICE, picker, "2")
        return await self.changed(picker, "Chosen: 1, 2")

    async def request_movie(self, user: int, title: str) -> SentMessage:
        """Search for a movie as ``user`` and press Request; the card once it says so."""
        card = await self.say(user, f"/movie {title}", "Not requested")
        await self.press(user, card, "Request")
        return await self.changed(card, "awaits approval")

    def _newest(self, chat: int) -> int:
        found = self.tg.messages(chat, include_deleted=True)
        return found[-1].message_id if found else 0


def _matcher(expect: Callable[[SentMessage], Any] | str) -> Callable[[SentMessage], Any]:
    if isinstance(expect, str):
        return lambda m: expect in text_of(m)
    return expect


@contextlib.asynccontextmanager
async def running(world: TelegramWorld) -> AsyncIterator[TelegramWorld]:
    """The bot started, and stopped cleanly (exit code 0) on the way out."""
    await world.start()
    try:
        yield world
    finally:
        if world.app is not None:
            assert await world.stop() == 0


@pytest.fixture
async def bot(
    fake_telegram: FakeTelegram, fake_tmdb: FakeTmdb, tmp_path: Path
) -> AsyncIterator[TelegramWorld]:
    """requestbot running with the Telegram adapter, an admin chat and no quotas."""
    async with running(TelegramWorld(fake_telegram, fake_tmdb, tmp_path)) as started:
        yield started
