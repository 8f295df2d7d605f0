"""Home Assistant's Overseerr integration and requestbot, end to end: HA registers its
webhook through python-overseerr (GET, test, POST) against the whole API on uvicorn, then
requests made through the core reach HA's webhook endpoint on 127.0.0.1 through the
outbox's real dispatcher, each parsed as HA parses it; HA's next start finds nothing to
change, also after requestbot restarts on the same SQLite file. HA's refresh reads the
issue counts with the request counts, and a webhook that takes issue events hears of an
issue reported through the API with its issue section filled."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from python_overseerr import IssueType, OverseerrClient
from python_overseerr.models import NotificationType

from bot.api import build_app
from bot.app import FULL_SCAN, SEND, SYNC, App, open_app
from bot.settings import load_settings
from bot.webhook import add_webhook
from core import requests
from core.media import MediaType
from tests.api_world import serve
from tests.fake_home_assistant import (
    JSON_PAYLOAD,
    REGISTERED_NOTIFICATIONS,
    FakeHomeAssistant,
    HaEvent,
    needs_change,
    refresh,
    register,
)
from tests.media_stack import Stack

MATRIX_RELOADED = 604  # in Radarr's catalogue, not yet in the library
POKEMON, POKEMON_TVDB = 60572, 76703
BREAKING_BAD = 1396  # in the media server's library


@asynccontextmanager
async def home_assistant_on(app: App) -> AsyncIterator[OverseerrClient]:
    """The API of ``app`` served on 127.0.0.1, and HA's client on it."""
    key = await app.api_keys.current()
    async with (
        serve(build_app(app, app.api_keys)) as port,
        OverseerrClient("127.0.0.1", port, key, ssl=False) as client,
    ):
        yield client


def media_event(seen: HaEvent) -> dict[str, object]:
    """The data of HA's media event entity (which also refreshed its sensors)."""
    assert seen.refreshes
    assert seen.data is not None
    return seen.data


async def test_home_assistant_registers_its_webhook_and_hears_every_request_event(
    stack: Stack, fake_home_assistant: FakeHomeAssistant
) -> None:
    ha = fake_home_assistant
    assert add_webhook(stack.app, api=True) is not None
    async with home_assistant_on(stack.app) as client:
        assert await register(client, ha.url) == "registered"

        (test,) = ha.parsed  # the test notification: HA handles it, fires no media event
        assert (test.refreshes, test.event_type) == (False, None)
        assert ha.events[0]["notification_type"] == "TEST_NOTIFICATION"

        # HA's next start: the webhook is HA's already.
        assert await register(client, ha.url) == "unchanged"

        created = await stack.request(stack.alice, MATRIX_RELOADED, MediaType.MOVIE)
        assert created.request is not None
        movie = created.request.id
        await stack.approve(movie)
        await stack.run(SEND)
        stack.radarr.finish(MATRIX_RELOADED)
        await stack.run(SYNC)
        show = await stack.request(stack.bob, POKEMON, MediaType.TV, [1])
        assert show.request is not None
        services = stack.app.services
        await requests.decline_request(services, stack.admin.id, show.request.id, "Not now")
        await stack.app.dispatcher.deliver_due()

    events = ha.parsed[1:]
    kinds = ["pending", "approved", "available", "pending", "declined"]
    assert [e.event_type for e in events] == kinds
    pending, approved, available, _, declined = (media_event(e) for e in events)
    for data, status in ((pending, "pending"), (approved, "processing")):
        assert data["subject"] == "The Matrix Reloaded (2003)"
        assert data["media"] == {
            "media_type": "movie",
            "tmdb_id": MATRIX_RELOADED,
            "tvdb_id": None,
            "status": status,
            "status4k": "unknown",
        }
        assert data["request"]["request_id"] == movie  # type: ignore[index]
        assert data["request"]["requested_by_username"] == "alice"  # type: ignore[index]
    assert pending["message"]
    assert (
        events[0].image
        == f"https://image.tmdb.org/t/p/w600_and_h900_bestv2/poster{MATRIX_RELOADED}.jpg"
    )
    assert available["media"]["status"] == "available"  # type: ignore[index]
    assert declined["subject"].startswith("Pokémon")  # type: ignore[attr-defined]
    assert declined["media"]["tmdb_id"] == POKEMON  # type: ignore[index]
    assert declined["media"]["tvdb_id"] == POKEMON_TVDB  # type: ignore[index]
    assert declined["request"]["requested_by_username"] == "bob"  # type: ignore[index]
    for body in ha.events:
        assert (body["issue"], body["comment"]) == (None, None)
    assert len(ha.requests) == len(ha.calls)  # each once, none failed

    # requestbot restarts on the same database: the webhook is still HA's.
    async with (
        open_app(load_settings(None), jobs_start_delay=3600) as again,
        home_assistant_on(again) as client,
    ):
        assert not await needs_change(client, ha.url)


ISSUE_EVENTS = (
    NotificationType.ISSUE_REPORTED
    | NotificationType.ISSUE_COMMENTED
    | NotificationType.ISSUE_RESOLVED
    | NotificationType.ISSUE_REOPENED
)


async def test_home_assistant_refreshes_with_issues_and_the_webhook_carries_a_new_one(
    stack: Stack, fake_home_assistant: FakeHomeAssistant
) -> None:
    ha = fake_home_assistant
    # python-overseerr needs every season's air date (TMDb dates these specials).
    stack.tmdb.shows[BREAKING_BAD]["seasons"][0]["air_date"] = "2009-02-17"
    assert add_webhook(stack.app, api=True) is not None
    await stack.run(FULL_SCAN)  # the library: Breaking Bad is on the server
    async with home_assistant_on(stack.app) as client:
        first = await refresh(client)  # HA's set-up: both counts must answer
        assert (first.requests.total, first.issues.total) == (0, 0)
        assert await register(client, ha.url) == "registered"
        # The webhook is set to tell of issues too, as a Seerr admin would tick them.
        await client.set_webhook_notification_config(
            enabled=True,
            types=REGISTERED_NOTIFICATIONS | ISSUE_EVENTS,
            webhook_url=ha.url,
            json_payload=JSON_PAYLOAD,
        )
        show = await client.get_tv_details(BREAKING_BAD)

        created = await client.create_issue(
            IssueType.VIDEO, "The picture freezes", show.media_info.id, 2, 5
        )
        await stack.app.dispatcher.deliver_due()
        after = await refresh(client)

    assert (after.issues.total, after.issues.open, after.issues.video) == (1, 1, 1)
    body = ha.events[-1]
    assert body["notification_type"] == "ISSUE_CREATED"
    assert body["subject"].startswith("Breaking Bad")
    assert body["message"] == "The picture freezes"
    assert body["media"]["tmdb_id"] == str(BREAKING_BAD)
    assert body["media"]["status"] == "AVAILABLE"
    assert body["request"] is None
    assert body["issue"] == {
        "issue_id": str(created.id),
        "issue_type": "VIDEO",
        "issue_status": "OPEN",
        "reported_by_email": "",
        "reported_by_username": "admin",
        "reported_by_avatar": "",
        "reported_by_settings_discord_id": "",
        "reported_by_settings_telegram_chat_id": "",
    }
    assert body["comment"] is None
    (seen,) = ha.parsed[1:]  # HA takes it and fires no media event
    assert (seen.refreshes, seen.event_type) == (False, None)
