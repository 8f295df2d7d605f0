"""requestbot running for real against fake Discord and TMDb servers on 127.0.0.1.

The bot is started the way ``requestbot run`` starts it: the composition root opens a real
SQLite file (migrated) and a TMDb client on the fake TMDb, the Discord adapter comes from
the same registry (the real discord.py client, pointed at the fake gateway and REST API by
its settings), and the dispatcher runs beside it under bot.runner.serve. Tests act only as
Discord users would: through the fake server's interactions.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from adapters.discord import DiscordAdapter
from adapters.discord.digest import DiscordDigest
from bot.agent_settings import AgentSettings
from bot.app import App, discord_config, open_app
from bot.commands import discord_adapter
from bot.runner import Component, serve
from bot.settings import (
    DiscordSettings,
    GeneralSettings,
    Settings,
    TelegramSettings,
    TmdbSettings,
)
from core.domain import MediaRequest
from core.events import EventKind
from core.services import Services
from tests.fake_discord import FakeDiscord, FakeInteraction, FakeMessage
from tests.fake_tmdb import FakeTmdb
from tests.world_db import all_requests, event_kinds, settled

ADMIN_CHANNEL = 700000000000000001
NEVER = 24 * 3600.0  # seconds: the digest jobs run only when a test runs them
NOTIFY_CHANNEL = 700000000000000002
GENERAL = 700000000000000003  # where people run their commands
MOD_ROLE = 800000000000000001  # MANAGE_REQUESTS
VIP_ROLE = 800000000000000002  # AUTO_APPROVE
ISSUE_ROLE = 800000000000000003  # MANAGE_ISSUES
BOSS = 900000000000000001  # a bot owner: ADMIN
MOD = 900000000000000002
MOD2 = 900000000000000003
ALICE = 900000000000000011
BOB = 900000000000000012
CAROL = 900000000000000013  # DMs closed


@dataclass
class DiscordWorld:
    """Fake servers, a database file and, while started, the running bot."""

    discord: FakeDiscord
    tmdb: FakeTmdb
    folder: Path
    admin_channel: int | None = ADMIN_CHANNEL
    notify_channel: int | None = NOTIFY_CHANNEL
    # Seconds autocomplete gives TMDb before the cache answers (None: the adapter's own).
    autocomplete_budget: float | None = None
    # Minutes between the admin channel's digests (0: a card each); tests run it by hand.
    digest_minutes: int = 0
    agents: tuple[AgentSettings, ...] = ()  # notification agents (tests/fake_agents.py)
    app: App | None = None
    adapter: DiscordAdapter | None = None
    _stack: AsyncExitStack | None = None
    _stop: asyncio.Event | None = None
    _task: asyncio.Task[int] | None = None

    def __post_init__(self) -> None:
        fake = self.discord
        fake.add_role(MOD_ROLE, "Media mods")
        fake.add_role(VIP_ROLE, "VIP")
        fake.add_role(ISSUE_ROLE, "Issue wranglers")
        for channel, name in ((ADMIN_CHANNEL, "requests-admin"), (NOTIFY_CHANNEL, "new-on-plex")):
            fake.add_channel(channel, name)
        fake.add_channel(GENERAL, "general")
        fake.add_user(BOSS, "Boss")
        fake.add_user(MOD, "Mo", roles=(MOD_ROLE,))
        fake.add_user(MOD2, "Max", roles=(MOD_ROLE,))
        fake.add_user(ALICE, "Alice")
        fake.add_user(BOB, "Bob")
        fake.add_user(CAROL, "Carol", dms_open=False)

    @property
    def database_url(self) -> str:
        return f"sqlite+aiosqlite:///{self.folder / 'requestbot.db'}"

    def settings(self) -> Settings:
        return Settings(
            general=GeneralSettings(
                _env_file=None,  # type: ignore[call-arg]
                database_url=self.database_url,
                bot_owners=f"discord:{BOSS}",
            ),
            tmdb=TmdbSettings(
                _env_file=None,  # type: ignore[call-arg]
                api_key=SecretStr(self.tmdb.api_key or "unused"),
                base_url=self.tmdb.base_url,
                timeout=10,
            ),
            telegram=TelegramSettings(_env_file=None),  # type: ignore[call-arg]
            discord=DiscordSettings(
                _env_file=None,  # type: ignore[call-arg]
                bot_token=SecretStr(self.discord.token),
                guild_id=self.discord.guild_id,
                admin_channel_id=self.admin_channel,
                notify_channel_id=self.notify_channel,
                admin_digest_minutes=self.digest_minutes,
                role_permissions=(
                    f"{MOD_ROLE}=MANAGE_REQUESTS;{VIP_ROLE}=AUTO_APPROVE;{ISSUE_ROLE}=MANAGE_ISSUES"
                ),
                api_base_url=self.discord.api_base,
                gateway_url=self.discord.gateway_url,
            ),
            agents=self.agents,
        )

    @property
    def services(self) -> Services:
        assert self.app is not None, "start() the bot first"
        return self.app.services

    async def start(self) -> None:
        """Start the bot as `requestbot run` does, and wait until it is connected and its
        commands are registered."""
        settings = self.settings()
        synced = len(self.discord.commands(self.discord.guild_id))
        self._stack = AsyncExitStack()
        self.app = await self._stack.enter_async_context(open_app(settings))
        components = [self._adapter(settings, self.app)]
        components.append(Component("notifications", self.app.dispatcher.run))
        self._stop = asyncio.Event()
        self._task = asyncio.create_task(serve(components, stop=self._stop, signals=()))
        await self.discord.wait_ready(timeout=15)
        if not synced:
            await self.discord.wait_for(lambda: self.discord.commands(self.discord.guild_id))

    def _adapter(self, settings: Settings, app: App) -> Component:
        """The Discord component as `requestbot run` builds it, with a shorter autocomplete
        budget when the test asks for one (so a "slow" TMDb need not take seconds)."""
        config = replace(discord_config(settings.discord), digest_start_delay=NEVER)
        if self.autocomplete_budget is not None:
            config = replace(config, autocomplete_budget=self.autocomplete_budget)
        self.adapter = discord_adapter(app, config)
        return Component("discord", self.adapter.run)

    @property
    def digest(self) -> DiscordDigest:
        """The admin channel's digest job (with ``digest_minutes``), to run by hand."""
        assert self.adapter is not None, "start() the bot first"
        assert self.adapter.digest is not None, "the world has no digest (digest_minutes)"
        return self.adapter.digest

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

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    # -- the database ----------------------------------------------------------------

    async def requests(self) -> list[MediaRequest]:
        """Every request in the database, oldest first."""
        return await all_requests(self.services)

    async def event_kinds(self) -> list[EventKind]:
        """The kind of every event in the outbox, oldest first."""
        return await event_kinds(self.services)

    async def settled(self, within: float = 20.0) -> None:
        """Wait until the outbox has delivered every event."""
        assert self.app is not None, "start() the bot first"
        await settled(self.services, self.app.dispatcher, within)

    # -- conversations ---------------------------------------------------------------

    async def run(self, who: int, command: str, **options: Any) -> FakeMessage:
        """Run a slash command as ``who`` in #general; what it finally shows."""
        name, _, sub = command.partition(" ")
        ix = await self.discord.slash(
            who, name, subcommand=sub or None, options=options, channel_id=GENERAL
        )
        return await answered(ix)

    async def click(self, user: int, message: FakeMessage, label: str) -> FakeInteraction:
        """Press the button labelled ``label`` (its label contains it) on ``message``."""
        found = [b for b in message.buttons() if label in (b.get("label") or "")]
        assert found, f"no button {label!r} on {message.id}: {message.buttons()}"
        return await self.discord.click(user, message, found[0]["custom_id"])

    def message(self, message: FakeMessage) -> FakeMessage:
        """The message as it is now (edited in place)."""
        return self.discord.message(message.id)

    async def changed(self, message: FakeMessage, words: str, within: float = 10) -> FakeMessage:
        """Wait until ``message`` (edited in place) shows ``words``."""
        await self.discord.wait_for(lambda: words in self.message(message).text(), timeout=within)
        return self.message(message)

    async def request_movie(
        self, user: int, title: str, outcome: str = "awaits approval"
    ) -> FakeMessage:
        """/request movie, press Request, and wait for the card to tell the ``outcome``."""
        card = await self.run(user, "request movie", title=title)
        ix = await self.click(user, card, "Request")
        await ix.acked()
        return await self.changed(card, outcome)

    def admin_cards(self) -> list[FakeMessage]:
        return [m for m in self.discord.channel_messages(ADMIN_CHANNEL) if m.embeds]


async def answered(ix: FakeInteraction, within: float = 10) -> FakeMessage:
    """The message an interaction finally shows."""
    shown = await ix.settled(timeout=within)
    assert shown is not None
    return shown


@contextlib.asynccontextmanager
async def running(world: DiscordWorld) -> AsyncIterator[DiscordWorld]:
    """The bot started, and stopped cleanly (exit code 0) on the way out."""
    await world.start()
    try:
        yield world
    finally:
        if world.app is not None:
            assert await world.stop() == 0
        assert world.discord.violations == [], world.discord.violations


@pytest.fixture
async def discord_bot(
    fake_discord: FakeDiscord, fake_tmdb: FakeTmdb, tmp_path: Path
) -> AsyncIterator[DiscordWorld]:
    """requestbot running with the Discord adapter, an admin and a notify channel."""
    async with running(DiscordWorld(fake_discord, fake_tmdb, tmp_path)) as started:
        yield started


@pytest.fixture
async def quick_autocomplete(
    fake_discord: FakeDiscord, fake_tmdb: FakeTmdb, tmp_path: Path
) -> AsyncIterator[DiscordWorld]:
    """As ``discord_bot``, with autocomplete giving TMDb 0.3 s instead of 1.5 s."""
    world = DiscordWorld(fake_discord, fake_tmdb, tmp_path, autocomplete_budget=0.3)
    async with running(world) as started:
        yield started
