"""The agents' pure parts: templates, Seerr's wording, the pause after failures, the
digest's message, their settings and the secrets in their URLs."""

from __future__ import annotations

import asyncio

import pytest

from adapters.notify.urls import redact, secrets_of
from bot.agent_settings import agent_settings
from bot.settings import unknown_names
from core.agent_messages import AgentMessage, Person, check_message, event_line, truncated
from core.agents import AgentSpec, Messages, Pause, digest_message, render
from core.errors import DeliveryFailed
from core.events import Event, EventKind
from core.media import MediaType
from core.notification_types import NotificationType
from tests.core_fixtures import World, payload_for
from tests.fakes import InMemoryUnitOfWork


def test_render_fills_placeholders_and_blanks_unknown_ones() -> None:
    values = {"subject": "Dune (2021)", "event": "New Movie Request"}
    assert (
        render("{{event}}: {{ subject }} {{nope}}!", values) == "New Movie Request: Dune (2021) !"
    )


def test_a_title_without_an_event_loses_the_separator() -> None:
    title, body = AgentSpec("x").words(check_message())
    assert title == "Test Notification"
    assert body == "Check check, 1, 2, 3. Are we coming in clear?"


def test_seerr_event_lines() -> None:
    assert event_line(EventKind.PENDING, MediaType.MOVIE, False) == "New Movie Request"
    assert event_line(EventKind.PENDING, MediaType.TV, True) == "New 4K Series Request"
    assert event_line(EventKind.AVAILABLE, MediaType.TV, False) == "Series Request Now Available"
    assert event_line(EventKind.RETRIED, MediaType.MOVIE, False) == "Movie Request Approved"


def test_overviews_are_cut_at_a_word_with_an_ellipsis() -> None:
    text = "word " * 200
    cut = truncated(text)
    assert len(cut) <= 500
    assert cut.endswith("word…")
    assert truncated("short") == "short"


def test_placeholders_cover_seerr_keys_with_blanks_where_nothing_is_known() -> None:
    values = AgentMessage(NotificationType.MEDIA_PENDING, "Dune (2021)").placeholders()
    assert values["notification_type"] == "MEDIA_PENDING"
    for key in (
        "media_tmdbid",
        "request_id",
        "issue_id",
        "reportedBy_username",
        "commentedBy_email",
    ):
        assert values[key] == ""


def test_a_pause_after_a_failure_doubles_and_ends_on_success() -> None:
    pause = Pause(first=60.0, most=100.0)
    pause.check("agent:x")  # nothing failed yet
    pause.failed("refused")
    with pytest.raises(DeliveryFailed, match=r"agent:x failed lately \(refused\)") as raised:
        pause.check("agent:x")
    assert 59 < (raised.value.retry_after or 0) <= 60
    pause.failed("refused")
    with pytest.raises(DeliveryFailed) as again:
        pause.check("agent:x")
    assert 99 < (again.value.retry_after or 0) <= 100  # doubled, up to the most
    pause.worked()
    pause.check("agent:x")


def test_a_digest_has_a_line_per_event() -> None:
    messages = [
        AgentMessage(
            NotificationType.MEDIA_PENDING,
            "Dune (2021)",
            event="New Movie Request",
            requested_by=Person("Alice"),
        ),
        AgentMessage(NotificationType.MEDIA_AVAILABLE, "Alien (1979)", event="Movie Now Available"),
    ]
    digest = digest_message("team", messages)
    assert digest.title == "Digest: 2 updates"
    assert digest.message.splitlines() == [
        "• New Movie Request: Dune (2021) (Alice)",
        "• Movie Now Available: Alien (1979)",
    ]
    assert digest.type == NotificationType.MEDIA_PENDING | NotificationType.MEDIA_AVAILABLE


def test_a_long_digest_lists_the_first_fifty_and_counts_the_rest() -> None:
    many = [AgentMessage(NotificationType.MEDIA_PENDING, f"Title {n}") for n in range(60)]
    lines = digest_message("team", many).message.splitlines()
    assert len(lines) == 51
    assert lines[49] == "• Title 49"
    assert lines[50] == "…and 10 more"
    assert digest_message("team", many).subject == "60 updates"


def test_agent_settings_are_read_with_defaults_and_every_problem_listed() -> None:
    agents, problems = agent_settings(
        {"NOTIFY_1_URL": "ntfy://ntfy.example.org/media", "NOTIFY_1_BODY": "a\\nb"},
        {"NOTIFY_SLACK_URL": "mmost://mm.example.org/tokentoken", "NOTIFY_SLACK_DIGEST": "15"},
    )
    assert problems == []
    first, slack = agents
    assert (first.name, first.digest_minutes, first.body) == ("ntfy1", 0, "a\nb")
    assert (slack.name, slack.digest_minutes) == ("slack", 15)
    assert first.types == NotificationType(222)

    _, problems = agent_settings(
        {
            "NOTIFY_2_EVENTS": "pending,nope",
            "NOTIFY_3_URL": "nosuchservice://x",
            "NOTIFY_4_URL": "json://h/x",
            "NOTIFY_4_NAME": "same",
            "NOTIFY_5_URL": "json://h/y",
            "NOTIFY_5_NAME": "same",
            "NOTIFY_5_DIGEST": "-1",
        },
        {},
    )
    assert problems[0] == "NOTIFY_2_URL: missing: the agent's Apprise URL is required"
    assert problems[1].startswith("NOTIFY_2_EVENTS: not an event type: nope")
    assert problems[2].startswith("NOTIFY_3_URL: not an Apprise URL")
    assert problems[3] == "NOTIFY_5_DIGEST: minutes from 0 to 10080 (got '-1')"
    assert len(problems) == 4  # 5 is dropped for its digest, so its name clashes with nothing


def test_agent_settings_are_not_taken_for_typos() -> None:
    warnings = unknown_names(["NOTIFY_1_URL", "NOTIFY_SLACK_EVENTS", "NOTIFY_1_EVENT"], {})
    assert warnings == ("NOTIFY_1_EVENT in .env is not a setting and is ignored",)


def test_the_secrets_of_an_agent_url_are_hidden_and_its_host_kept() -> None:
    url = "tgram://123456:ABCDEFsecret/98765?to=chatchat"
    secrets = secrets_of(url)
    text = f"failed: {url} and ABCDEFsecret at api.telegram.org"
    hidden = redact(text, secrets)
    assert "ABCDEFsecret" not in hidden
    assert "123456" not in hidden
    assert "chatchat" not in hidden
    assert "api.telegram.org" in hidden
    assert "mm.example.org" in redact("mm.example.org", secrets_of("mmost://mm.example.org/tok3n"))


class CountingUow:
    """The in-memory unit of work factory, counting the units opened (the reads)."""

    def __init__(self, world: World) -> None:
        self._world = world
        self.opened = 0
        self.fail = False

    def __call__(self, *, write: bool = True) -> InMemoryUnitOfWork:
        self.opened += 1
        if self.fail:
            raise OSError("database gone")
        return self._world.uow(write=write)


async def test_agents_publishing_one_event_side_by_side_read_it_once() -> None:
    world = World()
    alice = world.user("Alice")
    event = Event(1, EventKind.PENDING, payload_for(alice), world.clock.now())
    counting = CountingUow(world)
    messages = Messages(counting)  # type: ignore[arg-type]

    first, second, third = await asyncio.gather(*(messages.of(event) for _ in range(3)))
    assert first == second == third
    assert first.title == "New Movie Request: Alien (1979)"
    assert counting.opened == 1

    other = Event(2, EventKind.DECLINED, payload_for(alice), world.clock.now())
    counting.fail = True
    with pytest.raises(OSError, match="database gone"):
        await messages.of(other)
    counting.fail = False
    assert (await messages.of(other)).event == "Movie Request Declined"  # read again
    assert counting.opened == 3
