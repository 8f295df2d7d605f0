"""The API's throughput: requests created through POST /api/v1/request per second, pages of
GET /api/v1/request?take=50 per second, and core.requests.create_request per second in
process for comparison.

The server is the production one and the load comes from a separate process, as
bench/http_load.py serves and sends them, on a real SQLite file with the production
engine; the world is bench/write_path.py's (movies in the fake TMDb on 127.0.0.1, all in
the TMDb client's cache). ``--clients`` keep-alive connections each send one request at a
time with the admin's key (so every request is auto-approved), for distinct movies, with
the lean client of raw sockets (``--client httpx``: httpx, whose own CPU time on a 2-core
machine is what then limits the figure). After the creations, requests are added in
process up to ``--listed`` and random pages of 50 are read.

Printed for each: per second, and the server's CPU time (every thread's) per request;
``--profile`` adds a profile of the server's event loop thread during one more POST run.

    python bench/api_throughput.py [--requests N] [--pages N] [--clients N] [--profile]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import random
import statistics
import sys
import tempfile
from contextlib import nullcontext
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the fakes live with the tests
sys.path.insert(0, str(ROOT / "bench"))

from http_load import Call, served, singles  # noqa: E402
from http_load import load as send  # noqa: E402
from write_path import (  # noqa: E402
    WARM_UP,
    bench_world,
    create_in_process,
    new_folder,
    profile_breakdown,
    timed_run,
)

PAGE = 50


def posts(first: int, count: int) -> list[Call]:
    """Requests for ``count`` distinct movies from ``first`` on."""
    return [
        Call(
            "POST",
            "/api/v1/request",
            json.dumps({"mediaType": "movie", "mediaId": i}).encode(),
            201,
        )
        for i in range(first, first + count)
    ]


def pages(count: int, listed: int) -> list[Call]:
    """Random pages of PAGE requests out of ``listed``."""
    chance = random.Random(13)
    return [
        Call("GET", f"/api/v1/request?take={PAGE}&skip={chance.randrange(listed)}")
        for _ in range(count)
    ]


async def measure(args: argparse.Namespace) -> None:
    load = {"clients": args.clients, "client": args.client}
    with tempfile.TemporaryDirectory(prefix="requestbot-bench-") as tmp:
        folder = new_folder(tmp, "api")
        async with bench_world(folder, max(args.listed, args.requests)) as world:
            ids = world.tmdb_ids
            async with served(world) as (port, key):
                made = await send(singles(posts(ids[0], args.requests)), port, key, **load)
                if args.listed > args.requests:
                    await create_in_process(world, ids[args.requests : args.listed], args.clients)
                read = await send(singles(pages(args.pages, args.listed)), port, key, **load)
        profiled = None
        if args.profile:
            profiled = cProfile.Profile()
            async with (
                bench_world(new_folder(tmp, "profiled"), args.requests) as world,
                served(world) as (port, key),
            ):
                calls = singles(posts(world.tmdb_ids[0], args.requests))
                await send(calls, port, key, **load, profile=profiled)
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
        f"POST /api/v1/request ({timed} movies):  {made.per_second:7.0f} /s   "
        f"server CPU {made.cpu_ms:.3f} ms a request"
    )
    print(
        f"GET /request?take={PAGE} ({args.pages - WARM_UP} pages of {args.listed} requests): "
        f"{read.per_second:7.0f} /s   server CPU {read.cpu_ms:.3f} ms a page"
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
    asyncio.run(measure(parser.parse_args()))


if __name__ == "__main__":
    main()
