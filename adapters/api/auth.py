"""Authentication as Seerr does it: the ``X-Api-Key`` header (any case), compared in
constant time by the ApiKeys port; the acting user (the admin account, or the one an
``X-Api-User`` header names); and a per-address limit on failed attempts."""

from __future__ import annotations

import math
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated, Protocol

from fastapi import Depends, Request

from adapters.api.errors import ApiError
from core.acting import api_actor, find_api_actor
from core.identity import User
from core.permissions import Permission, has_any
from core.ports import UnitOfWork
from core.services import Services
from core.users import ActorLookup

KEY_HEADER = "x-api-key"
USER_HEADER = "x-api-user"
MAX_USER_ID = 2**31 - 1
FORBIDDEN = {"status": 403, "error": "You do not have permission to access this endpoint"}
UNAUTHORIZED = {"status": 401, "error": "An X-Api-Key header is required"}


class ApiKeys(Protocol):
    """The API key in force."""

    async def matches(self, presented: str) -> bool:
        """Whether ``presented`` is the current key (compared in constant time)."""
        ...

    async def current(self) -> str:
        """The current key (for /settings/main's apiKey)."""
        ...


class FailureLimiter:
    """At most ``limit`` failed authentications per client address in ``window`` seconds;
    past that, every attempt from it is refused until the oldest failure ages out. Keeps
    at most ``max_clients`` addresses (the oldest are forgotten first)."""

    def __init__(
        self,
        limit: int = 10,
        window: float = 60.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_clients: int = 10_000,
    ) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._max_clients = max_clients
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()

    def _recent(self, client: str) -> deque[float] | None:
        failures = self._failures.get(client)
        if failures is None:
            return None
        horizon = self._clock() - self.window
        while failures and failures[0] <= horizon:
            failures.popleft()
        if not failures:
            del self._failures[client]
            return None
        return failures

    def retry_after(self, client: str) -> float | None:
        """Seconds until ``client`` may try again, or None if it may now."""
        failures = self._recent(client)
        if failures is None or len(failures) < self.limit:
            return None
        return max(0.0, failures[0] + self.window - self._clock())

    def failed(self, client: str) -> None:
        """Count a failed attempt of ``client``."""
        failures = self._recent(client)
        if failures is None:
            failures = self._failures[client] = deque(maxlen=self.limit)
            while len(self._failures) > self._max_clients:
                self._failures.popitem(last=False)
        failures.append(self._clock())


@dataclass(slots=True)
class ApiState:
    """What the routes need, kept on the application (``app.state.api``)."""

    services: Services
    keys: ApiKeys
    version: str
    title: str
    limiter: FailureLimiter = field(default_factory=FailureLimiter)


def state_of(request: Request) -> ApiState:
    """The application's ApiState."""
    state: ApiState = request.app.state.api
    return state


async def api_state(request: Request) -> ApiState:
    """The application's ApiState, as a dependency (a coroutine: FastAPI would run a plain
    function in its thread pool, a hand-off to another thread and back per request)."""
    return state_of(request)


def _client(request: Request) -> str:
    return request.client.host if request.client else ""


def _user_id(header: str) -> int:
    text = header.strip()
    if not text.isdigit() or int(text) > MAX_USER_ID:
        raise ApiError(403, FORBIDDEN)
    return int(text)


async def checked_key(request: Request) -> None:
    """The caller's key checked: 401 without one, 403 with a wrong one, 429 after too many
    failures from the caller's address."""
    state = state_of(request)
    client = _client(request)
    wait = state.limiter.retry_after(client)
    if wait is not None:
        body = {"status": 429, "error": "Too many failed attempts; try again later"}
        raise ApiError(429, body, {"Retry-After": str(max(1, math.ceil(wait)))})
    presented = request.headers.get(KEY_HEADER)
    if not presented:
        # Not counted: a call without a key guesses nothing (a browser, a probe), and
        # counting it would lock out the tools behind the same address.
        raise ApiError(401, UNAUTHORIZED)
    if not await state.keys.matches(presented):
        state.limiter.failed(client)
        raise ApiError(403, FORBIDDEN)


async def acting_user_id(request: Request, _: None = Depends(checked_key)) -> int | None:
    """Once the key is checked, the user id that ``X-Api-User`` names (None without the
    header, or an empty one: the admin account); 403 for one that cannot be a user's id.
    Not looked up."""
    header = (request.headers.get(USER_HEADER) or "").strip()
    return _user_id(header) if header else None  # an empty header names nobody, as in Seerr


async def acting_user(request: Request, user_id: int | None = Depends(acting_user_id)) -> User:
    """The user the caller acts as, once its key is checked: the one ``X-Api-User``
    names, else the admin account. 401 without a key, 403 with a wrong one (or an unknown
    user), 429 after too many failures from the caller's address."""
    actor = await api_actor(state_of(request).services, user_id)
    if actor is None:
        raise ApiError(403, FORBIDDEN)
    return actor


Actor = Annotated[User, Depends(acting_user)]  # what a route takes to know who calls


def actor_lookup(user_id: int | None) -> ActorLookup:
    """acting_user inside a use case's transaction (locking the actor, as the use case
    would): the same user, or the same 403 when there is none."""

    async def find(uow: UnitOfWork) -> User:
        actor = await find_api_actor(uow, user_id, for_update=True)
        if actor is None:
            raise ApiError(403, FORBIDDEN)
        return actor

    return find


def holding(*permissions: Permission) -> Callable[..., Awaitable[User]]:
    """A dependency: the acting user, who must hold one of ``permissions`` (or ADMIN), as
    Seerr's ``isAuthenticated(permissions, {type: 'or'})`` requires of a route; 403 with
    Seerr's body otherwise. Made once per set of permissions (FastAPI reuses a dependency's
    answer within a request by its identity)."""

    async def check(actor: User = Depends(acting_user)) -> User:  # noqa: B008
        if not has_any(actor.permissions, *permissions):
            raise ApiError(403, FORBIDDEN)
        return actor

    return check


# The acting user, who must hold MANAGE_SETTINGS (or ADMIN), as Seerr's settings routes
# require; 403 otherwise.
admin_user = holding(Permission.MANAGE_SETTINGS)
