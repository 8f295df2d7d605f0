"""The ``requestbot`` command: run, api, api-key, console, demo, notify-test, migrate, check,
health."""

from __future__ import annotations

import argparse
import logging
import sys
import threading
import time
from collections.abc import Coroutine, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.settings import Settings

# Only the standard library up here: `requestbot --help` and `--version` answer without
# loading pydantic, SQLAlchemy or a chat library; each command imports what it uses.

log = logging.getLogger("requestbot")

DESCRIPTION = """\
requestbot: ask for movies and shows from Discord and Telegram, with Seerr's request rules.
Without a subcommand it runs the bot if a chat platform or the API is enabled, else the demo."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="requestbot", description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"requestbot {_version()}")
    parser.add_argument("--env-file", default=".env", help="settings file (default: .env)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("run", help="run every configured chat adapter and background job")
    sub.add_parser("api", help="run the Seerr-compatible API and the jobs, without the chats")
    key = sub.add_parser("api-key", help="print the API key (generated once if there is none)")
    key.add_argument("--rotate", action="store_true", help="replace it and print the new one")
    console = sub.add_parser("console", help="the bot in this terminal, on the configured TMDb")
    console.add_argument("--as", dest="user", help="act as this console user (default: you)")
    demo = sub.add_parser("demo", help="an offline tour: sample catalogue, throw-away database")
    demo.add_argument("--as", dest="user", default="alice", help="start as this user")
    sub.add_parser("migrate", help="bring the database schema up to date")
    sub.add_parser("check", help="test the connection to every configured service")
    notify = sub.add_parser("notify-test", help="send a test notification through the agents")
    notify.add_argument("agent", nargs="?", help="only this agent (default: every agent)")
    sub.add_parser("health", help="exit 0 if `requestbot run` is alive here (Docker HEALTHCHECK)")
    return parser


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("requestbot")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


def _configure_logging(level: str, interactive: bool, secrets: Sequence[str] = ()) -> None:
    # In the terminal front ends the transcript is on stdout; keep the log quiet on stderr.
    chosen = logging.WARNING if interactive and level == "INFO" else getattr(logging, level)
    logging.basicConfig(
        level=chosen,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
    )
    for handler in logging.getLogger().handlers:
        handler.addFilter(Redact(secrets))
    for noisy in ("httpx", "httpcore", "aiosqlite", "asyncio", "alembic", "uvicorn"):
        logging.getLogger(noisy).setLevel(max(chosen, logging.WARNING))


class Redact(logging.Filter):
    """Masks tokens and keys wherever a log line would show them: the message, its
    arguments, a traceback (the Bot API puts the token in every URL it calls)."""

    def __init__(self, secrets: Sequence[str]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if len(s) >= 8]

    def add(self, secret: str) -> None:
        """Mask ``secret`` too from now on (a key learnt while running)."""
        if len(secret) >= 8 and secret not in self._secrets:
            self._secrets.append(secret)

    def _clean(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        message = record.getMessage()
        cleaned = self._clean(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._clean(record.exc_text)
        return True


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``requestbot`` console script."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="replace")
    args = _parser().parse_args(argv)
    import asyncio

    from bot.settings import SettingsError, load_settings

    try:
        settings = load_settings(args.env_file)
    except SettingsError as error:
        _print_warnings(error.warnings)
        print("requestbot: the settings have problems:", file=sys.stderr)
        for problem in error.problems:
            print(f"  - {problem}", file=sys.stderr)
        print("See .env.example for every setting.", file=sys.stderr)
        return 2
    _print_warnings(settings.warnings)
    command = args.command or ("run" if settings.platforms or settings.api.enabled else "demo")
    if command == "health":  # Docker runs it every minute: no database or chat library
        from bot.health import health

        return health(settings.general.database_url)
    _configure_logging(
        settings.general.log_level, command in ("console", "demo"), secrets(settings)
    )
    from sqlalchemy.exc import SQLAlchemyError

    from bot import commands

    def run(work: Coroutine[Any, Any, int]) -> int:
        return asyncio.run(_settled(work, (OSError, SQLAlchemyError)))

    try:
        if command == "run":
            return run(commands.run(settings))
        if command == "api":
            return run(commands.run(settings, chats=False))
        if command == "api-key":
            from bot.api_commands import api_key

            return run(api_key(settings, rotate=args.rotate))
        if command == "console":
            user = args.user or _login_name()
            return run(commands.console(settings, user, sys.stdin, sys.stdout))
        if command == "demo":
            user = getattr(args, "user", None) or "alice"
            if args.command is None:
                print("No chat platform is configured, so here is the offline demo.\n")
            return run(commands.demo(settings, user, sys.stdin, sys.stdout))
        if command == "notify-test":
            from bot.agents import notify_test

            return run(notify_test(settings, args.agent))
        if command == "migrate":
            return run(commands.migrate(settings))
        return run(commands.check(settings))
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130
    except (OSError, SQLAlchemyError) as error:
        # Most often the database is down or the URL points nowhere: say so in one line.
        print(
            f"requestbot: the database cannot be used ({commands.one_line(error)}).",
            file=sys.stderr,
        )
        log.debug("database error", exc_info=True)
        return 1


async def _settled(
    work: Coroutine[Any, Any, int], database_errors: tuple[type[BaseException], ...]
) -> int:
    """``work``; after a database error, first let aiosqlite's threads end while the loop
    still runs."""
    import asyncio

    try:
        return await work
    except database_errors:
        await asyncio.to_thread(_join_sqlite_threads)
        raise


def _join_sqlite_threads(timeout: float = 1.0) -> None:
    # aiosqlite quirk: a connection that fails to open queues its own stop, and its worker
    # thread hands that result back to the event loop; when asyncio.run has closed the loop
    # by then, the thread dies on "Event loop is closed" with a traceback on stderr.
    deadline = time.monotonic() + timeout
    for thread in threading.enumerate():
        if "_connection_worker_thread" in thread.name:
            thread.join(max(0.0, deadline - time.monotonic()))


def _print_warnings(warnings: Sequence[str]) -> None:
    for warning in warnings:
        print(f"requestbot: {warning}", file=sys.stderr)


def secrets(settings: Settings) -> list[str]:
    """Every token and key in the settings, to keep out of the log."""
    found = [
        settings.tmdb.api_key,
        settings.telegram.bot_token,
        settings.discord.bot_token,
        settings.media_server.jellyfin_api_key,
        settings.radarr.api_key,
        settings.radarr_4k.api_key,
        settings.sonarr.api_key,
        settings.sonarr_4k.api_key,
        settings.api.key,
    ]
    values = [s.get_secret_value().strip() for s in found if s is not None]
    if settings.agents:
        from adapters.notify.urls import secrets_of

        for agent in settings.agents:
            url = agent.url.get_secret_value()
            values += [url, *secrets_of(url)]
    return values


def keep_out_of_log(secret: str) -> None:
    """Mask ``secret`` in every log line from now on (the generated API key, once known)."""
    for handler in logging.getLogger().handlers:
        for found in handler.filters:
            if isinstance(found, Redact):
                found.add(secret)


def _login_name() -> str:
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "console"


if __name__ == "__main__":
    sys.exit(main())
