"""The composition root: settings in, a wired core with its database and catalogue out."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import make_url

from adapters.api.keys import EveryCheck, FixedApiKeys, StampFile, StoredApiKeys
from adapters.arr import ArrClient, ArrSettings, RadarrClient, SonarrClient
from adapters.clock import SystemClock
from adapters.jellyfin import JellyfinClient
from adapters.tmdb.client import TmdbClient, is_read_token
from bot.agents import build_agents, digest_job_names, digest_jobs
from bot.cli import keep_out_of_log
from bot.memory import giving_back
from bot.settings import (
    ApiSettings,
    DiscordSettings,
    MediaServerSettings,
    RadarrSettings,
    Settings,
    SonarrSettings,
    TelegramSettings,
    TmdbSettings,
)
from bot.webhook import webhook_config
from core import digest, fulfilment, library, linking, users
from core.fulfilment import Downloaders
from core.jobs import Job, Scheduler, job_states
from core.media import MediaType
from core.notifications import Dispatcher, DispatchPolicy
from core.ports import Catalogue, Clock, Downloader, MediaServer, UnitOfWorkFactory
from core.services import CoreConfig, Services
from core.webhook import WebhookConfig
from storage import SqlUnitOfWorkFactory, create_engine
from storage.migrate import upgrade_engine

if TYPE_CHECKING:
    # Importing either package loads its chat library: only `run` and `check` need one.
    from adapters.discord import DiscordConfig
    from adapters.telegram import TelegramConfig

log = logging.getLogger(__name__)


# The jobs, by name (also their key in the stored job states).
RECENT_SCAN = "recently added scan"
FULL_SCAN = "full library scan"
SEND = "send approved"
SYNC = "download sync"
RECENT_SLACK = timedelta(minutes=5)  # overlap between recently-added scans
JOBS_START_DELAY = 1.0  # seconds from start-up to the jobs' first runs


ApiKeySource = StoredApiKeys | FixedApiKeys


def api_keys(
    api: ApiSettings, database_url: str, uow: UnitOfWorkFactory, clock: Clock
) -> ApiKeySource:
    """API_KEY when the settings give one, else the key kept in the database (generated on
    first use; on SQLite, a stamp file beside it tells of rotations); every key it comes to
    know is kept out of the log."""
    if api.key is not None:
        return FixedApiKeys(api.key.get_secret_value().strip())
    path = sqlite_file(database_url)
    changes = StampFile(path.with_name(f"{path.name}-api-key")) if path else EveryCheck()
    return StoredApiKeys(uow, clock, known=keep_out_of_log, changes=changes)


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL (None for PostgreSQL)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    return Path(parsed.database)


@dataclass
class App:
    """Everything a front end needs: the core's services, the notification dispatcher and
    the scheduler of the jobs (None when no media server or downloader is configured), and
    the API's key (which the owners' chat commands show too)."""

    services: Services
    dispatcher: Dispatcher
    database_url: str
    api_keys: ApiKeySource
    scheduler: Scheduler | None = None
    # What the API's title and downloader routes read: TMDb's own bodies (None when the
    # catalogue is not TMDb, as in the offline demo) and the downloaders the jobs use.
    tmdb: TmdbClient | None = None
    arr_clients: Mapping[tuple[MediaType, bool], ArrClient] = field(default_factory=dict)
    # The webhook set in the settings (None: the one set through the API, if any).
    webhook: WebhookConfig | None = None


def job_names(settings: Settings) -> tuple[str, ...]:
    """The jobs the configured services call for."""
    names: list[str] = []
    if settings.media_server.configured:
        names += [RECENT_SCAN, FULL_SCAN]
    if any(s.configured for s in _downloader_settings(settings)):
        names += [SEND, SYNC]
    telegram, discord = settings.telegram, settings.discord
    if telegram.bot_token and telegram.admin_chat_id is not None and telegram.admin_digest_minutes:
        names.append(digest.job_name("telegram"))
    if discord.bot_token and discord.admin_channel_id is not None and discord.admin_digest_minutes:
        names.append(digest.job_name("discord"))
    names += digest_job_names(settings.agents)
    return tuple(names)


def core_config(settings: Settings) -> CoreConfig:
    """The core's plain configuration from the settings."""
    general = settings.general
    return CoreConfig(
        default_permissions=general.default_permissions,
        owners=general.bot_owners,
        quota_defaults=general.quota_defaults,
        jobs=job_names(settings),
        auto_link_by_name=general.auto_link_by_name,
        chat_platforms=tuple(settings.platforms),
    )


def media_server_client(media: MediaServerSettings) -> JellyfinClient:
    """The Jellyfin/Emby client for the configured server."""
    if media.jellyfin_url is None or media.jellyfin_api_key is None:
        raise ValueError("JELLYFIN_URL is not set")
    return JellyfinClient(
        media.jellyfin_url,
        media.jellyfin_api_key.get_secret_value().strip(),
        kind=media.media_server_type,
    )


def arr_settings(arr: RadarrSettings | SonarrSettings) -> ArrSettings:
    """A Radarr/Sonarr client's plain configuration from its settings."""
    if arr.url is None or arr.api_key is None or not arr.quality_profile or not arr.root_folder:
        raise ValueError("the downloader is not configured")
    return ArrSettings(
        url=arr.url,
        api_key=arr.api_key.get_secret_value().strip(),
        quality_profile=arr.quality_profile,
        root_folder=arr.root_folder,
        minimum_availability=getattr(arr, "minimum_availability", "released"),
        language_profile=getattr(arr, "language_profile", None),
    )


def _downloader_settings(settings: Settings) -> list[RadarrSettings | SonarrSettings]:
    return [settings.radarr, settings.radarr_4k, settings.sonarr, settings.sonarr_4k]


def downloader_clients(settings: Settings) -> dict[tuple[MediaType, bool], ArrClient]:
    """A client for each configured downloader, by (media type, 4K)."""
    found: dict[tuple[MediaType, bool], ArrClient] = {}
    for arr, kind, is_4k in (
        (settings.radarr, MediaType.MOVIE, False),
        (settings.radarr_4k, MediaType.MOVIE, True),
        (settings.sonarr, MediaType.TV, False),
        (settings.sonarr_4k, MediaType.TV, True),
    ):
        if not arr.configured:
            continue
        client_type: type[ArrClient] = RadarrClient if kind is MediaType.MOVIE else SonarrClient
        name = client_type.app + (" 4K" if is_4k else "")
        found[(kind, is_4k)] = client_type(arr_settings(arr), name=name)
    return found


def build_jobs(
    settings: Settings,
    services: Services,
    media_server: MediaServer | None,
    downloaders: Downloaders,
) -> list[Job]:
    """The jobs for what is configured, at the configured intervals."""
    intervals = settings.jobs
    jobs: list[Job] = []
    if media_server is not None:
        server = media_server

        async def recent_scan() -> str:
            # Everything added since the last scan that worked began (after an outage, the
            # whole outage), with some overlap; the first time, one interval back.
            (state,) = await job_states(services, [RECENT_SCAN])
            window = timedelta(seconds=intervals.recent_scan_interval)
            since = (state.last_ok_started_at or services.clock.now() - window) - RECENT_SLACK
            report = await library.scan_library(services, server, added_since=since)
            return report.summary()

        async def full_scan() -> str:
            imported = await linking.import_accounts(services, await server.accounts())
            report = await library.scan_library(services, server)
            return f"{report.summary()}; {imported.summary()}"

        jobs += [
            Job(RECENT_SCAN, intervals.recent_scan_interval, recent_scan),
            Job(FULL_SCAN, intervals.full_scan_interval, full_scan, catch_up=True),
        ]
    if downloaders:

        async def send() -> str:
            return (await fulfilment.send_approved(services, downloaders)).summary()

        async def sync() -> str:
            return (await fulfilment.sync_downloads(services, downloaders)).summary()

        jobs += [
            Job(SEND, intervals.download_sync_interval, send),
            Job(SYNC, intervals.download_sync_interval, sync),
        ]
    return jobs


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
    from adapters.telegram.config import TelegramConfig

    return TelegramConfig(
        token=telegram.bot_token.get_secret_value().strip(),
        base_url=str(telegram.base_url),
        admin_chat_id=telegram.admin_chat_id,
        admin_digest_minutes=telegram.admin_digest_minutes,
        notify_chat_id=telegram.notify_chat_id,
        poll_timeout=telegram.poll_timeout,
    )


def discord_config(discord: DiscordSettings) -> DiscordConfig:
    """The Discord adapter's plain configuration from its settings."""
    if discord.bot_token is None:
        raise ValueError("DISCORD_BOT_TOKEN is not set")
    from adapters.discord.config import DiscordConfig

    return DiscordConfig(
        token=discord.bot_token.get_secret_value().strip(),
        guild_id=discord.guild_id,
        admin_channel_id=discord.admin_channel_id,
        admin_digest_minutes=discord.admin_digest_minutes,
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
    delivery: DispatchPolicy | None = None,
    jobs_start_delay: float = JOBS_START_DELAY,
) -> AsyncIterator[App]:
    """Migrate and open the database, open the catalogue, the media server and the
    downloaders, wire the core and its jobs; close all on exit. ``delivery`` is how the
    outbox retries (production's backoff unless given); the jobs first run
    ``jobs_start_delay`` seconds after the scheduler starts."""
    url = database_url or settings.general.database_url
    async with AsyncExitStack() as stack:
        engine = create_engine(url)
        stack.push_async_callback(engine.dispose)
        await upgrade_engine(engine)
        if catalogue is None:
            catalogue = await stack.enter_async_context(tmdb_client(settings.tmdb))
        media_server: MediaServer | None = None
        if settings.media_server.configured:
            media_server = await stack.enter_async_context(
                media_server_client(settings.media_server)
            )
        arr_clients = downloader_clients(settings)
        routes: dict[tuple[MediaType, bool], Downloader] = {}
        for route, client in arr_clients.items():
            routes[route] = await stack.enter_async_context(client)
        downloaders = Downloaders(routes)
        uow = SqlUnitOfWorkFactory(engine)
        clock = SystemClock()
        dispatcher = Dispatcher(uow, clock, policy=delivery)
        agents = build_agents(settings, uow, dispatcher.policy.base_delay)
        for agent in agents:
            dispatcher.add_notifier(agent)
        scheduler: Scheduler | None = None

        def written() -> None:
            dispatcher.wake()
            if scheduler is not None and SEND in scheduler.names:
                scheduler.trigger(SEND)  # an approval goes to its downloader at once

        services = Services(
            uow=uow,
            catalogue=catalogue,
            clock=clock,
            config=config or core_config(settings),
            events_written=written,
            agents=agents,
        )
        await users.ensure_admin_account(services)  # before anything else can take id 1
        jobs = build_jobs(settings, services, media_server, downloaders)
        jobs += await digest_jobs(agents, uow, clock)
        jobs = [giving_back(j) for j in jobs]
        if jobs:
            scheduler = Scheduler(services, jobs, start_delay=jobs_start_delay)
        keys = api_keys(settings.api, url, uow, clock)
        tmdb = catalogue if isinstance(catalogue, TmdbClient) else None
        hook = webhook_config(settings.webhook)
        yield App(services, dispatcher, url, keys, scheduler, tmdb, arr_clients, hook)
