"""A rate limiter shared by every call of one client."""

from __future__ import annotations

import asyncio
import math
from collections import deque
from collections.abc import Awaitable, Callable


class RateLimiter:
    """At most ``rate`` requests start in any one-second window; callers wait in turn.

    A sliding window rather than a token bucket: a bucket lets a full burst through right
    after a refill, i.e. up to twice the rate within one second, which is what TMDb counts.
    """

    def __init__(
        self,
        rate: float,
        *,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError(f"rate must be positive, not {rate}")
        self._capacity = max(1, math.floor(rate))
        self._window = self._capacity / rate
        self._starts: deque[float] = deque(maxlen=self._capacity)
        self._lock = asyncio.Lock()
        self._clock = clock
        self._sleep = sleep

    def _now(self) -> float:
        return self._clock() if self._clock else asyncio.get_running_loop().time()

    async def acquire(self) -> None:
        """Wait until one more request fits in the window, and count it."""
        async with self._lock:
            if len(self._starts) == self._capacity:
                wait = self._starts[0] + self._window - self._now()
                if wait > 0:
                    await self._sleep(wait)
            self._starts.append(self._now())
