"""The API server inside the bot's event loop: bound before anything starts, its key read
on every call (a rotation by another process counts at once), stopped with the rest.

The component's own tests serve a stand-in FastAPI app (a route behind the key, checked
the way adapters.api.auth does, and one that waits to be released); `requestbot api`
serves the real routes.
"""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Header
from fastapi.responses import JSONResponse
from pydantic import SecretStr

from bot.api import api_component, api_listening
from bot.app import ApiKeySource, App, open_app
from bot.runner import serve
from bot.settings import (
    ApiSettings,
    DiscordSettings,
    GeneralSettings,
    Settings,
    TelegramSettings,
    TmdbSettings,
)
from tests.e2e.test_cli import python
from tests.e2e.test_cli_services import bot, start_bot, stop_bot, telegram_env
from tests.fake_telegram import FakeTelegram

FORBIDDEN = {"status": 403, "error": "You do not have permission to access this endpoint"}


def settings_for(folder: Path, **api: Any) -> Settings:
    return Settings(
        general=GeneralSettings(
            _env_file=None,  # type: ignore[call-arg]
            database_url=f"sqlite+aiosqlite:///{folder / 'requestbot.db'}",
        ),
        tmdb=TmdbSettings(
            _env_file=None,  # type: ignore[call-arg]
            api_key=SecretStr("unused-tmdb-key"),
            base_url="http://127.0.0.1:9",
        ),
        telegram=TelegramSettings(_env_file=None),  # type: ignore[call-arg]
        discord=DiscordSettings(_env_file=None),  # type: ignore[call-arg]
        api=ApiSettings(_env_file=None, enabled=True, **api),  # type: ignore[call-arg]
    )


@dataclass
class StandIn:
    """A FastAPI app with one route behind the key, and one that waits to be released."""

    release: asyncio.Event
    entered: asyncio.Event

    def app(self, _app: App, keys: ApiKeySource) -> FastAPI:
        api = FastAPI()

        @api.get("/api/v1/status")
        async def status(x_api_key: str | None = Header(default=None)) -> Any:
            if x_api_key is None:
                return JSONResponse({"message": "no key"}, status_code=401)
            if not await keys.matches(x_api_key):
                return JSONResponse(FORBIDDEN, status_code=403)
            return {"version": "test"}

        @api.get("/api/v1/slow")
        async def slow() -> Any:
            self.entered.set()
            await self.release.wait()
            return {"finished": True}

        return api


@dataclass
class Served:
    app: App
    base: str
    stand_in: StandIn
    stop: asyncio.Event
    task: asyncio.Task[int]
    port: int

    async def refusing(self) -> None:
        """Once the server takes no new connection (the first step of its stop)."""
        while True:
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
            except OSError:
                return
            writer.close()
            await writer.wait_closed()


@asynccontextmanager
async def served(settings: Settings) -> AsyncIterator[Served]:
    """The API component with the stand-in app, served by the bot's runner on a free port."""
    stand_in = StandIn(asyncio.Event(), asyncio.Event())
    async with AsyncExitStack() as stack:
        sock = stack.enter_context(api_listening(settings.api))
        app = await stack.enter_async_context(open_app(settings))
        component = await api_component(settings.api, app, sock, asgi=stand_in.app)
        stop = asyncio.Event()
        task = asyncio.create_task(serve([component], stop=stop, signals=()))
        port = sock.getsockname()[1]
        try:
            yield Served(app, f"http://127.0.0.1:{port}/api/v1", stand_in, stop, task, port)
        finally:
            stop.set()
            await asyncio.wait_for(task, 10)


async def test_the_key_is_checked_on_every_call_and_a_rotation_elsewhere_counts_at_once(
    tmp_path: Path,
) -> None:
    settings = settings_for(tmp_path, port=0)
    async with served(settings) as api, httpx.AsyncClient(base_url=api.base) as client:
        key = await api.app.api_keys.current()
        assert (await client.get("/status")).status_code == 401
        wrong = await client.get("/status", headers={"x-api-key": "nope"})
        assert (wrong.status_code, wrong.json()) == (403, FORBIDDEN)
        assert (await client.get("/status", headers={"X-API-Key": key})).status_code == 200

        code, out, err = await bot(
            tmp_path, "api-key", "--rotate", DATABASE_URL=settings.general.database_url
        )
        assert code == 0, err
        new = out.strip()

        assert new != key
        assert (await client.get("/status", headers={"X-Api-Key": key})).status_code == 403
        assert (await client.get("/status", headers={"X-Api-Key": new})).status_code == 200


async def test_a_key_from_the_settings_is_the_only_one_taken(tmp_path: Path) -> None:
    given = "s" * 40
    settings = settings_for(tmp_path, port=0, key=SecretStr(given))
    async with served(settings) as api, httpx.AsyncClient(base_url=api.base) as client:
        assert (await client.get("/status", headers={"X-Api-Key": given})).status_code == 200
        stored = await api.app.api_keys.current()
        assert stored == given


async def test_stopping_lets_the_request_in_flight_finish_then_refuses_connections(
    tmp_path: Path,
) -> None:
    settings = settings_for(tmp_path, port=0)
    async with served(settings) as api, httpx.AsyncClient(base_url=api.base) as client:
        in_flight = asyncio.create_task(client.get("/slow"))
        await asyncio.wait_for(api.stand_in.entered.wait(), 5)
        api.stop.set()
        await asyncio.wait_for(api.refusing(), 5)  # the listener first, the request still on
        api.stand_in.release.set()
        answer = await asyncio.wait_for(in_flight, 5)
        assert answer.json() == {"finished": True}
        assert await asyncio.wait_for(api.task, 10) == 0
        with pytest.raises(httpx.ConnectError):
            await client.get("/status")


async def test_answers_on_a_kept_alive_connection_do_not_wait_for_delayed_acks(
    tmp_path: Path,
) -> None:
    settings = settings_for(tmp_path, port=0)
    async with served(settings) as api:
        port = int(api.base.split(":")[2].split("/")[0])
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        asked = b"GET /api/v1/status HTTP/1.1\r\nHost: x\r\nX-Api-Key: wrong\r\n\r\n"
        started = asyncio.get_running_loop().time()
        for _ in range(50):  # with Nagle's algorithm on, each waits 40 ms for an ACK
            writer.write(asked)
            head = await reader.readuntil(b"\r\n\r\n")
            length = next(
                int(line.split(b":")[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            )
            await reader.readexactly(length)
        took = asyncio.get_running_loop().time() - started
        writer.close()
        await writer.wait_closed()
    assert took < 1.0, f"50 answers took {took:.2f} s"


@pytest.mark.parametrize("command", ["api", "run"])
async def test_a_port_in_use_is_one_line_and_exit_2(tmp_path: Path, command: str) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        code, _, err = await bot(
            tmp_path,
            command,
            API_ENABLED="true",
            API_PORT=str(port),
            TMDB_API_KEY="unused-tmdb-key",
        )
    assert code == 2
    assert err.strip().splitlines() == [
        f"requestbot {command}: the API cannot listen on 127.0.0.1:{port} "
        "(address already in use); see API_HOST, API_PORT"
    ]
    assert not (tmp_path / "data").exists()  # nothing was opened before


async def test_api_key_prints_one_key_and_rotate_replaces_it(tmp_path: Path) -> None:
    code, first, err = await bot(tmp_path, "api-key")
    assert code == 0, err
    assert (await bot(tmp_path, "api-key"))[1] == first
    code, rotated, err = await bot(tmp_path, "api-key", "--rotate")
    assert code == 0
    assert rotated.strip() != first.strip()
    assert len(rotated.strip()) == 64
    assert "The old key no longer works" in err
    assert rotated.strip() not in err


async def test_two_processes_asking_for_the_first_key_at_once_get_the_same(
    tmp_path: Path,
) -> None:
    assert (await bot(tmp_path, "migrate"))[0] == 0
    both = await asyncio.gather(bot(tmp_path, "api-key"), bot(tmp_path, "api-key"))
    assert [code for code, _, _ in both] == [0, 0]
    assert both[0][1] == both[1][1]


async def test_a_key_from_the_settings_is_printed_and_its_rotation_refused(
    tmp_path: Path,
) -> None:
    given = "g" * 40
    assert await bot(tmp_path, "api-key", API_KEY=given) == (0, given + "\n", "")
    code, out, err = await bot(tmp_path, "api-key", "--rotate", API_KEY=given)
    assert (code, out) == (2, "")
    assert "set in the settings (API_KEY)" in err
    assert not (tmp_path / "data").exists()


async def test_check_tells_where_the_api_listens_and_its_key_from_creating_nothing(
    tmp_path: Path,
) -> None:
    _, out, _ = await bot(tmp_path, "check")
    assert "API: disabled (set API_ENABLED=true" in out
    _, out, _ = await bot(tmp_path, "check", API_ENABLED="true", API_PORT="8055")
    assert (
        "API: listening on http://127.0.0.1:8055/api/v1 when running, "
        "key generated at the first start (`requestbot api-key` shows it)"
    ) in out.splitlines()
    assert not (tmp_path / "data").exists()
    _, out, _ = await bot(tmp_path, "check", API_ENABLED="true", API_KEY="k" * 40)
    assert "API: listening on http://127.0.0.1:5055/api/v1 when running, key from API_KEY" in out

    await bot(tmp_path, "api-key")
    _, out, _ = await bot(tmp_path, "check", API_ENABLED="true")
    assert "API: listening on http://127.0.0.1:5055/api/v1 when running, key from the database" in (
        out.splitlines()
    )


async def test_requestbot_api_serves_the_real_routes_and_never_logs_the_key(
    tmp_path: Path,
) -> None:
    process = await start_bot(
        tmp_path,
        "api",
        API_PORT="0",
        TMDB_API_KEY="unused-tmdb-key",
        TMDB_BASE_URL="http://127.0.0.1:9",
        LOG_LEVEL="DEBUG",
    )
    seen = b""
    try:
        assert process.stderr is not None
        async with asyncio.timeout(30):  # until it says where it listens
            while (listening := re.search(rb"API: listening on (\S+)", seen)) is None:
                seen += await process.stderr.readline()
        base = listening.group(1).decode()
        async with httpx.AsyncClient(base_url=base) as client:
            assert (await client.get("/status")).status_code == 200
            key = (await bot(tmp_path, "api-key"))[1].strip()
            counted = await client.get("/request/count", headers={"X-Api-Key": key})
            assert counted.is_success
            refused = await client.get("/request/count", headers={"X-Api-Key": "x"})
            assert refused.status_code == 403
    finally:
        process.terminate()
        _, rest = await asyncio.wait_for(process.communicate(), 30)
    log = (seen + rest).decode()
    assert process.returncode == 0, log
    assert key not in log


LOADED = """\
import sys
import bot.commands
print(" ".join(sorted({m.split(".")[0] for m in sys.modules} & {"fastapi", "uvicorn"})))
"""


def test_the_bot_without_the_api_loads_neither_fastapi_nor_uvicorn(tmp_path: Path) -> None:
    assert python(LOADED, cwd=tmp_path) == "\n"


async def test_the_key_sent_to_an_owner_never_reaches_the_debug_log(
    fake_telegram: FakeTelegram, tmp_path: Path
) -> None:
    fake_telegram.add_user(1001, "Boss")
    env = telegram_env(
        fake_telegram,
        TMDB_API_KEY="unused-tmdb-key",
        TMDB_BASE_URL="http://127.0.0.1:9",
        BOT_OWNERS="telegram:1001",
        LOG_LEVEL="DEBUG",
    )
    process = await start_bot(tmp_path, "run", **env)
    try:
        await fake_telegram.wait_for(lambda: fake_telegram.polling, timeout=30)
        fake_telegram.send_text(1001, "/apikey")
        shown = await fake_telegram.wait_for_message(1001, timeout=20)
        fake_telegram.send_text(1001, "/apikey rotate")
        rotated = await fake_telegram.wait_for_message(1001, after=shown, timeout=20)
    finally:
        out, log = await stop_bot(process)

    assert process.returncode == 0, log
    keys = [next(w for w in (m.text or "").split() if len(w) == 64) for m in (shown, rotated)]
    assert keys[0] != keys[1]
    assert "sendMessage" in log  # the debug log was on, with what was sent...
    assert not any(key in log + out for key in keys)  # ...without the keys
