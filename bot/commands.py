"""What each ``requestbot`` subcommand does, on an opened application."""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import socket
import sys
import tempfile
from collections.abc import Awaitable, Callable, Sequence
from contextlib import ExitStack
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol, TextIO
from urllib.parse import urlsplit

from sqlalchemy.exc import DBAPIError

from adapters.clock import SystemClock
from adapters.console.notifier import ConsoleNotifier
from adapters.console.offline_catalogue import OfflineCatalogue
from adapters.console.shell import ConsoleShell
from adapters.text import job_lines
from bot.api_commands import api_line
from bot.app import (
    App,
    discord_config,
    downloader_clients,
    job_names,
    media_server_client,
    open_app,
    sqlite_file,
    telegram_config,
    tmdb_client,
)
from bot.health import beat, heartbeat_path
from bot.runner import Component, serve
from bot.settings import Settings, hide_password
from bot.webhook import add_webhook
from core import users
from core.errors import CoreError, ServiceRejected, ServiceUnavailable
from core.identity import Identity, QuotaLimits
from core.jobs import JobState, load_job_states
from core.notification_types import type_names
from core.permissions import DEFAULT_USER
from core.services import CoreConfig
from storage import SqlUnitOfWorkFactory, create_engine, upgrade
from storage.migrate import current_revision_of, head_revision

if TYPE_CHECKING:
    # The chat libraries load only for the platforms configured (each costs 0.2-0.3 s).
    from adapters.discord import DiscordAdapter, DiscordConfig
    from adapters.telegram import TelegramAdapter, TelegramConfig

log = logging.getLogger(__name__)


class _Checkable(Protocol):
    """A service client with a health check, used with ``async with``."""

    async def __aenter__(self) -> Any: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
        /,
    ) -> Any: ...

    async def check(self) -> str: ...


NO_PLATFORM = """\
requestbot run: no chat platform is configured.
Set at least one of these (in the environment or in .env; see .env.example):
  TELEGRAM_BOT_TOKEN   the token @BotFather gave your Telegram bot
  DISCORD_BOT_TOKEN    the token of your Discord application's bot
  API_ENABLED=true     to serve the Seerr-compatible API (Home Assistant, Homepage, ...)
and TMDB_API_KEY for searching. To look around first, run:  requestbot demo"""


class ChatAdapter(Protocol):
    """What `run` needs of a chat adapter: to run it, and to tell one person something."""

    async def run(self) -> None: ...

    async def tell(self, user_id: int, text: str) -> None: ...


def _telegram_adapter(settings: Settings, app: App) -> TelegramAdapter:
    """The Telegram adapter, its notifier registered with the dispatcher."""
    return telegram_adapter(app, telegram_config(settings.telegram))


def telegram_adapter(app: App, config: TelegramConfig) -> TelegramAdapter:
    """The Telegram adapter on ``config``, its notifier registered with the dispatcher."""
    from adapters.telegram import TelegramAdapter

    adapter = TelegramAdapter(app.services, config, app.api_keys)
    app.dispatcher.add_notifier(adapter.notifier)
    return adapter


def discord_adapter(app: App, config: DiscordConfig) -> DiscordAdapter:
    """The Discord adapter on ``config``, its notifier registered with the dispatcher."""
    from adapters.discord import DiscordAdapter

    adapter = DiscordAdapter(app.services, config, app.api_keys)
    app.dispatcher.add_notifier(adapter.notifier)
    return adapter


def _discord_adapter(settings: Settings, app: App) -> DiscordAdapter:
    return discord_adapter(app, discord_config(settings.discord))


# Chat adapters by platform, built from the settings and the app.
CHAT_ADAPTERS: dict[str, Callable[[Settings, App], ChatAdapter]] = {
    "telegram": _telegram_adapter,
    "discord": _discord_adapter,
}


TOKEN_SETTINGS = {"telegram": "TELEGRAM_BOT_TOKEN", "discord": "DISCORD_BOT_TOKEN"}

DEMO_USERS = ("admin", "alice", "bob")  # admin is a bot owner; the others get the default
DEMO_INTRO = """\
requestbot demo: a sample catalogue of {titles} real titles and a throw-away database.
No token, no network: everything you do here is forgotten when you leave.

Users: alice and bob may request (quota: {movies} movies and {seasons} seasons a week);
admin approves. You are {user}. Try, one line at a time:
  search star wars      request 1      requests
  request tv:1396 1-2   as admin       pending      approve 1     decline 2 not this week
  as alice              requests       quota        help
"""


def _refusal(settings: Settings) -> str | None:
    """Why `run` would not start with these settings (None: it would)."""
    platforms = settings.platforms
    if not platforms and not settings.api.enabled:
        return NO_PLATFORM
    missing = [p for p in platforms if p not in CHAT_ADAPTERS]
    if missing:
        names = ", ".join(p.capitalize() for p in missing)
        return (
            f"requestbot run: the {names} adapter is not part of this version yet; "
            "`requestbot demo` and `requestbot console` work today."
        )
    if settings.tmdb.api_key is None:
        return "requestbot run: set TMDB_API_KEY so that people can search."
    return None


async def run(settings: Settings, *, chats: bool = True) -> int:
    """Start every configured chat adapter (none unless ``chats``), the notification
    dispatcher, the jobs and, when enabled or without chats, the API; stop on a signal."""
    verb = "run" if chats else "api"
    refusal = _refusal(settings) if chats else _api_refusal(settings)
    if refusal is not None:
        print(refusal, file=sys.stderr)
        return 2
    refused = await _refused_token(settings) if chats else None
    if refused is not None:
        print(f"requestbot run: {refused}", file=sys.stderr)
        return 2
    with ExitStack() as listening:
        api_socket = None
        if settings.api.enabled or not chats:  # bound first: a port in use stops nothing
            from bot.api import CannotListen, api_listening

            try:
                api_socket = listening.enter_context(api_listening(settings.api))
            except CannotListen as exc:
                print(f"requestbot {verb}: the API {exc}; see API_HOST, API_PORT", file=sys.stderr)
                return 2
        async with open_app(settings) as app:
            return await _serve_app(settings, app, settings.platforms if chats else [], api_socket)


async def _serve_app(
    settings: Settings, app: App, platforms: Sequence[str], api_socket: socket.socket | None
) -> int:
    """Run the chat adapters of ``platforms``, the dispatcher, the jobs, the heartbeat and
    the API (on ``api_socket``, if given) until a signal; the exit code."""
    adapters = {p: CHAT_ADAPTERS[p](settings, app) for p in platforms}
    add_webhook(app, api=api_socket is not None)
    stop = asyncio.Event()
    lost: list[str] = []  # platforms whose token stopped working while running
    components = [Component(p, _until_token_refused(p, a, lost, stop)) for p, a in adapters.items()]
    components.append(Component("notifications", app.dispatcher.run))
    if app.scheduler is not None:
        components.append(Component("jobs", app.scheduler.run))
    components.append(Component("heartbeat", _heartbeat(app.database_url)))
    if api_socket is not None:
        from bot.api import api_component

        components.append(await api_component(settings.api, app, api_socket))
    log.info("requestbot running: %s", ", ".join(c.name for c in components))
    checking = asyncio.create_task(_startup_checks(settings, adapters), name="checks")
    try:
        code = await serve(components, stop=stop)
    finally:
        checking.cancel()
        await asyncio.gather(checking, return_exceptions=True)
    return 2 if lost else code


def _api_refusal(settings: Settings) -> str | None:
    """Why `api` would not start with these settings (None: it would)."""
    if settings.tmdb.api_key is None:
        return "requestbot api: set TMDB_API_KEY: the API searches and describes titles on TMDb."
    return None


async def _refused_token(settings: Settings) -> str | None:
    """Ask each chat platform once whether it takes our token: a refused token is a settings
    error (one line, exit 2); a platform that does not answer is retried by its adapter."""
    quiet = logging.getLogger("discord.client")  # "logging in using static token", twice
    level = quiet.level
    quiet.setLevel(max(level, logging.WARNING))
    try:
        for platform in settings.platforms:
            try:
                await _platform_check(settings, platform)
            except ServiceRejected as exc:
                why = f"HTTP {exc.status} {exc.detail}".rstrip()
                setting = TOKEN_SETTINGS[platform]
                return f"{exc.service} refused the bot token ({why}); check {setting}."
            except ServiceUnavailable as exc:
                log.warning("%s; the bot keeps trying to connect", exc)
    finally:
        quiet.setLevel(level)
    return None


async def _platform_check(settings: Settings, platform: str) -> str:
    """The chat platform's own check of the token (its library loads only now)."""
    if platform == "telegram":
        from adapters.telegram.app import check as check_telegram

        return await check_telegram(telegram_config(settings.telegram))
    from adapters.discord.app import check as check_discord

    return await check_discord(discord_config(settings.discord))


def _until_token_refused(
    platform: str, adapter: ChatAdapter, lost: list[str], stop: asyncio.Event
) -> Callable[[], Awaitable[None]]:
    """The adapter's run; a token refused later (revoked, or first seen after an outage)
    stops the bot with exit 2, as at start, after the adapter's one log line about it."""

    async def running() -> None:
        try:
            await adapter.run()
        except Exception as exc:
            if not _is_token_refusal(exc):
                raise
            lost.append(platform)
            stop.set()
            await asyncio.Event().wait()  # until serve cancels it, like every component

    return running


def _is_token_refusal(exc: BaseException) -> bool:
    """telegram.error.InvalidToken or discord.LoginFailure (only loaded modules are asked)."""
    telegram_error = sys.modules.get("telegram.error")
    discord_errors = sys.modules.get("discord.errors")
    kinds = (
        getattr(telegram_error, "InvalidToken", None),
        getattr(discord_errors, "LoginFailure", None),
    )
    return any(kind is not None and isinstance(exc, kind) for kind in kinds)


def _heartbeat(database_url: str) -> Callable[[], Awaitable[None]]:
    async def beating() -> None:
        await beat(heartbeat_path(database_url))

    return beating


async def _startup_checks(settings: Settings, adapters: dict[str, ChatAdapter]) -> None:
    """Test TMDb, the media server and the downloaders once, as `check` does; say what is
    wrong in the log and tell the owners in a direct message. The bot keeps running: a
    service that is down may come back, and each use tries again."""
    found = await asyncio.gather(*(_problem(n, c()) for n, c in _service_checks(settings)))
    problems = [p for p in found if p is not None]
    for problem in problems:
        log.warning("at start-up: %s", problem)
    if problems:
        await _tell_owners(settings, adapters, problems)


async def _problem(name: str, checking: Awaitable[str]) -> str | None:
    """None when the service works, else one plain line about it."""
    try:
        await checking
    except CoreError as exc:
        return f"{name} does not work: {exc}. {CONSEQUENCES.get(name.split()[0], '')}".strip()
    return None


CONSEQUENCES = {
    "TMDb": "Searches fail until this is fixed (TMDB_API_KEY, TMDB_BASE_URL).",
    "Jellyfin": "Library scans fail until this is fixed (JELLYFIN_URL, JELLYFIN_API_KEY).",
    "Emby": "Library scans fail until this is fixed (JELLYFIN_URL, JELLYFIN_API_KEY).",
    "Radarr": "Approved movies wait until this is fixed (RADARR_* settings).",
    "Sonarr": "Approved shows wait until this is fixed (SONARR_* settings).",
}


async def _tell_owners(
    settings: Settings, adapters: dict[str, ChatAdapter], problems: Sequence[str]
) -> None:
    """A direct message to each bot owner on a running platform; failures are logged."""
    text = "requestbot has started, but:\n" + "\n".join(f"- {p}" for p in problems)
    text += "\n`requestbot check` tests every service again."
    for owner in sorted(settings.general.bot_owners, key=str):
        adapter = adapters.get(owner.platform)
        if adapter is None or not owner.external_id.isdigit():
            continue
        try:
            await adapter.tell(int(owner.external_id), text)
        except Exception as exc:
            log.info("could not tell the owner %s about it: %s", owner, one_line(exc))


async def console(settings: Settings, user: str, stdin: TextIO, stdout: TextIO) -> int:
    """The console adapter on the configured TMDb and database."""
    if settings.tmdb.api_key is None:
        print(
            "requestbot console needs TMDB_API_KEY (a TMDb v3 API key or v4 read token).\n"
            "Without one, `requestbot demo` shows everything on an offline catalogue.",
            file=sys.stderr,
        )
        return 2
    async with open_app(settings) as app:
        # No dispatcher here: `requestbot run` delivers notifications on this database.
        shell = ConsoleShell(app.services, None, stdout, user)
        me = await shell.me()
        print(
            f"requestbot console on {_safe_url(app.database_url)} as {me.display_name}. "
            'Type "help" for the commands.\n'
            "Notifications are sent by `requestbot run`, not from this console.",
            file=stdout,
        )
        await shell.run(shell.lines(stdin), echo=not _is_tty(stdin))
    return 0


async def demo(settings: Settings, user: str, stdin: TextIO, stdout: TextIO) -> int:
    """The console adapter on the bundled offline catalogue and a throw-away SQLite file."""
    catalogue = OfflineCatalogue()
    quota = QuotaLimits(movie_limit=5, movie_days=7, tv_limit=10, tv_days=7)
    config = CoreConfig(
        default_permissions=DEFAULT_USER,
        owners=(Identity("console", "admin"),),
        quota_defaults=quota,
    )
    with tempfile.TemporaryDirectory(prefix="requestbot-demo-") as folder:
        url = "sqlite+aiosqlite:///" + (Path(folder) / "demo.db").as_posix()
        async with open_app(settings, catalogue=catalogue, database_url=url, config=config) as app:
            app.dispatcher.add_notifier(ConsoleNotifier(stdout))
            for name in DEMO_USERS:
                await users.resolve_user(app.services, Identity("console", name), name)
            print(
                DEMO_INTRO.format(
                    titles=len(catalogue.titles()),
                    movies=quota.movie_limit,
                    seasons=quota.tv_limit,
                    user=user,
                ),
                file=stdout,
            )
            shell = ConsoleShell(app.services, app.dispatcher, stdout, user, demo=True)
            await shell.run(shell.lines(stdin), echo=not _is_tty(stdin))
            print("Bye! The demo database is gone.", file=stdout)
    return 0


async def migrate(settings: Settings) -> int:
    """Apply the database migrations and say where the schema stands."""
    url = settings.general.database_url
    print(f"database {_safe_url(url)}: schema at revision {await upgrade(url)}")
    return 0


async def check(settings: Settings) -> int:
    """One line per configured service: working, or what is wrong, touching nothing (no
    database is created or migrated). Exit 1 if any is wrong, else 2 if `run` would refuse
    to start with these settings."""
    if logging.getLogger().getEffectiveLevel() >= logging.INFO:
        # The line per service says it all: not "logging in using static token", nor the
        # traceback of a Bot API address that answers something else than JSON.
        logging.getLogger("discord").setLevel(logging.WARNING)
        logging.getLogger("telegram.request").setLevel(logging.CRITICAL)
    ok = await _database_line(settings.general.database_url)
    services = dict(_service_checks(settings))
    if settings.tmdb.api_key is None:
        print("TMDb: not configured (set TMDB_API_KEY)")
    else:
        ok &= await _service_line("TMDb", services.pop("TMDb")())
    if "telegram" not in settings.platforms:
        print("Telegram: not configured (set TELEGRAM_BOT_TOKEN)")
    else:
        ok &= await _service_line("Telegram", _platform_check(settings, "telegram"))
    if "discord" not in settings.platforms:
        print("Discord: not configured (set DISCORD_BOT_TOKEN)")
    else:
        ok &= await _service_line("Discord", _platform_check(settings, "discord"))
    if not settings.media_server.configured:
        print("Media server: not configured (set JELLYFIN_URL and JELLYFIN_API_KEY)")
    for name, checking in services.items():
        ok &= await _service_line(name, checking())
    for name, arr in (("Radarr", settings.radarr), ("Sonarr", settings.sonarr)):
        if not arr.configured:
            prefix = name.upper()
            needs = (
                f"{prefix}_URL, {prefix}_API_KEY, {prefix}_QUALITY_PROFILE, {prefix}_ROOT_FOLDER"
            )
            print(f"{name}: not configured (set {needs})")
    path = sqlite_file(settings.general.database_url)
    await api_line(settings, path is None or path.exists())
    print(agents_line(settings))
    print(webhook_line(settings))
    await _print_jobs(settings)
    refusal = _refusal(settings)
    if refusal is not None:
        print(f"\n{refusal.replace('requestbot run:', '`requestbot run` would refuse:', 1)}")
    if not ok:
        return 1
    return 0 if refusal is None else 2


def agents_line(settings: Settings) -> str:
    """``Notification agents: ...``: each agent set, its events and pace (nothing is sent:
    `requestbot notify-test` does that)."""
    if not settings.agents:
        return "Notification agents: none (set NOTIFY_1_URL to an Apprise URL)"
    described = []
    for agent in settings.agents:
        events = ", ".join(type_names(agent.types)) or "no events"
        pace = f"; a digest every {agent.digest_minutes} min" if agent.digest_minutes else ""
        described.append(f"{agent.name} ({events}{pace})")
    return f"Notification agents: {'; '.join(described)} (`requestbot notify-test` tries them)"


def webhook_line(settings: Settings) -> str:
    """``Webhook: ...``: set in the settings (to which server), or left to the API."""
    hook = settings.webhook
    if hook.url is None:
        left = (
            "clients such as Home Assistant set it through the API"
            if settings.api.enabled
            else "set WEBHOOK_URL, or enable the API for Home Assistant to set it"
        )
        return f"Webhook: not in the settings ({left})"
    parts = urlsplit(hook.url)
    server = f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"  # no path: it holds ids
    events = ", ".join(type_names(hook.events)) or "no events"
    return f"Webhook: set in the settings, to {server} ({events})"


async def _database_line(url: str) -> bool:
    """The database: its revision, or that `run` will create it (and can), or what is wrong;
    nothing is created or migrated here."""
    shown = _safe_url(url)
    path = sqlite_file(url)
    if path is not None and not path.exists():
        folder = next(p for p in (path.absolute(), *path.absolute().parents) if p.exists())
        if not os.access(folder, os.W_OK | os.X_OK):
            print(f"database: FAILED ({shown}: cannot create it, {folder} is not writable)")
            return False
        print(f"database: ok ({shown}, not created yet: `requestbot run` creates it)")
        return True
    engine = create_engine(url)
    try:
        revision = await current_revision_of(engine)
    except Exception as exc:
        print(f"database: FAILED ({shown}: {one_line(exc)})")
        return False
    finally:
        await engine.dispose()
    head = head_revision()
    if revision == head:
        print(f"database: ok ({shown}, revision {revision})")
    else:
        print(
            f"database: ok ({shown}, revision {revision or 'none'}; "
            f"`requestbot run` or `migrate` brings it to {head})"
        )
    return True


def one_line(exc: BaseException) -> str:
    """``Kind: first line of the message`` (a driver's error rather than SQLAlchemy's
    wrapper around it, and never SQLAlchemy's "Background on this error" line)."""
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        exc = exc.orig
    text = str(exc).strip()
    first = text.splitlines()[0][:200] if text else ""
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


async def _print_jobs(settings: Settings) -> None:
    """Each configured job's last run, as the running bot stored it."""
    names = job_names(settings)
    if not names:
        print("Jobs: none (they need a media server or a downloader)")
        return
    url = settings.general.database_url
    path = sqlite_file(url)
    if path is not None and not path.exists():
        states = [JobState(name) for name in names]  # no database yet: none has run
    else:
        engine = create_engine(url)
        try:
            states = await load_job_states(SqlUnitOfWorkFactory(engine), names)
        except Exception as exc:
            print(f"Jobs: cannot read their state ({type(exc).__name__})")
            return
        finally:
            await engine.dispose()
    print("Jobs (last run by `requestbot run`):")
    for line in job_lines(states, SystemClock().now()):
        print(f"  {line}")


async def _service_line(name: str, checking: Awaitable[str]) -> bool:
    """Print ``name: ok (...)`` or ``name: FAILED (why)``; True if it works."""
    try:
        print(f"{name}: ok ({await checking})")
    except CoreError as exc:
        print(f"{name}: FAILED ({exc})")
        return False
    return True


async def _checked(client: _Checkable) -> str:
    """A client's health-check line; the client is closed afterwards."""
    async with client:
        return await client.check()


def _service_checks(settings: Settings) -> list[tuple[str, Callable[[], Awaitable[str]]]]:
    """(name, a function running its check) for TMDb, the media server and each downloader
    configured; each check closes its client."""
    found: list[tuple[str, Callable[[], Awaitable[str]]]] = []
    if settings.tmdb.api_key is not None:
        found.append(("TMDb", lambda: _checked(tmdb_client(settings.tmdb))))
    media = settings.media_server
    if media.configured:
        name = media.media_server_type.capitalize()
        found.append((name, lambda: _checked(media_server_client(media))))
    for client in downloader_clients(settings).values():
        found.append((client.name, functools.partial(_checked, client)))  # every one is run
    return found


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _safe_url(url: str) -> str:
    """The database URL without its password (also one given as a query parameter)."""
    base, _, query = hide_password(url).partition("?")
    if "password" in query.lower():
        return base + "?..."
    return base + (f"?{query}" if query else "")
