"""The whole REST API, built as the running bot builds it (every router of bot.api, the
real mediaInfo lookup), over a real SQLite file and the real TMDb client against the fake
TMDb: ``api_world`` gives an ApiWorld with an httpx client on the app (in process, through
ASGITransport) and three users: ``admin`` (user 1, a bot owner, so ADMIN), ``alice``
and ``bob`` (REQUEST); ``api_over`` also takes downloaders (for the /service pages);
``serve`` runs any app on uvicorn on 127.0.0.1 for outside clients."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from adapters.api.app import build_api
from adapters.api.auth import FailureLimiter
from adapters.api.server import listen
from adapters.api.server import serve as serve_app
from adapters.arr.client import ArrClient
from adapters.arr.options import ArrOptions
from adapters.tmdb.client import TmdbClient
from bot.api import Route, api_routers
from core import users
from core.domain import RequestStatus
from core.identity import Identity, User
from core.media import MediaDetails, MediaStatus, MediaType
from core.permissions import Permission
from core.services import CoreConfig, Services
from tests.fake_tmdb import FakeTmdb
from tests.fakes import FakeClock
from tests.storage_fixtures import Storage, open_storage, sqlite_url

KEY = "k3y-0f-the-t3st-4p1"


class StaticKeys:
    """The ApiKeys port with one fixed key."""

    def __init__(self, key: str = KEY) -> None:
        self.key = key

    async def matches(self, presented: str) -> bool:
        return hmac.compare_digest(presented.encode(), self.key.encode())

    async def current(self) -> str:
        return self.key


class TickingClock:
    """A monotonic clock a test moves by hand (seconds): the failed-auth limiter's and the
    downloader options' cache."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class ApiWorld:
    storage: Storage
    services: Services
    clock: FakeClock
    ticks: TickingClock
    app: FastAPI
    http: httpx.AsyncClient
    tmdb: FakeTmdb
    catalogue: TmdbClient
    admin: User
    alice: User
    bob: User

    def headers(self, user: User | None = None, **more: str) -> dict[str, str]:
        """The key, and X-Api-User when acting as ``user``."""
        found = {"X-Api-Key": KEY, **more}
        if user is not None:
            found["X-Api-User"] = str(user.id)
        return found

    async def get(self, path: str, user: User | None = None, **params: Any) -> httpx.Response:
        return await self.http.get(f"/api/v1{path}", params=params, headers=self.headers(user))

    async def json(self, path: str, user: User | None = None, **params: Any) -> Any:
        """The body of a GET that must answer 200."""
        response = await self.get(path, user, **params)
        assert response.status_code == 200, response.text
        return response.json()

    async def post(self, path: str, body: Any = None, user: User | None = None) -> httpx.Response:
        return await self.http.post(f"/api/v1{path}", json=body, headers=self.headers(user))

    async def user(self, name: str, permissions: Permission = Permission.REQUEST) -> User:
        """A new user with a Discord identity named ``name``."""
        found = await users.resolve_user(self.services, Identity("discord", name), name)
        async with self.services.uow() as uow:
            await uow.users.set_permissions(found.id, permissions, self.clock.now())
            await uow.commit()
            changed = await uow.users.get(found.id)
        assert changed is not None
        return changed

    async def seed(
        self,
        who: User,
        tmdb_id: int,
        kind: MediaType = MediaType.MOVIE,
        *,
        status: RequestStatus = RequestStatus.PENDING,
        media_status: MediaStatus | None = None,
        is_4k: bool = False,
        seasons: tuple[int, ...] = (),
    ) -> int:
        """A request written straight to the database (a minute after the last one)."""
        now = self.clock.advance(minutes=1)
        details = MediaDetails(tmdb_id, kind, f"Title {tmdb_id}", 2000, "", None)
        async with self.services.uow() as uow:
            media = await uow.media.upsert(details, now)
            if media_status is not None:
                await uow.media.set_status(media.id, media_status, now, is_4k=is_4k)
            added = await uow.requests.add(
                media=media,
                requested_by=who,
                status=status,
                is_4k=is_4k,
                seasons=seasons,
                modified_by=None,
                now=now,
            )
            await uow.commit()
        return added.id


@asynccontextmanager
async def api_over(
    storage: Storage, tmdb: FakeTmdb, downloaders: Mapping[Route, ArrClient] | None = None
) -> AsyncIterator[ApiWorld]:
    """An ApiWorld on a migrated database, with ``downloaders`` behind /service."""
    clock = FakeClock()
    ticks = TickingClock()
    owner = Identity("discord", "admin")
    options = {route: ArrOptions(c, clock=ticks) for route, c in (downloaders or {}).items()}
    async with TmdbClient(api_key=tmdb.api_key, base_url=tmdb.base_url) as catalogue:
        services = Services(
            uow=storage.uow,
            catalogue=catalogue,
            clock=clock,
            config=CoreConfig(owners=frozenset({owner}), chat_platforms=("telegram", "discord")),
        )
        app = build_api(
            services,
            StaticKeys(),
            routers=api_routers(services, catalogue, options),
            version="1.2.3",
            limiter=FailureLimiter(clock=ticks),
        )
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as http:
            admin = await users.resolve_user(services, owner, "admin")
            assert admin.id == 1
            world = ApiWorld(
                storage, services, clock, ticks, app, http, tmdb, catalogue, admin, admin, admin
            )
            world.alice = await world.user("alice")
            world.bob = await world.user("bob")
            yield world


@pytest.fixture
async def api_world(tmp_path: Path, fake_tmdb: FakeTmdb) -> AsyncIterator[ApiWorld]:
    """The API on a SQLite file, with the fake TMDb behind it."""
    async with open_storage(sqlite_url(tmp_path)) as storage, api_over(storage, fake_tmdb) as world:
        yield world


@asynccontextmanager
async def serve(app: FastAPI) -> AsyncIterator[int]:
    """Serve ``app`` as the bot does (adapters.api.server) on a free port of 127.0.0.1,
    which it yields (connections queue on the listening socket until uvicorn takes them),
    until the end."""
    sock = listen("127.0.0.1", 0)
    task = asyncio.create_task(serve_app(app, sock))
    try:
        yield sock.getsockname()[1]
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
