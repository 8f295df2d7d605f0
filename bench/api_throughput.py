"""The API's throughput: requests created through POST /api/v1/request per second, pages of
GET /api/v1/request?take=50 per second, and core.requests.create_request per second in
process for comparison.

The server is the production one: uvicorn (adapters/api/server.py) serving bot/api.py's
build_app with the key stored in the database (StoredApiKeys, as bot/app.py makes it), on
a real SQLite file with the production engine; the world is bench/write_path.py's (movies
in the fake TMDb on 127.0.0.1, all in the TMDb client's cache). The load comes from a
separate process: ``--clients`` keep-alive connections, each sending one request at a
time with the admin's key (so every request is auto-approved), for distinct movies. The
client is a lean one of raw sockets (a few microseconds a request, so that it is not what
limits the figure); ``--client httpx`` uses httpx instead, whose own CPU time (about
1 ms a request) on a 2-core machine is what then limits it. After the creations, requests
are added in process up to ``--listed`` and random pages of 50 are read.

Printed for each: per second, and the server's CPU time (every thread's) per request;
``--profile`` adds a profile of the server's event loop thread during one more POST run.

    python bench/api_throughput.py [--requests N] [--pages N] [--clients N] [--profile]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager, nullcontext, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the fakes live with the tests
sys.path.insert(0, str(ROOT / "bench"))

from write_path import (  # noqa: E402
    WARM_UP,
    World,
    bench_world,
    create_in_process,
    new_folder,
    profile_breakdown,
    timed_run,
)

from adapters.api.server import listen, serve  # noqa: E402
from bot.api import build_app  # noqa: E402
from bot.app import App, api_keys  # noqa: E402
from bot.settings import ApiSettings  # noqa: E402
from core.notifications import Dispatcher  # noqa: E402

KEY_VARIABLE = "REQUESTBOT_BENCH_KEY"  # how the client gets the key (not on its command line)
PAGE = 50


# The load generator, run in its own process.


@dataclass(frozen=True, slots=True)
class Call:
    """One HTTP request to send and the status it must get."""

    method: str
    target: str
    body: bytes
    expect: int


def _raw_request(call: Call, host: str, key: str) -> bytes:
    head = f"{call.method} {call.target} HTTP/1.1\r\nHost: {host}\r\nX-Api-Key: {key}\r\n"
    if call.body:
        head += f"Content-Type: application/json\r\nContent-Length: {len(call.body)}\r\n"
    return (head + "\r\n").encode() + call.body


async def _raw_worker(host: str, port: int, key: str, calls: Sequence[Call]) -> None:
    """Send ``calls`` one at a time on one keep-alive connection."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        for call in calls:
            writer.write(_raw_request(call, f"{host}:{port}", key))
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            body = await reader.readexactly(length)
            if status != call.expect:
                raise AssertionError(f"{call.method} {call.target}: {status} {body[:300]!r}")
    finally:
        writer.close()


async def _httpx_worker(host: str, port: int, key: str, calls: Sequence[Call]) -> None:
    import httpx  # only when asked for

    async with httpx.AsyncClient(
        base_url=f"http://{host}:{port}", headers={"X-Api-Key": key}
    ) as client:
        for call in calls:
            response = await client.request(
                call.method,
                call.target,
                content=call.body or None,
                headers={"Content-Type": "application/json"} if call.body else None,
            )
            if response.status_code != call.expect:
                raise AssertionError(f"{call.method} {call.target}: {response.status_code}")


async def _load(args: argparse.Namespace) -> None:
    """Warm up, say "start", send the timed calls from ``args.clients`` connections, say
    "done" with the rate (the server times its CPU between the two lines)."""
    key = os.environ[KEY_VARIABLE]
    if args.phase == "post":
        ids = range(args.first, args.first + args.count)
        calls = [
            Call(
                "POST",
                "/api/v1/request",
                json.dumps({"mediaType": "movie", "mediaId": i}).encode(),
                201,
            )
            for i in ids
        ]
    else:
        chance = random.Random(13)
        calls = [
            Call(
                "GET", f"/api/v1/request?take={PAGE}&skip={chance.randrange(args.listed)}", b"", 200
            )
            for _ in range(args.count)
        ]
    worker = _raw_worker if args.client == "raw" else _httpx_worker
    clients = args.clients

    async def run(part: Sequence[Call]) -> float:
        started = time.perf_counter()
        await asyncio.gather(
            *(worker(args.host, args.port, key, part[n::clients]) for n in range(clients))
        )
        return time.perf_counter() - started

    warm, timed = calls[:WARM_UP], calls[WARM_UP:]
    await run(warm)
    print("start", flush=True)
    elapsed = await run(timed)
    print("done", len(timed) / elapsed, flush=True)


# The server side: the bench itself.


@dataclass(frozen=True, slots=True)
class Figure:
    per_second: float
    cpu_ms: float


@asynccontextmanager
async def served(world: World) -> AsyncIterator[tuple[int, str]]:
    """The production app on ``world``, served by uvicorn on a free loopback port; yields
    the port and the admin's key."""
    services = world.services
    keys = api_keys(ApiSettings(key=None), world.url, services.uow, services.clock)
    app = App(
        services, Dispatcher(services.uow, services.clock), world.url, keys, tmdb=world.tmdb_client
    )
    key = await keys.current()
    sock = listen("127.0.0.1", 0)
    port = sock.getsockname()[1]
    serving = asyncio.create_task(serve(build_app(app, keys), sock))
    try:
        yield port, key
    finally:
        serving.cancel()
        with suppress(asyncio.CancelledError):
            await serving


async def load(
    args: argparse.Namespace,
    port: int,
    key: str,
    phase: str,
    first: int,
    count: int,
    profile: Any = None,
) -> Figure:
    """Run the load generator in its own process; the server's CPU time is taken between
    its "start" and "done"."""
    command = [
        sys.executable, __file__, "--load", phase, "--port", str(port),
        "--first", str(first), "--count", str(count), "--clients", str(args.clients),
        "--client", args.client, "--listed", str(args.listed),
    ]  # fmt: skip
    client = await asyncio.create_subprocess_exec(
        *command,
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, KEY_VARIABLE: key},
    )
    assert client.stdout is not None
    if (await client.stdout.readline()).strip() != b"start":
        raise SystemExit(f"the {phase} load failed")
    cpu = time.process_time()
    with profile or nullcontext():
        line = await client.stdout.readline()
    cpu = time.process_time() - cpu
    if await client.wait() != 0 or not line.startswith(b"done"):
        raise SystemExit(f"the {phase} load failed")
    timed = count - WARM_UP
    return Figure(float(line.split()[1]), 1000 * cpu / timed)


async def measure(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="requestbot-bench-") as tmp:
        folder = new_folder(tmp, "api")
        async with bench_world(folder, max(args.listed, args.requests)) as world:
            ids = world.tmdb_ids
            async with served(world) as (port, key):
                posts = await load(args, port, key, "post", ids[0], args.requests)
                if args.listed > args.requests:
                    await create_in_process(world, ids[args.requests : args.listed], args.clients)
                pages = await load(args, port, key, "get", 0, args.pages)
        profiled = None
        if args.profile:
            profiled = cProfile.Profile()
            async with (
                bench_world(new_folder(tmp, "profiled"), args.requests) as world,
                served(world) as (port, key),
            ):
                await load(args, port, key, "post", world.tmdb_ids[0], args.requests, profiled)
        rounds = argparse.Namespace(requests=args.requests, clients=args.clients)
        in_process = [
            (await timed_run(new_folder(tmp, f"in-process-{i}"), rounds, lambda _: nullcontext()))[
                0
            ]
            for i in range(args.rounds)
        ]
    timed = args.requests - WARM_UP
    print(f"load: {args.clients} keep-alive connections ({args.client} client), own process")
    print(
        f"POST /api/v1/request ({timed} movies):  {posts.per_second:7.0f} /s   "
        f"server CPU {posts.cpu_ms:.3f} ms a request"
    )
    print(
        f"GET /request?take={PAGE} ({args.pages - WARM_UP} pages of {args.listed} requests): "
        f"{pages.per_second:7.0f} /s   server CPU {pages.cpu_ms:.3f} ms a page"
    )
    if in_process:
        rates = [rate.per_second for rate in in_process]
        cpu = [rate.cpu_ms for rate in in_process]
        print(
            f"create_request in process:           {statistics.median(rates):7.0f} /s   "
            f"CPU {statistics.median(cpu):.3f} ms a request (median of {args.rounds})"
        )
    if profiled is not None:
        if args.dump:
            profiled.dump_stats(args.dump)
        print(profile_breakdown(profiled, "the server's event loop thread", args.top, timed))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000, help="POSTs (warm-up included)")
    parser.add_argument("--pages", type=int, default=2000, help="GETs (warm-up included)")
    parser.add_argument("--listed", type=int, default=10_000, help="requests when paging")
    parser.add_argument("--clients", type=int, default=8, help="concurrent connections")
    parser.add_argument("--client", choices=("raw", "httpx"), default="raw")
    parser.add_argument("--rounds", type=int, default=3, help="in-process runs (median)")
    parser.add_argument("--profile", action="store_true", help="profile one more POST run")
    parser.add_argument("--dump", help="write the profile here too (for pstats, snakeviz)")
    parser.add_argument("--top", type=int, default=30, help="functions the profile lists")
    # The load generator's own arguments (it is this script, run again).
    parser.add_argument("--load", choices=("post", "get"), dest="phase", help=argparse.SUPPRESS)
    parser.add_argument("--host", default="127.0.0.1", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--first", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    asyncio.run(_load(args) if args.phase else measure(args))


if __name__ == "__main__":
    main()
