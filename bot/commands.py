"""What each ``requestbot`` subcommand does, on an opened application."""

from __future__ import annotations

import logging
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, TextIO

from adapters.clock import SystemClock
from adapters.console.notifier import ConsoleNotifier
from adapters.console.offline_catalogue import OfflineCatalogue
from adapters.console.shell import ConsoleShell
from adapters.discord import DiscordAdapter
from adapters.discord import check as check_discord
from adapters.telegram import TelegramAdapter
from adapters.telegram import check as check_telegram
from adapters.text import job_lines
from bot.app import (
    App,
    discord_config,
    downloader_clients,
    job_names,
    media_server_client,
    open_app,
    telegram_config,
    tmdb_client,
)
from bot.runner import Component, serve
from bot.settings import Settings, hide_password
from core import users
from core.domain import Identity, QuotaLimits
from core.errors import CoreError
from core.jobs import load_job_states
from core.permissions import Permission
from core.services import CoreConfig
from storage import SqlUnitOfWorkFactory, create_engine, upgrade

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
and TMDB_API_KEY for searching. To look around first, run:  requestbot demo"""


def _telegram(settings: Settings, app: App) -> Component:
    """The Telegram adapter, its notifier registered with the dispatcher."""
    adapter = TelegramAdapter(app.services, telegram_config(settings.telegram))
    app.dispatcher.add_notifier(adapter.notifier)
    return Component("telegram", adapter.run)


def _discord(settings: Settings, app: App) -> Component:
    """The Discord adapter, its notifier registered with the dispatcher."""
    adapter = DiscordAdapter(app.services, discord_config(settings.discord))
    app.dispatcher.add_notifier(adapter.notifier)
    return Component("discord", adapter.run)


# Chat adapters by platform, each building a Component from the settings and the app.
PLATFORM_ADAPTERS: dict[str, Callable[[Settings, App], Component]] = {
    "telegram": _telegram,
    "discord": _discord,
}

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


async def run(settings: Settings) -> int:
    """Start every configured chat adapter and the notification dispatcher; stop on a signal."""
    platforms = settings.platforms
    if not platforms:
        print(NO_PLATFORM, file=sys.stderr)
        return 2
    missing = [p for p in platforms if p not in PLATFORM_ADAPTERS]
    if missing:
        names = ", ".join(p.capitalize() for p in missing)
        print(
            f"requestbot run: the {names} adapter is not part of this version yet; "
            "`requestbot demo` and `requestbot console` work today.",
            file=sys.stderr,
        )
        return 2
    if settings.tmdb.api_key is None:
        print("requestbot run: set TMDB_API_KEY so that people can search.", file=sys.stderr)
        return 2
    async with open_app(settings) as app:
        components = [PLATFORM_ADAPTERS[p](settings, app) for p in platforms]
        components.append(Component("notifications", app.dispatcher.run))
        if app.scheduler is not None:
            components.append(Component("jobs", app.scheduler.run))
        log.info("requestbot running: %s", ", ".join(c.name for c in components))
        return await serve(components)


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
        default_permissions=Permission.REQUEST,
        owners=frozenset({Identity("console", "admin")}),
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
    """One line per configured service: working, or what is wrong. Exit 1 if any is wrong."""
    ok = True
    url = settings.general.database_url
    try:
        revision = await upgrade(url)
        print(f"database: ok ({_safe_url(url)}, revision {revision})")
    except Exception as exc:
        ok = False
        print(f"database: FAILED ({_safe_url(url)}: {type(exc).__name__}: {exc})")
    if settings.tmdb.api_key is None:
        print("TMDb: not configured (set TMDB_API_KEY)")
    else:
        ok &= await _service_line("TMDb", _checked(tmdb_client(settings.tmdb)))
    if "telegram" not in settings.platforms:
        print("Telegram: not configured (set TELEGRAM_BOT_TOKEN)")
    else:
        ok &= await _service_line("Telegram", check_telegram(telegram_config(settings.telegram)))
    if "discord" not in settings.platforms:
        print("Discord: not configured (set DISCORD_BOT_TOKEN)")
    else:
        ok &= await _service_line("Discord", check_discord(discord_config(settings.discord)))
    ok &= await _check_media_stack(settings)
    await _print_jobs(settings)
    return 0 if ok else 1


async def _print_jobs(settings: Settings) -> None:
    """Each configured job's last run, as the running bot stored it."""
    names = job_names(settings)
    if not names:
        print("Jobs: none (they need a media server or a downloader)")
        return
    engine = create_engine(settings.general.database_url)
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


async def _check_media_stack(settings: Settings) -> bool:
    """The media server and each downloader: reachable, key accepted, settings valid."""
    ok = True
    media = settings.media_server
    if not media.configured:
        print("Media server: not configured (set JELLYFIN_URL and JELLYFIN_API_KEY)")
    else:
        label = media.media_server_type.capitalize()
        ok &= await _service_line(label, _checked(media_server_client(media)))
    for client in downloader_clients(settings).values():
        ok &= await _service_line(client.name, _checked(client))
    for name, arr in (("Radarr", settings.radarr), ("Sonarr", settings.sonarr)):
        if not arr.configured:
            prefix = name.upper()
            needs = (
                f"{prefix}_URL, {prefix}_API_KEY, {prefix}_QUALITY_PROFILE, {prefix}_ROOT_FOLDER"
            )
            print(f"{name}: not configured (set {needs})")
    return ok


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
