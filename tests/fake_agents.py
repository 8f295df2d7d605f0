"""Fake endpoints for the notification agents, on 127.0.0.1: an HTTP sink for the agents
that POST JSON (Mattermost's Slack-style incoming webhooks, Apprise's json://, ntfy,
Gotify, Seerr's webhook) and an SMTP server for email.

``FakeHooks`` is a FakeService (see tests/fake_server.py: outages, delays, forced failures,
``wait_for``): every POST is recorded with its JSON body and answered ``{"ok": true}``.
``FakeSmtp`` is aiosmtpd's SMTP server in the test's own event loop; ``mails`` holds each
message as parsed, and ``wait_for`` waits on arrivals, never polling.
"""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
from collections.abc import Callable
from email.message import EmailMessage
from types import TracebackType
from typing import Any, Self, TypeVar

from aiohttp import web
from aiosmtpd.smtp import SMTP, Envelope, Session

from tests.fake_server import HOST, FakeService

T = TypeVar("T")


class FakeHooks(FakeService):
    """An HTTP endpoint taking JSON POSTs on any path."""

    def __init__(self) -> None:
        super().__init__(api_key=None)

    def _add_routes(self, router: web.UrlDispatcher) -> None:
        router.add_route("POST", "/{tail:.*}", self._take)

    async def _seen_body(self, request: web.Request) -> Any:
        with contextlib.suppress(ValueError):
            return await request.json()
        return None

    async def _take(self, request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    def _refuse(self, request: web.Request) -> web.Response | None:
        return None

    def _error(self, status: int) -> web.Response:
        return web.json_response({"message": "failed"}, status=status)

    def bodies(self, path: str | None = None) -> list[Any]:
        """The JSON bodies of the POSTs answered 2xx (to ``path``, or all), in order."""
        return [
            r.body
            for r in self.requests
            if (path is None or r.path == path) and r.status is not None and r.status < 300
        ]

    def texts(self) -> list[str]:
        """Each accepted POST's body as one string (for looking for words in it)."""
        return [str(body) for body in self.bodies()]


class _Inbox:
    def __init__(self, smtp: FakeSmtp) -> None:
        self._smtp = smtp

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        message = email.message_from_bytes(content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self._smtp.mails.append(message)
        self._smtp.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self._smtp._bump()
        return "250 OK"


class FakeSmtp:
    """An SMTP server on a free port of 127.0.0.1 (no TLS, no login)."""

    def __init__(self) -> None:
        self.mails: list[EmailMessage] = []
        self.envelopes: list[tuple[str | None, list[str]]] = []
        self._server: asyncio.Server | None = None
        self._changed = asyncio.Event()

    async def __aenter__(self) -> Self:
        inbox = _Inbox(self)
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(lambda: SMTP(inbox), HOST, 0)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    def url(self, to: str = "admins@example.org") -> str:
        """An Apprise mailto:// URL that sends here."""
        return f"mailto://{HOST}:{self.port}?from=requestbot@example.org&to={to}&mode=insecure"

    def subjects(self) -> list[str]:
        return [str(m["Subject"]) for m in self.mails]

    def _bump(self) -> None:
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    async def wait_for(self, predicate: Callable[[], T | None], timeout: float = 10.0) -> T:  # noqa: ASYNC109
        """The predicate's first truthy value, checked now and after each mail arrives."""
        async with asyncio.timeout(timeout):
            while True:
                changed = self._changed
                value = predicate()
                if value:
                    return value
                await changed.wait()
