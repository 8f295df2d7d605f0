"""Issues: reporting a problem with a title on the server, commenting on it, resolving and
reopening it, with Seerr's permissions (core.issue_rules) and the outbox event of each
change, in one transaction. Reading issues is core.issue_queries."""

from __future__ import annotations

import logging

from core.domain import RequestStatus
from core.errors import (
    InvalidInput,
    NotFound,
    ServiceRejected,
    ServiceUnavailable,
    TitleNotFound,
)
from core.events import EventKind, EventPayload
from core.identity import User
from core.issue_rules import (
    check_episode,
    check_may_comment,
    check_may_delete,
    check_may_edit,
    check_may_report,
    check_may_resolve,
    check_may_see,
    check_on_server,
    check_open_limit,
    check_type,
    clean_message,
)
from core.issue_values import Issue, IssueComment, IssueStatus, IssueType
from core.media import Media, MediaType, SeasonInfo
from core.outbox import title_snapshot
from core.ports import UnitOfWork
from core.services import Services, in_transaction
from core.users import Actor, acting

log = logging.getLogger(__name__)


async def load_issue(uow: UnitOfWork, issue_id: int, *, for_update: bool = False) -> Issue:
    issue = await uow.issues.get(issue_id, for_update=for_update)
    if issue is None:
        raise NotFound("issue", issue_id)
    return issue


async def load_comment(uow: UnitOfWork, comment_id: int) -> IssueComment:
    comment = await uow.issues.get_comment(comment_id)
    if comment is None:
        raise NotFound("issue comment", comment_id)
    return comment


def issue_payload(
    media: Media, issue: Issue, actor: User | None, comment: IssueComment | None = None
) -> EventPayload:
    """The outbox snapshot of an issue's event (see EventPayload for what its fields mean)."""
    return title_snapshot(
        media,
        issue.created_by,
        actor,
        request_id=0,
        status=RequestStatus.PENDING,  # means nothing for an issue (EventPayload)
        seasons=(issue.problem_season,) if issue.problem_season else (),
        issue=issue.facts(comment),
    )


async def _record(
    uow: UnitOfWork,
    kind: EventKind,
    issue: Issue,
    actor: User | None,
    services: Services,
    comment: IssueComment | None = None,
) -> None:
    payload = issue_payload(issue.media, issue, actor, comment)
    await uow.events.add(kind, payload, services.clock.now())


async def catalogue_seasons(services: Services, media: Media) -> tuple[SeasonInfo, ...] | None:
    """The show's seasons from the catalogue; None when it cannot say (down, refusing our
    key, or no longer knowing the show): the report is then checked against the seasons
    the server is known to have, and the episode taken on trust."""
    if media.media_type is not MediaType.TV:
        return ()
    try:
        details = await services.catalogue.details(media.tmdb_id, MediaType.TV)
    except (ServiceUnavailable, ServiceRejected, TitleNotFound) as exc:
        log.warning("episode of %s not checked: %s", media.label, exc)
        return None
    return details.seasons


async def report_issue(
    services: Services,
    actor: Actor,
    media_id: int,
    issue_type: IssueType | int,
    message: str,
    problem_season: int = 0,
    problem_episode: int = 0,
) -> Issue:
    """Report a problem with a title on the server (a media row's id, as Seerr's mediaId):
    CREATE_ISSUES (or MANAGE_ISSUES), a title that is (partly) available, a season and
    episode the show has, a message of bounded length, and at most MAX_OPEN_PER_TITLE open
    issues of the reporter on the title. Managers hear of it (ISSUE_CREATED)."""
    kind = check_type(issue_type)
    words = clean_message(message)
    async with services.uow(write=False) as uow:
        found = await uow.media.get(media_id)
    if found is None:
        raise NotFound("media", media_id)
    seasons = await catalogue_seasons(services, found)

    async def work(uow: UnitOfWork) -> Issue:
        reporter = await acting(uow, actor)
        check_may_report(reporter)
        media = await uow.media.get(media_id)
        if media is None:
            raise NotFound("media", media_id)
        check_on_server(media)
        check_episode(media, seasons, problem_season, problem_episode)
        check_open_limit(reporter, media, await uow.issues.open_count(reporter.id, media.id))
        issue = await uow.issues.add(
            media=media,
            issue_type=kind,
            problem_season=problem_season,
            problem_episode=problem_episode,
            created_by=reporter,
            message=words,
            now=services.clock.now(),
        )
        await _record(uow, EventKind.ISSUE_CREATED, issue, reporter, services)
        return issue

    return await in_transaction(services, work, wakes=True)


async def comment_on_issue(
    services: Services, actor: Actor, issue_id: int, message: str
) -> tuple[Issue, IssueComment]:
    """Add a comment: the reporter on their own issue (CREATE_ISSUES), a manager on any.
    Managers and the reporter hear of it (ISSUE_COMMENT)."""
    words = clean_message(message)

    async def work(uow: UnitOfWork) -> tuple[Issue, IssueComment]:
        return await _commented(uow, services, await acting(uow, actor), issue_id, words)

    return await in_transaction(services, work, wakes=True)


async def set_issue_status(
    services: Services, actor: Actor, issue_id: int, status: IssueStatus
) -> Issue:
    """Resolve or reopen an issue: a manager any, the reporter their own (as Seerr). The
    reporter and managers hear of it; an issue already in ``status`` is left as it is (a
    second press of the button) and nobody hears of it again."""

    async def work(uow: UnitOfWork) -> Issue:
        return await _status_set(uow, services, await acting(uow, actor), issue_id, status)

    return await in_transaction(services, work, wakes=True)


async def delete_issue(services: Services, actor: Actor, issue_id: int) -> Issue:
    """Delete an issue: a manager any, the reporter their own while nobody has commented.
    Nobody is told; the chats' cards of it say it is gone (ISSUE_DELETED)."""

    async def work(uow: UnitOfWork) -> Issue:
        user = await acting(uow, actor)
        issue = await load_issue(uow, issue_id, for_update=True)
        check_may_delete(user, issue)
        await uow.issues.delete(issue.id)
        await _record(uow, EventKind.ISSUE_DELETED, issue, user, services)
        return issue

    return await in_transaction(services, work, wakes=True)


async def edit_comment(
    services: Services, actor: Actor, comment_id: int, message: str
) -> IssueComment:
    """Change one's own comment's words, with CREATE_ISSUES or MANAGE_ISSUES (nobody may
    change another's, as Seerr)."""
    words = clean_message(message)

    async def work(uow: UnitOfWork) -> IssueComment:
        user = await acting(uow, actor)
        comment = await load_comment(uow, comment_id)
        check_may_edit(user, comment)
        return await uow.issues.edit_comment(comment.id, words, services.clock.now())

    return await in_transaction(services, work)


async def delete_comment(services: Services, actor: Actor, comment_id: int) -> IssueComment:
    """Delete a comment: one's own, or any as a manager; the first one is the report
    itself, which goes only with its issue."""

    async def work(uow: UnitOfWork) -> IssueComment:
        user = await acting(uow, actor)
        comment = await load_comment(uow, comment_id)
        issue = await load_issue(uow, comment.issue_id, for_update=True)
        check_may_comment(user, issue, own=comment.user.id == user.id)
        if issue.comments and issue.comments[0].id == comment.id:
            raise InvalidInput("comment", comment_id, "it is the report itself: delete the issue")
        await uow.issues.delete_comment(comment.id)
        return comment

    return await in_transaction(services, work)


async def _commented(
    uow: UnitOfWork, services: Services, user: User, issue_id: int, words: str
) -> tuple[Issue, IssueComment]:
    """Inside a transaction: ``user`` adds a comment (the words cleaned), with its event."""
    issue = await load_issue(uow, issue_id, for_update=True)
    check_may_comment(user, issue)
    comment = await uow.issues.add_comment(issue.id, user, words, services.clock.now())
    issue = await load_issue(uow, issue_id)
    await _record(uow, EventKind.ISSUE_COMMENT, issue, user, services, comment)
    return issue, comment


async def _status_set(
    uow: UnitOfWork, services: Services, user: User, issue_id: int, status: IssueStatus
) -> Issue:
    """Inside a transaction: ``user`` moves the issue to ``status``, with its event (none
    when it is there already)."""
    issue = await load_issue(uow, issue_id, for_update=True)
    check_may_resolve(user, issue)
    if issue.status is status:
        return issue
    issue = await uow.issues.set_status(issue.id, status, user.id, services.clock.now())
    resolved = status is IssueStatus.RESOLVED
    kind = EventKind.ISSUE_RESOLVED if resolved else EventKind.ISSUE_REOPENED
    await _record(uow, kind, issue, user, services)
    return issue


async def update_issue(
    services: Services,
    actor: Actor,
    issue_id: int,
    *,
    message: str | None,
    status: IssueStatus | None,
) -> Issue:
    """Comment on an issue and set its status at once, in one transaction (as Seerr's page
    does when one comments and resolves), each with its event as comment_on_issue and
    set_issue_status write them: both happen or neither. With neither, the issue as it is,
    for whoever may see it. Returns the issue as it is afterwards."""
    words = clean_message(message) if message is not None else None

    async def work(uow: UnitOfWork) -> Issue:
        user = await acting(uow, actor)
        if words is None and status is None:
            issue = await load_issue(uow, issue_id)
            check_may_see(user, issue)
            return issue
        if words is not None:
            issue, _ = await _commented(uow, services, user, issue_id, words)
        if status is not None:
            issue = await _status_set(uow, services, user, issue_id, status)
        return issue

    return await in_transaction(services, work, wakes=True)
