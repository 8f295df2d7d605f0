"""What the API benches share: the production server on a bench world, and a load of HTTP
calls sent to it from a separate process, timed there, with the server's CPU time taken
meanwhile.

The server is uvicorn (adapters/api/server.py) serving bot/api.py's build_app with the key
stored in the database (StoredApiKeys, as bot/app.py makes it), on a free loopback port.
The load is this script run again: ``clients`` keep-alive connections, each sending one
step at a time with the admin's key, a step being one call or a few made one after the
other (as a client refreshing a dashboard makes them). The client is a lean one of raw
sockets (a few microseconds a call, so that it is not what limits the figure); ``httpx``
uses httpx instead, whose own CPU time (about 1 ms a call) on a 2-core machine is what then
limits it. The first WARM_UP steps warm the pool, the caches and the compiled statements
and are not timed.

Each run gives steps per second (wall time, in the load process), each step's latency
(median and 99th percentile) and the server process's CPU time (every thread's) per step.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager, nullcontext, suppress
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the fakes live with the tests
sys.path.insert(0, str(ROOT / "bench"))

from write_path import WARM_UP, World  # noqa: E402

from adapters.api.server import listen, serve  # noqa: E402
from bot.api import build_app  # noqa: E402
from bot.app import App, api_keys  # noqa: E402
from bot.settings import ApiSettings  # noqa: E402
from core.notifications import Dispatcher  # noqa: E402

KEY_VARIABLE = "REQUESTBOT_BENCH_KEY"  # how the client gets the key (not on its command line)


@dataclass(frozen=True, slots=True)
class Call:
    """One HTTP request to send and the status it must get."""

    method: str
    target: str
    body: bytes = b""
    expect: int = 200


Step = tuple[Call, ...]  # calls made one after the other, timed together


def singles(calls: Sequence[Call]) -> list[Step]:
    return [(call,) for call in calls]


@dataclass(frozen=True, slots=True)
class Figure:
    """A run: steps per second, latency of a step, the server's CPU time per step."""

    per_second: float
    p50_ms: float
    p99_ms: float
    cpu_ms: float


# The load generator, run in its own process.


def _raw_request(call: Call, host: str, key: str) -> bytes:
    head = f"{call.method} {call.target} HTTP/1.1\r\nHost: {host}\r\nX-Api-Key: {key}\r\n"
    if call.body:
        head += f"Content-Type: application/json\r\nContent-Length: {len(call.body)}\r\n"
    return (head + "\r\n").encode() + call.body


async def _raw_worker(host: str, port: int, key: str, steps: Sequence[Step]) -> list[float]:
    """Send ``steps`` one at a time on one keep-alive connection; each one's seconds."""
    reader, writer = await asyncio.open_connection(host, port)
    took = []
    try:
        for step in steps:
            started = time.perf_counter()
            for call in step:
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
            took.append(time.perf_counter() - started)
    finally:
        writer.close()
    return took


async def _httpx_worker(host: str, port: int, key: str, steps: Sequence[Step]) -> list[float]:
    import httpx  # only when asked for

    took = []
    async with httpx.AsyncClient(
        base_url=f"http://{host}:{port}", headers={"X-Api-Key": key}
    ) as client:
        for step in steps:
            started = time.perf_counter()
            for call in step:
                response = await client.request(
                    call.method,
                    call.target,
                    content=call.body or None,
                    headers={"Content-Type": "application/json"} if call.body else None,
                )
                if response.status_code != call.expect:
                    raise AssertionError(f"{call.method} {call.target}: {response.status_code}")
            took.append(time.perf_counter() - started)
    return took


def _read_steps(path: str) -> list[Step]:
    steps = json.loads(Path(path).read_text())
    return [
        tuple(Call(c["method"], c["target"], c["body"].encode(), c["expect"]) for c in step)
        for step in steps
    ]


async def _load(args: argparse.Namespace) -> None:
    """Warm up, say "start", send the timed steps from ``args.clients`` connections, say
    "done" with the rate and latencies (the server times its CPU between the two lines)."""
    key = os.environ[KEY_VARIABLE]
    steps = _read_steps(args.steps)
    worker = _raw_worker if args.client == "raw" else _httpx_worker
    clients = args.clients

    async def run(part: Sequence[Step]) -> tuple[float, list[float]]:
        started = time.perf_counter()
        took = await asyncio.gather(
            *(worker(args.host, args.port, key, part[n::clients]) for n in range(clients))
        )
        return time.perf_counter() - started, [t for mine in took for t in mine]

    warm, timed = steps[:WARM_UP], steps[WARM_UP:]
    await run(warm)
    print("start", flush=True)
    elapsed, took = await run(timed)
    took.sort()
    p50 = statistics.median(took)
    p99 = took[min(len(took) - 1, int(0.99 * len(took)))]
    print("done", len(timed) / elapsed, 1000 * p50, 1000 * p99, flush=True)


# The server side.


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
    steps: Sequence[Step],
    port: int,
    key: str,
    *,
    clients: int,
    client: str = "raw",
    profile: Any = None,
) -> Figure:
    """Send ``steps`` (the first WARM_UP untimed) from a load process of its own; the
    server's CPU time is taken between its "start" and "done" (inside ``profile``, if
    given)."""
    if len(steps) <= WARM_UP:
        raise ValueError(f"{len(steps)} steps: more than the {WARM_UP} of the warm-up needed")
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
        json.dump([[asdict(c) | {"body": c.body.decode()} for c in step] for step in steps], file)
    try:
        command = [
            sys.executable, __file__, file.name, "--port", str(port),
            "--clients", str(clients), "--client", client,
        ]  # fmt: skip
        loader = await asyncio.create_subprocess_exec(
            *command, stdout=asyncio.subprocess.PIPE, env={**os.environ, KEY_VARIABLE: key}
        )
        assert loader.stdout is not None
        if (await loader.stdout.readline()).strip() != b"start":
            raise SystemExit(f"the load of {steps[0][0].target} failed")
        cpu = time.process_time()
        with profile or nullcontext():
            line = await loader.stdout.readline()
        cpu = time.process_time() - cpu
        if await loader.wait() != 0 or not line.startswith(b"done"):
            raise SystemExit(f"the load of {steps[0][0].target} failed")
    finally:
        os.unlink(file.name)
    rate, p50, p99 = (float(n) for n in line.split()[1:])
    return Figure(rate, p50, p99, 1000 * cpu / (len(steps) - WARM_UP))


def main() -> None:
    parser = argparse.ArgumentParser(description="the load process of the API benches")
    parser.add_argument("steps", help="a JSON file of the steps to send")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--client", choices=("raw", "httpx"), default="raw")
    asyncio.run(_load(parser.parse_args()))


if __name__ == "__main__":
    main()
