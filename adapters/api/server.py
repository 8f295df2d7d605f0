"""An ASGI app served by uvicorn inside the bot's own event loop.

The socket is bound first, by ``listen``, so that a port in use is one plain error before
anything else starts (uvicorn itself would log it and call ``sys.exit``). uvicorn installs
no signal handlers here: the bot's runner owns SIGINT/SIGTERM and stops the server by
cancelling it, which closes the listener and lets the requests in flight finish. Its
access log is off (the log never shows who called what with which key); its own lines go
through the bot's logging.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from collections.abc import Iterator
from typing import Any

import uvicorn

GRACE = 3  # seconds the requests in flight get to finish once stopping (runner: 5 s)


class CannotListen(Exception):
    """The address cannot be listened on (in use, not this machine's, not allowed)."""

    def __init__(self, host: str, port: int, reason: str) -> None:
        super().__init__(f"cannot listen on {host}:{port} ({reason})")
        self.host = host
        self.port = port
        self.reason = reason


def listen(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (an IPv6 address if it has a colon)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # Made with IPPROTO_TCP named: asyncio turns Nagle's algorithm off (TCP_NODELAY) only on
    # connections whose socket says so, and socket.create_server's say 0. With Nagle on, a
    # response written in two parts waits for the client's delayed ACK: 40 ms a request.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # restarts within TIME_WAIT
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        reason = os.strerror(exc.errno) if exc.errno else str(exc)
        raise CannotListen(host, port, reason.lower()) from exc
    return sock


class _Server(uvicorn.Server):
    """uvicorn without its signal handling."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def serve(app: Any, sock: socket.socket, *, grace: int = GRACE) -> None:
    """Serve ``app`` on ``sock`` until cancelled; then stop taking connections, give the
    requests in flight up to ``grace`` seconds, close the socket and re-raise."""
    config = uvicorn.Config(
        app,
        log_config=None,  # the bot's logging as it is
        access_log=False,
        lifespan="off",  # the composition root opens and closes what the app uses
        ws="none",
        # The C parser, named rather than found: what the tests serve is what runs here,
        # and a missing one is an error at start, not a slower API.
        http="httptools",
        server_header=False,
        timeout_graceful_shutdown=grace,
    )
    server = _Server(config)
    serving = asyncio.ensure_future(server.serve(sockets=[sock]))
    try:
        await asyncio.shield(serving)
    except asyncio.CancelledError:
        server.should_exit = True
        await serving
        raise
    finally:
        sock.close()
