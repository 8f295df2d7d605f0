"""The REST API's key check, acting user and failure limit (SEERR_API.md §1)."""

from __future__ import annotations

import pytest

from core.permissions import Permission
from tests.api_world import KEY, ApiWorld

FORBIDDEN = {"status": 403, "error": "You do not have permission to access this endpoint"}


@pytest.mark.parametrize("path", ["/status", "/status/appdata", "/settings/public"])
async def test_public_routes_need_no_key_and_ignore_a_wrong_one(
    api_world: ApiWorld, path: str
) -> None:
    bare = await api_world.http.get(f"/api/v1{path}")
    wrong = await api_world.http.get(f"/api/v1{path}", headers={"X-Api-Key": "nope"})
    assert bare.status_code == wrong.status_code == 200


async def test_a_missing_key_is_401_and_a_wrong_one_403(api_world: ApiWorld) -> None:
    missing = await api_world.http.get("/api/v1/request/count")
    wrong = await api_world.http.get("/api/v1/request/count", headers={"X-Api-Key": "x" + KEY})
    assert missing.status_code == 401
    assert wrong.status_code == 403
    assert wrong.json() == FORBIDDEN


@pytest.mark.parametrize("name", ["X-Api-Key", "X-API-Key", "x-api-key", "X-API-KEY"])
async def test_the_key_header_is_read_in_any_case(api_world: ApiWorld, name: str) -> None:
    answer = await api_world.http.get("/api/v1/request/count", headers={name: KEY})
    assert answer.status_code == 200


async def test_the_key_alone_acts_as_user_one_and_x_api_user_as_that_user(
    api_world: ApiWorld,
) -> None:
    assert (await api_world.get("/settings/main")).status_code == 200
    as_alice = await api_world.get("/settings/main", user=api_world.alice)
    assert as_alice.status_code == 403
    assert as_alice.json() == FORBIDDEN
    own = await api_world.get(f"/user/{api_world.alice.id}", user=api_world.alice)
    assert own.status_code == 200
    other = await api_world.get(f"/user/{api_world.bob.id}", user=api_world.alice)
    assert other.status_code == 403


@pytest.mark.parametrize("header", ["999", "abc", "-1", "99999999999999999999"])
async def test_an_unknown_x_api_user_is_refused_on_protected_routes(
    api_world: ApiWorld, header: str
) -> None:
    headers = {"X-Api-Key": KEY, "X-Api-User": header}
    refused = await api_world.http.get("/api/v1/request", headers=headers)
    public = await api_world.http.get("/api/v1/status", headers=headers)
    assert refused.status_code == 403
    assert refused.json() == FORBIDDEN
    assert public.status_code == 200
    # POST /request finds its actor inside the create's transaction: the same answer, and
    # nothing written.
    body = {"mediaType": "movie", "mediaId": 603}
    create = await api_world.http.post("/api/v1/request", headers=headers, json=body)
    assert create.status_code == 403
    assert create.json() == FORBIDDEN
    assert (await api_world.get("/request/count")).json()["total"] == 0


async def test_without_user_one_the_lowest_admin_is_the_key_holder(api_world: ApiWorld) -> None:
    async with api_world.services.uow() as uow:
        await uow.users.set_permissions(1, Permission.REQUEST, api_world.clock.now())
        await uow.commit()
    assert (await api_world.get("/settings/main")).status_code == 403
    boss = await api_world.user("boss", Permission.ADMIN)
    me = await api_world.get(f"/user/{boss.id}")
    assert me.status_code == 200
    assert (await api_world.get("/settings/main")).status_code == 200


async def test_ten_failures_a_minute_lock_an_address_out_until_they_age(
    api_world: ApiWorld,
) -> None:
    for _ in range(10):
        answer = await api_world.http.get("/api/v1/request", headers={"X-Api-Key": "bad"})
        assert answer.status_code == 403
    locked = await api_world.get("/request")
    assert locked.status_code == 429
    assert 1 <= int(locked.headers["Retry-After"]) <= 60
    api_world.ticks.now += 61
    assert (await api_world.get("/request")).status_code == 200


async def test_calls_without_a_key_guess_nothing_and_lock_nobody_out(api_world: ApiWorld) -> None:
    for _ in range(20):  # a browser or a probe behind the same address as the tools
        assert (await api_world.http.get("/api/v1/request")).status_code == 401
    assert (await api_world.get("/request")).status_code == 200


async def test_an_empty_x_api_user_names_nobody_and_the_key_holder_acts(
    api_world: ApiWorld,
) -> None:
    answer = await api_world.http.get(
        "/api/v1/settings/main", headers={"X-Api-Key": KEY, "X-Api-User": " "}
    )
    assert answer.status_code == 200  # the admin account's page


async def test_no_response_carries_a_traceback_or_a_500_for_bad_input(
    api_world: ApiWorld,
) -> None:
    bad = [
        await api_world.get("/request", take="-1"),
        await api_world.get("/request", skip="x"),
        await api_world.get("/request/abc"),
        await api_world.get("/user/0"),
        await api_world.post("/request", {"mediaType": "book", "mediaId": 1}),
        await api_world.post("/request", {"mediaType": "movie"}),
        await api_world.post("/request", [1, 2]),
        await api_world.http.post(
            "/api/v1/request", content=b"{not json", headers=api_world.headers()
        ),
    ]
    assert [b.status_code for b in bad] == [400] * len(bad)
    for answer in bad:
        assert "Traceback" not in answer.text
        assert answer.json()["errors"]
    assert bad[-1].json()["errors"] == ["body"]  # no JSON at all: the body, not a position
    assert (bad[4].json()["errors"], bad[5].json()["errors"]) == (["mediaType"], ["mediaId"])
    assert (await api_world.get("/request/77")).json() == {
        "message": "Request not found.",
        "errors": [],
    }
    assert (await api_world.get("/user/77")).json()["message"] == "User not found."
