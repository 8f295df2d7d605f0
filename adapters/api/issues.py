"""Seerr's issue routes: problems reported on titles that are on the server, their comments,
resolving and reopening them, over the core's use cases (so an issue reported here reaches
the chats and the webhook as one reported there).

``/issue`` (GET, POST), ``/issue/count``, ``/issue/{id}`` (GET, PUT, DELETE),
``/issue/{id}/comment``, ``/issue/{id}/resolved|open`` and ``/issueComment/{id}`` (GET,
PUT, DELETE), with Seerr's shapes, its permissions (a route refuses a user holding none of
its permissions with the body every permission check sends) and its words when a user may
not touch an issue.

Differences from Seerr, each where it helps a client: an unknown issue is 404 (Seerr
answers 500 on most routes); a refusal to change or delete an issue is 403 (Seerr sends
401, which Home Assistant's client takes for a failed connection rather than a refusal);
a report on a title that is not on the server, a season or episode the title has not, or
an empty message is 400 with the reason; every comment carries its writer (Seerr's list
leaves it out, and python-overseerr cannot read a comment without one); the report itself
(the first comment) goes only with its issue.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from adapters.api.auth import Actor, holding
from adapters.api.errors import message
from adapters.api.paging import MAX_NUMBER, Paging, lenient_choice, paging
from adapters.api.requests import MAX_ID, Core
from adapters.api.shapes import (
    IssueCommentOut,
    IssueOut,
    IssuePageOut,
    comment_out,
    issue_out,
    page_info,
)
from core import issue_queries, issues
from core.errors import NotFound, PermissionDenied
from core.identity import User
from core.issue_values import Issue, IssueComment, IssueSort, IssueStatus
from core.permissions import Permission
from core.services import Services

IssueId = Annotated[int, Path(ge=1, le=MAX_ID)]
CommentId = Annotated[int, Path(ge=1, le=MAX_ID)]
UserId = Annotated[int | None, Query(ge=1, le=MAX_NUMBER)]

# Seerr's route permissions: reading needs one of the three, writing one of the two.
Reader = Annotated[
    User,
    Depends(holding(Permission.MANAGE_ISSUES, Permission.VIEW_ISSUES, Permission.CREATE_ISSUES)),
]
Writer = Annotated[User, Depends(holding(Permission.MANAGE_ISSUES, Permission.CREATE_ISSUES))]
# The words of GET /issue's filter (anything else: all) and of the status routes.
_STATUSES = {"open": IssueStatus.OPEN, "resolved": IssueStatus.RESOLVED}
# GET /issue's filter when none is given: Seerr's API document sets it to open, and Seerr's
# request validator fills that in (its own page asks for open ones first too).
_DEFAULT_FILTER = "open"
# The status routes' word: documented as Seerr's enum, checked by the route (any other word
# is Seerr's 400 "You must provide a valid status", not a validation error).
StatusWord = Annotated[str, Path(json_schema_extra={"enum": list(_STATUSES)})]
# GET /issue's choices, documented as Seerr's with their defaults; any other word is taken
# as Seerr's route takes it (all issues, by when reported), not refused.
Filter = Annotated[str, Query(json_schema_extra={"enum": [*_STATUSES, "all"]})]
Sort = Annotated[str, Query(json_schema_extra={"enum": list(IssueSort)})]


class IssueCountOut(BaseModel):
    total: int
    video: int
    audio: int
    subtitles: int
    others: int
    open: int
    closed: int


class IssueBody(BaseModel):
    """POST /issue: ``mediaId`` is the title's id here (``mediaInfo.id``), not TMDb's."""

    model_config = ConfigDict(extra="ignore")

    issueType: int
    message: str = Field(max_length=100_000)
    mediaId: int = Field(ge=1, le=MAX_ID)
    problemSeason: int = Field(0, ge=0, le=10_000)
    problemEpisode: int = Field(0, ge=0, le=100_000)


class CommentBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    message: str = Field(max_length=100_000)


class IssueChange(BaseModel):
    """PUT /issue/{id}, as python-overseerr's update_issue sends it."""

    model_config = ConfigDict(extra="ignore")

    status: IssueStatus | None = None
    message: str | None = Field(None, max_length=100_000)


@contextmanager
def refused_as(text: str) -> Iterator[None]:
    """Seerr's words for a route's refusal to let the user touch an issue (403)."""
    try:
        yield
    except PermissionDenied:
        raise message(403, text) from None


async def shown(services: Services, found: Sequence[Issue]) -> list[IssueOut]:
    """Issues in Seerr's shape, their people with their request counts."""
    counts = await issue_queries.request_counts(services, issue_queries.people(found))
    return [issue_out(i, counts) for i in found]


async def one(services: Services, issue: Issue) -> IssueOut:
    return (await shown(services, [issue]))[0]


async def comment_shown(services: Services, comment: IssueComment) -> IssueCommentOut:
    counts = await issue_queries.request_counts(services, [comment.user.id])
    return comment_out(comment, counts)


def router() -> APIRouter:
    """The issue routes (behind the key check and the acting user of the app)."""
    api = APIRouter(tags=["issue"])

    @api.get("/issue/count", response_model=IssueCountOut)
    async def count(services: Core, actor: Actor) -> IssueCountOut:
        """Every issue by type and by status (for any user, as Seerr: Home Assistant polls
        it with the request count)."""
        counts = await issue_queries.count_issues(services)
        return IssueCountOut(**{f: getattr(counts, f) for f in IssueCountOut.model_fields})

    @api.get("/issue", response_model=IssuePageOut)
    async def list_issues(
        services: Core,
        actor: Reader,
        page: Annotated[Paging, Depends(paging(10))],
        filter: Filter = _DEFAULT_FILTER,
        sort: Sort = IssueSort.ADDED.value,
        createdBy: UserId = None,
        requestedBy: UserId = None,
    ) -> IssuePageOut:
        """A page of issues, newest first (``sort=modified``: last changed first; ``filter``
        open, the default, resolved or all). Everyone's, or ``createdBy``'s, for a user who may see
        others' (VIEW_ISSUES); else the user's own. ``requestedBy`` is what
        python-overseerr and Seerr's API document send for ``createdBy``."""
        by = createdBy or requestedBy
        with refused_as("You do not have permission to view issues reported by other users"):
            found = await issue_queries.list_issues(
                services,
                actor.id,
                status=_STATUSES.get(filter or _DEFAULT_FILTER),
                created_by=by,
                offset=page.skip,
                limit=page.take,
                sort=lenient_choice(sort, IssueSort, IssueSort.ADDED),
            )
        return IssuePageOut(
            pageInfo=page_info(found.total, page.take, page.skip),
            results=await shown(services, found.issues),
        )

    @api.post("/issue", response_model=IssueOut)
    async def report(services: Core, actor: Writer, body: IssueBody) -> IssueOut:
        """Report a problem with a title on the server: 200 with the issue, as Seerr.
        Managers hear of it (and the webhook, if it takes issue events)."""
        try:
            issue = await issues.report_issue(
                services,
                actor.id,
                body.mediaId,
                body.issueType,
                body.message,
                body.problemSeason,
                body.problemEpisode,
            )
        except NotFound as exc:
            if exc.kind != "media":
                raise
            raise message(404, "Media does not exist.", "mediaId") from None
        return await one(services, issue)

    @api.get("/issue/{issue_id}", response_model=IssueOut)
    async def get(services: Core, actor: Reader, issue_id: IssueId) -> IssueOut:
        """One issue with its comments: one's own, or any with VIEW_ISSUES."""
        with refused_as("You do not have permission to view this issue."):
            issue = await issue_queries.get_issue(services, actor.id, issue_id)
        return await one(services, issue)

    @api.put("/issue/{issue_id}", response_model=IssueOut)
    async def change(
        services: Core, actor: Writer, issue_id: IssueId, body: IssueChange
    ) -> IssueOut:
        """Not a Seerr route: python-overseerr's update_issue sends it. ``message`` is added
        as a comment and ``status`` (1 open, 2 resolved) is set, both or neither, as Seerr's
        page does when one comments and resolves at once; with neither, the issue as it is."""
        with refused_as("You do not have permission to modify this issue."):
            issue = await issues.update_issue(
                services, actor.id, issue_id, message=body.message, status=body.status
            )
        return await one(services, issue)

    @api.delete("/issue/{issue_id}", status_code=204)
    async def delete(services: Core, actor: Writer, issue_id: IssueId) -> Response:
        """Delete an issue: any with MANAGE_ISSUES, one's own while nobody has commented."""
        with refused_as("You do not have permission to delete this issue."):
            await issues.delete_issue(services, actor.id, issue_id)
        return Response(status_code=204)

    @api.post("/issue/{issue_id}/comment", response_model=IssueOut)
    async def comment(
        services: Core, actor: Writer, issue_id: IssueId, body: CommentBody
    ) -> IssueOut:
        """Comment on one's own issue, or on any with MANAGE_ISSUES: the issue with it."""
        with refused_as("You do not have permission to comment on this issue."):
            issue, _ = await issues.comment_on_issue(services, actor.id, issue_id, body.message)
        return await one(services, issue)

    @api.post("/issue/{issue_id}/{status}", response_model=IssueOut)
    async def set_status(
        services: Core, actor: Writer, issue_id: IssueId, status: StatusWord
    ) -> IssueOut:
        """Resolve or reopen (``resolved``, ``open``) one's own issue, or any with
        MANAGE_ISSUES."""
        wanted = _STATUSES.get(status)
        if wanted is None:
            raise message(400, "You must provide a valid status", "status")
        with refused_as("You do not have permission to modify this issue."):
            issue = await issues.set_issue_status(services, actor.id, issue_id, wanted)
        return await one(services, issue)

    @api.get("/issueComment/{comment_id}", response_model=IssueCommentOut)
    async def get_comment(services: Core, actor: Reader, comment_id: CommentId) -> IssueCommentOut:
        """One comment, for whoever may see its issue."""
        with refused_as("You do not have permission to view this comment."):
            found = await issue_queries.get_comment(services, actor.id, comment_id)
        return await comment_shown(services, found)

    @api.put("/issueComment/{comment_id}", response_model=IssueCommentOut)
    async def edit_comment(
        services: Core, actor: Writer, comment_id: CommentId, body: CommentBody
    ) -> IssueCommentOut:
        """Change the words of one's own comment."""
        with refused_as("You can only edit your own comments."):
            edited = await issues.edit_comment(services, actor.id, comment_id, body.message)
        return await comment_shown(services, edited)

    @api.delete("/issueComment/{comment_id}", status_code=204)
    async def delete_comment(services: Core, actor: Writer, comment_id: CommentId) -> Response:
        """Delete one's own comment, or any with MANAGE_ISSUES (but the report itself)."""
        with refused_as("You do not have permission to delete this comment."):
            await issues.delete_comment(services, actor.id, comment_id)
        return Response(status_code=204)

    return api
