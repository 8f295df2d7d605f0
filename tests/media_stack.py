"""requestbot wired as `requestbot run` wires it, against fake TMDb, Jellyfin, Radarr and
Sonarr servers on 127.0.0.1 and a real SQLite file; the jobs are run one at a time by the
tests (``stack.run(job)``) instead of on their timers.

The fixture ``stack`` gives a Stack with three console users: ``admin`` (a bot owner),
``alice`` and ``bob``, and a RecordingNotifier ("console") that records every notification
the dispatcher delivers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pytest

from bot.app import App, open_app
from bot.settings import load_settings
from core import queries, requests, users
from core.domain import CreateResult, MediaRequest
from core.events import Audience, EventKind
from core.identity import Identity, User
from core.jobs import JobState
from core.media import MediaType
from tests.fake_arr import FakeRadarr, FakeSonarr
from tests.fake_jellyfin import FakeJellyfin
from tests.fake_tmdb import FakeTmdb
from tests.fakes import RecordingNotifier


@dataclass
class Stack:
    app: App
    tmdb: FakeTmdb
    jellyfin: FakeJellyfin
    radarr: FakeRadarr
    sonarr: FakeSonarr
    notifier: RecordingNotifier
    admin: User
    alice: User
    bob: User

    async def run(self, job: str) -> JobState:
        """Run one job now, as its timer would."""
        assert self.app.scheduler is not None
        state = await self.app.scheduler.run_now(job)
        await self.app.dispatcher.deliver_due()
        return state

    async def request(
        self,
        who: User,
        tmdb_id: int,
        kind: MediaType,
        seasons: Sequence[int] | Literal["all"] | None = None,
    ) -> CreateResult:
        result = await requests.create_request(self.app.services, who.id, tmdb_id, kind, seasons)
        await self.app.dispatcher.deliver_due()
        return result

    async def approve(self, request_id: int) -> MediaRequest:
        approved = await requests.approve_request(self.app.services, self.admin.id, request_id)
        await self.app.dispatcher.deliver_due()
        return approved

    async def current(self, request_id: int) -> MediaRequest:
        found = await queries.current_request(self.app.services, request_id)
        assert found is not None
        return found

    def told(self, who: User, kind: EventKind) -> list[Audience]:
        """How ``who`` was told of events of ``kind`` (one entry per notification)."""
        return [
            n.audience
            for n in self.notifier.sent
            if n.recipient.id == who.id and n.event.kind is kind
        ]


@pytest.fixture
async def stack(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fake_tmdb: FakeTmdb,
    fake_jellyfin: FakeJellyfin,
    fake_radarr: FakeRadarr,
    fake_sonarr: FakeSonarr,
) -> AsyncIterator[Stack]:
    environment = {
        "DATABASE_URL": f"sqlite+aiosqlite:///{(tmp_path / 'requestbot.db').as_posix()}",
        "BOT_OWNERS": "console:admin",
        "TMDB_API_KEY": fake_tmdb.api_key or "",
        "TMDB_BASE_URL": fake_tmdb.base_url,
        "JELLYFIN_URL": fake_jellyfin.base_url,
        "JELLYFIN_API_KEY": fake_jellyfin.api_key or "",
        "RADARR_URL": fake_radarr.base_url,
        "RADARR_API_KEY": fake_radarr.api_key or "",
        "RADARR_QUALITY_PROFILE": "HD-1080p",
        "RADARR_ROOT_FOLDER": "/movies",
        "SONARR_URL": fake_sonarr.base_url,
        "SONARR_API_KEY": fake_sonarr.api_key or "",
        "SONARR_QUALITY_PROFILE": "4",
        "SONARR_ROOT_FOLDER": "/tv",
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    settings = load_settings(None)
    # The jobs run when a test runs them, or when an approval wakes the sending job: their
    # first runs are an hour away, their timers minutes long.
    async with open_app(settings, jobs_start_delay=3600) as app:
        notifier = RecordingNotifier("console")
        app.dispatcher.add_notifier(notifier)
        people = [
            await users.resolve_user(app.services, Identity("console", n), n, username=n)
            for n in ("admin", "alice", "bob")
        ]
        yield Stack(app, fake_tmdb, fake_jellyfin, fake_radarr, fake_sonarr, notifier, *people)
