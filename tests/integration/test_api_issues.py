"""The REST API's issue routes on the whole API over a real database (a SQLite file, then
PostgreSQL when TEST_DATABASE_URL is set): Seerr's shapes, its permissions and words,
paging, filters and sorts, the codes of refused reports and unknown ids, and a title's
issues in its details' mediaInfo (SEERR_API.md rows 13-14, §4, §6)."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from core import issues
from core.events import EventKind
from core.identity import User
from core.issue_values import IssueStatus, IssueType
from core.media import MediaDetails, MediaStatus, MediaType
from core.permissions import Permission
from tests.api_world import ApiWorld, api_over
from tests.fake_tmdb import FakeTmdb
from tests.integration.test_api_requests import MEDIA_KEYS, STAMP, check_user
from tests.storage_fixtures import Storage
from tests.world_db import event_kinds

FORBIDDEN = {"status": 403, "error": "You do not have permission to access this endpoint"}
ISSUE_KEYS = {
    "id", "issueType", "status", "problemSeason", "problemEpisode", "createdAt", "updatedAt",
    "createdBy", "media", "modifiedBy", "comments",
}  # fmt: skip
COMMENT_KEYS = {"id", "message", "createdAt", "updatedAt", "user"}
REPORTER = Permission.REQUEST | Permission.CREATE_ISSUES
MATRIX, FIGHT_CLUB, INCEPTION, BREAKING_BAD = 603, 550, 27205, 1396
GAME_OF_THRONES = 1399


@dataclass
class Issues:
    """The API, titles on the server (media ids), and who may do what with issues."""

    api: ApiWorld
    matrix: int
    fight_club: int
    breaking_bad: int
    alice: User  # reports (CREATE_ISSUES)
    bob: User  # reports too
    carol: User  # sees everyone's (VIEW_ISSUES), reports none
    dan: User  # manages them (MANAGE_ISSUES)
    eve: User  # requests only: no issue permission

    async def report(
        self, who: User, media_id: int | None = None, text: str = "No sound", **more: Any
    ) -> httpx.Response:
        body = {"issueType": 2, "message": text, "mediaId": media_id or self.matrix} | more
        return await self.api.post("/issue", body, who)

    async def reported(self, who: User, media_id: int | None = None, **more: Any) -> Any:
        made = await self.report(who, media_id, **more)
        assert made.status_code == 200, made.text
        return made.json()

    async def send(self, method: str, path: str, who: User, body: Any = None) -> httpx.Response:
        return await self.api.http.request(
            method, f"/api/v1{path}", json=body, headers=self.api.headers(who)
        )


async def on_server(
    world: ApiWorld,
    tmdb_id: int,
    kind: MediaType = MediaType.MOVIE,
    status: MediaStatus = MediaStatus.AVAILABLE,
) -> int:
    """The id of the title's media row, available (or in ``status``)."""
    now = world.clock.now()
    details = MediaDetails(tmdb_id, kind, f"Title {tmdb_id}", 2000, "", None)
    async with world.services.uow() as uow:
        media = await uow.media.upsert(details, now)
        await uow.media.set_status(media.id, status, now)
        await uow.commit()
    return media.id


async def permitted(world: ApiWorld, user: User, permissions: Permission) -> User:
    async with world.services.uow() as uow:
        await uow.users.set_permissions(user.id, permissions, world.clock.now())
        await uow.commit()
        found = await uow.users.get(user.id)
    assert found is not None
    return found


@pytest.fixture
async def issue_world(storage: Storage, fake_tmdb: FakeTmdb) -> AsyncIterator[Issues]:
    async with api_over(storage, fake_tmdb) as world:
        yield Issues(
            world,
            await on_server(world, MATRIX),
            await on_server(world, FIGHT_CLUB),
            await on_server(world, BREAKING_BAD, MediaType.TV),
            await permitted(world, world.alice, REPORTER),
            await permitted(world, world.bob, REPORTER),
            await world.user("carol", Permission.VIEW_ISSUES),
            await world.user("dan", Permission.MANAGE_ISSUES),
            await world.user("eve", Permission.REQUEST),
        )


def check_issue(issue: dict[str, Any]) -> None:
    """Every key python-overseerr's Issue needs (and Seerr sends), the users whole."""
    assert issue.keys() == ISSUE_KEYS
    assert issue["media"].keys() >= MEDIA_KEYS
    assert {"seasons", "requests", "issues"}.isdisjoint(issue["media"])
    assert STAMP.match(issue["createdAt"])
    assert STAMP.match(issue["updatedAt"])
    check_user(issue["createdBy"])
    if issue["modifiedBy"] is not None:
        check_user(issue["modifiedBy"])
    for comment in issue["comments"]:
        assert comment.keys() == COMMENT_KEYS
        check_user(comment["user"])


async def test_a_report_answers_200_with_the_issue_in_seerrs_shape(
    issue_world: Issues,
) -> None:
    w = issue_world
    await w.api.seed(w.alice, 604)  # one request of alice's, which her user object counts

    made = await w.report(w.alice, text="  The sound drops out after an hour  ")

    assert made.status_code == 200, made.text
    issue = made.json()
    check_issue(issue)
    assert (issue["issueType"], issue["status"]) == (2, 1)
    assert (issue["problemSeason"], issue["problemEpisode"]) == (0, 0)
    assert (issue["media"]["id"], issue["media"]["tmdbId"]) == (w.matrix, MATRIX)
    assert (issue["media"]["mediaType"], issue["media"]["status"]) == ("movie", 5)
    assert issue["createdBy"]["id"] == w.alice.id
    assert issue["createdBy"]["requestCount"] == 1
    assert "settings" not in issue["createdBy"]
    assert issue["modifiedBy"] is None
    (comment,) = issue["comments"]
    assert comment["message"] == "The sound drops out after an hour"
    assert comment["user"]["displayName"] == "alice"
    assert (await w.api.get(f"/issue/{issue['id']}", w.alice)).json() == issue


async def test_a_show_is_reported_on_a_season_and_episode_it_has(issue_world: Issues) -> None:
    w = issue_world
    episode = await w.reported(w.alice, w.breaking_bad, problemSeason=2, problemEpisode=5)
    season = await w.reported(w.alice, w.breaking_bad, problemSeason=3, issueType=3)

    assert (episode["problemSeason"], episode["problemEpisode"]) == (2, 5)
    assert (season["problemSeason"], season["problemEpisode"], season["issueType"]) == (3, 0, 3)
    no_season = await w.report(w.alice, w.breaking_bad, problemSeason=9)
    assert no_season.status_code == 400
    assert no_season.json()["errors"] == ["problemSeason"]
    assert "no season 9" in no_season.json()["message"]
    no_episode = await w.report(w.alice, w.breaking_bad, problemSeason=2, problemEpisode=14)
    assert no_episode.status_code == 400
    assert no_episode.json() == {
        "message": "Invalid problemEpisode: season 2 has 13 episodes.",
        "errors": ["problemEpisode"],
    }
    movie_season = await w.report(w.alice, problemSeason=1)
    assert movie_season.json()["errors"] == ["problemSeason"]


async def test_a_refused_report_says_why(issue_world: Issues) -> None:
    w = issue_world
    pending = await on_server(w.api, INCEPTION, status=MediaStatus.PENDING)

    not_there = await w.report(w.alice, pending)
    unknown = await w.report(w.alice, 4242)
    bad_type = await w.report(w.alice, issueType=7)
    blank = await w.report(w.alice, text="   ")
    missing = await w.api.post("/issue", {"message": "x", "mediaId": w.matrix}, w.alice)

    assert not_there.status_code == 400
    assert "not on the server yet" in not_there.json()["message"]
    assert unknown.status_code == 404
    assert unknown.json() == {"message": "Media does not exist.", "errors": ["mediaId"]}
    assert (bad_type.status_code, bad_type.json()["errors"]) == (400, ["issueType"])
    assert (blank.status_code, blank.json()["errors"]) == (400, ["message"])
    assert (missing.status_code, missing.json()["errors"]) == (400, ["issueType"])
    for _ in range(5):
        await w.reported(w.alice)
    sixth = await w.report(w.alice)
    assert sixth.status_code == 400
    assert sixth.json()["message"].startswith("You already have 5 open issues on")
    assert (await w.report(w.bob)).status_code == 200  # the limit is per person


async def test_requestrr_reports_on_titles_only_the_library_scan_found(
    issue_world: Issues,
) -> None:
    # Rows as the library scan writes titles it has never seen: no request behind them.
    w = issue_world
    found = [
        (MediaDetails(INCEPTION, MediaType.MOVIE, "Inception", 2010, "", None),
         MediaStatus.AVAILABLE, {}),
        (MediaDetails(GAME_OF_THRONES, MediaType.TV, "Game of Thrones", 2011, "", None),
         MediaStatus.PARTIALLY_AVAILABLE, {1: MediaStatus.AVAILABLE}),
    ]  # fmt: skip
    async with w.api.services.uow() as uow:
        await uow.media.add_new(found, w.api.clock.now())
        await uow.commit()

    for path, tmdb_id in (
        (f"/movie/{INCEPTION}", INCEPTION),
        (f"/tv/{GAME_OF_THRONES}", GAME_OF_THRONES),
    ):
        # Requestrr: the title's mediaInfo.id, then a report with the key alone (no
        # X-Api-User, no season or episode), its user named in the words.
        info = (await w.api.json(path))["mediaInfo"]
        assert info["status"] in (4, 5)
        made = await w.api.http.post(
            "/api/v1/issue",
            content=(
                f'{{"issueType":1,"message":"Stutters\\n\\nIssue created by: ann",'
                f'"mediaId":{info["id"]}}}'
            ),
            headers={**w.api.headers(), "Content-Type": "application/json;charset=utf-8"},
        )
        assert made.status_code == 200, made.text
        issue = made.json()
        check_issue(issue)
        assert (issue["media"]["id"], issue["media"]["tmdbId"]) == (info["id"], tmdb_id)
        assert (issue["problemSeason"], issue["problemEpisode"]) == (0, 0)
        assert issue["comments"][0]["message"] == "Stutters\n\nIssue created by: ann"
        assert issue["createdBy"]["id"] == w.api.admin.id


async def test_who_reports_sees_and_lists_issues_is_seerrs_rule(issue_world: Issues) -> None:
    w = issue_world
    alices = await w.reported(w.alice)
    bobs = await w.reported(w.bob, w.fight_club)

    def ids(page: httpx.Response) -> list[int]:
        assert page.status_code == 200, page.text
        return [i["id"] for i in page.json()["results"]]

    # Without any issue permission: Seerr's permission check refuses every route but the count.
    for path in ("/issue", f"/issue/{alices['id']}"):
        answer = await w.api.get(path, w.eve)
        assert (answer.status_code, answer.json()) == (403, FORBIDDEN)
    assert (await w.report(w.eve)).json() == FORBIDDEN
    assert (await w.api.get("/issue/count", w.eve)).status_code == 200
    # A reporter sees their own issues only.
    assert ids(await w.api.get("/issue", w.bob)) == [bobs["id"]]
    assert ids(await w.api.get("/issue", w.bob, createdBy=w.bob.id)) == [bobs["id"]]
    for narrow in ({"createdBy": w.alice.id}, {"requestedBy": w.alice.id}):
        others = await w.api.get("/issue", w.bob, **narrow)
        assert others.status_code == 403
        assert others.json()["message"] == (
            "You do not have permission to view issues reported by other users"
        )
    refused = await w.api.get(f"/issue/{alices['id']}", w.bob)
    assert refused.status_code == 403
    assert refused.json()["message"] == "You do not have permission to view this issue."
    # VIEW_ISSUES sees everyone's (narrowed by createdBy, or requestedBy as clients send
    # it), but may not report.
    assert ids(await w.api.get("/issue", w.carol)) == [bobs["id"], alices["id"]]
    assert ids(await w.api.get("/issue", w.carol, createdBy=w.alice.id)) == [alices["id"]]
    assert ids(await w.api.get("/issue", w.carol, requestedBy=w.bob.id)) == [bobs["id"]]
    assert (await w.api.get(f"/issue/{alices['id']}", w.carol)).json() == alices
    assert (await w.report(w.carol)).json() == FORBIDDEN
    # The key alone acts as the admin, who sees and may do everything.
    assert ids(await w.api.get("/issue")) == [bobs["id"], alices["id"]]
    assert (await w.report(w.api.admin)).status_code == 200


async def test_pages_of_issues_follow_skip_filter_and_sort(issue_world: Issues) -> None:
    w = issue_world
    services = w.api.services
    titles = [await on_server(w.api, 20_000 + n) for n in range(13)]
    made: list[int] = []
    for media_id in titles:
        w.api.clock.advance(minutes=1)
        made.append((await issues.report_issue(services, w.alice.id, media_id, 1, "Dark")).id)
    newest = made[::-1]
    for issue_id in made[:4]:
        w.api.clock.advance(minutes=1)
        await issues.set_issue_status(services, w.dan.id, issue_id, IssueStatus.RESOLVED)

    first = (await w.api.get("/issue", filter="all")).json()
    assert first["pageInfo"] == {"pages": 2, "pageSize": 10, "results": 13, "page": 1}
    assert [i["id"] for i in first["results"]] == newest[:10]
    for take, skip in ((5, 0), (5, 5), (5, 10), (4, 6), (13, 0), (50, 20)):
        page = (await w.api.get("/issue", take=take, skip=skip, filter="all")).json()
        assert [i["id"] for i in page["results"]] == newest[skip : skip + take]
        assert page["pageInfo"] == {
            "pages": math.ceil(13 / take),
            "pageSize": take,
            "results": 13,
            "page": math.ceil(skip / take) + 1,
        }
    huge = (await w.api.get("/issue", take=2**31 - 1, filter="all")).json()
    assert huge["pageInfo"] == {"pages": 1, "pageSize": 2**31 - 1, "results": 13, "page": 1}
    assert len(huge["results"]) == 13

    async def listed(**query: Any) -> Any:
        return await w.api.json("/issue", take=50, **query)

    assert [i["id"] for i in (await listed(filter="resolved"))["results"]] == made[:4][::-1]
    assert [i["id"] for i in (await listed(filter="open"))["results"]] == newest[:9]
    # No filter is Seerr's default, open (its API's request validator fills it in).
    for unsaid in ({}, {"filter": ""}):
        assert [i["id"] for i in (await listed(**unsaid))["results"]] == newest[:9]
    for anything in ("all", "pending"):
        assert (await listed(filter=anything))["pageInfo"]["results"] == 13
    modified = [i["id"] for i in (await listed(sort="modified", filter="all"))["results"]]
    assert modified == made[:4][::-1] + newest[:9]  # the last changed first
    assert [i["id"] for i in (await listed(sort="whatever", filter="all"))["results"]] == newest
    for bad in ({"take": 0}, {"skip": -1}, {"take": "ten"}):
        assert (await w.api.get("/issue", **bad)).status_code == 400


async def test_the_count_has_every_type_and_status(issue_world: Issues) -> None:
    w = issue_world
    assert await w.api.json("/issue/count") == dict.fromkeys(
        ("total", "video", "audio", "subtitles", "others", "open", "closed"), 0
    )
    for kind in (IssueType.VIDEO, IssueType.VIDEO, IssueType.SUBTITLES, IssueType.OTHER):
        await w.reported(w.alice, issueType=int(kind))
    resolved = await w.reported(w.bob, issueType=2)
    await w.api.post(f"/issue/{resolved['id']}/resolved", None, w.bob)

    counts = await w.api.json("/issue/count", w.alice)

    assert counts == {
        "total": 5, "video": 2, "audio": 1, "subtitles": 1, "others": 1, "open": 4, "closed": 1,
    }  # fmt: skip


async def test_comments_and_status_changes_follow_seerrs_rules(issue_world: Issues) -> None:
    w = issue_world
    issue = await w.reported(w.alice)
    path = f"/issue/{issue['id']}"

    refused = await w.api.post(f"{path}/comment", {"message": "Me too"}, w.bob)
    assert refused.status_code == 403
    assert refused.json()["message"] == "You do not have permission to comment on this issue."
    answered = await w.api.post(f"{path}/comment", {"message": "Which player?"}, w.dan)
    assert answered.status_code == 200
    check_issue(answered.json())
    assert [c["user"]["displayName"] for c in answered.json()["comments"]] == ["alice", "dan"]
    again = await w.api.post(f"{path}/comment", {"message": "The TV's own"}, w.alice)
    assert [c["message"] for c in again.json()["comments"]] == [
        "No sound",
        "Which player?",
        "The TV's own",
    ]
    blank = await w.api.post(f"{path}/comment", {"message": " "}, w.alice)
    assert (blank.status_code, blank.json()["errors"]) == (400, ["message"])

    not_hers = await w.api.post(f"{path}/resolved", None, w.bob)
    assert not_hers.status_code == 403
    assert not_hers.json()["message"] == "You do not have permission to modify this issue."
    resolved = (await w.api.post(f"{path}/resolved", None, w.alice)).json()
    assert (resolved["status"], resolved["modifiedBy"]["id"]) == (2, w.alice.id)
    reopened = (await w.api.post(f"{path}/open", None, w.dan)).json()
    assert (reopened["status"], reopened["modifiedBy"]["displayName"]) == (1, "dan")
    bad = await w.api.post(f"{path}/closed", None, w.dan)
    assert (bad.status_code, bad.json()["message"]) == (400, "You must provide a valid status")

    # Commented on: only a manager may delete it now.
    commented = await w.send("DELETE", path, w.alice)
    assert commented.status_code == 403
    assert commented.json()["message"] == "You do not have permission to delete this issue."
    assert (await w.send("DELETE", path, w.dan)).status_code == 204
    gone = await w.api.get(path)
    assert (gone.status_code, gone.json()["message"]) == (404, "Issue not found.")
    fresh = await w.reported(w.alice)
    assert (await w.send("DELETE", f"/issue/{fresh['id']}", w.bob)).status_code == 403
    assert (await w.send("DELETE", f"/issue/{fresh['id']}", w.alice)).status_code == 204
    assert await event_kinds(w.api.services) == [
        EventKind.ISSUE_CREATED,
        EventKind.ISSUE_COMMENT,
        EventKind.ISSUE_COMMENT,
        EventKind.ISSUE_RESOLVED,
        EventKind.ISSUE_REOPENED,
        EventKind.ISSUE_DELETED,
        EventKind.ISSUE_CREATED,
        EventKind.ISSUE_DELETED,
    ]


async def test_put_comments_then_sets_the_status_as_python_overseerr_sends_it(
    issue_world: Issues,
) -> None:
    w = issue_world
    issue = await w.reported(w.alice)
    path = f"/issue/{issue['id']}"

    unchanged = await w.send("PUT", path, w.dan, {})
    changed = await w.send("PUT", path, w.dan, {"status": 2, "message": "Replaced the file"})
    reopened = await w.send("PUT", path, w.alice, {"status": 1})

    assert unchanged.json() == issue
    assert changed.status_code == 200
    check_issue(changed.json())
    assert changed.json()["status"] == 2
    assert [c["message"] for c in changed.json()["comments"]][1:] == ["Replaced the file"]
    assert (reopened.json()["status"], reopened.json()["modifiedBy"]["id"]) == (1, w.alice.id)
    # Each change is told as its own route would tell it; the empty PUT changes nothing.
    assert await event_kinds(w.api.services) == [
        EventKind.ISSUE_CREATED,
        EventKind.ISSUE_COMMENT,
        EventKind.ISSUE_RESOLVED,
        EventKind.ISSUE_REOPENED,
    ]
    refused = await w.send("PUT", path, w.bob, {"status": 2})
    assert refused.status_code == 403
    assert refused.json()["message"] == "You do not have permission to modify this issue."
    bad = await w.send("PUT", path, w.dan, {"status": 3})
    assert (bad.status_code, bad.json()["errors"]) == (400, ["status"])
    blank = await w.send("PUT", path, w.dan, {"status": 2, "message": " "})
    assert (blank.status_code, blank.json()["errors"]) == (400, ["message"])
    unseen = await w.send("PUT", path, w.bob, {})  # the issue as it is: for who may see it
    assert unseen.status_code == 403
    assert (await w.api.json(path))["status"] == 1  # none of the refused ones changed it
    assert len(await event_kinds(w.api.services)) == 4


# A database that refuses any change of an issue's status (a real failure in the middle of
# PUT /issue/{id}, after its comment is written).
REFUSE_STATUS = {
    "sqlite": [
        "CREATE TRIGGER refuse_status BEFORE UPDATE OF status ON issues "
        "BEGIN SELECT RAISE(ABORT, 'status refused'); END"
    ],
    "postgresql": [
        "CREATE FUNCTION refuse_status() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'status refused'; END $$",
        "CREATE TRIGGER refuse_status BEFORE UPDATE OF status ON issues "
        "FOR EACH ROW EXECUTE FUNCTION refuse_status()",
    ],
}


async def test_put_writes_its_comment_and_status_together_or_not_at_all(
    issue_world: Issues,
) -> None:
    w = issue_world
    issue = await w.reported(w.alice)
    engine = w.api.storage.engine
    async with engine.begin() as conn:
        for statement in REFUSE_STATUS[engine.dialect.name]:
            await conn.exec_driver_sql(statement)

    # Served as uvicorn serves it: the failure is a 500, not an exception in the test.
    transport = httpx.ASGITransport(app=w.api.app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://api") as http:
        failed = await http.put(
            f"/api/v1/issue/{issue['id']}",
            json={"status": 2, "message": "Fixed"},
            headers=w.api.headers(w.dan),
        )

    assert (failed.status_code, failed.json()) == (500, {"message": "Unexpected error."})
    assert await w.api.json(f"/issue/{issue['id']}") == issue  # no comment without its status
    assert await event_kinds(w.api.services) == [EventKind.ISSUE_CREATED]


async def test_a_comment_is_read_changed_and_deleted_as_seerr_allows(
    issue_world: Issues,
) -> None:
    w = issue_world
    issue = await w.reported(w.alice)
    answered = (await w.api.post(f"/issue/{issue['id']}/comment", {"message": "Hm"}, w.dan)).json()
    report_id, reply_id = (c["id"] for c in answered["comments"])
    report, reply = f"/issueComment/{report_id}", f"/issueComment/{reply_id}"

    shown = await w.api.json(report, w.carol)
    assert shown.keys() == COMMENT_KEYS
    assert (shown["message"], shown["user"]["id"]) == ("No sound", w.alice.id)
    assert STAMP.match(shown["createdAt"])
    assert (await w.api.get(report, w.eve)).json() == FORBIDDEN
    hidden = await w.api.get(report, w.bob)
    assert hidden.status_code == 403
    assert hidden.json()["message"] == "You do not have permission to view this comment."

    not_his = await w.send("PUT", report, w.dan, {"message": "No audio"})
    assert not_his.status_code == 403
    assert not_his.json()["message"] == "You can only edit your own comments."
    edited = await w.send("PUT", report, w.alice, {"message": "No audio at all"})
    assert edited.status_code == 200
    assert edited.json()["message"] == "No audio at all"
    assert (await w.api.json(f"/issue/{issue['id']}"))["comments"][0]["message"] == (
        "No audio at all"
    )

    itself = await w.send("DELETE", report, w.dan)
    assert (itself.status_code, itself.json()["errors"]) == (400, ["comment"])
    others = await w.send("DELETE", reply, w.alice)
    assert others.status_code == 403
    assert others.json()["message"] == "You do not have permission to delete this comment."
    assert (await w.send("DELETE", reply, w.dan)).status_code == 204
    gone = await w.api.get(reply)
    assert (gone.status_code, gone.json()["message"]) == (404, "Issue comment not found.")


async def test_unknown_issues_and_comments_are_404(issue_world: Issues) -> None:
    w = issue_world
    admin = w.api.admin
    for method, path, body in (
        ("GET", "/issue/999", None),
        ("PUT", "/issue/999", {"status": 2}),
        ("DELETE", "/issue/999", None),
        ("POST", "/issue/999/comment", {"message": "Hello?"}),
        ("POST", "/issue/999/resolved", None),
    ):
        answer = await w.send(method, path, admin, body)
        assert (answer.status_code, answer.json()["message"]) == (404, "Issue not found."), path
    for method, body in (("GET", None), ("PUT", {"message": "x"}), ("DELETE", None)):
        answer = await w.send(method, "/issueComment/999", admin, body)
        assert (answer.status_code, answer.json()["message"]) == (404, "Issue comment not found.")
    assert (await w.api.get("/issue/abc")).status_code == 400


async def test_a_titles_details_carry_its_issues_and_lists_do_not(issue_world: Issues) -> None:
    w = issue_world
    issue = await w.reported(w.alice)
    answered = await w.api.post(f"/issue/{issue['id']}/comment", {"message": "Hm"}, w.dan)
    await w.reported(w.bob, w.breaking_bad, problemSeason=1, problemEpisode=2)

    movie = await w.api.json(f"/movie/{MATRIX}", w.eve)
    show = await w.api.json(f"/tv/{BREAKING_BAD}", w.eve)
    untroubled = await w.api.json(f"/movie/{FIGHT_CLUB}")

    (shown,) = movie["mediaInfo"]["issues"]
    assert shown == answered.json()
    assert [i["createdBy"]["displayName"] for i in show["mediaInfo"]["issues"]] == ["bob"]
    assert untroubled["mediaInfo"]["issues"] == []
    found = await w.api.json("/search", query="matrix")
    matrix = next(r for r in found["results"] if r["id"] == MATRIX)
    assert "issues" not in matrix["mediaInfo"]
    await w.api.seed(w.alice, MATRIX)
    (listed,) = (await w.api.json("/request"))["results"]
    assert "issues" not in listed["media"]
    assert all("issues" not in m for m in (await w.api.json("/media"))["results"])
