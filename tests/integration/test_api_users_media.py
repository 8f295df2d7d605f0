"""The REST API's user, media, status and settings routes (SEERR_API.md §2, §5, §6)."""

from __future__ import annotations

from core.domain import RequestStatus
from core.identity import Identity, QuotaLimits
from core.media import MediaStatus, MediaType
from core.permissions import Permission
from tests.api_world import KEY, ApiWorld


async def test_users_are_listed_by_id_without_settings_and_sorted_or_searched(
    api_world: ApiWorld,
) -> None:
    await api_world.seed(api_world.bob, 1)
    await api_world.seed(api_world.bob, 2)
    await api_world.seed(api_world.alice, 3)
    page = (await api_world.get("/user")).json()
    assert [u["id"] for u in page["results"]] == [1, 2, 3]
    assert all("settings" not in u for u in page["results"])
    assert page["pageInfo"] == {"pages": 1, "pageSize": 10, "results": 3, "page": 1}
    by_requests = (await api_world.get("/user", sort="requests")).json()["results"]
    assert [(u["displayName"], u["requestCount"]) for u in by_requests] == [
        ("bob", 2), ("alice", 1), ("admin", 0),
    ]  # fmt: skip
    named = (await api_world.get("/user", sort="displayname")).json()["results"]
    assert [u["displayName"] for u in named] == ["admin", "alice", "bob"]
    found = (await api_world.get("/user", q="LIC")).json()
    assert [u["displayName"] for u in found["results"]] == ["alice"]
    one = (await api_world.get("/user", take=1, skip=2)).json()
    assert one["pageInfo"] == {"pages": 3, "pageSize": 1, "results": 3, "page": 3}
    assert (await api_world.get("/user", user=api_world.alice)).status_code == 403


async def test_a_user_shows_chat_identities_as_discord_and_telegram_settings(
    api_world: ApiWorld,
) -> None:
    alice = api_world.alice
    async with api_world.services.uow() as uow:
        await uow.users.add_identity(alice.id, Identity("telegram", "4242"))
        await uow.users.add_identity(alice.id, Identity("discord", "777"))
        await uow.commit()
    expected = {"discordId": "alice", "discordIds": ["alice", "777"], "telegramChatId": "4242"}
    for viewer in (None, alice):  # the admin (the key alone), and alice herself
        settings = (await api_world.json(f"/user/{alice.id}", viewer))["settings"]
        assert {key: settings[key] for key in expected} == expected
    other = await api_world.get(f"/user/{alice.id}", api_world.bob)  # no MANAGE_USERS
    assert other.status_code == 403
    assert "4242" not in other.text
    notes = (await api_world.get(f"/user/{alice.id}/settings/notifications")).json()
    assert (notes["discordId"], notes["telegramChatId"]) == ("alice", "4242")
    assert notes["discordEnabled"]
    assert notes["telegramEnabled"]


async def test_a_users_requests_quota_and_permissions(api_world: ApiWorld) -> None:
    alice = api_world.alice
    first = await api_world.seed(alice, 1)
    second = await api_world.seed(alice, 2, MediaType.TV, seasons=(1, 2))
    page = (await api_world.get(f"/user/{alice.id}/requests")).json()
    assert [r["id"] for r in page["results"]] == [second, first]
    assert page["pageInfo"]["pageSize"] == 20
    assert (await api_world.get("/user/99/requests")).status_code == 404
    async with api_world.services.uow() as uow:
        await uow.users.set_quota(alice.id, QuotaLimits(2, 7, 5, 7), api_world.clock.now())
        await uow.commit()
    quota = (await api_world.get(f"/user/{alice.id}/quota")).json()
    assert quota == {
        "movie": {"days": 7, "limit": 2, "used": 1, "remaining": 1, "restricted": False},
        "tv": {"days": 7, "limit": 5, "used": 2, "remaining": 3, "restricted": False},
    }
    path = f"/user/{alice.id}/settings/permissions"
    assert (await api_world.get(path)).json() == {"permissions": int(Permission.REQUEST)}
    wanted = int(Permission.REQUEST | Permission.AUTO_APPROVE)
    assert (await api_world.post(path, {"permissions": wanted})).json() == {"permissions": wanted}
    assert (await api_world.get(path, user=api_world.alice)).status_code == 403
    bad = await api_world.post(path, {"permissions": 1})
    assert bad.status_code == 400
    mod = await api_world.user("mod", Permission.MANAGE_USERS)
    grab = await api_world.post(f"/user/{mod.id}/settings/permissions", {"permissions": 2}, mod)
    assert grab.status_code == 403


async def test_media_are_listed_filtered_and_forgotten(api_world: ApiWorld) -> None:
    await api_world.seed(api_world.alice, 1, media_status=MediaStatus.AVAILABLE)
    await api_world.seed(api_world.alice, 2, media_status=MediaStatus.PARTIALLY_AVAILABLE)
    await api_world.seed(api_world.alice, 3, status=RequestStatus.PENDING)
    listed = (await api_world.get("/media")).json()
    assert [m["tmdbId"] for m in listed["results"]] == [3, 2, 1]
    assert listed["pageInfo"]["results"] == 3
    filters = {"available": [1], "partial": [2], "allavailable": [2, 1], "deleted": []}
    for name, tmdb_ids in filters.items():
        page = (await api_world.get("/media", filter=name)).json()
        assert [m["tmdbId"] for m in page["results"]] == tmdb_ids, name
    media_id = listed["results"][2]["id"]
    refused = await api_world.http.delete(
        f"/api/v1/media/{media_id}", headers=api_world.headers(api_world.alice)
    )
    assert refused.status_code == 403
    forgot = await api_world.http.delete(f"/api/v1/media/{media_id}", headers=api_world.headers())
    assert forgot.status_code == 204
    after = (await api_world.get("/media", filter="available")).json()
    assert after["results"] == []
    missing = await api_world.http.delete("/api/v1/media/999", headers=api_world.headers())
    assert missing.status_code == 404


async def test_status_and_settings_have_seerrs_fields(api_world: ApiWorld) -> None:
    status = (await api_world.http.get("/api/v1/status")).json()
    assert status == {
        "version": "1.2.3",
        "commitTag": "1.2.3",
        "updateAvailable": False,
        "commitsBehind": 0,
        "restartRequired": False,
    }
    public = (await api_world.http.get("/api/v1/settings/public")).json()
    assert public["applicationTitle"] == "requestbot"
    main = (await api_world.get("/settings/main")).json()
    assert main["apiKey"] == KEY
    assert main["partialRequestsEnabled"] is True
    assert (await api_world.get("/settings/about")).json()["version"] == "1.2.3"
