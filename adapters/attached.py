"""The platform client a chat notifier delivers through, once its adapter has started: the
outbox may hand over a notification before (at start-up) or after (while stopping), and it
then waits for the client a while, or is told the adapter is not running."""

from __future__ import annotations

import asyncio
from typing import Generic, TypeVar

from core.errors import DeliveryFailed

T = TypeVar("T")

READY_TIMEOUT = 30.0


class Attached(Generic[T]):
    """A client that comes and goes with its adapter (``attach`` / ``detach``)."""

    def __init__(self, platform: str, timeout: float = READY_TIMEOUT) -> None:
        self._platform = platform
        self._timeout = timeout
        self._client: T | None = None
        self._ready = asyncio.Event()

    @property
    def current(self) -> T | None:
        """The client while the adapter runs, else None."""
        return self._client

    def attach(self, client: T) -> None:
        self._client = client
        self._ready.set()

    def detach(self) -> None:
        self._ready.clear()
        self._client = None

    async def ready(self) -> T:
        """The client, once the adapter runs (waiting up to the timeout for it)."""
        if self._client is None:
            try:
                async with asyncio.timeout(self._timeout):
                    await self._ready.wait()
            except TimeoutError:
                raise DeliveryFailed(f"the {self._platform} adapter is not running") from None
        assert self._client is not None
        return self._client
