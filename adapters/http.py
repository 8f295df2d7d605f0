"""A small JSON-over-HTTP client shared by the Jellyfin/Emby, Radarr and Sonarr clients.

One place turns httpx errors, HTTP statuses and malformed bodies into the core's errors:
network errors and 5xx are retried a little, then become ServiceUnavailable; 401/403
become ServiceRejected ("API key rejected"); other 4xx become ServiceRejected with the
server's own message. The API key travels in a header and never appears in a log line or
an error (httpx logs URLs, not headers; bodies are scrubbed of the key all the same).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import ssl
import time
import urllib.request
from types import TracebackType
from typing import Any, Self

import httpx

from core.errors import ServiceRejected, ServiceUnavailable

log = logging.getLogger(__name__)

MAX_TRIES = 3
BACKOFF = (0.3, 1.0)  # before the 2nd and 3rd try after a 5xx or a network error
MAX_MESSAGE = 200


class NotThere(Exception):
    """The server answered 404 for this path; the caller knows what that means."""


class JsonApi:
    """GET/POST/PUT JSON against one service; use with ``async with`` or ``aclose()``."""

    def __init__(
        self,
        service: str,
        base_url: str,
        headers: dict[str, str],
        *,
        secret: str,
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        base = str(base_url).rstrip("/")
        if transport is None:
            transport = httpx.AsyncHTTPTransport(
                verify=tls_context(), proxy=environment_proxy(base)
            )
        self.service = service
        self._secret = secret
        self._timeout = timeout
        self._http = httpx.AsyncClient(
            base_url=base,
            transport=transport,
            timeout=httpx.Timeout(timeout),
            headers={"Accept": "application/json", "User-Agent": "requestbot", **headers},
            follow_redirects=False,
        )
        self.host = httpx.URL(base).host

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return await self.call("GET", path, params=params)

    async def post(self, path: str, body: Any) -> Any:
        return await self.call("POST", path, body=body)

    async def put(self, path: str, body: Any) -> Any:
        return await self.call("PUT", path, body=body)

    async def call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: Any = None,
    ) -> Any:
        """The JSON answer to one call (None for an empty body), after a few retries of
        network errors and 5xx for reads; writes are tried once (they may have landed)."""
        tries = MAX_TRIES if method == "GET" else 1
        for attempt in range(1, tries + 1):
            try:
                response = await self._send(method, path, params, body)
            except Retryable as exc:
                if attempt == tries:
                    raise ServiceUnavailable(self.service, exc.detail) from None
                pause = BACKOFF[min(attempt, len(BACKOFF)) - 1]
                log.info(
                    "%s %s %s failed (%s); retrying in %.1f s",
                    self.service,
                    method,
                    path,
                    exc.detail,
                    pause,
                )
                await asyncio.sleep(pause)
                continue
            return self._body(method, path, response)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _send(
        self, method: str, path: str, params: dict[str, Any] | None, body: Any
    ) -> httpx.Response:
        started = time.monotonic()
        try:
            async with asyncio.timeout(self._timeout):
                response = await self._http.request(method, path, params=params, json=body)
        except (TimeoutError, httpx.TimeoutException):
            raise Retryable(f"no answer within {self._timeout:g} s") from None
        except httpx.HTTPError as exc:
            raise Retryable(network_detail(exc)) from None
        log.debug(
            "%s %s %s -> %d in %.3f s",
            self.service,
            method,
            path,
            response.status_code,
            time.monotonic() - started,
        )
        if response.status_code >= 500:
            raise Retryable(f"HTTP {response.status_code}")
        return response

    def _body(self, method: str, path: str, response: httpx.Response) -> Any:
        status = response.status_code
        if status in (401, 403):
            raise ServiceRejected(self.service, status, "API key rejected")
        if status == 404:
            raise NotThere(path)
        if status >= 400:
            raise ServiceRejected(self.service, status, self._scrub(_message(response)))
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            log.warning("%s sent a body that is not JSON for %s %s", self.service, method, path)
            raise ServiceUnavailable(self.service, "malformed response") from None

    def _scrub(self, text: str) -> str:
        return text.replace(self._secret, "***") if self._secret else text


class Retryable(Exception):
    """One try failed in a way another try may not: a 5xx or the network."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def network_detail(exc: httpx.HTTPError) -> str:
    """Why the network failed, in words fit for a user (no URL, no key)."""
    if isinstance(exc, httpx.ConnectError):
        return "cannot connect"
    return f"network error ({type(exc).__name__})"


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The one TLS context of every HTTP client in this process, made as httpx makes its
    default (certifi's certificates, or SSL_CERT_FILE / SSL_CERT_DIR) on first use.

    httpx makes a context per client, and each holds its own parsed copy of the ~150
    certificates: about 0.9 MiB apiece, for the six clients of a running bot (TMDb, the media
    server, two downloaders, Telegram's two) and the start-up checks' short-lived ones.
    """
    return httpx.create_ssl_context()


def environment_proxy(base_url: str) -> str | None:
    """The proxy that HTTP(S)_PROXY / NO_PROXY choose for ``base_url``, as httpx would.

    The client passes its own transport to httpx, which then ignores those variables.
    """
    url = httpx.URL(base_url)
    if urllib.request.proxy_bypass(url.host):
        return None
    proxies = urllib.request.getproxies()
    return proxies.get(url.scheme) or proxies.get("all")


def _message(response: httpx.Response) -> str:
    """The server's own words: Radarr/Sonarr's validation messages, or ``message``."""
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    if isinstance(body, list):
        texts = [str(e.get("errorMessage")) for e in body if isinstance(e, dict)]
        text = "; ".join(t for t in texts if t and t != "None")
    elif isinstance(body, dict):
        text = str(body.get("message") or body.get("error") or body.get("title") or "")
    else:
        text = ""
    return (text or f"HTTP {response.status_code}")[:MAX_MESSAGE]
