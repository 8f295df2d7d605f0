"""/settings/radarr|sonarr and /service/radarr|sonarr[/{id}] of the whole API against the
fake Radarr and Sonarr, through the real clients and their cached options."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from adapters.arr.client import ArrClient, ArrSettings, RadarrClient, SonarrClient
from core.media import MediaType
from tests.api_world import ApiWorld, api_over
from tests.fake_arr import FakeRadarr, FakeSonarr
from tests.fake_tmdb import FakeTmdb
from tests.storage_fixtures import open_storage, sqlite_url


@dataclass
class Downloaders:
    world: ApiWorld
    radarr: FakeRadarr
    sonarr: FakeSonarr


def client(kind: type[ArrClient], fake: FakeRadarr | FakeSonarr, name: str, root: str) -> ArrClient:
    settings = ArrSettings(fake.base_url, str(fake.api_key), "HD-1080p", root)
    return kind(settings, name=name)


@pytest.fixture
async def downloaders(
    tmp_path: Path, fake_tmdb: FakeTmdb, fake_radarr: FakeRadarr, fake_sonarr: FakeSonarr
) -> AsyncIterator[Downloaders]:
    """The API with Radarr, and Sonarr both regular and 4K (one fake server behind both);
    the key alone acts as the admin, user 1."""
    clients = {
        (MediaType.MOVIE, False): client(RadarrClient, fake_radarr, "Radarr", "/movies"),
        (MediaType.TV, False): client(SonarrClient, fake_sonarr, "Sonarr", "/tv"),
        (MediaType.TV, True): client(SonarrClient, fake_sonarr, "Sonarr 4K", "/anime"),
    }
    async with (
        open_storage(sqlite_url(tmp_path)) as storage,
        api_over(storage, fake_tmdb, clients) as world,
    ):
        yield Downloaders(world, fake_radarr, fake_sonarr)
    for c in clients.values():
        await c.aclose()


async def test_settings_describe_each_server_without_its_api_key(downloaders: Downloaders) -> None:
    radarr = await downloaders.world.json("/settings/radarr")
    sonarr = await downloaders.world.json("/settings/sonarr")

    port = downloaders.radarr.port
    assert [(r["id"], r["hostname"], r["port"], r["useSsl"], r["baseUrl"]) for r in radarr] == [
        (0, "127.0.0.1", port, False, "")
    ]
    assert (radarr[0]["activeProfileId"], radarr[0]["activeProfileName"]) == (4, "HD-1080p")
    assert (radarr[0]["activeDirectory"], radarr[0]["minimumAvailability"]) == (
        "/movies",
        "released",
    )
    assert [(s["id"], s["name"], s["is4k"], s["isDefault"]) for s in sonarr] == [
        (0, "Sonarr", False, True),
        (1, "Sonarr 4K", True, True),
    ]
    assert sonarr[1]["activeDirectory"] == "/anime"
    assert all("apiKey" not in server for server in radarr + sonarr)
    for key in (downloaders.radarr.api_key, downloaders.sonarr.api_key):
        assert str(key) not in str(radarr + sonarr)


async def test_settings_are_for_admins_only(downloaders: Downloaders) -> None:
    for kind in ("radarr", "sonarr"):
        response = await downloaders.world.get(f"/settings/{kind}", downloaders.world.alice)
        assert response.status_code == 403


async def test_services_list_the_servers_with_their_active_profile(
    downloaders: Downloaders,
) -> None:
    radarr = await downloaders.world.json("/service/radarr")
    sonarr = await downloaders.world.json("/service/sonarr")

    assert radarr == [
        {"id": 0, "name": "Radarr", "is4k": False, "isDefault": True,
         "activeDirectory": "/movies", "activeProfileId": 4, "activeTags": []}
    ]  # fmt: skip
    assert [s["id"] for s in sonarr] == [0, 1]
    assert (sonarr[0]["activeLanguageProfileId"], sonarr[0]["activeAnimeProfileId"]) == (1, 4)


async def test_a_server_lists_its_profiles_folders_languages_and_tags(
    downloaders: Downloaders,
) -> None:
    downloaders.sonarr.tags.append({"id": 3, "label": "requestbot"})

    detail = await downloaders.world.json("/service/sonarr/1")

    assert (detail["server"]["id"], detail["server"]["is4k"]) == (1, True)
    assert [p["name"] for p in detail["profiles"]][:2] == ["Any", "SD"]
    assert detail["rootFolders"][0] == {
        "id": 1, "freeSpace": 1_250_000_000_000, "path": "/tv", "totalSpace": 4_000_000_000_000,
    }  # fmt: skip
    assert [p["name"] for p in detail["languageProfiles"]] == ["English", "Original"]
    assert detail["tags"] == [{"id": 3, "label": "requestbot"}]
    assert "languageProfiles" not in await downloaders.world.json("/service/radarr/0")


async def test_sonarr_v4_has_no_language_profiles(downloaders: Downloaders) -> None:
    downloaders.sonarr.language_profiles = False

    detail = await downloaders.world.json("/service/sonarr/0")

    assert detail["languageProfiles"] is None


@pytest.mark.parametrize("path", ["/service/radarr/1", "/service/sonarr/2", "/service/radarr/x"])
async def test_an_unknown_server_is_404(downloaders: Downloaders, path: str) -> None:
    response = await downloaders.world.get(path)

    assert response.status_code == 404
    assert response.json()["message"].endswith("server with provided ID does not exist.")


async def test_what_a_server_offers_is_read_once_for_five_minutes(
    downloaders: Downloaders,
) -> None:
    await downloaders.world.json("/service/radarr/0")
    first = downloaders.radarr.calls["GET /api/v3/tag"]
    await downloaders.world.json("/service/radarr/0")
    await downloaders.world.json("/settings/radarr")
    await downloaders.world.json("/service/radarr")
    cached = downloaders.radarr.calls["GET /api/v3/tag"]
    downloaders.world.ticks.now += 301
    await downloaders.world.json("/service/radarr/0")

    assert (first, cached, downloaders.radarr.calls["GET /api/v3/tag"]) == (1, 1, 2)


async def test_a_server_that_does_not_answer_is_503_and_the_lists_still_answer(
    downloaders: Downloaders,
) -> None:
    downloaders.radarr.fail(times=100, status=503)  # not an outage: its port may be reused

    response = await downloaders.world.get("/service/radarr/0")
    listed = await downloaders.world.json("/service/radarr")

    assert response.status_code == 503
    assert response.json() == {"message": "Radarr is not reachable right now."}
    assert (listed[0]["id"], listed[0]["activeProfileId"]) == (0, None)
