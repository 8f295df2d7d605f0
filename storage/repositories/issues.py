"""Problems reported on titles (issues) and their comments. An issue is read with its
title and users in one query and its comments (with their users) in a second; a page of
issues takes the same two queries and a count, however many issues it holds."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, bindparam, case, delete, func, insert, select, update

from core.errors import NotFound
from core.identity import User
from core.issue_values import (
    Issue,
    IssueComment,
    IssueCounts,
    IssueSort,
    IssueStatus,
    IssueType,
)
from core.media import Media
from storage.rows import media_columns, media_from, user_columns, user_from
from storage.sql import Db
from storage.tables import issue_comments_t, issues_t, media_t, users_t

_i = issues_t.c
_c = issue_comments_t.c
_reporter = users_t.alias("reporter")
_modifier = users_t.alias("modifier")
_commenter = users_t.alias("commenter")

_ISSUE_OWN = [
    _i.id,
    _i.issue_type,
    _i.status,
    _i.problem_season,
    _i.problem_episode,
    _i.created_at,
    _i.updated_at,
]
_MEDIA = media_columns()
_REPORTER = user_columns(_reporter)
_A = len(_ISSUE_OWN)
_B = _A + len(_MEDIA)
_C = _B + len(_REPORTER)

# An issue with its title (and the title's seasons) and both users (with identities).
_ISSUE_SELECT = select(*_ISSUE_OWN, *_MEDIA, *_REPORTER, *user_columns(_modifier)).select_from(
    issues_t.join(media_t, media_t.c.id == _i.media_id)
    .join(_reporter, _reporter.c.id == _i.created_by_id)
    .outerjoin(_modifier, _modifier.c.id == _i.modified_by_id)
)
_GET = _ISSUE_SELECT.where(_i.id == bindparam("id"))
_GET_FOR_UPDATE = _GET.with_for_update(of=issues_t)

_COMMENT_SELECT = select(
    _c.id, _c.issue_id, _c.message, _c.created_at, _c.updated_at, *user_columns(_commenter)
).select_from(issue_comments_t.join(_commenter, _commenter.c.id == _c.user_id))
_COMMENTS_OF = _COMMENT_SELECT.where(_c.issue_id == bindparam("issue_id")).order_by(_c.id)
_COMMENTS_OF_ANY = _COMMENT_SELECT.where(
    _c.issue_id.in_(bindparam("ids", expanding=True))
).order_by(_c.id)
_COMMENT = _COMMENT_SELECT.where(_c.id == bindparam("id"))

_ADD = insert(issues_t)
_ADD_COMMENT = insert(issue_comments_t)
_TOUCH = update(issues_t).where(_i.id == bindparam("b_id")).values(updated_at=bindparam("b_now"))
_SET_STATUS = (
    update(issues_t)
    .where(_i.id == bindparam("b_id"))
    .values(
        status=bindparam("b_status"),
        modified_by_id=bindparam("b_by"),
        updated_at=bindparam("b_now"),
    )
)
_EDIT_COMMENT = (
    update(issue_comments_t)
    .where(_c.id == bindparam("b_id"))
    .values(message=bindparam("b_message"), updated_at=bindparam("b_now"))
)
# The comments go with their issue (ON DELETE CASCADE).
_DELETE = delete(issues_t).where(_i.id == bindparam("id"))
_DELETE_COMMENT = delete(issue_comments_t).where(_c.id == bindparam("id"))
_OPEN_COUNT = select(func.count()).where(
    _i.created_by_id == bindparam("user_id"),
    _i.media_id == bindparam("media_id"),
    _i.status == IssueStatus.OPEN.value,
)


def _counted(condition: Any) -> Any:
    return func.count(case((condition, 1)))


_COUNTS = select(
    func.count(),
    *(_counted(_i.issue_type == kind.value) for kind in IssueType),
    _counted(_i.status == IssueStatus.OPEN.value),
    _counted(_i.status == IssueStatus.RESOLVED.value),
).select_from(issues_t)


@functools.cache
def _page_queries(
    status: bool, created_by: bool, media_id: bool, sort: IssueSort
) -> tuple[Select[Any], Select[Any]]:
    """The page and count statements for the filters given (built once each)."""
    where = []
    if status:
        where.append(_i.status == bindparam("status"))
    if created_by:
        where.append(_i.created_by_id == bindparam("created_by"))
    if media_id:
        where.append(_i.media_id == bindparam("media_id"))
    stamp = _i.updated_at if sort is IssueSort.MODIFIED else _i.created_at
    order = (stamp.desc(), _i.id.desc())
    # The page's ids first, on the issues alone: the joins and the users' and seasons'
    # subqueries then run for the page's rows only, not for every matching issue.
    ids = (
        select(_i.id)
        .where(*where)
        .order_by(*order)
        .offset(bindparam("offset"))
        .limit(bindparam("limit"))
    )
    page = _ISSUE_SELECT.where(_i.id.in_(ids.scalar_subquery())).order_by(*order)
    count = select(func.count()).select_from(issues_t).where(*where)
    return page, count


def _comment_from(values: Sequence[Any]) -> IssueComment:
    comment_id, issue_id, message, created_at, updated_at = values[:5]
    user = user_from(values[5:])
    return IssueComment(comment_id, issue_id, user, message, created_at, updated_at)


def _issue_from(row: Sequence[Any], comments: Sequence[IssueComment]) -> Issue:
    values = tuple(row)
    issue_id, kind, status, season, episode, created_at, updated_at = values[:_A]
    modifier = values[_C:]
    return Issue(
        id=issue_id,
        media=media_from(values[_A:_B]),
        issue_type=IssueType(kind),
        status=IssueStatus(status),
        created_by=user_from(values[_B:_C]),
        created_at=created_at,
        updated_at=updated_at,
        problem_season=season,
        problem_episode=episode,
        modified_by=user_from(modifier) if modifier[0] is not None else None,
        comments=tuple(comments),
    )


class SqlIssueRepository:
    """core.issue_values.IssueRepository on SQL."""

    __slots__ = ("_db",)

    def __init__(self, db: Db) -> None:
        self._db = db

    async def add(
        self,
        *,
        media: Media,
        issue_type: IssueType,
        problem_season: int,
        problem_episode: int,
        created_by: User,
        message: str,
        now: datetime,
    ) -> Issue:
        """Insert an open issue and its first comment; return it built from the arguments
        (two statements)."""
        now = now.astimezone(UTC)  # as a read gives it back
        result = await self._db.execute(
            _ADD,
            {
                "media_id": media.id,
                "issue_type": issue_type.value,
                "status": IssueStatus.OPEN.value,
                "problem_season": problem_season,
                "problem_episode": problem_episode,
                "created_by_id": created_by.id,
                "modified_by_id": None,
                "created_at": now,
                "updated_at": now,
            },
        )
        issue_id: int = result.inserted_primary_key[0]  # type: ignore[index]
        comment = await self._insert_comment(issue_id, created_by, message, now)
        return Issue(
            id=issue_id,
            media=media,
            issue_type=issue_type,
            status=IssueStatus.OPEN,
            created_by=created_by,
            created_at=now,
            updated_at=now,
            problem_season=problem_season,
            problem_episode=problem_episode,
            comments=(comment,),
        )

    async def get(self, issue_id: int, *, for_update: bool = False) -> Issue | None:
        """One issue with its comments; ``for_update`` locks its row (PostgreSQL)."""
        row = await self._db.first(_GET_FOR_UPDATE if for_update else _GET, {"id": issue_id})
        if row is None:
            return None
        comments = await self._db.all(_COMMENTS_OF, {"issue_id": issue_id})
        return _issue_from(row, [_comment_from(c) for c in comments])

    async def page(
        self,
        *,
        status: IssueStatus | None = None,
        created_by: int | None = None,
        media_id: int | None = None,
        offset: int = 0,
        limit: int = 10,
        sort: IssueSort = IssueSort.ADDED,
    ) -> tuple[list[Issue], int]:
        """A page of issues, newest first by ``sort``, and how many match: three queries."""
        page, count = _page_queries(
            status is not None, created_by is not None, media_id is not None, sort
        )
        where: dict[str, Any] = {}
        if status is not None:
            where["status"] = status.value
        if created_by is not None:
            where["created_by"] = created_by
        if media_id is not None:
            where["media_id"] = media_id
        rows = await self._db.all(page, {**where, "offset": offset, "limit": limit})
        total = int(await self._db.scalar(count, where or None))
        if not rows:
            return [], total
        ids = [row[0] for row in rows]
        comments: dict[int, list[IssueComment]] = {i: [] for i in ids}
        for values in await self._db.all(_COMMENTS_OF_ANY, {"ids": ids}):
            comment = _comment_from(values)
            comments[comment.issue_id].append(comment)
        return [_issue_from(row, comments[row[0]]) for row in rows], total

    async def counts(self) -> IssueCounts:
        """Every issue by type and by status, in one query."""
        row = await self._db.first(_COUNTS)
        assert row is not None
        total, video, audio, subtitles, others, opened, closed = (int(n) for n in row)
        return IssueCounts(total, video, audio, subtitles, others, opened, closed)

    async def open_count(self, user_id: int, media_id: int) -> int:
        """How many open issues the user has on the title."""
        params = {"user_id": user_id, "media_id": media_id}
        return int(await self._db.scalar(_OPEN_COUNT, params))

    async def set_status(
        self, issue_id: int, status: IssueStatus, modified_by_id: int, now: datetime
    ) -> Issue:
        """Move the issue to ``status`` as ``modified_by_id`` did, and return it as it is now."""
        params = {"b_id": issue_id, "b_status": status.value, "b_by": modified_by_id, "b_now": now}
        result = await self._db.execute(_SET_STATUS, params)
        if result.rowcount == 0:
            raise NotFound("issue", issue_id)
        issue = await self.get(issue_id)
        if issue is None:
            raise NotFound("issue", issue_id)
        return issue

    async def delete(self, issue_id: int) -> None:
        """Delete the issue; its comments go with it."""
        await self._db.execute(_DELETE, {"id": issue_id})

    async def add_comment(
        self, issue_id: int, user: User, message: str, now: datetime
    ) -> IssueComment:
        """Add a comment and move the issue's updated_at."""
        now = now.astimezone(UTC)
        result = await self._db.execute(_TOUCH, {"b_id": issue_id, "b_now": now})
        if result.rowcount == 0:
            raise NotFound("issue", issue_id)
        return await self._insert_comment(issue_id, user, message, now)

    async def get_comment(self, comment_id: int) -> IssueComment | None:
        row = await self._db.first(_COMMENT, {"id": comment_id})
        return _comment_from(tuple(row)) if row else None

    async def edit_comment(self, comment_id: int, message: str, now: datetime) -> IssueComment:
        """Change the comment's words and return it as it is now."""
        params = {"b_id": comment_id, "b_message": message, "b_now": now}
        result = await self._db.execute(_EDIT_COMMENT, params)
        comment = await self.get_comment(comment_id) if result.rowcount else None
        if comment is None:
            raise NotFound("issue comment", comment_id)
        return comment

    async def delete_comment(self, comment_id: int) -> None:
        await self._db.execute(_DELETE_COMMENT, {"id": comment_id})

    async def _insert_comment(
        self, issue_id: int, user: User, message: str, now: datetime
    ) -> IssueComment:
        result = await self._db.execute(
            _ADD_COMMENT,
            {
                "issue_id": issue_id,
                "user_id": user.id,
                "message": message,
                "created_at": now,
                "updated_at": now,
            },
        )
        comment_id: int = result.inserted_primary_key[0]  # type: ignore[index]
        return IssueComment(comment_id, issue_id, user, message, now, now)
