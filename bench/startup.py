"""Start-up cost of the ``requestbot`` command.

Prints the median wall time of ``requestbot --help`` and ``requestbot --version`` over N
runs (each a fresh process), then the modules loaded and the resident memory of an idle
``run``-like process: settings read, the app opened (database, TMDb client) and both chat
adapters built, without connecting anywhere. That state is measured on a new database (the
schema must be created, so Alembic loads), on one already at the newest revision (no
Alembic, no Mako), and there with Telegram alone (discord.py is not loaded either).
bench/memory.py measures a real ``run``, connected and past its first jobs, with the same
figures (bench/proc_memory.py).

    .venv/bin/python bench/startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

IDLE = """\
import asyncio, json, sys
from proc_memory import process_memory
from bot.commands import CHAT_ADAPTERS
from bot.app import open_app
from bot.settings import load_settings

async def main():
    settings = load_settings(None)
    async with open_app(settings) as app:
        for platform in settings.platforms:
            CHAT_ADAPTERS[platform](settings, app)
        rss = process_memory()["rss"] // 1024
        roots = {name.split(".")[0] for name in sys.modules}
        print(json.dumps({
            "modules": len(sys.modules),
            "rss_mib": rss,
            "alembic": "alembic" in roots,
            "mako": "mako" in roots,
        }))

asyncio.run(main())
"""


def _command() -> list[str]:
    script = Path(sys.executable).with_name("requestbot")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot"]


def _environment(**more: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DISCORD_"))}
    env.update(PYTHONPATH=os.pathsep.join((str(ROOT), str(ROOT / "bench"))), **more)
    return env


def time_command(args: list[str], runs: int) -> float | None:
    """Median wall time in seconds of ``requestbot ARGS`` (None: the command fails)."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run([*_command(), *args], capture_output=True, env=_environment())
        if done.returncode != 0:
            return None
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def idle_state(database_url: str, cwd: Path, *, discord: bool = True) -> dict[str, object]:
    """Modules and RSS of a process holding an opened app and the chat adapters."""
    env = _environment(
        DATABASE_URL=database_url,
        TELEGRAM_BOT_TOKEN="123456:ABCdefGHIjklMNOpqrSTUvwxYZ0123456789",  # noqa: S106
        DISCORD_BOT_TOKEN="MTM3MDAwMDAwMDAwMDAwMDAwMQ.GfAkE0.bench-token-never-used",  # noqa: S106
        TMDB_API_KEY="0123456789abcdef0123456789abcdef",
        LOG_LEVEL="WARNING",
    )
    if not discord:
        del env["DISCORD_BOT_TOKEN"]
    done = subprocess.run(
        [sys.executable, "-c", IDLE], capture_output=True, text=True, check=True, env=env, cwd=cwd
    )
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11, help="runs per command (median)")
    runs = parser.parse_args().runs
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, median of {runs} runs")
    for args in (["--help"], ["--version"]):
        took = time_command(args, runs)
        shown = "fails" if took is None else f"{took * 1000:4.0f} ms"
        print(f"requestbot {args[0]:<10} {shown:>8}")
    folder = Path(tempfile.mkdtemp(prefix="requestbot-bench-"))
    try:
        url = "sqlite+aiosqlite:///" + (folder / "bot.db").as_posix()
        for label, discord in (
            ("new database (migrates)", True),
            ("database at head", True),
            ("at head, Telegram only", False),
        ):
            state = idle_state(url, folder, discord=discord)
            print(
                f"idle run, {label:<24} {state['modules']:5} modules, {state['rss_mib']:4} MiB RSS,"
                f" alembic {'loaded' if state['alembic'] else 'not loaded'},"
                f" mako {'loaded' if state['mako'] else 'not loaded'}"
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
