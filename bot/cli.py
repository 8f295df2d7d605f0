"""The ``requestbot`` command: run, console, demo, migrate, check."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import sys
from collections.abc import Sequence

from sqlalchemy.exc import SQLAlchemyError

from bot import commands
from bot.settings import SettingsError, load_settings

log = logging.getLogger("requestbot")

DESCRIPTION = """\
requestbot: ask for movies and shows from Discord and Telegram, with Seerr's request rules.
Without a subcommand it runs the bot if a chat platform is configured, else the offline demo."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="requestbot", description=DESCRIPTION)
    parser.add_argument("--env-file", default=".env", help="settings file (default: .env)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("run", help="run every configured chat adapter and background job")
    console = sub.add_parser("console", help="the bot in this terminal, on the configured TMDb")
    console.add_argument("--as", dest="user", help="act as this console user (default: you)")
    demo = sub.add_parser("demo", help="an offline tour: sample catalogue, throw-away database")
    demo.add_argument("--as", dest="user", default="alice", help="start as this user")
    sub.add_parser("migrate", help="bring the database schema up to date")
    sub.add_parser("check", help="test the connection to every configured service")
    return parser


def _configure_logging(level: str, interactive: bool) -> None:
    # In the terminal front ends the transcript is on stdout; keep the log quiet on stderr.
    chosen = logging.WARNING if interactive and level == "INFO" else getattr(logging, level)
    logging.basicConfig(
        level=chosen,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
    )
    for noisy in ("httpx", "httpcore", "aiosqlite", "asyncio", "alembic"):
        logging.getLogger(noisy).setLevel(max(chosen, logging.WARNING))


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``requestbot`` console script."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="replace")
    args = _parser().parse_args(argv)
    try:
        settings = load_settings(args.env_file)
    except SettingsError as error:
        print("requestbot: the settings have problems:", file=sys.stderr)
        for problem in error.problems:
            print(f"  - {problem}", file=sys.stderr)
        print("See .env.example for every setting.", file=sys.stderr)
        return 2
    command = args.command or ("run" if settings.platforms else "demo")
    _configure_logging(settings.general.log_level, command in ("console", "demo"))
    try:
        if command == "run":
            return asyncio.run(commands.run(settings))
        if command == "console":
            user = args.user or _login_name()
            return asyncio.run(commands.console(settings, user, sys.stdin, sys.stdout))
        if command == "demo":
            user = getattr(args, "user", None) or "alice"
            if args.command is None:
                print("No chat platform is configured, so here is the offline demo.\n")
            return asyncio.run(commands.demo(settings, user, sys.stdin, sys.stdout))
        if command == "migrate":
            return asyncio.run(commands.migrate(settings))
        return asyncio.run(commands.check(settings))
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130
    except (OSError, SQLAlchemyError) as error:
        # Most often the database is down or the URL points nowhere: say so in one line.
        first = str(error).strip().splitlines()[0] if str(error).strip() else ""
        print(
            f"requestbot: the database cannot be used ({type(error).__name__}: {first[:200]}).",
            file=sys.stderr,
        )
        log.debug("database error", exc_info=True)
        return 1


def _login_name() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "console"


if __name__ == "__main__":
    sys.exit(main())
