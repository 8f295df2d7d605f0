"""The REST API's limit on failed authentications, on a clock the test moves."""

from __future__ import annotations

from adapters.api.auth import FailureLimiter
from tests.api_world import TickingClock


def test_an_address_is_refused_after_its_limit_until_the_oldest_failure_ages() -> None:
    clock = TickingClock()
    limiter = FailureLimiter(limit=3, window=60, clock=clock)
    for _ in range(3):
        assert limiter.retry_after("10.0.0.1") is None
        limiter.failed("10.0.0.1")
        clock.now += 10
    assert limiter.retry_after("10.0.0.1") == 30  # the first failure ages out at 60
    assert limiter.retry_after("10.0.0.2") is None
    clock.now += 30
    assert limiter.retry_after("10.0.0.1") is None


def test_it_keeps_at_most_so_many_addresses() -> None:
    limiter = FailureLimiter(limit=1, clock=TickingClock(), max_clients=2)
    for address in ("a", "b", "c"):
        limiter.failed(address)
    assert limiter.retry_after("a") is None  # forgotten first
    assert limiter.retry_after("b") is not None
    assert limiter.retry_after("c") is not None
