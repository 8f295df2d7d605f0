"""What every fake server in tests/ shares: one aiohttp server on 127.0.0.1 and its knobs.

``FakeServer`` is the base of all five (TMDb, Jellyfin, Radarr/Sonarr, Telegram, Discord):

- lifetime: ``await start(port=0)`` (a free port unless one is named), ``await stop()``, or
  ``async with``; ``port`` and ``origin`` (``http://127.0.0.1:PORT``) once listening.
- ``await outage()``: stop listening and drop every open connection (requests being delayed,
  kept-alive connections and websockets alike), so connecting is refused, until
  ``await restore()`` listens again on the same port; both are no-ops when already so.
  ``down`` tells whether an outage is on.
- ``delay``: seconds every recorded request waits before it is answered; ``stop()`` and
  ``outage()`` cut the wait short (answered at once, or dropped).
- forced failures, served in the order queued: ``fail(times, status)`` and
  ``send_garbage(times)`` (200 with a body that is not JSON); subclasses add their own (a
  429 with ``retry_after``, failures for some methods or paths only).
- ``requests``: a ``SeenRequest`` for every request as it arrived (method, path, query,
  headers, body, arrival time by ``time.monotonic()``, and the status once answered),
  forced failures included; ``arrivals(path)``. ``reset()`` forgets them and the failures
  queued, and puts ``delay`` back to 0.
- ``await wait_for(predicate, timeout=10.0)``: the predicate's first truthy value, evaluated
  now and after every change (a request arriving or answered, or whatever else a subclass
  calls a change), never by polling; AssertionError or LookupError from it means "not yet",
  ``Hopeless`` gives up at once, and a timeout raises AssertionError with what the fake saw.

``FakeService`` adds the pipeline of the services the bot reads with an API key (TMDb,
Jellyfin, Radarr, Sonarr): every request is recorded, waits out ``delay``, may be refused
(``_refuse``: a wrong key, an unknown path), then answered by a queued failure (in the
service's own error shape, ``_error``) or by its handler; ``calls`` counts the requests per
path, ``api_key`` (None accepts every request) is put back by ``reset()``, and
``rate_limit(times, retry_after)`` queues 429s with ``Retry-After``.

The platform fakes (Telegram, Discord) route and record calls their own way (parsed Bot API
calls, Discord's buckets and interactions) and take their forced failures from the same
queue with ``_take_forced(key...)``.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from http import HTTPStatus
from types import TracebackType
from typing import Any, ClassVar, Self, TypeVar

from aiohttp import web

T = TypeVar("T")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

HOST = "127.0.0.1"
SHUTDOWN_TIMEOUT = 1.0  # seconds a handler may take to finish when the server goes away


@dataclass(slots=True)
class SeenRequest:
    """One request a fake received, as it arrived; ``status`` is set once it is answered
    (None while it waits, or when an outage dropped it)."""

    method: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]
    at: float
    body: Any = None
    status: int | None = None


@dataclass(frozen=True, slots=True)
class Forced:
    """A queued answer in place of the real one: ``status`` (a 429 with ``retry_after``), or
    200 with a body that is not JSON when ``garbage``; for the requests ``matches`` accepts
    (called with the key the fake gives ``_take_forced``), or any when it is None."""

    status: int = 500
    retry_after: float | None = None
    garbage: bool = False
    matches: Callable[..., bool] | None = None


class Hopeless(Exception):
    """Raised by a ``wait_for`` predicate: what it waits for can no longer happen."""


class Garbled(Exception):
    """Raised by a platform fake's handler to answer with ``garbage()`` instead."""


def garbage() -> web.Response:
    """200 with a body that is not JSON, like a proxy's error page."""
    return web.Response(text="<html>upstream error</html>", content_type="text/html")


def phrase(status: int) -> str:
    """HTTP's reason phrase for a status: ``"Bad Gateway"`` for 502."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


class FakeServer:
    """An aiohttp server on a port of 127.0.0.1 with outages, delays, forced failures,
    recorded requests and waiting; see the module docstring."""

    max_body_size: ClassVar[int] = 1024**2  # aiohttp's default

    def __init__(self) -> None:
        self.delay = 0.0
        self.requests: list[SeenRequest] = []
        self._forced: list[Forced] = []
        self._changed = asyncio.Event()
        self._closing = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._port = 0
        self._down = False

    # ----- lifetime -------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def start(self, port: int = 0) -> None:
        """Listen on ``port`` of 127.0.0.1 (a free one by default)."""
        self._closing = asyncio.Event()
        self._down = False
        app = web.Application(middlewares=[self._middleware], client_max_size=self.max_body_size)
        self._add_routes(app.router)
        # The access log would print every URL, and API keys and tokens are in some of them.
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=SHUTDOWN_TIMEOUT)
        await self._runner.setup()
        await self._listen(port)

    async def stop(self) -> None:
        """Stop listening; requests still being delayed or held are answered at once."""
        self._closing.set()
        self._bump()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        self._bump()

    @property
    def port(self) -> int:
        return self._port

    @property
    def origin(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://{HOST}:{self._port}"

    @property
    def down(self) -> bool:
        """Whether an outage is on."""
        return self._down

    async def outage(self) -> None:
        """Stop listening and drop every open connection, until ``restore()``."""
        if self._runner is None or self._down:
            return
        self._down = True
        self._closing.set()
        self._bump()
        for site in list(self._runner.sites):
            await site.stop()
        server = self._runner.server
        if server is not None:
            for connection in server.connections:
                connection.force_close()
            # Returns once every handler is done and so every socket closed: a client that
            # tries a kept-alive connection now finds it gone and is refused a new one.
            await server.shutdown(SHUTDOWN_TIMEOUT)

    async def restore(self) -> None:
        """End an outage: listen again, on the same port."""
        if self._runner is None or not self._down:
            return
        self._closing = asyncio.Event()
        await self._listen(self._port)
        self._down = False
        self._bump()

    async def _listen(self, port: int) -> None:
        assert self._runner is not None
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        # The same port again after an outage, despite connections left in TIME_WAIT.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError:
            sock.close()
            raise
        self._port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()

    def _add_routes(self, router: web.UrlDispatcher) -> None:
        raise NotImplementedError

    # ----- knobs ----------------------------------------------------------------------

    def fail(self, times: int = 1, status: int = 500) -> None:
        """Answer the next ``times`` requests with ``status``, in the API's error shape."""
        self._force(times, Forced(status))

    def send_garbage(self, times: int = 1) -> None:
        """Answer the next ``times`` requests with 200 and a body that is not JSON."""
        self._force(times, Forced(200, garbage=True))

    def reset(self) -> None:
        """Forget the requests seen and the failures queued; ``delay`` back to 0."""
        self.delay = 0.0
        self.requests.clear()
        self._forced.clear()

    def arrivals(self, path: str | None = None) -> list[float]:
        """When the requests (to ``path``, or all) arrived, by ``time.monotonic()``."""
        return [r.at for r in self.requests if path is None or r.path == path]

    def _force(self, times: int, forced: Forced) -> None:
        self._forced.extend(forced for _ in range(times))

    def _take_forced(self, *key: object) -> Forced | None:
        """The first queued failure for a request with this key, taken off the queue."""
        for index, forced in enumerate(self._forced):
            if forced.matches is None or forced.matches(*key):
                return self._forced.pop(index)
        return None

    async def _pause(self) -> None:
        """Wait ``delay`` seconds, or until the server stops or an outage begins."""
        if self.delay > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), self.delay)

    # ----- waiting --------------------------------------------------------------------

    async def wait_for(self, predicate: Callable[[], T | None], timeout: float = 10.0) -> T:  # noqa: ASYNC109
        """Return the predicate's first truthy value, re-evaluated after every change."""
        deadline = time.monotonic() + timeout
        failure: BaseException | None = None
        while True:
            changed = self._changed
            try:
                value = predicate()
            except (AssertionError, LookupError) as exc:
                failure = exc
            except Hopeless as exc:
                raise AssertionError(f"{exc}\n{self._report()}") from None
            else:
                if value:
                    return value
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                text = f"nothing matched within {timeout:g} s"
                if failure is not None:
                    text += f"; the predicate last raised {failure!r}"
                raise AssertionError(f"{text}\n{self._report()}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), remaining)

    def _bump(self) -> None:
        """Wake everything waiting for a change."""
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    def _report(self) -> str:
        """What the fake saw last, for failure messages."""
        recent = self.requests[-10:]
        lines = ["last requests:" if recent else "no requests"]
        lines += [f"  {r.method} {r.path} -> {r.status}" for r in recent]
        return "\n".join(lines)

    # ----- the server -----------------------------------------------------------------

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        path = self._seen_path(request)
        if path is None:
            try:
                return await handler(request)
            finally:
                self._bump()
        seen = SeenRequest(
            request.method,
            path,
            dict(request.query),
            dict(request.headers),
            time.monotonic(),
            await self._seen_body(request),
        )
        self.requests.append(seen)
        self._bump()
        await self._pause()
        if self._down:
            # An outage began while the request waited: its connection just drops.
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=503)
        try:
            response = await self._respond(request, handler)
            seen.status = response.status
            return response
        finally:
            self._bump()

    def _seen_path(self, request: web.Request) -> str | None:
        """The path to record the request under, or None not to record nor delay it."""
        return request.path

    async def _seen_body(self, request: web.Request) -> Any:
        """The body to record (None: not read, so that the handler may stream it)."""
        return None

    async def _respond(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Answer a recorded request once its delay is over."""
        return await handler(request)


class FakeService(FakeServer):
    """A service read with an API key: requests are counted, refused, or answered by a
    queued failure before the handler sees them; see the module docstring."""

    def __init__(self, api_key: str | None) -> None:
        super().__init__()
        self.api_key = api_key
        self._default_key = api_key

    @property
    def calls(self) -> Counter[str]:
        """How many requests each path (``_call_key``) got."""
        return Counter(self._call_key(seen) for seen in self.requests)

    def rate_limit(self, times: int = 1, retry_after: float = 1) -> None:
        """Answer the next ``times`` requests with 429 and ``Retry-After: retry_after``."""
        self._force(times, Forced(429, retry_after))

    def reset(self) -> None:
        """Forget the requests seen and the failures queued; ``delay`` and ``api_key`` back."""
        super().reset()
        self.api_key = self._default_key

    async def _respond(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        refused = self._refuse(request)
        if refused is not None:
            return refused
        forced = self._take_forced()
        if forced is not None:
            return self._forced_answer(forced)
        try:
            return await handler(request)
        except web.HTTPNotFound:
            return self._not_found()

    def _forced_answer(self, forced: Forced) -> web.Response:
        if forced.garbage:
            return garbage()
        response = self._error(forced.status)
        if forced.retry_after is not None:
            response.headers["Retry-After"] = f"{forced.retry_after:g}"
        return response

    def _call_key(self, seen: SeenRequest) -> str:
        return seen.path

    def _refuse(self, request: web.Request) -> web.Response | None:
        """The answer to a request the service turns away (no key, ...), else None."""
        raise NotImplementedError

    def _error(self, status: int) -> web.Response:
        """The service's error answer with this status."""
        raise NotImplementedError

    def _not_found(self) -> web.Response:
        return self._error(404)
