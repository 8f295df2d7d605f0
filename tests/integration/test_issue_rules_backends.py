"""The issue use cases (core.issues, core.issue_queries) on every back end (the fakes, a
SQLite file, PostgreSQL when TEST_DATABASE_URL is set): Seerr's rules of who may report,
see, comment, resolve and delete, the bounds on a report, and the one outbox event each
change writes with it (none for what is refused)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta

import pytest

from core import issue_queries, issues
from core.errors import InvalidInput, IssueRefused, NotFound, PermissionDenied
from core.events import Event, EventKind
from core.identity import User
from core.issue_rules import MAX_MESSAGE, MAX_OPEN_PER_TITLE
from core.issue_values import Issue, IssueCounts, IssueStatus, IssueType
from core.media import Media, MediaStatus
from core.permissions import DEFAULT_USER, Permission
from core.ports import UnitOfWork
from core.services import CoreConfig, Services
from tests.fakes import FakeCatalogue, FakeClock
from tests.integration.test_issue_storage import on_server
from tests.integration.test_repository_contract import (
    NOW,
    Backend,
    add_user,
    backend,
    committed,
    movie,
    read,
    show,
)

__all__ = ["backend"]  # the fixture, over every back end

OPEN, RESOLVED = IssueStatus
CREATE = Permission.REQUEST | Permission.CREATE_ISSUES
VIEW = Permission.REQUEST | Permission.VIEW_ISSUES
MANAGE = Permission.MANAGE_ISSUES


@dataclass
class World:
    backend: Backend
    services: Services
    catalogue: FakeCatalogue
    clock: FakeClock
    wakes: list[None]  # one for each commit that told the dispatcher of new events
    reporter: User  # Seerr's default: REQUEST, CREATE_ISSUES, VIEW_ISSUES
    creator: User  # CREATE_ISSUES only: their own issues
    viewer: User  # VIEW_ISSUES only: sees everyone's, reports nothing
    manager: User  # MANAGE_ISSUES
    guest: User  # REQUEST only
    movie: Media  # available
    show: Media  # season 1 on the server, season 2 not yet

    async def events(self) -> list[Event]:
        later = self.clock.now() + timedelta(days=1)
        return await read(self.backend, lambda uow: uow.events.due(later, limit=500))

    async def kinds(self) -> list[EventKind]:
        return [e.kind for e in await self.events()]

    async def issue(self, issue_id: int) -> Issue | None:
        return await read(self.backend, lambda uow: uow.issues.get(issue_id))

    async def report(
        self,
        user: User | None = None,
        media: Media | None = None,
        *,
        issue_type: IssueType | int = IssueType.VIDEO,
        message: str = "The picture freezes",
        problem_season: int = 0,
        problem_episode: int = 0,
    ) -> Issue:
        who, what = user or self.reporter, media or self.movie
        return await issues.report_issue(
            self.services, who.id, what.id, issue_type, message, problem_season, problem_episode
        )

    def tick(self) -> None:
        self.clock.advance(minutes=1)


@pytest.fixture
async def world(backend: Backend) -> World:
    catalogue = FakeCatalogue()
    clock = FakeClock(NOW)
    users = [
        await add_user(backend, name, permissions)
        for name, permissions in (
            ("Rita", DEFAULT_USER),
            ("Cole", CREATE),
            ("Vera", VIEW),
            ("Max", MANAGE),
            ("Gus", Permission.REQUEST),
        )
    ]
    details = show()
    catalogue.add_show(details.tmdb_id, details.title, seasons={0: 4, 1: 8, 2: 10})
    catalogue.add_movie(movie().tmdb_id, movie().title)
    film = await on_server(backend, movie())

    async def partly(uow: UnitOfWork) -> Media:
        media = await uow.media.upsert(details, NOW)
        await uow.media.set_status(media.id, MediaStatus.PARTIALLY_AVAILABLE, NOW)
        statuses = {1: MediaStatus.AVAILABLE, 2: MediaStatus.PENDING}
        await uow.media.set_season_statuses(media.id, statuses, NOW)
        found = await uow.media.get(media.id)
        assert found is not None
        return found

    series = await committed(backend, partly)
    wakes: list[None] = []
    services = Services(backend.uow, catalogue, clock, CoreConfig(), lambda: wakes.append(None))
    reporter, creator, viewer, manager, guest = users
    return World(
        backend,
        services,
        catalogue,
        clock,
        wakes,
        reporter=reporter,
        creator=creator,
        viewer=viewer,
        manager=manager,
        guest=guest,
        movie=film,
        show=series,
    )


# ----- reporting -------------------------------------------------------------------------


async def test_a_report_is_an_open_issue_and_one_event_for_the_managers(world: World) -> None:
    issue = await world.report(message="  The picture freezes  ", issue_type=IssueType.AUDIO)

    assert await world.issue(issue.id) == issue
    assert (issue.status, issue.issue_type, issue.message) == (
        OPEN,
        IssueType.AUDIO,
        "The picture freezes",
    )
    assert issue.created_by.id == world.reporter.id
    assert issue.created_at == NOW
    (event,) = await world.events()
    assert event.kind is EventKind.ISSUE_CREATED
    assert event.payload.issue == issue.facts()
    assert (event.payload.request_id, event.payload.tmdb_id) == (0, world.movie.tmdb_id)
    assert event.payload.requested_by_id == event.payload.actor_id == world.reporter.id
    assert len(world.wakes) == 1


async def test_reporting_takes_create_issues_or_manage_issues(world: World) -> None:
    for user in (world.guest, world.viewer):
        with pytest.raises(PermissionDenied):
            await world.report(user)
    await world.report(world.creator)
    await world.report(world.manager)
    assert await world.kinds() == [EventKind.ISSUE_CREATED] * 2
    counts = await issue_queries.count_issues(world.services)
    assert (counts.total, counts.open) == (2, 2)


@pytest.mark.parametrize(
    "message", ["", "   \n ", "x" * (MAX_MESSAGE + 1)], ids=["empty", "blank", "too long"]
)
async def test_a_report_must_say_something_in_bounded_words(world: World, message: str) -> None:
    with pytest.raises(InvalidInput):
        await world.report(message=message)
    assert await world.events() == []
    assert await issue_queries.count_issues(world.services) == IssueCounts()
    assert (await world.report(message="x" * MAX_MESSAGE)).message == "x" * MAX_MESSAGE


async def test_only_a_title_on_the_server_can_have_a_problem(world: World) -> None:
    wanted = await committed(
        world.backend, lambda uow: uow.media.upsert(movie(550, "Fight Club"), NOW)
    )
    with pytest.raises(IssueRefused, match="not on the server"):
        await world.report(media=wanted)
    with pytest.raises(NotFound):
        await issues.report_issue(world.services, world.reporter.id, 999, 1, "Broken")
    with pytest.raises(InvalidInput):
        await world.report(issue_type=9)
    assert await world.events() == []


async def test_a_user_has_at_most_five_open_issues_on_a_title(world: World) -> None:
    made = [await world.report() for _ in range(MAX_OPEN_PER_TITLE)]
    with pytest.raises(IssueRefused, match="add a comment"):
        await world.report()
    await world.report(world.creator)  # another user's count is their own
    await world.report(media=world.show)  # as is another title's
    await issues.set_issue_status(world.services, world.reporter.id, made[0].id, RESOLVED)
    await world.report()  # a resolved one no longer counts
    with pytest.raises(IssueRefused):
        await world.report()
    assert (await world.kinds()).count(EventKind.ISSUE_CREATED) == MAX_OPEN_PER_TITLE + 3


async def test_a_report_racing_another_of_the_same_user_waits_and_sees_its_issue(
    world: World,
) -> None:
    for _ in range(MAX_OPEN_PER_TITLE - 1):
        await world.report()

    async with world.backend.uow() as uow:  # a report of the same user, not yet committed
        reporter = await uow.users.get(world.reporter.id, for_update=True)
        assert reporter is not None
        await uow.issues.add(
            media=world.movie,
            issue_type=IssueType.AUDIO,
            problem_season=0,
            problem_episode=0,
            created_by=reporter,
            message="No sound",
            now=NOW,
        )
        racer = asyncio.create_task(world.report())
        await world.backend.until_blocked(racer)
        await uow.commit()

    with pytest.raises(IssueRefused):
        await racer
    counts = await issue_queries.count_issues(world.services)
    assert counts.open == MAX_OPEN_PER_TITLE


async def test_a_show_episode_is_one_of_a_season_on_the_server(world: World) -> None:
    tv = world.show
    whole = await world.report(media=tv)
    season = await world.report(media=tv, problem_season=1)
    episode = await world.report(media=tv, problem_season=1, problem_episode=8)
    assert [i.where for i in (whole, season, episode)] == ["", "Season 1", "S1E8"]
    refused = [
        {"problem_season": 1, "problem_episode": 9},  # season 1 has 8 episodes
        {"problem_season": 2},  # not on the server yet
        {"problem_season": 3},  # not a season of the show
        {"problem_episode": 3},  # which season?
        {"problem_season": -1},
    ]
    for where in refused:
        with pytest.raises(InvalidInput):
            await world.report(media=tv, **where)
    world.catalogue.unavailable = True  # the episode is then taken on trust
    trusted = await world.report(media=tv, problem_season=1, problem_episode=20)
    assert trusted.where == "S1E20"
    with pytest.raises(InvalidInput):
        await world.report(media=tv, problem_season=2)  # the server's seasons still count
    assert len(await world.events()) == 4


async def test_a_movie_has_no_season_or_episode(world: World) -> None:
    for where in ({"problem_season": 1}, {"problem_episode": 2}):
        with pytest.raises(InvalidInput, match="movie"):
            await world.report(**where)
    assert await world.events() == []


# ----- seeing ----------------------------------------------------------------------------


async def test_who_sees_which_issues(world: World) -> None:
    ritas = await world.report()
    world.tick()
    coles = await world.report(world.creator, media=world.show)

    async def listed(user: User, **query: object) -> tuple[list[int], int, bool]:
        page = await issue_queries.list_issues(world.services, user.id, **query)
        return [i.id for i in page.issues], page.total, page.everyone

    everyone = ([coles.id, ritas.id], 2, True)
    assert await listed(world.reporter) == everyone  # VIEW_ISSUES
    assert await listed(world.viewer) == everyone
    assert await listed(world.manager) == everyone
    assert await listed(world.creator) == ([coles.id], 1, False)  # their own only
    assert await listed(world.creator, created_by=world.creator.id) == ([coles.id], 1, False)
    assert await listed(world.manager, created_by=world.reporter.id) == ([ritas.id], 1, False)
    assert await listed(world.viewer, media_id=world.show.id) == ([coles.id], 1, True)
    assert await listed(world.viewer, status=RESOLVED) == ([], 0, True)
    with pytest.raises(PermissionDenied):
        await listed(world.creator, created_by=world.reporter.id)
    with pytest.raises(PermissionDenied):
        await listed(world.guest)

    assert await issue_queries.get_issue(world.services, world.creator.id, coles.id) == coles
    assert await issue_queries.get_issue(world.services, world.viewer.id, coles.id) == coles
    for user in (world.creator, world.guest):
        with pytest.raises(PermissionDenied):
            await issue_queries.get_issue(world.services, user.id, ritas.id)
    with pytest.raises(NotFound):
        await issue_queries.get_issue(world.services, world.manager.id, 999)
    first = ritas.comments[0]
    assert await issue_queries.get_comment(world.services, world.viewer.id, first.id) == first
    with pytest.raises(PermissionDenied):
        await issue_queries.get_comment(world.services, world.creator.id, first.id)


# ----- comments --------------------------------------------------------------------------


async def test_the_reporter_and_managers_comment_and_each_comment_is_an_event(
    world: World,
) -> None:
    issue = await world.report(world.creator)
    world.tick()

    mine, first = await issues.comment_on_issue(world.services, world.creator.id, issue.id, "Still")
    world.tick()
    theirs, reply = await issues.comment_on_issue(
        world.services, world.manager.id, issue.id, " Looking "
    )

    assert theirs == await world.issue(issue.id)
    assert [c.message for c in theirs.comments] == ["The picture freezes", "Still", "Looking"]
    assert theirs.updated_at == world.clock.now()
    _, said, answered = await world.events()
    assert [e.kind for e in (said, answered)] == [EventKind.ISSUE_COMMENT] * 2
    assert said.payload.issue == mine.facts(first)
    assert answered.payload.issue == theirs.facts(reply)
    assert answered.payload.issue is not None
    assert answered.payload.issue.commented_by_id == world.manager.id
    assert answered.payload.requested_by_id == world.creator.id  # the reporter hears of it
    for user in (world.reporter, world.viewer, world.guest):  # not their issue
        with pytest.raises(PermissionDenied):
            await issues.comment_on_issue(world.services, user.id, issue.id, "Me too")
    with pytest.raises(InvalidInput):
        await issues.comment_on_issue(world.services, world.creator.id, issue.id, " ")
    with pytest.raises(NotFound):
        await issues.comment_on_issue(world.services, world.manager.id, 999, "Hello")
    assert len(await world.events()) == 3


async def test_one_edits_only_ones_own_comment_and_nobody_hears_of_it(world: World) -> None:
    issue = await world.report(world.creator)
    _, reply = await issues.comment_on_issue(world.services, world.manager.id, issue.id, "Hm")
    before = await world.events()
    world.tick()

    edited = await issues.edit_comment(world.services, world.manager.id, reply.id, "Fixed")

    assert (edited.message, edited.updated_at) == ("Fixed", world.clock.now())
    found = await world.issue(issue.id)
    assert found is not None
    assert found.comments[1] == edited
    for user in (world.creator, world.reporter):
        with pytest.raises(PermissionDenied):
            await issues.edit_comment(world.services, user.id, reply.id, "Mine now")
    with pytest.raises(InvalidInput):
        await issues.edit_comment(world.services, world.manager.id, reply.id, "")
    with pytest.raises(NotFound):
        await issues.edit_comment(world.services, world.manager.id, 999, "Who")

    async def demote(uow: UnitOfWork) -> None:
        await uow.users.set_permissions(world.manager.id, Permission.REQUEST, NOW)

    await committed(world.backend, demote)
    with pytest.raises(PermissionDenied, match="edit comments"):  # as Seerr: no longer
        await issues.edit_comment(world.services, world.manager.id, reply.id, "Again")
    assert await world.events() == before


async def test_deleting_comments_keeps_the_report(world: World) -> None:
    issue = await world.report(world.creator)
    report = issue.comments[0]
    _, own = await issues.comment_on_issue(world.services, world.creator.id, issue.id, "More")
    _, reply = await issues.comment_on_issue(world.services, world.manager.id, issue.id, "Ok")
    _, late = await issues.comment_on_issue(world.services, world.creator.id, issue.id, "Hi")
    before = await world.events()

    with pytest.raises(PermissionDenied):  # the reporter deletes only their own
        await issues.delete_comment(world.services, world.creator.id, reply.id)
    with pytest.raises(InvalidInput, match="report itself"):
        await issues.delete_comment(world.services, world.manager.id, report.id)
    assert await issues.delete_comment(world.services, world.creator.id, own.id) == own
    assert await issues.delete_comment(world.services, world.manager.id, late.id) == late

    found = await world.issue(issue.id)
    assert found is not None
    assert found.comments == (report, reply)
    with pytest.raises(NotFound):
        await issues.delete_comment(world.services, world.manager.id, own.id)
    assert await world.events() == before


# ----- resolving and reopening -----------------------------------------------------------


async def test_resolving_twice_writes_one_event_and_reopening_another(world: World) -> None:
    issue = await world.report()
    world.tick()

    resolved = await issues.set_issue_status(world.services, world.reporter.id, issue.id, RESOLVED)
    world.tick()
    again = await issues.set_issue_status(world.services, world.reporter.id, issue.id, RESOLVED)

    assert resolved == again == await world.issue(issue.id)
    assert (resolved.status, resolved.modified_by) == (RESOLVED, world.reporter)
    assert resolved.updated_at == NOW + timedelta(minutes=1)
    reopened = await issues.set_issue_status(world.services, world.manager.id, issue.id, OPEN)
    assert (reopened.status, reopened.modified_by) == (OPEN, world.manager)
    events = await world.events()
    assert [e.kind for e in events] == [
        EventKind.ISSUE_CREATED,
        EventKind.ISSUE_RESOLVED,
        EventKind.ISSUE_REOPENED,
    ]
    assert events[1].payload.issue == resolved.facts()
    assert events[2].payload.issue == reopened.facts()
    assert events[2].payload.actor_id == world.manager.id
    counts = await issue_queries.count_issues(world.services)
    assert (counts.open, counts.closed) == (1, 0)


async def test_only_the_reporter_and_managers_resolve(world: World) -> None:
    issue = await world.report(world.creator)
    for user in (world.reporter, world.viewer, world.guest):
        with pytest.raises(PermissionDenied):
            await issues.set_issue_status(world.services, user.id, issue.id, RESOLVED)
    own = await issues.set_issue_status(world.services, world.creator.id, issue.id, RESOLVED)
    assert own.status is RESOLVED
    admin = await add_user(world.backend, "Ada", Permission.ADMIN)
    assert (await issues.set_issue_status(world.services, admin.id, issue.id, OPEN)).is_open
    with pytest.raises(NotFound):
        await issues.set_issue_status(world.services, admin.id, 999, OPEN)
    assert await world.kinds() == [
        EventKind.ISSUE_CREATED,
        EventKind.ISSUE_RESOLVED,
        EventKind.ISSUE_REOPENED,
    ]


async def test_an_update_comments_and_resolves_in_one_transaction_with_both_events(
    world: World,
) -> None:
    issue = await world.report(world.creator)
    world.tick()
    wakes = len(world.wakes)

    updated = await issues.update_issue(
        world.services, world.manager.id, issue.id, message=" Fixed it ", status=RESOLVED
    )

    assert updated == await world.issue(issue.id)
    assert (updated.status, updated.modified_by) == (RESOLVED, world.manager)
    assert [c.message for c in updated.comments] == ["The picture freezes", "Fixed it"]
    _, commented, resolved = await world.events()
    assert (commented.kind, resolved.kind) == (EventKind.ISSUE_COMMENT, EventKind.ISSUE_RESOLVED)
    assert commented.payload.issue is not None
    assert commented.payload.issue.comment_id == updated.comments[1].id
    assert resolved.payload.issue == updated.facts()
    assert len(world.wakes) == wakes + 1  # one commit


async def test_an_update_does_what_is_asked_and_nothing_when_refused(world: World) -> None:
    issue = await world.report(world.creator)
    services, creator = world.services, world.creator.id

    same = await issues.update_issue(services, creator, issue.id, message=None, status=OPEN)
    assert same == issue  # already open: no event
    said = await issues.update_issue(services, creator, issue.id, message="Still", status=None)
    assert [c.message for c in said.comments] == ["The picture freezes", "Still"]
    closed = await issues.update_issue(services, creator, issue.id, message=None, status=RESOLVED)
    assert (closed.status, len(closed.comments)) == (RESOLVED, 2)
    for user in (world.reporter, world.guest):  # not theirs to change
        with pytest.raises(PermissionDenied):
            await issues.update_issue(services, user.id, issue.id, message="Me", status=OPEN)
    with pytest.raises(InvalidInput):  # a blank comment leaves the status as it is too
        await issues.update_issue(services, creator, issue.id, message=" ", status=OPEN)
    with pytest.raises(NotFound):
        await issues.update_issue(services, creator, 999, message="Hi", status=None)
    assert await world.kinds() == [
        EventKind.ISSUE_CREATED,
        EventKind.ISSUE_COMMENT,
        EventKind.ISSUE_RESOLVED,
    ]
    assert await world.issue(issue.id) == closed
    viewed = await issues.update_issue(
        services, world.viewer.id, issue.id, message=None, status=None
    )
    assert viewed == closed  # with neither, the issue for whoever may see it
    with pytest.raises(PermissionDenied):
        await issues.update_issue(services, world.guest.id, issue.id, message=None, status=None)


# ----- deleting --------------------------------------------------------------------------


async def test_the_reporter_deletes_their_issue_only_while_nobody_answered(world: World) -> None:
    lone = await world.report(world.creator)
    answered = await world.report(world.creator)
    await issues.comment_on_issue(world.services, world.manager.id, answered.id, "Which one?")

    with pytest.raises(PermissionDenied):
        await issues.delete_issue(world.services, world.reporter.id, lone.id)  # not theirs
    with pytest.raises(PermissionDenied):
        await issues.delete_issue(world.services, world.creator.id, answered.id)
    deleted = await issues.delete_issue(world.services, world.creator.id, lone.id)

    assert deleted == lone
    assert await world.issue(lone.id) is None
    gone = await issues.delete_issue(world.services, world.manager.id, answered.id)
    assert len(gone.comments) == 2
    assert await world.issue(answered.id) is None
    for comment in gone.comments:
        got = await read(world.backend, lambda uow, c=comment: uow.issues.get_comment(c.id))
        assert got is None
    events = await world.events()
    deletions = [e for e in events if e.kind is EventKind.ISSUE_DELETED]
    assert [e.payload.issue for e in deletions] == [lone.facts(), gone.facts()]
    assert [e.payload.actor_id for e in deletions] == [world.creator.id, world.manager.id]
    assert len(events) == 5  # two reports, a comment, two deletions
    with pytest.raises(NotFound):
        await issues.delete_issue(world.services, world.manager.id, lone.id)
    assert await issue_queries.count_issues(world.services) == IssueCounts()


async def test_an_actor_found_by_a_rule_acts_in_the_same_transaction(world: World) -> None:
    async def key_holder(uow: UnitOfWork) -> User:
        found = await uow.users.get(world.manager.id, for_update=True)
        assert found is not None
        return found

    issue = await issues.report_issue(world.services, key_holder, world.movie.id, 4, "Odd")
    assert issue.created_by.id == world.manager.id
    page = await issue_queries.list_issues(world.services, key_holder)
    assert [i.id for i in page.issues] == [issue.id]
    assert await world.kinds() == [EventKind.ISSUE_CREATED]


async def test_reading_issues_does_not_wait_for_a_change_of_the_reader(world: World) -> None:
    issue = await world.report()
    _, comment = await issues.comment_on_issue(world.services, world.reporter.id, issue.id, "Hm")
    reader, services = world.reporter.id, world.services

    async with world.backend.uow() as uow:  # a change of the reader, still under way
        assert await uow.users.get(reader, for_update=True) is not None
        found = [
            await asyncio.wait_for(issue_queries.get_issue(services, reader, issue.id), 10),
            await asyncio.wait_for(issue_queries.list_issues(services, reader), 10),
            await asyncio.wait_for(issue_queries.get_comment(services, reader, comment.id), 10),
            await asyncio.wait_for(
                issue_queries.report_choices(services, reader, world.movie.id), 10
            ),
        ]
        await uow.commit()

    assert [type(f).__name__ for f in found] == [
        "Issue",
        "IssuePage",
        "IssueComment",
        "ReportChoices",
    ]


async def test_a_chats_report_flow_offers_the_seasons_on_the_server(world: World) -> None:
    choices = await issue_queries.report_choices(world.services, world.reporter.id, world.show.id)
    assert choices.seasons == ((1, 8),)
    assert (
        await issue_queries.report_choices(world.services, world.creator.id, world.movie.id)
    ).seasons == ()
    with pytest.raises(PermissionDenied):
        await issue_queries.report_choices(world.services, world.viewer.id, world.movie.id)
    issue = await world.report()
    assert await issue_queries.current_issue(world.services, issue.id) == issue
    await issues.delete_issue(world.services, world.reporter.id, issue.id)
    assert await issue_queries.current_issue(world.services, issue.id) is None
