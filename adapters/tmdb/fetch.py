"""One GET against TMDb with its retries: 5xx and network errors are tried again after a
short pause, a 429 after its Retry-After (up to a total), and what remains becomes a core
error naming TMDb. A 404 raises TmdbNotFound: only the caller knows what was not found.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import time
from typing import Any

import httpx

from adapters.http import Retryable, network_detail
from adapters.tmdb.limiter import RateLimiter
from core.errors import ServiceRejected, ServiceUnavailable

log = logging.getLogger(__name__)

SERVICE = "TMDb"
MAX_TRIES = 3
MAX_RETRY_WAIT = 10.0  # seconds of Retry-After honoured in total for one call
BACKOFF = (0.25, 0.75)  # before the 2nd and 3rd try after a 5xx or a network error

Params = tuple[tuple[str, str], ...]


class TmdbNotFound(Exception):
    """TMDb answered 404; the caller knows what was not found."""


class Fetcher:
    """GETs on one httpx client, each through the shared rate limiter."""

    def __init__(
        self, http: httpx.AsyncClient, limiter: RateLimiter, *, timeout: float, secret: str
    ) -> None:
        self._http = http
        self._limiter = limiter
        self._timeout = timeout
        self._secret = secret
        self.closed = False

    async def aclose(self) -> None:
        """Refuse further calls and close the connections."""
        self.closed = True
        await self._http.aclose()

    async def get(self, path: str, params: Params) -> Any:
        """The JSON body of GET ``path``, after retrying what is worth retrying."""
        waited = 0.0
        for attempt in range(1, MAX_TRIES + 1):
            last = attempt == MAX_TRIES
            try:
                response = await self._send(path, params)
            except Retryable as exc:
                if last:
                    raise ServiceUnavailable(SERVICE, exc.detail) from exc.__cause__
                pause = BACKOFF[min(attempt, len(BACKOFF)) - 1]
                log.warning(
                    "TMDb %s failed (%s); try %d in %.2f s", path, exc.detail, attempt + 1, pause
                )
                await asyncio.sleep(pause)
                continue
            if response.status_code != 429:
                return self._body(path, response)
            retry_after = _retry_after(response)
            if last or waited + retry_after > MAX_RETRY_WAIT:
                raise ServiceUnavailable(SERVICE, "rate limited", retry_after=retry_after)
            log.warning("TMDb rate limited %s; retrying in %.1f s", path, retry_after)
            waited += retry_after
            await asyncio.sleep(retry_after)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _send(self, path: str, params: Params) -> httpx.Response:
        """One try: 5xx and network errors raise Retryable, timeouts ServiceUnavailable."""
        if self.closed:
            raise ServiceUnavailable(SERVICE, "client closed")
        await self._limiter.acquire()
        started = time.monotonic()
        try:
            async with asyncio.timeout(self._timeout):
                response = await self._http.get(path, params=params)
        except (TimeoutError, httpx.TimeoutException):
            log.warning("TMDb %s timed out after %.1f s", path, time.monotonic() - started)
            raise ServiceUnavailable(SERVICE, "timed out") from None
        except httpx.HTTPError as exc:
            raise Retryable(network_detail(exc)) from exc
        log.debug("TMDb %s -> %d in %.3f s", path, response.status_code, time.monotonic() - started)
        if response.status_code >= 500:
            raise Retryable(f"HTTP {response.status_code}")
        return response

    def _body(self, path: str, response: httpx.Response) -> Any:
        status = response.status_code
        if status == 404:
            raise TmdbNotFound(path)
        if status == 401:
            raise ServiceRejected(SERVICE, 401, "API key rejected")
        if status >= 400:
            raise ServiceRejected(SERVICE, status, self._scrub(_status_message(response)))
        try:
            body = response.json()
        except ValueError:
            log.warning("TMDb sent a body that is not JSON for %s", path)
            raise ServiceUnavailable(SERVICE, "malformed response") from None
        if not isinstance(body, dict):
            raise ServiceUnavailable(SERVICE, "malformed response")
        return body

    def _scrub(self, text: str) -> str:
        return text.replace(self._secret, "***") if self._secret else text


def _retry_after(response: httpx.Response) -> float:
    """Retry-After in seconds (a number or an HTTP date); 1 s when absent or unreadable."""
    value = response.headers.get("Retry-After", "").strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return 1.0
    return max(0.0, when.timestamp() - time.time())


def _status_message(response: httpx.Response) -> str:
    """TMDb's status_message, cut short, or the HTTP status."""
    try:
        message = response.json().get("status_message")
    except (ValueError, AttributeError):
        message = None
    return str(message)[:120] if message else f"HTTP {response.status_code}"
