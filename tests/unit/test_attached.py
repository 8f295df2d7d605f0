"""The client a chat notifier delivers through, and a user's id on a chat platform."""

from __future__ import annotations

import asyncio

import pytest

from adapters.attached import Attached
from core.errors import DeliveryFailed
from core.identity import Identity, User
from core.permissions import Permission


async def test_a_send_before_the_adapter_runs_waits_for_its_client() -> None:
    attached: Attached[str] = Attached("Telegram")
    waiting = asyncio.create_task(attached.ready())
    await asyncio.sleep(0)  # the send is waiting now
    assert not waiting.done()

    attached.attach("bot")

    assert await waiting == "bot"
    assert attached.current == "bot"


async def test_a_send_after_the_adapter_stopped_is_told_it_is_not_running() -> None:
    attached: Attached[str] = Attached("Discord", timeout=0.01)
    attached.attach("client")
    attached.detach()

    assert attached.current is None
    with pytest.raises(DeliveryFailed, match="the Discord adapter is not running"):
        await attached.ready()


def test_a_user_s_numeric_id_is_the_one_on_that_platform() -> None:
    user = User(
        1,
        "Alice",
        Permission.REQUEST,
        (Identity("console", "alice"), Identity("telegram", "42"), Identity("discord", "x")),
    )
    assert user.numeric_id("telegram") == 42
    assert user.numeric_id("discord") is None  # not a number: not a Discord user id
    assert user.numeric_id("slack") is None
