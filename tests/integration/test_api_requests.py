"""The REST API's request routes: Seerr's shapes (the keys strict clients need), paging,
filters, counts, and POST /request's codes and acting users (SEERR_API.md §1, §4, §6)."""

from __future__ import annotations

import asyncio
import math
import re
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.api.media_info import media_info_lookup
from core import chat, requests
from core.domain import RequestStatus
from core.events import EventKind, EventPayload
from core.identity import QuotaLimits, User
from core.media import MediaStatus, MediaType
from core.permissions import Permission
from tests.api_world import ApiWorld
from tests.world_db import event_kinds

S, M = RequestStatus, MediaStatus
STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
USER_KEYS = {
    "id", "email", "avatar", "username", "plexUsername", "plexId", "jellyfinUsername",
    "jellyfinUserId", "movieQuotaLimit", "movieQuotaDays", "tvQuotaLimit", "tvQuotaDays",
    "createdAt", "updatedAt", "requestCount", "displayName", "permissions",
    "recoveryLinkExpirationDate", "userType", "warnings",
}  # fmt: skip
MEDIA_KEYS = {
    "id", "tmdbId", "tvdbId", "imdbId", "mediaType", "status", "status4k", "createdAt",
    "updatedAt", "mediaAddedAt", "serviceId", "externalServiceId", "serviceUrl",
    "jellyfinMediaId",
}  # fmt: skip
REQUEST_KEYS = {
    "id", "status", "createdAt", "updatedAt", "is4k", "requestedBy", "modifiedBy", "media",
    "type", "seasons", "seasonCount", "serverId", "profileId", "rootFolder",
    "languageProfileId", "tags", "isAutoRequest", "canRemove",
}  # fmt: skip
NOT_NULL_USER = {"avatar", "createdAt", "email", "id", "permissions", "requestCount"}
NOT_NULL_USER |= {"updatedAt", "userType", "displayName"}


def check_user(user: dict[str, Any]) -> None:
    assert user.keys() >= USER_KEYS
    assert all(user[k] is not None for k in NOT_NULL_USER)
    assert STAMP.match(user["createdAt"])
    assert STAMP.match(user["updatedAt"])


def check_request(request: dict[str, Any]) -> None:
    assert request.keys() >= REQUEST_KEYS
    assert request["media"].keys() >= MEDIA_KEYS
    assert "requests" not in request["media"]
    assert STAMP.match(request["createdAt"])
    assert STAMP.match(request["media"]["updatedAt"])
    check_user(request["requestedBy"])
    if request["modifiedBy"] is not None:
        check_user(request["modifiedBy"])
    for season in request["seasons"]:
        assert {"id", "seasonNumber", "status", "createdAt", "updatedAt"} <= season.keys()
        assert all(v is not None for k, v in season.items() if k != "status4k")


async def test_a_request_has_every_key_strict_clients_need(api_world: ApiWorld) -> None:
    made = await api_world.post("/request", {"mediaType": "tv", "mediaId": 1396, "seasons": [1, 2]})
    assert made.status_code == 201
    check_request(made.json())
    assert made.json()["seasonCount"] == 2
    assert made.json()["modifiedBy"]["id"] == 1
    listed = (await api_world.get("/request")).json()
    assert set(listed["pageInfo"]) == {"pages", "pageSize", "results", "page"}
    check_request(listed["results"][0])
    assert "settings" not in listed["results"][0]["requestedBy"]
    assert (await api_world.get(f"/request/{made.json()['id']}")).json() == made.json()


async def many(world: ApiWorld, count: int, who: User | None = None) -> list[int]:
    return [await world.seed(who or world.alice, 10_000 + n) for n in range(count)]


async def seeded(world: ApiWorld) -> dict[int | None, list[int]]:
    """37 requests of alice's and 5 of bob's (once per test), newest first, by requester
    (None: everyone's)."""
    alice, bob = world.alice.id, world.bob.id
    if not (await world.get("/request", take=1)).json()["pageInfo"]["results"]:
        await many(world, 37)
        await many(world, 5, world.bob)
    everyone = (await world.get("/request", take=1000)).json()["results"]
    ids = [r["id"] for r in everyone]
    by = {alice: [r["id"] for r in everyone if r["requestedBy"]["id"] == alice]}
    by[bob] = [r["id"] for r in everyone if r["requestedBy"]["id"] == bob]
    return {None: ids, **by, world.admin.id: []}


WHO = st.sampled_from(["alice", "bob", "admin", None])
QUICK = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@QUICK
@given(take=st.integers(1, 45), who=WHO)
async def test_pages_follow_skip_and_together_hold_every_request_once(
    api_world: ApiWorld, take: int, who: str | None
) -> None:
    user = getattr(api_world, who) if who else None
    expected = (await seeded(api_world))[user.id if user else None]
    narrow = {"requestedBy": user.id} if user else {}
    seen: list[int] = []
    for skip in range(0, max(1, len(expected)), take):
        page = (await api_world.get("/request", take=take, skip=skip, **narrow)).json()
        assert page["pageInfo"] == {
            "pages": math.ceil(len(expected) / take),
            "pageSize": take,
            "results": len(expected),
            "page": math.ceil(skip / take) + 1,
        }
        seen += [r["id"] for r in page["results"]]
    assert seen == expected
    assert len(set(seen)) == len(seen)


@QUICK
@given(take=st.integers(1, 50), skip=st.integers(0, 60))
async def test_any_skip_gives_the_requests_from_there_and_its_page_number(
    api_world: ApiWorld, take: int, skip: int
) -> None:
    expected = (await seeded(api_world))[None]
    page = (await api_world.get("/request", take=take, skip=skip)).json()
    assert [r["id"] for r in page["results"]] == expected[skip : skip + take]
    assert page["pageInfo"]["page"] == math.ceil(skip / take) + 1
    assert page["pageInfo"]["pages"] == math.ceil(len(expected) / take)


async def test_a_huge_take_gives_everything_in_one_page(api_world: ApiWorld) -> None:
    ids = await many(api_world, 12)
    page = (await api_world.get("/request", take=2147483647)).json()
    assert [r["id"] for r in page["results"]] == ids[::-1]
    assert page["pageInfo"] == {"pages": 1, "pageSize": 2147483647, "results": 12, "page": 1}
    assert (await api_world.get("/request")).json()["pageInfo"]["pageSize"] == 10


async def test_the_nine_filters_pick_requests_and_titles_as_seerr_does(
    api_world: ApiWorld,
) -> None:
    alice = api_world.alice
    made = {
        "pending": await api_world.seed(alice, 1, status=S.PENDING),
        "processing": await api_world.seed(alice, 2, status=S.APPROVED, media_status=M.PROCESSING),
        "approved_available": await api_world.seed(
            alice, 3, status=S.APPROVED, media_status=M.AVAILABLE
        ),
        "declined": await api_world.seed(alice, 4, status=S.DECLINED),
        "failed": await api_world.seed(alice, 5, status=S.FAILED),
        "available": await api_world.seed(alice, 6, status=S.COMPLETED, media_status=M.AVAILABLE),
        "deleted": await api_world.seed(alice, 7, status=S.COMPLETED, media_status=M.DELETED),
        "4k_processing": await api_world.seed(
            alice, 8, status=S.APPROVED, media_status=M.AVAILABLE, is_4k=True
        ),
    }  # fmt: skip
    expected = {
        "approved": {"processing", "approved_available", "4k_processing"},
        "processing": {"processing"},
        "pending": {"pending"},
        "unavailable": {"pending", "processing"},
        "failed": {"failed"},
        "available": {"available"},
        "completed": {"available", "deleted"},
        "deleted": {"deleted"},
        "all": set(made),
        "whatever": set(made),
    }
    # the 4K request's 4K status is AVAILABLE, its regular one UNKNOWN
    expected["processing"].discard("4k_processing")
    expected["unavailable"].discard("4k_processing")
    for name, wanted in expected.items():
        page = (await api_world.get("/request", filter=name, take=50)).json()
        got = {r["id"] for r in page["results"]}
        assert got == {made[k] for k in wanted}, name
        assert page["pageInfo"]["results"] == len(wanted)
    counts = (await api_world.get("/request/count")).json()
    assert counts == {
        "total": 8, "movie": 8, "tv": 0, "pending": 1, "approved": 3, "declined": 1,
        "processing": 1, "available": 2, "completed": 2,
    }  # fmt: skip


async def test_sorting_by_change_type_and_requester(api_world: ApiWorld) -> None:
    first = await api_world.seed(api_world.alice, 1)
    second = await api_world.seed(api_world.bob, 2, MediaType.TV, seasons=(1,))
    third = await api_world.seed(api_world.alice, 3)
    api_world.clock.advance(minutes=5)
    await requests.approve_request(api_world.services, 1, first)

    def ids(page: Any) -> list[int]:
        return [r["id"] for r in page.json()["results"]]

    assert ids(await api_world.get("/request")) == [third, second, first]
    assert ids(await api_world.get("/request", sortDirection="asc")) == [first, second, third]
    assert ids(await api_world.get("/request", sort="modified")) == [first, third, second]
    assert ids(await api_world.get("/request", sort="added", sortDirection="asc")) == [
        first, second, third,
    ]  # fmt: skip
    assert ids(await api_world.get("/request", mediaType="tv")) == [second]
    assert ids(await api_world.get("/request", requestedBy=api_world.alice.id)) == [third, first]


async def test_users_without_view_rights_see_only_their_own(api_world: ApiWorld) -> None:
    own = await api_world.seed(api_world.alice, 1)
    await api_world.seed(api_world.bob, 2)
    mine = await api_world.get("/request", user=api_world.alice)
    assert [r["id"] for r in mine.json()["results"]] == [own]
    other = await api_world.get("/request", user=api_world.alice, requestedBy=api_world.bob.id)
    assert other.status_code == 403
    viewer = await api_world.user("viewer", Permission.REQUEST | Permission.REQUEST_VIEW)
    assert len((await api_world.get("/request", user=viewer)).json()["results"]) == 2


async def test_post_request_answers_201_202_403_and_409_as_seerr(api_world: ApiWorld) -> None:
    alice = api_world.alice
    movie = {"mediaType": "movie", "mediaId": 603}
    made = await api_world.post("/request", movie, user=alice)
    assert made.status_code == 201
    assert made.json()["status"] == S.PENDING
    again = await api_world.post("/request", movie, user=api_world.bob)
    assert again.status_code == 409
    assert again.json()["message"] == "Request for this media already exists."
    show = {"mediaType": "tv", "mediaId": 1396, "seasons": "all"}
    assert (await api_world.post("/request", show, user=alice)).status_code == 201
    nothing = await api_world.post("/request", show, user=api_world.bob)
    assert nothing.status_code == 202
    assert nothing.json() == {"message": "No seasons available to request"}
    guest = await api_world.user("guest", Permission.NONE)
    refused = await api_world.post("/request", {"mediaType": "movie", "mediaId": 550}, user=guest)
    assert refused.status_code == 403
    assert "permission" in refused.json()["message"]
    await set_quota(api_world, alice.id, QuotaLimits(movie_limit=1, movie_days=7))
    over = await api_world.post("/request", {"mediaType": "movie", "mediaId": 550}, user=alice)
    assert over.status_code == 403
    assert over.json()["message"] == "Movie Quota exceeded."
    unknown = await api_world.post("/request", {"mediaType": "movie", "mediaId": 999999})
    assert unknown.status_code == 404


async def set_quota(world: ApiWorld, user_id: int, quota: QuotaLimits) -> None:
    async with world.services.uow() as uow:
        await uow.users.set_quota(user_id, quota, world.clock.now())
        await uow.commit()


async def test_body_user_id_credits_the_target_while_the_actor_approves(
    api_world: ApiWorld,
) -> None:
    alice = api_world.alice
    await set_quota(api_world, alice.id, QuotaLimits(movie_limit=1, movie_days=7))
    body = {"mediaType": "movie", "mediaId": 603, "userId": alice.id}
    made = (await api_world.post("/request", body)).json()
    assert made["requestedBy"]["id"] == alice.id
    assert made["modifiedBy"]["id"] == 1
    assert made["status"] == S.APPROVED  # the admin key's auto-approval
    over = await api_world.post("/request", {**body, "mediaId": 550})
    assert over.status_code == 403  # alice's quota, not the admin's
    assert over.json()["message"] == "Movie Quota exceeded."
    # X-Api-User: alice's own rights, no auto-approval, no modifier
    await set_quota(api_world, alice.id, QuotaLimits())
    own = (
        await api_world.post("/request", {"mediaType": "movie", "mediaId": 550}, user=alice)
    ).json()
    assert (own["status"], own["modifiedBy"]) == (S.PENDING, None)
    # body userId needs MANAGE_USERS and MANAGE_REQUESTS (Seerr's "and")
    mod = await api_world.user("mod", Permission.MANAGE_REQUESTS | Permission.REQUEST)
    refused = await api_world.post("/request", {**body, "mediaId": 27205}, user=mod)
    assert refused.status_code == 403
    manager = await api_world.user("mgr", Permission.MANAGE_REQUESTS | Permission.MANAGE_USERS)
    moved = await api_world.post("/request", {**body, "mediaId": 27205}, user=manager)
    assert moved.status_code == 201
    assert (moved.json()["requestedBy"]["id"], moved.json()["modifiedBy"]["id"]) == (
        alice.id, manager.id,
    )  # fmt: skip


def what_changed(payload: EventPayload) -> EventPayload:
    """An event's payload without what names the request and its title."""
    return replace(
        payload,
        request_id=0,
        tmdb_id=0,
        title="",
        year=None,
        poster_path=None,
        overview="",
        requested_by_id=0,
        requested_by_name="",
    )


async def test_a_chat_request_shows_at_once_and_an_api_approval_is_a_chat_approval(
    api_world: ApiWorld,
) -> None:
    services = api_world.services
    chat = await requests.create_request(services, api_world.alice.id, 603, MediaType.MOVIE)
    assert chat.request is not None
    listed = (await api_world.get("/request", filter="pending")).json()["results"]
    assert [r["id"] for r in listed] == [chat.request.id]
    approved = await api_world.post(f"/request/{chat.request.id}/approve")
    assert approved.status_code == 200
    assert approved.json()["status"] == S.APPROVED
    other = await requests.create_request(services, api_world.bob.id, 550, MediaType.MOVIE)
    assert other.request is not None
    await requests.approve_request(services, 1, other.request.id)
    kinds = await event_kinds(services)
    assert kinds == [EventKind.PENDING, EventKind.APPROVED, EventKind.PENDING, EventKind.APPROVED]
    async with services.uow(write=False) as uow:
        by_api, by_chat = await uow.events.get(2), await uow.events.get(4)
    assert by_api is not None
    assert by_chat is not None
    assert (by_api.payload.actor_id, by_api.payload.status) == (1, RequestStatus.APPROVED)
    assert what_changed(by_api.payload) == what_changed(by_chat.payload)
    again = await api_world.post(f"/request/{chat.request.id}/approve")
    assert again.status_code == 409
    as_alice = await api_world.post(f"/request/{other.request.id}/decline", user=api_world.alice)
    assert as_alice.status_code == 403


async def test_decline_retry_delete_and_put_of_a_request(api_world: ApiWorld) -> None:
    pending = await api_world.seed(api_world.alice, 1)
    declined = await api_world.post(f"/request/{pending}/decline")
    assert declined.json()["status"] == S.DECLINED
    failed = await api_world.seed(api_world.alice, 2, status=S.FAILED)
    assert (await api_world.post(f"/request/{failed}/retry")).json()["status"] == S.APPROVED
    own = await api_world.seed(api_world.bob, 3)
    same = await api_world.http.put(
        f"/api/v1/request/{own}",
        json={"mediaType": "movie", "userId": api_world.bob.id},
        headers=api_world.headers(),
    )
    assert same.status_code == 200
    # Requestrr's follow-up to a request it made for a user: the server and profile are
    # taken (and not used: the configured downloader is), the request stays as it was.
    routed = await api_world.http.put(
        f"/api/v1/request/{own}",
        json={"serverId": 0, "profileId": 4, "rootFolder": "/m", "tags": [2], "userId": 3},
        headers=api_world.headers(),
    )
    assert routed.status_code == 200
    assert routed.json()["id"] == own
    moved = await api_world.http.put(
        f"/api/v1/request/{own}", json={"userId": api_world.alice.id}, headers=api_world.headers()
    )
    assert moved.status_code == 400
    assert moved.json()["errors"] == ["userId"]
    not_hers = await api_world.http.delete(
        f"/api/v1/request/{own}", headers=api_world.headers(api_world.alice)
    )
    assert not_hers.status_code == 403
    gone = await api_world.http.delete(
        f"/api/v1/request/{own}", headers=api_world.headers(api_world.bob)
    )
    assert gone.status_code == 204
    assert (await api_world.get(f"/request/{own}")).status_code == 404


async def test_no_season_asked_is_nothing_to_request_and_a_movie_has_none(
    api_world: ApiWorld,
) -> None:
    # Requestrr's "future seasons only" sends no season: Seerr answers 202, nothing made.
    future = await api_world.post("/request", {"mediaType": "tv", "mediaId": 1396, "seasons": []})
    assert (future.status_code, future.json()) == (
        202,
        {"message": "No seasons available to request"},
    )
    assert (await api_world.get("/request/count")).json()["total"] == 0
    # Seasons sent with a movie are passed over, as Seerr does.
    movie = await api_world.post("/request", {"mediaType": "movie", "mediaId": 603, "seasons": []})
    assert movie.status_code == 201
    assert movie.json()["seasons"] == []


@pytest.mark.parametrize("chats", [0, 6])
async def test_concurrent_requests_never_exceed_a_quota(api_world: ApiWorld, chats: int) -> None:
    alice = api_world.alice
    await set_quota(api_world, alice.id, QuotaLimits(movie_limit=3, movie_days=7))
    titles = [603, 604, 605, 624860, 550, 27205, 194, 129, 10228, 447404, 342521, 35]
    api_calls = [
        api_world.post("/request", {"mediaType": "movie", "mediaId": t}, user=alice)
        for t in titles[chats:]
    ]
    chat_calls = [
        chat.request_title(api_world.services, alice.id, t, MediaType.MOVIE) for t in titles[:chats]
    ]
    results = await asyncio.gather(*api_calls, *chat_calls, return_exceptions=True)
    assert results
    counts = (await api_world.get("/request", take=100)).json()["pageInfo"]["results"]
    assert counts == 3


async def test_the_media_info_lookup_gives_seerrs_media_info(api_world: ApiWorld) -> None:
    made = await api_world.post("/request", {"mediaType": "tv", "mediaId": 1396, "seasons": [1]})
    assert made.status_code == 201
    lookup = media_info_lookup(api_world.services)
    keys = [(1396, MediaType.TV), (603, MediaType.MOVIE)]
    short = await lookup(keys, False)
    assert list(short) == [(1396, MediaType.TV)]
    info = short[(1396, MediaType.TV)]
    assert info.keys() >= MEDIA_KEYS
    assert "requests" not in info
    assert "seasons" not in info
    detailed = (await lookup(keys, True))[(1396, MediaType.TV)]
    assert [(s["seasonNumber"], s["status"]) for s in detailed["seasons"]] == [(1, 3)]
    (request,) = detailed["requests"]
    check_request({**request, "media": info})
    assert request["requestedBy"]["id"] == 1
    assert [s["seasonNumber"] for s in request["seasons"]] == [1]
