"""Reading issues, as the REST API and the chats' /issues show them, with Seerr's rule of who
sees what: one's own issues with CREATE_ISSUES, everyone's with VIEW_ISSUES or
MANAGE_ISSUES."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from core import search
from core.errors import NotFound, PermissionDenied
from core.issue_rules import (
    check_may_report,
    check_may_see,
    check_on_server,
    may_report,
    reportable_seasons,
    sees_all_issues,
)
from core.issue_values import Issue, IssueComment, IssueCounts, IssueSort, IssueStatus
from core.issues import catalogue_seasons, load_comment, load_issue
from core.media import Media, MediaKey, MediaType
from core.permissions import Permission
from core.ports import UnitOfWork
from core.services import Services, in_transaction
from core.users import Actor, acting

_ANY = (Permission.CREATE_ISSUES, Permission.VIEW_ISSUES, Permission.MANAGE_ISSUES)
MAX_TITLES = 25  # titles a look-up on the server gives at most (a Discord autocomplete's)
MAX_WORDS = 8  # typed words a look-up on the server matches; later ones are ignored


@dataclass(frozen=True, slots=True)
class IssuePage:
    issues: tuple[Issue, ...]
    total: int
    # Whether the page holds everyone's issues (the reader may see them) or the reader's own.
    everyone: bool


async def get_issue(services: Services, actor: Actor, issue_id: int) -> Issue:
    """One issue with its comments, for its reporter or someone who may see others'."""

    async def work(uow: UnitOfWork) -> Issue:
        user = await acting(uow, actor, lock=False)
        issue = await load_issue(uow, issue_id)
        check_may_see(user, issue)
        return issue

    return await in_transaction(services, work, write=False)


async def list_issues(
    services: Services,
    actor: Actor,
    *,
    status: IssueStatus | None = None,
    created_by: int | None = None,
    media_id: int | None = None,
    offset: int = 0,
    limit: int = 10,
    sort: IssueSort = IssueSort.ADDED,
) -> IssuePage:
    """A page of issues, newest first: everyone's (or ``created_by``'s) for a reader who may
    see others', else the reader's own (asking for someone else's is PermissionDenied)."""

    async def work(uow: UnitOfWork) -> IssuePage:
        user = await acting(uow, actor, lock=False)
        everyone = sees_all_issues(user)
        by = created_by
        if not everyone:
            if not may_report(user):
                raise PermissionDenied("see issues", _ANY, any_of=True)
            if by is not None and by != user.id:
                raise PermissionDenied("view issues reported by other users", _ANY[1:], any_of=True)
            by = user.id
        issues, total = await uow.issues.page(
            status=status, created_by=by, media_id=media_id, offset=offset, limit=limit, sort=sort
        )
        return IssuePage(tuple(issues), total, everyone and by is None)

    return await in_transaction(services, work, write=False)


async def count_issues(services: Services) -> IssueCounts:
    """Every issue by type and status (Seerr serves these to anyone with the key)."""

    async def work(uow: UnitOfWork) -> IssueCounts:
        return await uow.issues.counts()

    return await in_transaction(services, work, write=False)


async def get_comment(services: Services, actor: Actor, comment_id: int) -> IssueComment:
    """One comment, for whoever may see its issue."""

    async def work(uow: UnitOfWork) -> IssueComment:
        user = await acting(uow, actor, lock=False)
        comment = await load_comment(uow, comment_id)
        check_may_see(user, await load_issue(uow, comment.issue_id))
        return comment

    return await in_transaction(services, work, write=False)


async def issues_of_media(uow: UnitOfWork, media_id: int, limit: int = 100) -> list[Issue]:
    """Inside a transaction: a title's issues, newest first (Seerr's ``mediaInfo.issues``)."""
    issues, _ = await uow.issues.page(media_id=media_id, limit=limit)
    return issues


async def current_issue(services: Services, issue_id: int) -> Issue | None:
    """The issue as it is now, or None once deleted: what a chat's card of it shows (the
    card's readers were allowed to see it when it was posted)."""

    async def work(uow: UnitOfWork) -> Issue | None:
        return await uow.issues.get(issue_id)

    return await in_transaction(services, work, write=False)


@dataclass(frozen=True, slots=True)
class ReportChoices:
    """What a chat's report flow offers for a title: its seasons on the server with their
    episode counts (0 when the catalogue could not say), none for a movie."""

    media: Media
    seasons: tuple[tuple[int, int], ...] = ()

    def episodes(self, season: int) -> int:
        return next((count for number, count in self.seasons if number == season), 0)


async def report_choices(services: Services, actor_id: int, media_id: int) -> ReportChoices:
    """Before a chat's pickers: the user may report (PermissionDenied), the title is on the
    server (IssueRefused), and which seasons and episodes it has."""
    async with services.uow(write=False) as uow:
        user = await acting(uow, actor_id, lock=False)
        media = await uow.media.get(media_id)
    check_may_report(user)
    if media is None:
        raise NotFound("media", media_id)
    check_on_server(media)
    if media.media_type is not MediaType.TV:
        return ReportChoices(media)
    seasons = await catalogue_seasons(services, media)
    counts = {s.season_number: s.episode_count for s in seasons or ()}
    numbers = reportable_seasons(media, seasons)
    return ReportChoices(media, tuple((n, counts.get(n, 0)) for n in numbers))


def people(issues: Iterable[Issue]) -> set[int]:
    """Everyone the issues show: the reporters, who last changed them, the commenters."""
    ids: set[int] = set()
    for issue in issues:
        ids.add(issue.created_by.id)
        if issue.modified_by is not None:
            ids.add(issue.modified_by.id)
        ids.update(c.user.id for c in issue.comments)
    return ids


async def request_counts(services: Services, user_ids: Iterable[int]) -> dict[int, int]:
    """How many requests each of these users made (Seerr's users in an issue carry it)."""
    wanted = set(user_ids)

    async def work(uow: UnitOfWork) -> dict[int, int]:
        return await uow.listings.requests_per_user(wanted) if wanted else {}

    return await in_transaction(services, work, write=False)


@dataclass(frozen=True, slots=True)
class TitleIssues:
    """Titles' issues by media id, with the request count of everyone in them."""

    by_media: dict[int, list[Issue]]
    request_counts: dict[int, int]


async def issues_of_titles(services: Services, media_ids: Iterable[int]) -> TitleIssues:
    """Each title's issues (issues_of_media) and their people's request counts, in one
    transaction: Seerr shows them to anyone who looks the title up."""
    wanted = list(dict.fromkeys(media_ids))

    async def work(uow: UnitOfWork) -> TitleIssues:
        found = {m: await issues_of_media(uow, m) for m in wanted}
        everyone = people(i for issues in found.values() for i in issues)
        counts = await uow.listings.requests_per_user(everyone) if everyone else {}
        return TitleIssues(found, counts)

    return await in_transaction(services, work, write=False)


async def title_media(services: Services, tmdb_id: int, media_type: MediaType) -> Media | None:
    """The media row of a title known by its TMDb key (what a report names), if any."""

    async def work(uow: UnitOfWork) -> Media | None:
        return await uow.media.get_by_tmdb(tmdb_id, media_type)

    return await in_transaction(services, work, write=False)


def title_words(text: str) -> tuple[str, ...]:
    """The words of a look-up by title: Unicode-normalised (NFC, as TMDb's titles are),
    lowered, each once, at most MAX_WORDS of the first search.MAX_QUERY characters."""
    words = unicodedata.normalize("NFC", text[: search.MAX_QUERY]).lower().split()
    return tuple(dict.fromkeys(words))[:MAX_WORDS]


async def titles_on_server(
    services: Services, text: str, limit: int = MAX_TITLES
) -> tuple[Media, ...]:
    """Titles on the server, in either quality, whose title holds every typed word in any
    case: those that start with the words first, then the shorter, then the newest; at
    most ``limit`` (up to MAX_TITLES). This database's alone: nothing is asked of TMDb,
    and a title it ranks low for these words is found as well."""
    words = title_words(text)
    if not words or limit < 1:
        return ()

    async def work(uow: UnitOfWork) -> list[Media]:
        return await uow.media.on_server_titled(words, min(limit, MAX_TITLES))

    return tuple(await in_transaction(services, work, write=False))


@dataclass(frozen=True, slots=True)
class FoundTitles:
    """The titles on the server that a chat's /issue with typed words offers, and the words
    as they were looked up (spaces collapsed)."""

    query: str
    titles: tuple[Media, ...]


async def reportable_titles(services: Services, text: str, limit: int = MAX_TITLES) -> FoundTitles:
    """The titles on the server that typed words name: titles_on_server's or, when it finds
    none, those of TMDb's first page of results for the words that are on the server (one
    known here by another name, e.g. its original title), in TMDb's order."""
    query = " ".join(text.split())
    here = await titles_on_server(services, query, limit)
    if here or not query:
        return FoundTitles(query, here)
    found = await search.search(services, query)
    keys: list[MediaKey] = [
        (r.item.tmdb_id, r.item.media_type) for r in found.results if r.on_server
    ]
    if not keys or limit < 1:
        return FoundTitles(found.query, ())

    async def work(uow: UnitOfWork) -> list[Media]:
        states = await uow.media.states(keys[:limit])
        return [states[key].media for key in keys[:limit] if key in states]

    return FoundTitles(found.query, tuple(await in_transaction(services, work, write=False)))
