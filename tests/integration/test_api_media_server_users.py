"""The media server's accounts as the API's users (Seerr's users are the media server's):
the full library scan's account import over the real client against the fake Emby, and a
chat user's confirmed claim of an account."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.jellyfin import JellyfinClient
from core import claims, linking
from core.claims import ClaimOutcome
from core.identity import Identity
from tests.api_world import ApiWorld
from tests.fake_jellyfin import FakeJellyfin

DAVE_EMAIL = "dave@example.org"


@pytest.fixture
async def scanned(api_world: ApiWorld, fake_emby: FakeJellyfin) -> ApiWorld:
    """The API after the full scan imported the Emby server's accounts (Alice, bob, the
    disabled Carol and dave, whose Emby Connect name is his email)."""
    fake_emby.add_user("dave", connect=DAVE_EMAIL)
    async with JellyfinClient(fake_emby.base_url, fake_emby.api_key, kind="emby") as server:
        report = await linking.import_accounts(api_world.services, await server.accounts())
    assert (report.accounts, report.created) == (4, 4)
    return api_world


def accounts(page: dict[str, Any]) -> dict[str, tuple[str | None, str]]:
    """Each listed account's media-server name -> (its id there, its email)."""
    return {
        u["jellyfinUsername"]: (u["jellyfinUserId"], u["email"])
        for u in page["results"]
        if u["jellyfinUsername"] is not None
    }


async def test_every_account_of_the_media_server_is_a_user(
    scanned: ApiWorld, fake_emby: FakeJellyfin
) -> None:
    page = await scanned.json("/user", take=50)

    found = accounts(page)
    assert set(found) == {"Alice", "bob", "Carol", "dave"}
    assert {name: server_id for name, (server_id, _) in found.items()} == {
        name: fake_emby.user_id(name) for name in found
    }
    # Seerr gives an account without an email its name there instead.
    assert {name: email for name, (_, email) in found.items()} == {
        "Alice": "Alice", "bob": "bob", "Carol": "Carol", "dave": DAVE_EMAIL,
    }  # fmt: skip
    assert page["pageInfo"]["results"] == 3 + 4  # the chat users and the accounts
    assert {u["userType"] for u in page["results"] if u["jellyfinUsername"]} == {3}


@pytest.mark.parametrize(
    ("q", "expected"), [("dave", {"dave"}), ("EXAMPLE.org", {"dave"}), ("caro", {"Carol"})]
)
async def test_accounts_are_found_by_name_or_email(
    scanned: ApiWorld, q: str, expected: set[str]
) -> None:
    page = await scanned.json("/user", q=q)

    assert set(accounts(page)) == expected


async def test_a_confirmed_claim_makes_the_chat_user_and_the_account_one_user(
    scanned: ApiWorld,
) -> None:
    alice = scanned.alice  # the Discord user "alice"
    async with scanned.services.uow() as uow:
        await uow.users.add_identity(alice.id, Identity("telegram", "4242"))
        await uow.commit()
    first = await scanned.seed(alice, 603)
    second = await scanned.seed(alice, 1396)
    claim = await claims.claim_account(scanned.services, Identity("discord", "alice"), "Alice")
    assert claim.outcome is ClaimOutcome.PENDING
    assert claim.key is not None
    waiting = (await scanned.json("/user", q="alice"))["results"]
    assert [u["jellyfinUsername"] for u in waiting] == [None, "Alice"]  # two until confirmed

    decision = await claims.decide_claim(
        scanned.services, scanned.admin.id, "discord", claim.key, confirm=True
    )

    assert decision.linked is not None
    (merged,) = (await scanned.json("/user", q="alice"))["results"]
    assert merged["id"] == decision.linked.id == claim.account.id
    assert (merged["jellyfinUsername"], merged["requestCount"]) == ("Alice", 2)
    one = await scanned.json(f"/user/{merged['id']}")
    assert one["settings"]["discordIds"] == ["alice"]
    assert one["settings"]["telegramChatId"] == "4242"
    moved = await scanned.json(f"/user/{merged['id']}/requests")
    assert [r["id"] for r in moved["results"]] == [second, first]
    assert {r["requestedBy"]["id"] for r in moved["results"]} == {merged["id"]}
    gone = await scanned.get(f"/user/{alice.id}")
    assert gone.status_code == 404
