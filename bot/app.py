"""The composition root: settings in, a wired core with its database and catalogue out."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass

from adapters.clock import SystemClock
from adapters.discord import DiscordConfig
from adapters.telegram import TelegramConfig
from adapters.tmdb.client import TmdbClient, is_read_token
from bot.settings import DiscordSettings, Settings, TelegramSettings, TmdbSettings
from core.notifications import Dispatcher
from core.ports import Catalogue
from core.services import CoreConfig, Services
from storage import SqlUnitOfWorkFactory, create_engine
from storage.migrate import upgrade_engine

log = logging.getLogger(__name__)


@dataclass
class App:
    """Everything a front end needs: the core's services and the notification dispatcher."""

    services: Services
    dispatcher: Dispatcher
    database_url: str


def core_config(settings: Settings) -> CoreConfig:
    """The core's plain configuration from the settings."""
    general = settings.general
    return CoreConfig(
        default_permissions=general.default_permissions,
        owners=general.bot_owners,
        quota_defaults=general.quota_defaults,
    )


def tmdb_client(tmdb: TmdbSettings) -> TmdbClient:
    """A TMDb client for the configured key, telling a v4 read token from a v3 key."""
    if tmdb.api_key is None:
        raise ValueError("TMDB_API_KEY is not set")
    secret = tmdb.api_key.get_secret_value().strip()
    token = secret if is_read_token(secret) else None
    return TmdbClient(
        api_key=None if token else secret,
        read_token=token,
        base_url=str(tmdb.base_url),
        language=tmdb.language,
        timeout=tmdb.timeout,
    )


def telegram_config(telegram: TelegramSettings) -> TelegramConfig:
    """The Telegram adapter's plain configuration from its settings."""
    if telegram.bot_token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    return TelegramConfig(
        token=telegram.bot_token.get_secret_value().strip(),
        base_url=str(telegram.base_url),
        admin_chat_id=telegram.admin_chat_id,
        notify_chat_id=telegram.notify_chat_id,
        poll_timeout=telegram.poll_timeout,
    )


def discord_config(discord: DiscordSettings) -> DiscordConfig:
    """The Discord adapter's plain configuration from its settings."""
    if discord.bot_token is None:
        raise ValueError("DISCORD_BOT_TOKEN is not set")
    return DiscordConfig(
        token=discord.bot_token.get_secret_value().strip(),
        guild_id=discord.guild_id,
        admin_channel_id=discord.admin_channel_id,
        notify_channel_id=discord.notify_channel_id,
        role_permissions=dict(discord.role_permissions),
        api_base_url=discord.api_base_url,
        gateway_url=discord.gateway_url,
    )


@asynccontextmanager
async def open_app(
    settings: Settings,
    *,
    catalogue: Catalogue | None = None,
    database_url: str | None = None,
    config: CoreConfig | None = None,
) -> AsyncIterator[App]:
    """Migrate and open the database, open the catalogue, wire the core; close all on exit."""
    url = database_url or settings.general.database_url
    async with AsyncExitStack() as stack:
        engine = create_engine(url)
        stack.push_async_callback(engine.dispose)
        await upgrade_engine(engine)
        if catalogue is None:
            catalogue = await stack.enter_async_context(tmdb_client(settings.tmdb))
        uow = SqlUnitOfWorkFactory(engine)
        clock = SystemClock()
        dispatcher = Dispatcher(uow, clock)
        services = Services(
            uow=uow,
            catalogue=catalogue,
            clock=clock,
            config=config or core_config(settings),
            events_written=dispatcher.wake,
        )
        yield App(services, dispatcher, url)
