"""The notification agents end to end: the bot running with the real Telegram client
against the fake Telegram server, the agents going out through Apprise to a Mattermost-style
(Slack-format) webhook sink and a real SMTP server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from apprise.plugins.email.base import NotifyEmail

from bot.agent_settings import AgentSettings, agent_settings
from core import availability
from core.agents import send_digest
from core.events import DeliveryStatus
from core.media import MediaType
from tests import discord_world as dw
from tests.discord_world import DiscordWorld
from tests.discord_world import running as discord_running
from tests.e2e.test_cli import ROOT
from tests.fake_agents import FakeHooks, FakeSmtp
from tests.fake_discord import FakeDiscord
from tests.fake_telegram import FakeTelegram
from tests.fake_tmdb import FakeTmdb
from tests.telegram_world import (
    ADMIN_CHAT,
    ALICE,
    BOSS,
    TelegramWorld,
    has,
    running,
    text_of,
)
from tests.world_db import undelivered

MATRIX = "The Matrix (1999)"
INCEPTION = "Inception (2010)"


def agents(**values: str) -> tuple[AgentSettings, ...]:
    """Agents read from settings as requestbot reads them (NOTIFY_<KEY>_<FIELD>=value)."""
    found, problems = agent_settings({f"NOTIFY_{k.upper()}": v for k, v in values.items()}, {})
    assert problems == []
    return tuple(found)


@pytest.fixture
async def hooks() -> AsyncIterator[FakeHooks]:
    async with FakeHooks() as server:
        yield server


@pytest.fixture
async def smtp(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeSmtp]:
    # Apprise spaces emails 5.5 s apart (kind to real mail servers); not this one's.
    monkeypatch.setattr(NotifyEmail, "request_rate_per_sec", 0)
    async with FakeSmtp() as server:
        yield server


def slack_url(hooks: FakeHooks, token: str = "slacktoken123") -> str:  # noqa: S107
    return f"mmost://127.0.0.1:{hooks.port}/{token}"


def slack_texts(hooks: FakeHooks) -> list[str]:
    return [body["text"] for body in hooks.bodies()]


async def agent_rows(world: TelegramWorld, agent: str) -> list[tuple[int, DeliveryStatus]]:
    return [(e, status) for e, name, _, status in await world.deliveries() if name == agent]


async def decline(world: TelegramWorld, admin_card: object) -> None:
    await world.press(BOSS, admin_card, "❌ Decline")  # type: ignore[arg-type]
    prompt = await world.tg.wait_for_message(ADMIN_CHAT, has("why decline"))
    await world.press(BOSS, prompt, "No reason")


async def test_a_slack_and_an_email_agent_get_exactly_the_events_they_chose(
    fake_telegram: FakeTelegram,
    fake_tmdb: FakeTmdb,
    tmp_path: Path,
    hooks: FakeHooks,
    smtp: FakeSmtp,
) -> None:
    chosen = agents(
        slack_url=slack_url(hooks),
        slack_events="pending, available",
        mail_url=smtp.url(),
        mail_events="approved,declined",
    )
    world = TelegramWorld(fake_telegram, fake_tmdb, tmp_path, agents=chosen)
    async with running(world):
        await world.request_movie(ALICE, "matrix")
        card = await world.tg.wait_for_message(ADMIN_CHAT, has("New Movie Request"))
        await world.press(BOSS, card, "✅ Approve")
        await availability.mark_available(world.services, 603, MediaType.MOVIE, ())
        await world.request_movie(ALICE, "inception")
        second = await world.tg.wait_for_message(ADMIN_CHAT, has("Inception"))
        await decline(world, second)
        await world.settled()

        texts = slack_texts(hooks)
        assert [t.splitlines()[0] for t in texts] == [
            f"New Movie Request: {MATRIX}",
            f"Movie Request Now Available: {MATRIX}",
            f"New Movie Request: {INCEPTION}",
        ]
        assert "Requested By: Alice" in texts[0]
        assert "slacktoken123" in hooks.requests[0].path  # Mattermost's hook path
        assert smtp.subjects() == [
            f"Movie Request Approved: {MATRIX}",
            f"Movie Request Declined: {INCEPTION}",
        ]
        assert smtp.envelopes[0] == ("requestbot@example.org", ["admins@example.org"])
        body = smtp.mails[0].get_body(("plain",))
        assert body is not None
        assert "Requested By: Alice" in body.get_content()
        # Each event the agent does not carry is logged as skipped, once.
        slack = await agent_rows(world, "agent:slack")
        assert [s for _, s in slack].count(DeliveryStatus.SENT) == 3
        assert {s for _, s in slack} == {DeliveryStatus.SENT, DeliveryStatus.SKIPPED}
        assert len({e for e, _ in slack}) == len(slack)


async def test_a_hung_agent_never_delays_the_chats_and_is_retried_until_it_answers(
    fake_telegram: FakeTelegram, fake_tmdb: FakeTmdb, tmp_path: Path, hooks: FakeHooks
) -> None:
    world = TelegramWorld(
        fake_telegram, fake_tmdb, tmp_path, agents=agents(slack_url=slack_url(hooks))
    )
    hooks.delay = 60  # the agent's server takes the connection and never answers
    async with running(world):
        await world.request_movie(ALICE, "matrix")
        await world.tg.wait_for_message(ADMIN_CHAT, has("New Movie Request"))
        hung = await hooks.wait_for(lambda: hooks.requests)
        assert hung[0].status is None  # the card went while the agent still hangs

        await hooks.outage()  # the server dies: the agent's send fails
        await hooks.restore()
        hooks.delay = 0
        await world.settled()
        assert slack_texts(hooks)[0].startswith(f"New Movie Request: {MATRIX}")
        statuses = [s for _, s in await agent_rows(world, "agent:slack")]
        assert statuses[0] is DeliveryStatus.FAILED
        assert statuses[-1] is DeliveryStatus.SENT
        # The retries repeated only the agent: the admin chat has its card once.
        cards = world.tg.messages(ADMIN_CHAT)
        assert sum("New Movie Request" in text_of(m) for m in cards) == 1


async def test_a_restart_in_the_middle_of_a_burst_loses_nothing(
    fake_telegram: FakeTelegram, fake_tmdb: FakeTmdb, tmp_path: Path, hooks: FakeHooks
) -> None:
    world = TelegramWorld(
        fake_telegram, fake_tmdb, tmp_path, agents=agents(slack_url=slack_url(hooks))
    )
    hooks.delay = 60
    titles = ["matrix", "inception", "fight club"]
    await world.start()
    for title in titles:
        await world.request_movie(ALICE, title)
    await hooks.wait_for(lambda: hooks.requests)  # the first is on the wire, the rest wait
    assert await world.stop() == 0
    async with world.offline() as services:
        assert await undelivered(services) > 0
    await hooks.outage()  # what the old process left hanging goes away
    await hooks.restore()
    hooks.delay = 0

    async with running(world):
        await world.settled()
        firsts = {t.splitlines()[0] for t in slack_texts(hooks)}
        assert firsts == {
            f"New Movie Request: {MATRIX}",
            f"New Movie Request: {INCEPTION}",
            "New Movie Request: Fight Club (1999)",
        }
        cards = [m for m in world.tg.messages(ADMIN_CHAT) if "New Movie Request" in text_of(m)]
        assert len(cards) == len(titles)  # and nothing twice in the chats


async def test_a_digest_agent_holds_its_events_and_sends_them_in_one_message(
    fake_telegram: FakeTelegram, fake_tmdb: FakeTmdb, tmp_path: Path, hooks: FakeHooks
) -> None:
    world = TelegramWorld(
        fake_telegram,
        fake_tmdb,
        tmp_path,
        agents=agents(team_url=slack_url(hooks), team_events="pending", team_digest="30"),
    )
    async with running(world):
        await world.request_movie(ALICE, "matrix")
        await world.request_movie(ALICE, "inception")
        await world.settled()
        assert hooks.requests == []
        rows = await agent_rows(world, "agent:team")
        assert [s for _, s in rows] == [DeliveryStatus.HELD, DeliveryStatus.HELD]

        services = world.services
        agent = services.agents.find("team")
        assert await send_digest(agent, services.uow, services.clock) == (
            "sent a digest of 2 event(s)"
        )
        [text] = slack_texts(hooks)
        assert text.splitlines()[0] == "Digest: 2 updates"
        assert f"• New Movie Request: {MATRIX} (Alice)" in text
        assert f"• New Movie Request: {INCEPTION} (Alice)" in text
        assert await send_digest(agent, services.uow, services.clock) == "nothing to send"
        assert len(hooks.requests) == 1


async def test_owners_test_the_agents_from_the_chat_and_learn_which_failed(
    fake_telegram: FakeTelegram, fake_tmdb: FakeTmdb, tmp_path: Path, hooks: FakeHooks
) -> None:
    chosen = agents(
        slack_url=slack_url(hooks),
        dead_url="json://127.0.0.1:9/nowhere",  # the discard port: nothing listens
    )
    async with running(TelegramWorld(fake_telegram, fake_tmdb, tmp_path, agents=chosen)) as world:
        reply = await world.say(BOSS, "/notifytest", "slack:")
        dead, slack = text_of(reply).splitlines()  # in the order of their keys
        assert slack == "slack: sent"
        assert dead.startswith("dead: not sent: ")
        assert "Connection error" in dead
        assert slack_texts(hooks)[0].splitlines()[0] == "Test Notification"

        refused = await world.say(ALICE, "/notifytest", "owners")
        assert text_of(refused) == "Only the bot's owners may send test notifications."
        unknown = await world.say(BOSS, "/notifytest nope", "no agent")
        assert "There is no agent called 'nope' (there are: dead, slack)." in text_of(unknown)
        assert len(hooks.requests) == 1


async def test_a_discord_owner_tests_the_agents_and_only_they_see_the_answer(
    fake_discord: FakeDiscord, fake_tmdb: FakeTmdb, tmp_path: Path, hooks: FakeHooks
) -> None:
    world = DiscordWorld(fake_discord, fake_tmdb, tmp_path, agents=agents(ops_url=slack_url(hooks)))
    async with discord_running(world):
        reply = await world.run(dw.BOSS, "notifytest")
        assert reply.ephemeral
        assert reply.text() == "ops: sent"
        assert slack_texts(hooks)[0].splitlines()[0] == "Test Notification"

        refused = await world.run(dw.ALICE, "notifytest", agent="ops")
        assert refused.ephemeral
        assert refused.text() == "Only the bot's owners may send test notifications."
        assert len(hooks.requests) == 1


async def test_notify_test_on_the_command_line_says_what_went_out(
    tmp_path: Path, hooks: FakeHooks
) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("NOTIFY_", "WEBHOOK_", "DATABASE_", "TMDB_"))
    }
    env |= {
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
        "NOTIFY_1_URL": slack_url(hooks, "secrettoken99"),
        "NOTIFY_2_URL": "json://127.0.0.1:9/secretpath77",
        "NOTIFY_2_NAME": "dead",
        "WEBHOOK_URL": f"http://127.0.0.1:{hooks.port}/home-assistant",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "notify-test", cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 1, err.decode()
    assert out.decode().splitlines() == [
        "mmost1: sent",
        "dead: not sent: A Connection error occurred sending JSON notification to 127.0.0.1.",
        "webhook: sent",
    ]
    logged = err.decode()
    assert "secrettoken99" not in logged
    assert "secretpath77" not in logged
    assert len(hooks.bodies()) == 2
    assert hooks.bodies("/home-assistant")[0]["notification_type"] == "TEST_NOTIFICATION"

    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "check", cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), 60)
    every = "pending, approved, auto-approved, declined, failed, available"
    line = f"Notification agents: mmost1 ({every}); dead ({every})"
    lines = out.decode().splitlines()
    assert f"{line} (`requestbot notify-test` tries them)" in lines
    assert f"Webhook: set in the settings, to http://127.0.0.1:{hooks.port} ({every})" in lines
    assert len(hooks.bodies()) == 2  # check sends nothing
