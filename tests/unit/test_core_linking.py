"""The media server's accounts as users, and linking chat users to them: the scan's import,
auto-linking by name (only when allowed), claims a manager confirms, merges, and the admin
account (user 1)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from core import claims, linking, requests, users, watching
from core.claims import ClaimOutcome, Verdict
from core.errors import InvalidInput, NotFound, PermissionDenied
from core.identity import Identity, QuotaLimits, ServerAccount, User
from core.permissions import DEFAULT_USER, Permission
from core.services import CoreConfig
from tests.core_fixtures import MOVIE, World

ALICE = ServerAccount("a1", "Alice")
BOB = ServerAccount("b1", "bob", email="bob@example.org")
TG = Identity("telegram", "7", "alice")


@pytest.fixture
def world() -> World:
    return World()


def auto(world: World) -> None:
    world.configure(replace(world.services.config, auto_link_by_name=True))


async def account(world: World, name: str) -> User:
    found = next((u for u in world.db.users() if u.media_server_username == name), None)
    assert found is not None, name
    return found


async def chat_user(world: World, identity: Identity = TG, name: str = "Alice L.") -> User:
    return await users.resolve_user(world.services, identity, name, username=identity.username)


# ----- the scan's import -------------------------------------------------------------------


async def test_every_account_becomes_a_user_with_the_default_permissions(world: World) -> None:
    report = await linking.import_accounts(world.services, [ALICE, BOB])
    again = await linking.import_accounts(world.services, [ALICE, replace(BOB, name="Bobby")])

    assert (report.created, report.updated) == (2, 0)
    assert again.summary() == "2 media-server accounts (0 new, 1 changed)"
    alice, bob = world.db.users()
    assert (alice.display_name, alice.media_server_user_id, alice.permissions) == (
        "Alice",
        "a1",
        DEFAULT_USER,
    )
    assert (bob.media_server_username, bob.email) == ("Bobby", "bob@example.org")


async def test_a_disabled_account_is_kept_but_cannot_request(world: World) -> None:
    await linking.import_accounts(world.services, [replace(ALICE, disabled=True)])
    alice = await account(world, "Alice")

    with pytest.raises(PermissionDenied):
        await requests.create_request(world.services, alice.id, world.movie(), MOVIE)
    await linking.import_accounts(world.services, [ALICE])
    created = await requests.create_request(world.services, alice.id, world.movie(), MOVIE)
    assert created.request is not None


async def test_names_alone_link_nothing_unless_allowed(world: World) -> None:
    chat = await chat_user(world)
    await linking.import_accounts(world.services, [ALICE])
    later = await chat_user(world, Identity("discord", "9", "ALICE"), "Alice D.")

    assert chat.media_server_username is None
    assert later.media_server_username is None
    assert len(world.db.users()) == 3


async def test_with_auto_link_the_scan_links_the_one_chat_user_of_that_name(world: World) -> None:
    auto(world)
    chat = await chat_user(world)
    await chat_user(world, Identity("discord", "8", "bob"), "Bob")
    await chat_user(world, Identity("telegram", "9", "BOB"), "Bob T.")

    report = await linking.import_accounts(world.services, [ALICE, BOB])

    assert report.linked == ["Alice L. = Alice"]  # two chat users are called bob: neither
    alice = await account(world, "Alice")
    assert alice.identities == (TG,)
    assert world.db.user(chat.id) is None  # merged into the account's user


async def test_with_auto_link_a_new_chat_user_is_linked_on_first_contact(world: World) -> None:
    auto(world)
    await linking.import_accounts(world.services, [ALICE])

    alice = await chat_user(world, replace(TG, username="ALICE"))

    assert alice.media_server_user_id == "a1"
    assert alice.identities == (TG,)
    assert len(world.db.users()) == 1


# ----- claims ------------------------------------------------------------------------------


async def test_a_claim_waits_for_a_manager_who_confirms_it_once(world: World) -> None:
    await linking.import_accounts(world.services, [ALICE])
    alice = await account(world, "Alice")
    chat = await chat_user(world, Identity("telegram", "7", "someone"))
    tmdb_id = world.movie()
    await requests.create_request(world.services, chat.id, tmdb_id, MOVIE)
    media = world.db.media(tmdb_id, MOVIE)
    assert media is not None
    await watching.watch_title(world.services, chat.id, tmdb_id, MOVIE)
    manager = world.user("manager", Permission.MANAGE_USERS)

    claim = await claims.claim_account(world.services, TG, "alice")
    assert (claim.outcome, claim.account.id) == (ClaimOutcome.PENDING, alice.id)
    assert claim.key is not None
    again = await claims.claim_account(world.services, TG, "ALICE")
    assert (again.outcome, again.key) == (ClaimOutcome.WAITING, claim.key)
    await claims.record_cards(world.services, "telegram", claim.key, [("-100", "5")])

    decided = await claims.decide_claim(
        world.services, manager.id, "telegram", claim.key, confirm=True
    )
    assert decided.verdict is Verdict.CONFIRMED
    assert (decided.claimant, decided.account_name, decided.cards) == (
        TG,
        "Alice",
        (("-100", "5"),),
    )
    assert decided.linked is not None
    assert decided.linked.id == alice.id
    assert world.db.user(chat.id) is None
    (request,) = world.db.requests()
    assert request.requested_by.id == alice.id  # and the quota use with it
    assert world.db.watchers(media.id) == (alice.id,)
    assert [e.payload.requested_by_id for e in world.db.events()] == [alice.id]  # to be told
    twice = await claims.decide_claim(
        world.services, manager.id, "telegram", claim.key, confirm=False
    )
    assert (twice.verdict, twice.decided_by, twice.confirmed) == (Verdict.DECIDED, "manager", True)


async def test_only_managers_decide_claims_and_forged_ones_are_gone(world: World) -> None:
    await linking.import_accounts(world.services, [ALICE])
    await chat_user(world)
    nobody = world.user("nobody")
    manager = world.user("manager", Permission.MANAGE_USERS)
    claim = await claims.claim_account(world.services, TG, "Alice")
    assert claim.key is not None

    with pytest.raises(PermissionDenied):
        await claims.decide_claim(world.services, nobody.id, "telegram", claim.key, confirm=True)
    forged = await claims.decide_claim(
        world.services, manager.id, "telegram", "AAAAAAAA", confirm=True
    )
    pointer = await claims.decide_claim(  # a key typed by hand that is no claim's
        world.services, manager.id, "telegram", "of:7", confirm=True
    )
    assert pointer.verdict is Verdict.GONE
    elsewhere = await claims.decide_claim(
        world.services, manager.id, "discord", claim.key, confirm=True
    )
    refused = await claims.decide_claim(
        world.services, manager.id, "telegram", claim.key, confirm=False
    )
    assert (forged.verdict, elsewhere.verdict, refused.verdict) == (
        Verdict.GONE,
        Verdict.GONE,
        Verdict.REFUSED,
    )
    assert (await account(world, "Alice")).identities == ()
    world.clock.advance(claims.CLAIM_TTL)
    expired = await claims.decide_claim(
        world.services, manager.id, "telegram", claim.key, confirm=True
    )
    assert expired.verdict is Verdict.GONE


async def test_claims_of_taken_accounts_or_by_linked_users_are_answered(world: World) -> None:
    await linking.import_accounts(world.services, [ALICE, BOB])
    admin = world.user("admin", Permission.ADMIN)
    chat = await chat_user(world)
    await linking.link_user(world.services, admin.id, chat.id, "alice")

    mine = await claims.claim_account(world.services, TG, "Alice")
    other = await claims.claim_account(world.services, TG, "bob")
    await chat_user(world, Identity("telegram", "8", "eve"), "Eve")
    taken = await claims.claim_account(world.services, Identity("telegram", "8"), "alice")
    on_discord = await chat_user(world, Identity("discord", "8", "al"), "Al")
    elsewhere = await claims.claim_account(world.services, Identity("discord", "8"), "alice")

    assert mine.outcome is ClaimOutcome.ALREADY_YOURS
    assert other.outcome is ClaimOutcome.LINKED_ELSEWHERE
    assert taken.outcome is ClaimOutcome.TAKEN
    assert elsewhere.outcome is ClaimOutcome.PENDING  # one person on two platforms: ask
    assert on_discord.media_server_username is None
    with pytest.raises(NotFound):
        await claims.claim_account(world.services, TG, "nobody")
    with pytest.raises(InvalidInput):
        await claims.claim_account(world.services, TG, "  ")


async def test_a_claim_taken_meanwhile_is_not_confirmed(world: World) -> None:
    await linking.import_accounts(world.services, [ALICE])
    manager = world.user("manager", Permission.MANAGE_USERS)
    await chat_user(world)
    await chat_user(world, Identity("telegram", "8", "eve"), "Eve")
    first = await claims.claim_account(world.services, TG, "Alice")
    second = await claims.claim_account(world.services, Identity("telegram", "8"), "Alice")
    assert first.key is not None
    assert second.key is not None

    await claims.decide_claim(world.services, manager.id, "telegram", first.key, confirm=True)
    late = await claims.decide_claim(
        world.services, manager.id, "telegram", second.key, confirm=True
    )

    assert late.verdict is Verdict.TAKEN
    assert (await account(world, "Alice")).identities == (TG,)


async def test_managers_and_matching_names_with_auto_link_link_at_once(world: World) -> None:
    await linking.import_accounts(world.services, [ALICE, BOB])
    boss = Identity("discord", "1", "boss")
    world.db.seed_user("Boss", Permission.MANAGE_USERS, [boss])

    managed = await claims.claim_account(world.services, boss, "bob")
    await chat_user(world)
    pending = await claims.claim_account(world.services, TG, "alice")
    await chat_user(world, Identity("telegram", "8", "Alice"), "Alice again")  # not linked yet
    auto(world)
    linked = await claims.claim_account(world.services, Identity("telegram", "8"), "alice")

    assert managed.outcome is ClaimOutcome.LINKED
    assert managed.account.identities == (boss,)
    assert pending.outcome is ClaimOutcome.PENDING  # the name is not the account's
    assert linked.outcome is ClaimOutcome.LINKED


async def test_merging_takes_the_union_of_own_permissions_and_keeps_the_accounts_quota(
    world: World,
) -> None:
    await linking.import_accounts(world.services, [ALICE])
    admin = world.user("admin", Permission.ADMIN)
    alice = await account(world, "Alice")
    chat = world.db.seed_user(
        "Chatty",
        Permission.REQUEST | Permission.AUTO_APPROVE,
        [TG],
        quota=QuotaLimits(movie_limit=2, tv_limit=4),
    )

    merged = await linking.link_user(world.services, admin.id, chat.id, "Alice")

    assert merged.id == alice.id
    assert merged.permissions == DEFAULT_USER | Permission.AUTO_APPROVE
    assert merged.quota == QuotaLimits(movie_limit=2, tv_limit=4)
    with pytest.raises(PermissionDenied):
        await linking.link_user(world.services, alice.id, admin.id, "Alice")


async def test_a_manager_links_someone_named_by_number_or_chat_username(world: World) -> None:
    await linking.import_accounts(world.services, [ALICE, BOB])
    manager = world.user("manager", Permission.MANAGE_USERS)
    chat = await chat_user(world)
    other = await chat_user(world, Identity("discord", "9", "bobby"), "Bob B.")

    by_handle = await linking.link_user(world.services, manager.id, "@ALICE", "alice")
    by_number = await linking.link_user(world.services, manager.id, f"#{other.id}", "bob")

    assert (by_handle.media_server_username, by_handle.identities) == ("Alice", (TG,))
    assert by_number.identities == (Identity("discord", "9"),)
    assert {u.id for u in world.db.users()}.isdisjoint({chat.id, other.id})  # merged away
    with pytest.raises(NotFound):
        await linking.link_user(world.services, manager.id, "@nobody", "alice")


async def test_one_chat_username_on_two_users_must_be_named_by_number(world: World) -> None:
    await linking.import_accounts(world.services, [ALICE])
    manager = world.user("manager", Permission.MANAGE_USERS)
    await chat_user(world)
    await chat_user(world, Identity("discord", "9", "alice"), "Alice D.")

    with pytest.raises(InvalidInput, match="use the number"):
        await linking.link_user(world.services, manager.id, "@alice", "alice")
    assert (await account(world, "Alice")).identities == ()


async def test_only_managers_link_others_and_they_learn_nothing_of_who_exists(
    world: World,
) -> None:
    await linking.import_accounts(world.services, [ALICE])
    chat = await chat_user(world)

    for who in ("@nobody", "#999", "@alice"):
        with pytest.raises(PermissionDenied):
            await linking.link_user(world.services, chat.id, who, "alice")
    assert (await account(world, "Alice")).identities == ()


async def test_a_manager_adds_someone_to_an_account_that_has_a_chat_identity_already(
    world: World,
) -> None:
    await linking.import_accounts(world.services, [ALICE])
    manager = world.user("manager", Permission.MANAGE_USERS)
    first = await chat_user(world)
    await linking.link_user(world.services, manager.id, first.id, "alice")
    second = await chat_user(world, Identity("telegram", "8", "al"), "Al")

    merged = await linking.link_user(world.services, manager.id, "@al", "alice")

    assert merged.identities == (TG, Identity("telegram", "8"))
    assert second.id not in {u.id for u in world.db.users()}


# ----- the admin account -------------------------------------------------------------------


async def test_the_first_owner_is_user_1_on_a_fresh_database(world: World) -> None:
    owner = Identity("telegram", "42")
    world.configure(CoreConfig(owners=(owner, Identity("discord", "1"))))

    made = await users.ensure_admin_account(world.services)
    again = await users.ensure_admin_account(world.services)
    met = await users.resolve_user(world.services, owner, "The Boss")

    assert made is not None
    assert (made.id, made.permissions, made.identities) == (1, Permission.ADMIN, (owner,))
    assert again is None
    assert (met.id, met.display_name) == (1, "The Boss")


async def test_without_owners_user_1_is_an_admin_account_no_chat_reaches(world: World) -> None:
    made = await users.ensure_admin_account(world.services)

    assert made is not None
    assert (made.id, made.display_name, made.permissions) == (1, "Admin", Permission.ADMIN)
    assert made.identities == ()
    assert await users.ensure_admin_account(world.services) is None


async def test_an_existing_database_is_left_as_it_is(world: World) -> None:
    someone = world.user("someone")
    world.configure(CoreConfig(owners=(Identity("telegram", "42"),)))

    assert await users.ensure_admin_account(world.services) is None
    assert world.db.users() == [someone]
    world.configure(CoreConfig())
    assert await users.ensure_admin_account(world.services) is None
