"""Issues in the core, on the in-memory fakes: who hears of each issue event, what the agents
say of it (Seerr's lines and placeholders), and the use cases' finer points. The rules run on
SQLite and PostgreSQL too in tests/integration/test_issue_rules_backends.py."""

from __future__ import annotations

import pytest

from core.agent_messages import message_for
from core.audience import told_in_place
from core.errors import InvalidInput, IssueRefused, PermissionDenied
from core.events import Audience, EventKind
from core.issue_queries import (
    FoundTitles,
    list_issues,
    report_choices,
    reportable_titles,
    title_words,
    titles_on_server,
)
from core.issue_rules import MAX_OPEN_PER_TITLE
from core.issue_values import IssueStatus, IssueType
from core.issues import comment_on_issue, delete_comment, report_issue, set_issue_status
from core.media import Media, MediaDetails, MediaStatus, MediaType
from core.notification_types import NotificationType
from core.notifications import Dispatcher
from core.outbox import reassigned
from core.permissions import DEFAULT_USER, Permission
from core.webhook import DEFAULT_PAYLOAD, render_body
from tests.core_fixtures import World
from tests.fakes import RecordingNotifier

P = Permission
K = EventKind
ISSUE_MANAGER = P.MANAGE_ISSUES | P.VIEW_ISSUES | P.CREATE_ISSUES


@pytest.fixture
def world() -> World:
    return World()


def on_server(
    world: World, *, show: bool = False, status: MediaStatus = MediaStatus.AVAILABLE
) -> Media:
    if show:
        details = world.catalogue.add_show(900, "Severance", 2022, seasons={1: 9, 2: 10})
        seasons = {1: MediaStatus.AVAILABLE, 2: MediaStatus.PARTIALLY_AVAILABLE}
        return world.db.seed_media(details, status, season_statuses=seasons)
    details = world.catalogue.add_movie(901, "Alien", 1979, poster_path="/alien.jpg")
    return world.db.seed_media(details, status)


async def delivered(world: World, notifier: RecordingNotifier) -> None:
    await Dispatcher(world.uow, world.clock, [notifier]).deliver_due()


async def test_managers_hear_of_every_issue_event_and_the_reporter_of_what_others_did(
    world: World,
) -> None:
    media = on_server(world)
    alice = world.user("alice", DEFAULT_USER)
    boss = world.user("boss", ISSUE_MANAGER)
    requests_only = world.user("mod", P.MANAGE_REQUESTS | P.REQUEST)
    chat = RecordingNotifier("discord")

    issue = await report_issue(world.services, alice.id, media.id, IssueType.AUDIO, "No sound")
    await comment_on_issue(world.services, boss.id, issue.id, "Which minute?")
    await comment_on_issue(world.services, alice.id, issue.id, "From the start")
    await set_issue_status(world.services, boss.id, issue.id, IssueStatus.RESOLVED)
    await delivered(world, chat)

    heard = [
        (n.recipient.display_name, n.event.kind, n.audience)
        for n in chat.sent
        if not told_in_place(n)  # what a chat shows nobody: what they did themselves
    ]
    assert heard == [
        ("boss", K.ISSUE_CREATED, Audience.MANAGER),
        ("alice", K.ISSUE_COMMENT, Audience.REQUESTER),  # boss's; he sees his own on the card
        ("boss", K.ISSUE_COMMENT, Audience.MANAGER),  # alice's
        ("alice", K.ISSUE_RESOLVED, Audience.REQUESTER),
    ]
    assert requests_only.id not in {n.recipient.id for n in chat.sent}


async def test_a_second_resolve_writes_no_event_and_reopening_does(world: World) -> None:
    media = on_server(world)
    alice = world.user("alice", DEFAULT_USER)
    issue = await report_issue(world.services, alice.id, media.id, 1, "Green picture")

    await set_issue_status(world.services, alice.id, issue.id, IssueStatus.RESOLVED)
    again = await set_issue_status(world.services, alice.id, issue.id, IssueStatus.RESOLVED)
    reopened = await set_issue_status(world.services, alice.id, issue.id, IssueStatus.OPEN)

    assert again.status is IssueStatus.RESOLVED
    assert reopened.status is IssueStatus.OPEN
    assert world.kinds() == [K.ISSUE_CREATED, K.ISSUE_RESOLVED, K.ISSUE_REOPENED]
    assert reopened.modified_by is not None
    assert reopened.modified_by.id == alice.id


async def test_the_agents_say_what_seerr_says_of_a_comment(world: World) -> None:
    media = on_server(world, show=True)
    alice = world.user("alice", DEFAULT_USER, platforms=("telegram",))
    boss = world.user("boss", ISSUE_MANAGER)
    issue = await report_issue(world.services, alice.id, media.id, 3, "Out of sync", 2, 4)
    await comment_on_issue(world.services, boss.id, issue.id, "Fixed the file")

    async with world.uow(write=False) as uow:
        created, commented = [await message_for(uow, e) for e in world.events()]

    assert (created.type, created.event, created.subject) == (
        NotificationType.ISSUE_CREATED,
        "New Subtitle Issue Reported",
        "Severance (2022)",
    )
    assert created.notify_user is None  # admins only
    assert created.extra == (("Affected Season", "2"), ("Affected Episode", "4"))
    assert commented.event == "New Comment on Subtitle Issue"
    assert commented.message == "Out of sync"  # Seerr: the first comment, the report
    assert commented.notify_user is not None
    assert commented.notify_user.username == "alice"
    values = commented.placeholders()
    assert values["issue_id"] == str(issue.id)
    assert (values["issue_type"], values["issue_status"]) == ("SUBTITLES", "OPEN")
    assert values["reportedBy_username"] == "alice"
    assert values["reportedBy_settings_telegramChatId"] == ""  # not a number: no chat id
    assert (values["comment_message"], values["commentedBy_username"]) == (
        "Fixed the file",
        "boss",
    )
    assert values["request_id"] == ""

    body = render_body(DEFAULT_PAYLOAD, commented)
    assert body["issue"]["issue_type"] == "SUBTITLES"
    assert body["comment"]["commentedBy_username"] == "boss"
    assert body["request"] is None
    assert body["media"]["tmdbId"] == "900"


async def test_a_manager_reporter_is_not_the_user_to_notify(world: World) -> None:
    media = on_server(world)
    boss = world.user("boss", ISSUE_MANAGER)
    other = world.user("other", ISSUE_MANAGER)
    issue = await report_issue(world.services, boss.id, media.id, 4, "Wrong language")
    await set_issue_status(world.services, other.id, issue.id, IssueStatus.RESOLVED)

    async with world.uow(write=False) as uow:
        resolved = await message_for(uow, world.events()[-1])

    assert resolved.event == "Issue Resolved"  # an "other" issue has no type word
    assert resolved.notify_user is None  # Seerr: managers hear of it as managers


async def test_the_limits_of_a_report(world: World) -> None:
    movie, show = on_server(world), on_server(world, show=True)
    alice = world.user("alice", DEFAULT_USER)
    report = world.services

    with pytest.raises(InvalidInput, match="under 2000"):
        await report_issue(report, alice.id, movie.id, 1, "x" * 2001)
    with pytest.raises(InvalidInput, match="say what"):
        await report_issue(report, alice.id, movie.id, 1, "   ")
    with pytest.raises(InvalidInput, match="issueType"):
        await report_issue(report, alice.id, movie.id, 7, "Broken")
    with pytest.raises(InvalidInput, match="no seasons"):
        await report_issue(report, alice.id, movie.id, 1, "Broken", 1, 1)
    with pytest.raises(InvalidInput, match="has 10 episodes"):
        await report_issue(report, alice.id, show.id, 1, "Broken", 2, 11)
    with pytest.raises(InvalidInput, match="no season 3"):
        await report_issue(report, alice.id, show.id, 1, "Broken", 3, 1)
    for n in range(MAX_OPEN_PER_TITLE):
        await report_issue(report, alice.id, movie.id, 1, f"Broken {n}")
    with pytest.raises(IssueRefused, match="already have 5 open issues"):
        await report_issue(report, alice.id, movie.id, 1, "Broken again")
    assert len(world.db.issues()) == MAX_OPEN_PER_TITLE


async def test_a_title_not_on_the_server_cannot_get_an_issue(world: World) -> None:
    media = on_server(world, status=MediaStatus.PROCESSING)
    alice = world.user("alice", DEFAULT_USER)

    with pytest.raises(IssueRefused, match="not on the server yet"):
        await report_choices(world.services, alice.id, media.id)
    with pytest.raises(IssueRefused):
        await report_issue(world.services, alice.id, media.id, 1, "Broken")
    assert world.events() == []


async def test_with_the_catalogue_down_the_season_is_checked_and_the_episode_trusted(
    world: World,
) -> None:
    show = on_server(world, show=True)
    alice = world.user("alice", DEFAULT_USER)
    world.catalogue.unavailable = True

    issue = await report_issue(world.services, alice.id, show.id, 2, "Crackles", 2, 40)
    with pytest.raises(InvalidInput, match="no season 5"):
        await report_issue(world.services, alice.id, show.id, 2, "Crackles", 5, 1)

    assert (issue.problem_season, issue.problem_episode) == (2, 40)


async def test_the_pickers_offer_the_seasons_on_the_server_with_their_episodes(
    world: World,
) -> None:
    show = on_server(world, show=True)
    alice = world.user("alice", DEFAULT_USER)

    choices = await report_choices(world.services, alice.id, show.id)

    assert choices.seasons == ((1, 9), (2, 10))
    assert choices.episodes(2) == 10


@pytest.mark.parametrize(
    "held",
    [{}, {0: MediaStatus.AVAILABLE, 1: MediaStatus.AVAILABLE}],
    ids=["seasons unknown", "specials held"],
)
async def test_the_pickers_offer_no_specials_season_which_a_report_cannot_name(
    world: World, held: dict[int, MediaStatus]
) -> None:
    details = world.catalogue.add_show(902, "Doctor Who", 2005, seasons={0: 3, 1: 13})
    show = world.db.seed_media(details, MediaStatus.AVAILABLE, season_statuses=held)
    alice = world.user("alice", DEFAULT_USER)

    choices = await report_choices(world.services, alice.id, show.id)

    assert choices.seasons == ((1, 13),)  # season 0 is the whole show in a report
    for season, episode in choices.seasons:
        await report_issue(world.services, alice.id, show.id, 1, "Skips", season, episode)


async def test_who_may_see_comment_and_list(world: World) -> None:
    media = on_server(world)
    alice, bob = world.user("alice", DEFAULT_USER), world.user("bob", P.REQUEST | P.CREATE_ISSUES)
    guest = world.user("guest", P.REQUEST)
    issue = await report_issue(world.services, alice.id, media.id, 1, "Blocky")
    await report_issue(world.services, bob.id, media.id, 2, "Hiss")

    with pytest.raises(PermissionDenied):
        await report_issue(world.services, guest.id, media.id, 1, "Blocky")
    with pytest.raises(PermissionDenied):
        await comment_on_issue(world.services, bob.id, issue.id, "Me too")
    with pytest.raises(PermissionDenied):
        await set_issue_status(world.services, bob.id, issue.id, IssueStatus.RESOLVED)
    with pytest.raises(PermissionDenied):
        await list_issues(world.services, bob.id, created_by=alice.id)

    bobs = await list_issues(world.services, bob.id)
    everyone = await list_issues(world.services, alice.id)  # VIEW_ISSUES
    assert [i.created_by.id for i in bobs.issues] == [bob.id]
    assert not bobs.everyone
    assert everyone.total == 2
    assert everyone.everyone


async def test_the_report_itself_goes_only_with_its_issue(world: World) -> None:
    media = on_server(world)
    alice = world.user("alice", DEFAULT_USER)
    issue = await report_issue(world.services, alice.id, media.id, 1, "Blocky")
    _, mine = await comment_on_issue(world.services, alice.id, issue.id, "Still")

    with pytest.raises(InvalidInput, match="the report itself"):
        await delete_comment(world.services, alice.id, issue.comments[0].id)
    await delete_comment(world.services, alice.id, mine.id)

    (left,) = world.db.issues()
    assert [c.message for c in left.comments] == ["Blocky"]


async def test_a_merged_user_keeps_hearing_of_their_issue(world: World) -> None:
    media = on_server(world)
    alice, boss = world.user("alice", DEFAULT_USER), world.user("boss", ISSUE_MANAGER)
    issue = await report_issue(world.services, alice.id, media.id, 1, "Blocky")
    await comment_on_issue(world.services, boss.id, issue.id, "Looking")

    moved = reassigned(world.events()[-1].payload, alice.id, 99)

    assert moved.issue is not None
    assert (moved.requested_by_id, moved.issue.reported_by_id) == (99, 99)
    assert moved.issue.commented_by_id == boss.id


async def test_an_issue_manager_is_not_held_to_the_open_issue_limit(world: World) -> None:
    # A tool reporting with the API key alone (Requestrr) reports everyone's as the admin.
    media = on_server(world)
    admin = world.user("admin", P.ADMIN)

    for n in range(MAX_OPEN_PER_TITLE + 2):
        await report_issue(world.services, admin.id, media.id, 1, f"Broken {n}")

    assert len(world.db.issues()) == MAX_OPEN_PER_TITLE + 2


async def test_a_show_the_catalogue_no_longer_knows_takes_the_episode_on_trust(
    world: World,
) -> None:
    gone = MediaDetails(902, MediaType.TV, "Firefly", 2002, "", None)  # not in the catalogue
    media = world.db.seed_media(
        gone, MediaStatus.AVAILABLE, season_statuses={1: MediaStatus.AVAILABLE}
    )
    alice = world.user("alice", DEFAULT_USER)

    issue = await report_issue(world.services, alice.id, media.id, 2, "Hiss", 1, 14)

    assert (issue.problem_season, issue.problem_episode) == (1, 14)


async def test_titles_on_server_take_the_typed_words_as_written_in_any_form(world: World) -> None:
    details = world.catalogue.add_movie(194, "Amélie", 2001)
    amelie = world.db.seed_media(details, MediaStatus.AVAILABLE)
    for typed in ("AMÉLIE", "Ame\u0301lie", "  amélie   amélie ", "amé lie"):
        assert await titles_on_server(world.services, typed) == (amelie,), typed
    assert await titles_on_server(world.services, "   ") == ()
    assert await titles_on_server(world.services, "amélie", 0) == ()
    assert title_words("a b c d e f g h i j") == tuple("abcdefgh")
    assert world.catalogue.search_calls == []


async def test_reportable_titles_ask_tmdb_only_when_the_database_finds_none(world: World) -> None:
    details = world.catalogue.add_movie(129, "Spirited Away", 2001)
    spirited = world.db.seed_media(details, MediaStatus.PARTIALLY_AVAILABLE)
    world.db.seed_media(world.catalogue.add_movie(130, "Spirited", 2020), MediaStatus.PENDING)
    found = await reportable_titles(world.services, "spirited  away")
    assert found == FoundTitles("spirited away", (spirited,))
    assert world.catalogue.search_calls == []
    found = await reportable_titles(world.services, "spirited")  # the other is not held
    assert found == FoundTitles("spirited", (spirited,))
    assert world.catalogue.search_calls == []
    assert await reportable_titles(world.services, "nothing here") == FoundTitles(
        "nothing here", ()
    )
    assert len(world.catalogue.search_calls) == 1
