"""Idle memory of ``requestbot run``, and where it goes.

The test suite's fake Telegram, Discord, TMDb, Jellyfin (a generated library of 500 movies
and 50 shows), Radarr and Sonarr run on 127.0.0.1 in this process; requestbot runs as its
own process with ``requestbot run`` on a SQLite file ``requestbot migrate`` has brought to
the newest revision (a restart: ``--new-database`` starts on an empty one, which loads
Alembic), both chats configured, so the jobs run too, and the Seerr-compatible API
(``API_ENABLED=true``) when this tree has it (``adapters.api.app``). Idle is once both chats
are connected, every job has finished its first run and the process has then been left
alone for ``--settle`` seconds; it runs with PYTHONOPTIMIZE and MALLOC_ARENA_MAX as the
Docker image sets them (``--plain``: as this environment has them). Printed: the parts
running (from the bot's own start-up line), VmRSS, VmHWM and, from ``smaps_rollup``, PSS
and USS (what ending the process gives back).

Then a breakdown of the imports, each measured in fresh interpreters: what a group of
modules costs alone (VmRSS after importing it, less a bare interpreter's), and what it adds
when the groups are imported in the order listed (a shared dependency counts for the first
that loads it). The interpreters import the ``bot`` package first, as ``requestbot`` does
(it keeps httpx's command-line client out).

    .venv/bin/python bench/memory.py [--settle 3] [--no-api] [--new-database] [--plain]
        [--env NAME=VALUE ...] [--no-breakdown]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
from asyncio.subprocess import PIPE
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

from proc_memory import mib, process_memory

ROOT = Path(__file__).resolve().parent.parent
SETTING_PREFIXES = ("TMDB_", "TELEGRAM_", "DISCORD_", "JELLYFIN_", "RADARR", "SONARR", "API_")
JOBS = ("recently added scan", "full library scan", "send approved", "download sync")
RUNNING = re.compile(r"requestbot running: (.*)$")
JOB_DONE = re.compile(r"job (.+?): ")

# (label, modules) imported in this order, third-party packages first, roughly from the
# bottom of the stack up, then ours; what one loads is not counted again for the later ones.
PACKAGES = (
    ("pydantic", "pydantic"),
    ("pydantic_settings", "pydantic_settings"),
    ("sqlalchemy (core, orm, asyncio)", "sqlalchemy,sqlalchemy.ext.asyncio"),
    ("sqlmodel", "sqlmodel"),
    ("aiosqlite", "aiosqlite"),
    ("httpx", "httpx"),
    ("aiohttp", "aiohttp"),
    ("telegram (python-telegram-bot)", "telegram,telegram.ext"),
    ("discord (discord.py)", "discord,discord.app_commands"),
    ("opentelemetry-api", "opentelemetry.trace,opentelemetry.metrics,opentelemetry.propagate"),
    ("starlette", "starlette.applications,starlette.routing"),
    ("fastapi", "fastapi"),
    ("uvicorn", "uvicorn,uvicorn.server,uvicorn.config"),
    ("alembic + mako (migrating only)", "alembic.command,mako.template"),
    ("core", "core.services,core.requests,core.library,core.fulfilment,core.notifications"),
    ("storage", "storage"),
    ("adapters: tmdb, jellyfin, arr", "adapters.tmdb.client,adapters.jellyfin,adapters.arr"),
    ("adapters.telegram", "adapters.telegram"),
    ("adapters.discord", "adapters.discord"),
    ("adapters.api", "adapters.api.app"),
    ("bot (settings, commands)", "bot.settings,bot.app,bot.commands"),
)

PROBE = """\
import importlib, json, sys
import bot
from proc_memory import process_memory
rows = [["(interpreter)", process_memory()["rss"], len(sys.modules)]]
for group in sys.argv[1:]:
    for name in group.split(","):
        importlib.import_module(name)
    rows.append([group, process_memory()["rss"], len(sys.modules)])
print(json.dumps(rows))
"""


def api_available() -> bool:
    """Whether this tree has the API (its app module), so ``run`` can serve it."""
    return importable("adapters.api.app")


def image_environment() -> dict[str, str]:
    """PYTHONOPTIMIZE and MALLOC_ARENA_MAX as the Docker image sets them (its ENV lines)."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    return dict(re.findall(r"\b(PYTHONOPTIMIZE|MALLOC_ARENA_MAX)=(\S+)", text))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.asynccontextmanager
async def fakes() -> AsyncIterator[dict[str, Any]]:
    """Every fake server the bot talks to, started in this process."""
    sys.path.insert(0, str(ROOT))  # the fakes live with the tests
    from tests.fake_arr import FakeRadarr, FakeSonarr
    from tests.fake_discord import FakeDiscord
    from tests.fake_jellyfin import FakeJellyfin
    from tests.fake_telegram import FakeTelegram
    from tests.fake_tmdb import FakeTmdb

    async with contextlib.AsyncExitStack() as stack:
        found = {
            name: await stack.enter_async_context(kind())
            for name, kind in (
                ("telegram", FakeTelegram),
                ("discord", FakeDiscord),
                ("tmdb", FakeTmdb),
                ("jellyfin", FakeJellyfin),
                ("radarr", FakeRadarr),
                ("sonarr", FakeSonarr),
            )
        }
        found["jellyfin"].generate(movies=500, series=50)
        for name in ("Alice", "Bob"):
            found["jellyfin"].add_user(name)
        yield found


def bot_environment(servers: dict[str, Any], folder: Path, api_port: int | None) -> dict[str, str]:
    """The environment of the measured process: this one's, less our settings, plus the
    fakes' addresses (and the API's when it runs)."""
    tg, dc, tmdb = servers["telegram"], servers["discord"], servers["tmdb"]
    jf, radarr, sonarr = servers["jellyfin"], servers["radarr"], servers["sonarr"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(SETTING_PREFIXES)}
    env.update(
        PYTHONPATH=str(ROOT),
        DATABASE_URL=f"sqlite+aiosqlite:///{folder / 'requestbot.db'}",
        LOG_LEVEL="INFO",
        BOT_OWNERS=f"discord:{dc.owner_id}",
        TELEGRAM_BOT_TOKEN=tg.token,
        TELEGRAM_BASE_URL=tg.base_url,
        DISCORD_BOT_TOKEN=dc.token,
        DISCORD_GUILD_ID=str(dc.guild_id),
        DISCORD_API_BASE_URL=dc.api_base,
        DISCORD_GATEWAY_URL=dc.gateway_url,
        TMDB_API_KEY=tmdb.api_key or "unused",
        TMDB_BASE_URL=tmdb.base_url,
        JELLYFIN_URL=jf.base_url,
        JELLYFIN_API_KEY=jf.api_key or "unused",
        RADARR_URL=radarr.base_url,
        RADARR_API_KEY=radarr.api_key or "unused",
        RADARR_QUALITY_PROFILE="HD-1080p",
        RADARR_ROOT_FOLDER="/movies",
        SONARR_URL=sonarr.base_url,
        SONARR_API_KEY=sonarr.api_key or "unused",
        SONARR_QUALITY_PROFILE="4",
        SONARR_ROOT_FOLDER="/tv",
    )
    if api_port is not None:
        env.update(API_ENABLED="true", API_HOST="127.0.0.1", API_PORT=str(api_port))
    return env


async def api_answers(port: int, within: float) -> None:
    """Wait until the API answers ``GET /api/v1/status`` (no key needed)."""
    import httpx

    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
        async with asyncio.timeout(within):
            while True:
                with contextlib.suppress(httpx.TransportError):
                    if (await client.get("/api/v1/status")).status_code == 200:
                        return
                await asyncio.sleep(0.2)


async def idle_run(
    settle: float, with_api: bool, new_database: bool, extra: dict[str, str]
) -> tuple[list[str], dict[str, int]]:
    """Start ``requestbot run`` against the fakes, wait until it is idle, and return the
    components it says it runs and its memory then."""
    async with fakes() as servers:
        with tempfile.TemporaryDirectory(prefix="requestbot-memory-") as name:
            folder = Path(name)
            api_port = free_port() if with_api else None
            env = {**bot_environment(servers, folder, api_port), **extra}
            command = (sys.executable, "-m", "bot", "--env-file", os.devnull)
            if not new_database:
                migrating = await asyncio.create_subprocess_exec(
                    *command, "migrate", cwd=folder, env=env, stdout=PIPE, stderr=PIPE
                )
                out, err = await migrating.communicate()
                if migrating.returncode != 0:
                    raise SystemExit(f"requestbot migrate failed:\n{out.decode()}{err.decode()}")
            process = await asyncio.create_subprocess_exec(
                *command, "run", cwd=folder, env=env, stderr=PIPE
            )
            assert process.stderr is not None
            components: list[str] = []
            done: set[str] = set()
            lines: list[str] = []
            all_done = asyncio.Event()

            async def read_log() -> None:
                assert process.stderr is not None
                async for raw in process.stderr:
                    line = raw.decode(errors="replace").rstrip()
                    lines.append(line)
                    if found := RUNNING.search(line):
                        components[:] = found[1].split(", ")
                    if (job := JOB_DONE.search(line)) and job[1] in JOBS:
                        done.add(job[1])
                        if done == set(JOBS):
                            all_done.set()

            reading = asyncio.create_task(read_log())
            try:
                await servers["telegram"].wait_for(
                    lambda: servers["telegram"].calls_to("getUpdates"), timeout=60
                )
                await servers["discord"].wait_ready(timeout=60)
                await asyncio.wait_for(all_done.wait(), 120)
                if api_port is not None:
                    await api_answers(api_port, within=30)
                await asyncio.sleep(settle)
                figures = process_memory(process.pid)
            except BaseException:
                print("\n".join(lines[-30:]), file=sys.stderr)
                raise
            finally:
                if process.returncode is None:
                    process.send_signal(signal.SIGTERM)
                await asyncio.wait_for(process.wait(), 30)
                await reading
    return components, figures


def import_rows(groups: Sequence[str], extra: dict[str, str]) -> list[tuple[str, int, int]]:
    """(modules, VmRSS KiB, modules loaded) in a fresh interpreter, before and after
    importing each group of modules (comma-separated)."""
    path = os.pathsep.join((str(ROOT), str(ROOT / "bench")))
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *groups],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **extra, "PYTHONPATH": path},
    )
    return [(n, k, m) for n, k, m in json.loads(done.stdout)]


def importable(modules: str) -> bool:
    sys.path.insert(0, str(ROOT))
    try:
        return all(importlib.util.find_spec(name) is not None for name in modules.split(","))
    except ModuleNotFoundError:
        return False
    finally:
        sys.path.remove(str(ROOT))


def print_breakdown(extra: dict[str, str]) -> None:
    """What each group of imports costs alone, and what it adds in the order listed."""
    groups = [(label, modules) for label, modules in PACKAGES if importable(modules)]
    ordered = import_rows([modules for _, modules in groups], extra)
    print(f"\nimports (fresh interpreters)       {'alone':>10}   {'added here':>10}   modules")
    print(f"  {'bare interpreter':<32} {mib(ordered[0][1])}   {'':>10}   {ordered[0][2]:7}")
    for (label, modules), row, before in zip(groups, ordered[1:], ordered[:-1], strict=True):
        bare, alone = import_rows([modules], extra)
        print(
            f"  {label:<32} {mib(alone[1] - bare[1])}   {mib(row[1] - before[1])}"
            f"   {row[2] - before[2]:+7}"
        )
    total = ordered[-1][1] - ordered[0][1]
    print(f"  {'all of them':<32} {'':>10}   {mib(total)}   {ordered[-1][2] - ordered[0][2]:+7}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settle", type=float, default=3.0, help="seconds left idle first")
    parser.add_argument("--no-api", action="store_true", help="run without the API")
    parser.add_argument(
        "--new-database",
        action="store_true",
        help="start on an empty database (run migrates, so Alembic loads) instead of one "
        "`requestbot migrate` has brought to the newest revision",
    )
    parser.add_argument("--no-breakdown", action="store_true", help="skip the import figures")
    parser.add_argument(
        "--plain",
        action="store_true",
        help="without the Docker image's PYTHONOPTIMIZE and MALLOC_ARENA_MAX",
    )
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="set in the measured process (e.g. MALLOC_ARENA_MAX=2, PYTHONOPTIMIZE=2)",
    )
    args = parser.parse_args()
    extra = {} if args.plain else image_environment()
    extra.update(e.split("=", 1) for e in args.env)
    with_api = api_available() and not args.no_api
    shown = " ".join(f"{k}={v}" for k, v in extra.items()) or "nothing set"
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs; measured process: {shown}")
    if not api_available():
        print("this tree has no adapters.api.app: the API is not measured")
    components, figures = asyncio.run(idle_run(args.settle, with_api, args.new_database, extra))
    print(f"requestbot run, idle, running: {', '.join(components) or 'unknown'}")
    for label, key in (
        ("VmRSS", "rss"),
        ("VmHWM (peak RSS)", "hwm"),
        ("PSS", "pss"),
        ("USS (private)", "uss"),
        ("anonymous", "anonymous"),
    ):
        if key in figures:
            print(f"  {label:<18} {mib(figures[key])}")
    if not args.no_breakdown:
        print_breakdown(extra)


if __name__ == "__main__":
    main()
