"""The base of the fake servers, on the smallest service built on it: each knob does what it
says, an outage refuses connections until restore listens again on the same port, and
wait_for wakes on what the server sees."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator

import httpx
import pytest
from aiohttp import web

from tests.fake_server import FakeService, Hopeless

KEY = "echo-key"


class Echo(FakeService):
    """``GET /hello`` and ``POST /echo``; errors are ``{"error": status}``."""

    def __init__(self) -> None:
        super().__init__(api_key=KEY)

    def _add_routes(self, router: web.UrlDispatcher) -> None:
        router.add_get("/hello", self._hello)
        router.add_post("/echo", self._echo)

    def _refuse(self, request: web.Request) -> web.Response | None:
        if self.api_key is None or request.headers.get("X-Key") == self.api_key:
            return None
        return self._error(401)

    def _error(self, status: int) -> web.Response:
        return web.json_response({"error": status}, status=status)

    async def _seen_body(self, request: web.Request) -> str | None:
        return await request.text() or None

    async def _hello(self, request: web.Request) -> web.Response:
        return web.json_response({"hello": "world"})

    async def _echo(self, request: web.Request) -> web.Response:
        return web.Response(text=await request.text())


@pytest.fixture
async def echo() -> AsyncIterator[Echo]:
    async with Echo() as server:
        yield server


@pytest.fixture
async def http(echo: Echo) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=echo.origin, headers={"X-Key": KEY}) as client:
        yield client


# ----- lifetime -----------------------------------------------------------------------------


async def test_it_listens_on_a_free_port_until_it_stops() -> None:
    async with httpx.AsyncClient() as client:
        async with Echo() as server:
            origin = server.origin
            answer = await client.get(origin + "/hello", headers={"X-Key": KEY})
        with pytest.raises(httpx.ConnectError):
            await client.get(origin + "/hello")

    assert server.port > 0
    assert origin == f"http://127.0.0.1:{server.port}"
    assert answer.json() == {"hello": "world"}


async def test_start_listens_on_the_port_it_is_given() -> None:
    async with Echo() as first:
        port = first.port
    again = Echo()
    await again.start(port)
    try:
        async with httpx.AsyncClient() as client:
            answer = await client.get(again.origin + "/hello", headers={"X-Key": KEY})
    finally:
        await again.stop()

    assert again.port == port
    assert answer.status_code == 200


# ----- recording ----------------------------------------------------------------------------


async def test_every_request_is_recorded_as_it_arrived_and_counted_per_path(
    echo: Echo, http: httpx.AsyncClient
) -> None:
    before = time.monotonic()
    await http.get("/hello", params={"page": "2"})
    await http.post("/echo", content="hi")
    missing = await http.get("/nowhere")
    await http.get("/hello", headers={"X-Key": "wrong"})

    hello, posted, nowhere, refused = echo.requests
    assert (hello.method, hello.path, hello.params, hello.status) == (
        "GET",
        "/hello",
        {"page": "2"},
        200,
    )
    assert hello.headers["X-Key"] == KEY
    assert (posted.method, posted.body, posted.status) == ("POST", "hi", 200)
    assert (nowhere.status, missing.json()) == (404, {"error": 404})
    assert refused.status == 401
    assert before <= hello.at <= posted.at <= nowhere.at <= refused.at
    assert echo.calls == {"/hello": 2, "/echo": 1, "/nowhere": 1}
    assert echo.arrivals("/hello") == [hello.at, refused.at]


async def test_reset_forgets_requests_failures_and_knobs(
    echo: Echo, http: httpx.AsyncClient
) -> None:
    await http.get("/hello")
    echo.fail(3)
    echo.delay = 30.0
    echo.api_key = "other"

    echo.reset()

    assert (echo.requests, echo.calls, echo.delay, echo.api_key) == ([], {}, 0.0, KEY)
    assert (await http.get("/hello")).status_code == 200


# ----- forced failures ----------------------------------------------------------------------


async def test_fail_answers_the_next_requests_with_the_status_then_normally(
    echo: Echo, http: httpx.AsyncClient
) -> None:
    echo.fail(2, status=503)
    answers = [await http.get("/hello") for _ in range(3)]

    assert [a.status_code for a in answers] == [503, 503, 200]
    assert answers[0].json() == {"error": 503}
    assert [r.status for r in echo.requests] == [503, 503, 200]


async def test_send_garbage_answers_200_with_a_body_that_is_not_json(
    echo: Echo, http: httpx.AsyncClient
) -> None:
    echo.send_garbage()
    garbage = await http.get("/hello")

    assert garbage.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        garbage.json()
    assert (await http.get("/hello")).json() == {"hello": "world"}


async def test_rate_limit_answers_429_with_retry_after(echo: Echo, http: httpx.AsyncClient) -> None:
    echo.rate_limit(1, retry_after=2.5)
    limited = await http.get("/hello")

    assert (limited.status_code, limited.headers["Retry-After"]) == (429, "2.5")
    assert limited.json() == {"error": 429}
    assert (await http.get("/hello")).status_code == 200


async def test_failures_are_served_in_the_order_queued_and_only_past_the_gate(
    echo: Echo, http: httpx.AsyncClient
) -> None:
    echo.fail(1, status=502)
    echo.send_garbage()
    echo.rate_limit(1, retry_after=3)

    refused = await http.get("/hello", headers={"X-Key": "wrong"})
    answers = [await http.get("/hello") for _ in range(4)]

    assert refused.status_code == 401  # turned away before any failure is used up
    assert [a.status_code for a in answers] == [502, 200, 429, 200]
    assert answers[1].text == "<html>upstream error</html>"


async def test_delay_holds_every_answer_and_stop_cuts_it_short(
    echo: Echo, http: httpx.AsyncClient
) -> None:
    echo.delay = 0.3
    started = time.monotonic()
    await http.get("/hello")
    held = time.monotonic() - started

    echo.delay = 30.0
    pending = asyncio.create_task(http.get("/hello"))
    await echo.wait_for(lambda: len(echo.requests) == 2)
    await echo.stop()
    answer = await pending

    assert held >= 0.3
    assert answer.status_code == 200
    assert time.monotonic() - started < 10


# ----- outages ------------------------------------------------------------------------------


async def test_an_outage_refuses_connections_and_drops_the_open_ones(
    echo: Echo, http: httpx.AsyncClient
) -> None:
    assert (await http.get("/hello")).status_code == 200  # a kept-alive connection
    echo.delay = 30.0
    pending = asyncio.create_task(http.get("/hello"))
    await echo.wait_for(lambda: len(echo.requests) == 2)

    await echo.outage()

    assert echo.down
    with pytest.raises(httpx.TransportError):
        await pending
    with pytest.raises(httpx.ConnectError):
        await http.get("/hello")
    async with httpx.AsyncClient() as fresh:
        with pytest.raises(httpx.ConnectError):
            await fresh.get(echo.origin + "/hello")
    assert echo.requests[1].status is None  # dropped, never answered


async def test_restore_listens_again_on_the_same_port(echo: Echo, http: httpx.AsyncClient) -> None:
    port = echo.port
    await echo.outage()
    await echo.outage()
    await echo.restore()
    await echo.restore()

    assert (echo.port, echo.down) == (port, False)
    assert (await http.get("/hello")).status_code == 200


# ----- waiting ------------------------------------------------------------------------------


async def test_wait_for_returns_the_first_truthy_value_once_it_is_there(
    echo: Echo, http: httpx.AsyncClient
) -> None:
    waiting = asyncio.create_task(
        echo.wait_for(lambda: [r for r in echo.requests if r.path == "/hello" and r.status])
    )
    await http.post("/echo", content="not yet")
    assert not waiting.done()

    await http.get("/hello")
    [seen] = await waiting

    assert (seen.path, seen.status) == ("/hello", 200)


async def test_wait_for_takes_a_lookup_or_assertion_error_for_not_yet(
    echo: Echo, http: httpx.AsyncClient
) -> None:
    def second() -> str:
        assert echo.requests, "no request yet"
        return echo.requests[1].path

    waiting = asyncio.create_task(echo.wait_for(second))
    await http.get("/hello")
    await http.post("/echo", content="two")

    assert await waiting == "/echo"


async def test_wait_for_gives_up_after_the_timeout_saying_what_it_saw(
    echo: Echo, http: httpx.AsyncClient
) -> None:
    await http.get("/hello")

    with pytest.raises(
        AssertionError,
        match=r"(?s)nothing matched within 0.05 s; the predicate last raised IndexError.*"
        r"GET /hello -> 200",
    ):
        await echo.wait_for(lambda: echo.requests[3], timeout=0.05)


async def test_wait_for_gives_up_at_once_when_the_predicate_is_hopeless(echo: Echo) -> None:
    def hopeless() -> bool:
        raise Hopeless("it was refused")

    started = time.monotonic()
    with pytest.raises(AssertionError, match="it was refused"):
        await echo.wait_for(hopeless, timeout=30)

    assert time.monotonic() - started < 10
