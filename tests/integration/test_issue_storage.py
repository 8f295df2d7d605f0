"""The issue repository's contract on every back end (the fakes, a SQLite file, PostgreSQL
when TEST_DATABASE_URL is set): issues with their comments, pages, counts, status changes,
merging users, and the issue snapshot of an outbox event. What only SQL has (the queries a
page costs, old outbox rows, the migration) is at the end."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiosqlite
from sqlalchemy import event

from core.errors import NotFound
from core.events import EventKind, EventPayload
from core.identity import Identity, User
from core.issue_values import (
    Issue,
    IssueCounts,
    IssueFacts,
    IssueSort,
    IssueStatus,
    IssueType,
)
from core.media import Media, MediaDetails, MediaStatus
from core.permissions import DEFAULT_USER, Permission
from core.ports import UnitOfWork
from storage import upgrade
from storage.repositories.events import dump_payload, load_payload
from tests.integration.test_repository_contract import (
    NOW,
    Backend,
    add_user,
    backend,
    committed,
    movie,
    payload,
    raises_in_own_unit,
    read,
    show,
)
from tests.storage_fixtures import open_storage, sqlite_url

__all__ = ["backend"]  # the fixture, over every back end

VIDEO, AUDIO, SUBTITLES, OTHER = IssueType
OPEN, RESOLVED = IssueStatus
HOUR = timedelta(hours=1)


async def on_server(backend: Backend, details: MediaDetails) -> Media:
    """The title's media row, available."""

    async def work(uow: UnitOfWork) -> Media:
        media = await uow.media.upsert(details, NOW)
        await uow.media.set_status(media.id, MediaStatus.AVAILABLE, NOW)
        found = await uow.media.get(media.id)
        assert found is not None
        return found

    return await committed(backend, work)


async def report(
    backend: Backend,
    media: Media,
    user: User,
    *,
    kind: IssueType = VIDEO,
    message: str = "No sound",
    at: Any = NOW,
    season: int = 0,
    episode: int = 0,
) -> Issue:
    return await committed(
        backend,
        lambda uow: uow.issues.add(
            media=media,
            issue_type=kind,
            problem_season=season,
            problem_episode=episode,
            created_by=user,
            message=message,
            now=at,
        ),
    )


async def get(backend: Backend, issue_id: int) -> Issue | None:
    return await read(backend, lambda uow: uow.issues.get(issue_id))


async def test_an_added_issue_reads_back_as_it_was_returned(backend: Backend) -> None:
    alice = await add_user(backend, identity=Identity("discord", "1"))
    media = await on_server(backend, show())

    added = await report(backend, media, alice, kind=SUBTITLES, season=2, episode=5)

    assert await get(backend, added.id) == added
    assert added.media == media
    assert added.created_by == alice
    assert (added.issue_type, added.status, added.where) == (SUBTITLES, OPEN, "S2E5")
    assert added.modified_by is None
    assert added.created_at == added.updated_at == NOW
    (comment,) = added.comments
    assert (comment.issue_id, comment.user, comment.message) == (added.id, alice, "No sound")
    assert added.message == "No sound"
    assert await get(backend, added.id + 100) is None
    locked = await committed(backend, lambda uow: uow.issues.get(added.id, for_update=True))
    assert locked == added


async def test_pages_filter_sort_newest_first_and_count_all_that_match(backend: Backend) -> None:
    alice = await add_user(backend)
    bob = await add_user(backend, "Bob")
    matrix = await on_server(backend, movie())
    thrones = await on_server(backend, show())
    first = await report(backend, matrix, alice, at=NOW)
    second = await report(backend, thrones, bob, at=NOW + HOUR)
    third = await report(backend, matrix, bob, at=NOW + 2 * HOUR)
    fourth = await report(backend, thrones, alice, at=NOW + 2 * HOUR)  # same time: by id
    await committed(
        backend, lambda uow: uow.issues.set_status(second.id, RESOLVED, bob.id, NOW + 3 * HOUR)
    )
    await committed(
        backend, lambda uow: uow.issues.add_comment(first.id, bob, "Me too", NOW + 4 * HOUR)
    )

    async def ids(**query: Any) -> tuple[list[int], int]:
        issues, total = await read(backend, lambda uow: uow.issues.page(**query))
        return [i.id for i in issues], total

    everyone = [fourth.id, third.id, second.id, first.id]
    assert await ids() == (everyone, 4)
    assert await ids(sort=IssueSort.MODIFIED) == ([first.id, second.id, fourth.id, third.id], 4)
    assert await ids(offset=1, limit=2) == (everyone[1:3], 4)
    assert await ids(offset=4) == ([], 4)
    assert await ids(status=OPEN) == ([fourth.id, third.id, first.id], 3)
    assert await ids(status=RESOLVED) == ([second.id], 1)
    assert await ids(created_by=alice.id) == ([fourth.id, first.id], 2)
    assert await ids(media_id=matrix.id) == ([third.id, first.id], 2)
    assert await ids(status=OPEN, created_by=bob.id, media_id=matrix.id) == ([third.id], 1)
    assert await ids(status=OPEN, media_id=thrones.id, limit=1) == ([fourth.id], 1)

    issues, _ = await read(backend, lambda uow: uow.issues.page())
    assert issues == [await get(backend, i) for i in everyone]  # whole, comments included
    commented = issues[-1]
    assert [(c.user.id, c.message) for c in commented.comments] == [
        (alice.id, "No sound"),
        (bob.id, "Me too"),
    ]
    resolved = issues[2]
    assert resolved.modified_by == bob


async def test_counts_by_type_and_status_and_open_ones_per_user_and_title(
    backend: Backend,
) -> None:
    assert await read(backend, lambda uow: uow.issues.counts()) == IssueCounts()
    alice = await add_user(backend)
    bob = await add_user(backend, "Bob")
    matrix = await on_server(backend, movie())
    thrones = await on_server(backend, show())
    kinds = [VIDEO, VIDEO, AUDIO, SUBTITLES, OTHER, OTHER, OTHER]
    made = [await report(backend, matrix, alice, kind=k) for k in kinds]
    await report(backend, thrones, alice)
    await report(backend, matrix, bob)
    for issue in made[:2]:
        await committed(
            backend, lambda uow, i=issue: uow.issues.set_status(i.id, RESOLVED, bob.id, NOW)
        )

    counts = await read(backend, lambda uow: uow.issues.counts())
    assert counts == IssueCounts(total=9, video=4, audio=1, subtitles=1, others=3, open=7, closed=2)

    async def open_count(user: User, media: Media) -> int:
        return await read(backend, lambda uow: uow.issues.open_count(user.id, media.id))

    assert await open_count(alice, matrix) == 5  # two of seven resolved
    assert await open_count(alice, thrones) == 1
    assert await open_count(bob, matrix) == 1
    assert await open_count(bob, thrones) == 0


async def test_a_status_change_records_who_and_when(backend: Backend) -> None:
    alice = await add_user(backend)
    admin = await add_user(backend, "Admin", Permission.ADMIN)
    issue = await report(backend, await on_server(backend, movie()), alice)

    resolved = await committed(
        backend, lambda uow: uow.issues.set_status(issue.id, RESOLVED, admin.id, NOW + HOUR)
    )

    assert resolved == await get(backend, issue.id)
    assert (resolved.status, resolved.modified_by) == (RESOLVED, admin)
    assert (resolved.created_at, resolved.updated_at) == (NOW, NOW + HOUR)
    assert resolved.comments == issue.comments
    reopened = await committed(
        backend, lambda uow: uow.issues.set_status(issue.id, OPEN, alice.id, NOW + 2 * HOUR)
    )
    assert (reopened.status, reopened.modified_by, reopened.updated_at) == (
        OPEN,
        alice,
        NOW + 2 * HOUR,
    )
    await raises_in_own_unit(
        backend, NotFound, lambda uow: uow.issues.set_status(issue.id + 1, OPEN, alice.id, NOW)
    )


async def test_comments_are_added_in_order_edited_and_deleted(backend: Backend) -> None:
    alice = await add_user(backend)
    admin = await add_user(backend, "Admin", Permission.ADMIN)
    issue = await report(backend, await on_server(backend, movie()), alice)

    reply = await committed(
        backend, lambda uow: uow.issues.add_comment(issue.id, admin, "Looking", NOW + HOUR)
    )
    again = await committed(
        backend, lambda uow: uow.issues.add_comment(issue.id, alice, "Thanks", NOW + 2 * HOUR)
    )

    assert (reply.issue_id, reply.user, reply.message) == (issue.id, admin, "Looking")
    assert reply.created_at == reply.updated_at == NOW + HOUR
    assert await read(backend, lambda uow: uow.issues.get_comment(reply.id)) == reply
    found = await get(backend, issue.id)
    assert found is not None
    assert found.comments == (issue.comments[0], reply, again)
    assert found.updated_at == NOW + 2 * HOUR  # a comment moves the issue
    assert found.message == "No sound"  # still the report's words

    edited = await committed(
        backend, lambda uow: uow.issues.edit_comment(reply.id, "Fixed", NOW + 3 * HOUR)
    )
    assert edited == dataclasses.replace(reply, message="Fixed", updated_at=NOW + 3 * HOUR)
    assert await read(backend, lambda uow: uow.issues.get_comment(reply.id)) == edited

    await committed(backend, lambda uow: uow.issues.delete_comment(reply.id))
    assert await read(backend, lambda uow: uow.issues.get_comment(reply.id)) is None
    found = await get(backend, issue.id)
    assert found is not None
    assert found.comments == (issue.comments[0], again)
    await raises_in_own_unit(
        backend, NotFound, lambda uow: uow.issues.edit_comment(reply.id, "Gone", NOW)
    )
    assert await read(backend, lambda uow: uow.issues.get_comment(999)) is None


async def test_deleting_an_issue_deletes_its_comments(backend: Backend) -> None:
    alice = await add_user(backend)
    media = await on_server(backend, movie())
    issue = await report(backend, media, alice)
    kept = await report(backend, media, alice, message="Kept")
    reply = await committed(
        backend, lambda uow: uow.issues.add_comment(issue.id, alice, "More", NOW)
    )

    await committed(backend, lambda uow: uow.issues.delete(issue.id))

    assert await get(backend, issue.id) is None
    for comment in (issue.comments[0], reply):
        assert await read(backend, lambda uow, c=comment: uow.issues.get_comment(c.id)) is None
    assert await get(backend, kept.id) == kept
    assert await read(backend, lambda uow: uow.issues.page()) == ([kept], 1)
    assert (await read(backend, lambda uow: uow.issues.counts())).total == 1


async def test_merging_users_moves_their_issues_and_comments(backend: Backend) -> None:
    chat = await add_user(backend, "Chatty", identity=Identity("telegram", "5"))
    account = await add_user(backend, "Alice", identity=Identity("discord", "1"))
    other = await add_user(backend, "Bob")
    media = await on_server(backend, movie())
    reported = await report(backend, media, chat)
    theirs = await report(backend, media, other)

    async def arrange(uow: UnitOfWork) -> None:
        await uow.issues.set_status(theirs.id, RESOLVED, chat.id, NOW)
        await uow.issues.add_comment(theirs.id, chat, "Same here", NOW)
        await uow.issues.add_comment(theirs.id, other, "Thanks", NOW)

    await committed(backend, arrange)

    await committed(backend, lambda uow: uow.users.merge(chat.id, account.id, NOW))

    merged = await read(backend, lambda uow: uow.users.get(account.id))
    assert merged is not None
    mine, resolved = await get(backend, reported.id), await get(backend, theirs.id)
    assert mine is not None
    assert resolved is not None
    assert mine.created_by == merged
    assert [c.user for c in mine.comments] == [merged]
    assert resolved.created_by.id == other.id
    assert resolved.modified_by == merged
    assert [c.user.id for c in resolved.comments] == [other.id, account.id, other.id]
    assert await read(backend, lambda uow: uow.issues.open_count(account.id, media.id)) == 1
    issues, total = await read(backend, lambda uow: uow.issues.page(created_by=account.id))
    assert ([i.id for i in issues], total) == ([reported.id], 1)


def issue_payload(**facts: Any) -> EventPayload:
    return dataclasses.replace(
        payload(0),
        issue=IssueFacts(
            **{
                "issue_id": 7,
                "issue_type": SUBTITLES,
                "status": RESOLVED,
                "problem_season": 2,
                "problem_episode": 5,
                "message": "Out of sync",
                "reported_by_id": 1,
                "reported_by_name": "Alice",
                **facts,
            }
        ),
    )


async def test_an_events_issue_snapshot_reads_back_whole(backend: Backend) -> None:
    plain = payload(3)
    reported = issue_payload()
    commented = issue_payload(
        comment_id=9, comment_message="Still", commented_by_id=2, commented_by_name="Bob"
    )

    async def write(uow: UnitOfWork) -> list[int]:
        return [
            (await uow.events.add(kind, p, NOW)).id
            for kind, p in (
                (EventKind.PENDING, plain),
                (EventKind.ISSUE_RESOLVED, reported),
                (EventKind.ISSUE_COMMENT, commented),
            )
        ]

    ids = await committed(backend, write)

    async def look(uow: UnitOfWork) -> list[EventPayload]:
        found = [await uow.events.get(i) for i in ids]
        return [e.payload for e in found if e is not None]

    loaded = await read(backend, look)
    assert loaded == [plain, reported, commented]
    assert loaded[0].issue is None
    issue = loaded[2].issue
    assert issue is not None
    assert (type(issue.issue_type), type(issue.status)) == (IssueType, IssueStatus)
    assert issue.where == "S2E5"


# ----- SQL only --------------------------------------------------------------------------


def test_outbox_rows_written_before_issues_load_without_one() -> None:
    old = dump_payload(payload(4)).replace(',"issue":null', "")
    assert '"issue"' not in old
    assert load_payload(old) == payload(4)
    reported = issue_payload()
    assert load_payload(dump_payload(reported)) == reported
    newer = dump_payload(reported).replace('"issue_id":7', '"issue_id":7,"votes":3')
    assert load_payload(newer) == reported  # keys a later version adds are ignored


async def test_a_page_of_issues_costs_three_queries_however_many_it_holds(
    tmp_path: Path,
) -> None:
    async with open_storage(sqlite_url(tmp_path)) as opened:
        sqlite = Backend.on(opened)
        users = [await add_user(sqlite, f"User {n}") for n in range(5)]
        media = await on_server(sqlite, movie())
        for user in users:
            issue = await report(sqlite, media, user)
            for other in users:
                await committed(
                    sqlite,
                    lambda uow, i=issue, o=other: uow.issues.add_comment(i.id, o, "Hi", NOW),
                )
        statements: list[str] = []

        def seen(_conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
            statements.append(sql.split()[0])

        event.listen(opened.engine.sync_engine, "before_cursor_execute", seen)
        issues, total = await read(sqlite, lambda uow: uow.issues.page(limit=20))
        assert (len(issues), total) == (5, 5)
        assert all(len(i.comments) == 6 for i in issues)
        assert statements == ["SELECT"] * 3  # the page, its count, the comments
        statements.clear()
        assert await get(sqlite, issues[0].id) == issues[0]
        assert statements == ["SELECT"] * 2


async def test_users_with_the_old_default_get_the_issue_permissions_on_upgrade(
    tmp_path: Path,
) -> None:
    url = sqlite_url(tmp_path)
    await upgrade(url, "0007")
    path = tmp_path / "data" / "requestbot.db"
    request = int(Permission.REQUEST)
    manager = int(Permission.REQUEST | Permission.MANAGE_REQUESTS)
    async with aiosqlite.connect(path) as db:
        await db.executemany(
            "INSERT INTO users (display_name, permissions, role_permissions, created_at, "
            "updated_at) VALUES (?, ?, ?, '2026-12-01 12:00:00', '2026-12-01 12:00:00')",
            [("Ann", request, 0), ("Ben", manager, 0), ("Cat", 0, request), ("Dan", 0, 0)],
        )
        await db.commit()

    await upgrade(url)

    async with aiosqlite.connect(path) as db:
        query = "SELECT display_name, permissions, role_permissions FROM users ORDER BY id"
        rows = await (await db.execute(query)).fetchall()
    assert rows == [
        ("Ann", int(DEFAULT_USER), 0),
        ("Ben", manager, 0),  # chosen by hand: left alone
        ("Cat", 0, request),  # a role's grant is refreshed from the role
        ("Dan", 0, 0),
    ]
