"""Users: registration on first contact, bot owners, permissions and linked identities."""

from __future__ import annotations

import asyncio

import pytest

from core.errors import InvalidInput, NotFound, PermissionDenied, ProtectedUser
from core.identity import Identity, QuotaLimits
from core.permissions import DEFAULT_USER, Permission
from core.services import CoreConfig
from core.user_admin import (
    find_users,
    get_user,
    link_identity,
    list_users,
    set_permissions,
    set_user_quota,
    update_profile,
)
from core.users import identity_in_any_case, platform_ids, resolve_user
from tests.core_fixtures import World

P = Permission
ALICE = Identity("discord", "1001")
OWNER = Identity("telegram", "42")


@pytest.fixture
def world() -> World:
    return World(config=CoreConfig(owners=(OWNER,)))


async def test_first_contact_registers_a_user_with_the_default_permissions(world: World) -> None:
    user = await resolve_user(world.services, ALICE, "  Alice   Liddell ")

    assert user.permissions == DEFAULT_USER  # requesting, and reporting problems
    assert user.display_name == "Alice Liddell"
    assert user.identities == (ALICE,)
    assert user.created_at == world.clock.now()
    assert world.db.users() == [user]


async def test_the_default_permissions_are_configurable(world: World) -> None:
    world.configure(CoreConfig(default_permissions=P.REQUEST | P.AUTO_APPROVE))

    user = await resolve_user(world.services, ALICE, "Alice")

    assert user.permissions == P.REQUEST | P.AUTO_APPROVE


async def test_a_blank_name_gets_a_name_from_the_identity(world: World) -> None:
    user = await resolve_user(world.services, ALICE, "   ")

    assert user.display_name == "discord user 1001"


async def test_second_contact_finds_the_same_user(world: World) -> None:
    first = await resolve_user(world.services, ALICE, "Alice")
    second = await resolve_user(world.services, ALICE, "Alice again")

    assert second.id == first.id
    assert len(world.db.users()) == 1


async def test_a_bot_owner_becomes_admin_on_first_contact(world: World) -> None:
    user = await resolve_user(world.services, OWNER, "Owner")

    assert user.permissions == P.ADMIN


async def test_a_bot_owner_whose_admin_was_removed_is_promoted_again(world: World) -> None:
    owner = world.db.seed_user("Owner", P.REQUEST | P.VOTE, [OWNER])

    user = await resolve_user(world.services, OWNER, "Owner")

    assert user.id == owner.id
    assert user.permissions == P.ADMIN | P.REQUEST | P.VOTE
    assert world.db.user(owner.id) == user


async def test_concurrent_first_contact_of_one_identity_creates_one_user(world: World) -> None:
    users = await asyncio.gather(*(resolve_user(world.services, ALICE, "Alice") for _ in range(20)))

    assert len(world.db.users()) == 1
    assert {u.id for u in users} == {world.db.users()[0].id}


async def test_roles_grant_permissions_on_top_of_the_users_own(world: World) -> None:
    user = await resolve_user(
        world.services, ALICE, "Alice", role_permissions=P.MANAGE_REQUESTS | P.AUTO_APPROVE
    )

    assert user.permissions == DEFAULT_USER | P.MANAGE_REQUESTS | P.AUTO_APPROVE
    assert user.role_permissions == P.MANAGE_REQUESTS | P.AUTO_APPROVE
    assert world.db.user(user.id) == user


async def test_a_role_taken_away_takes_its_permissions_but_not_the_users_own(world: World) -> None:
    await resolve_user(world.services, ALICE, "Alice", role_permissions=P.MANAGE_REQUESTS)

    user = await resolve_user(world.services, ALICE, "Alice", role_permissions=P.NONE)

    assert user.permissions == DEFAULT_USER
    assert user.role_permissions == P.NONE


async def test_no_role_information_leaves_role_permissions_as_they_were(world: World) -> None:
    await resolve_user(world.services, ALICE, "Alice", role_permissions=P.MANAGE_REQUESTS)

    user = await resolve_user(world.services, ALICE, "Alice")

    assert user.permissions == DEFAULT_USER | P.MANAGE_REQUESTS


async def test_setting_own_permissions_keeps_what_roles_grant(world: World) -> None:
    manager = world.user("manager", P.MANAGE_USERS)
    alice = await resolve_user(world.services, ALICE, "Alice", role_permissions=P.AUTO_APPROVE)

    updated = await set_permissions(world.services, manager.id, alice.id, P.REQUEST_MOVIE)
    again = await resolve_user(world.services, ALICE, "Alice", role_permissions=P.NONE)

    assert updated.permissions == P.REQUEST_MOVIE | P.AUTO_APPROVE
    assert again.permissions == P.REQUEST_MOVIE


async def test_set_permissions_needs_manage_users(world: World) -> None:
    moderator = world.user("mod", P.MANAGE_REQUESTS)
    bob = world.user("bob")

    with pytest.raises(PermissionDenied):
        await set_permissions(world.services, moderator.id, bob.id, P.REQUEST | P.VOTE)

    assert world.db.user(bob.id) == bob


async def test_a_user_manager_changes_permissions(world: World) -> None:
    manager = world.user("manager", P.MANAGE_USERS)
    bob = world.user("bob")

    updated = await set_permissions(world.services, manager.id, bob.id, P.REQUEST_MOVIE)

    assert updated.permissions == P.REQUEST_MOVIE
    assert world.db.user(bob.id) == updated


async def test_only_an_admin_may_grant_admin(world: World) -> None:
    manager = world.user("manager", P.MANAGE_USERS)
    bob = world.user("bob")

    with pytest.raises(ProtectedUser):
        await set_permissions(world.services, manager.id, bob.id, P.ADMIN)
    with pytest.raises(ProtectedUser):
        await set_permissions(world.services, manager.id, manager.id, P.ADMIN | P.MANAGE_USERS)

    assert world.db.user(bob.id) == bob


async def test_only_an_admin_may_change_an_admin(world: World) -> None:
    manager = world.user("manager", P.MANAGE_USERS)
    admin = world.user("admin", P.ADMIN)

    with pytest.raises(ProtectedUser):
        await set_permissions(world.services, manager.id, admin.id, P.REQUEST)
    with pytest.raises(ProtectedUser):
        await set_permissions(world.services, manager.id, admin.id, P.ADMIN | P.REQUEST)

    assert world.db.user(admin.id) == admin


async def test_an_admin_grants_and_takes_admin(world: World) -> None:
    admin = world.user("admin", P.ADMIN)
    bob = world.user("bob")

    promoted = await set_permissions(world.services, admin.id, bob.id, P.ADMIN)
    demoted = await set_permissions(world.services, admin.id, bob.id, P.REQUEST)

    assert promoted.permissions == P.ADMIN
    assert demoted.permissions == P.REQUEST


async def test_bot_owners_keep_admin(world: World) -> None:
    admin = world.user("admin", P.ADMIN)
    owner = world.db.seed_user("Owner", P.ADMIN, [OWNER])

    with pytest.raises(ProtectedUser):
        await set_permissions(world.services, admin.id, owner.id, P.REQUEST)

    assert world.db.user(owner.id) == owner


async def test_set_permissions_of_nobody_is_not_found(world: World) -> None:
    admin = world.user("admin", P.ADMIN)

    with pytest.raises(NotFound):
        await set_permissions(world.services, admin.id, 999, P.REQUEST)


async def test_link_identity_gives_one_person_one_account(world: World) -> None:
    manager = world.user("manager", P.MANAGE_USERS)
    alice = await resolve_user(world.services, ALICE, "Alice")
    on_telegram = Identity("telegram", "555")

    linked = await link_identity(world.services, manager.id, alice.id, on_telegram)
    found = await resolve_user(world.services, on_telegram, "Alice on Telegram")

    assert linked.identities == (ALICE, on_telegram)
    assert found.id == alice.id


async def test_linking_an_identity_twice_changes_nothing(world: World) -> None:
    manager = world.user("manager", P.MANAGE_USERS)
    alice = await resolve_user(world.services, ALICE, "Alice")

    again = await link_identity(world.services, manager.id, alice.id, ALICE)

    assert again.identities == (ALICE,)


async def test_an_identity_of_another_user_cannot_be_linked(world: World) -> None:
    manager = world.user("manager", P.MANAGE_USERS)
    alice = await resolve_user(world.services, ALICE, "Alice")
    bob = world.user("bob")

    with pytest.raises(InvalidInput):
        await link_identity(world.services, manager.id, bob.id, ALICE)

    assert world.db.user(alice.id) == alice


async def test_link_identity_needs_manage_users(world: World) -> None:
    bob = world.user("bob")

    with pytest.raises(PermissionDenied):
        await link_identity(world.services, bob.id, bob.id, Identity("telegram", "7"))


async def test_set_user_quota_needs_manage_users_and_stores_the_overrides(world: World) -> None:
    manager = world.user("manager", P.MANAGE_USERS)
    bob = world.user("bob")
    quota = QuotaLimits(movie_limit=2, movie_days=3)

    with pytest.raises(PermissionDenied):
        await set_user_quota(world.services, bob.id, bob.id, quota)
    updated = await set_user_quota(world.services, manager.id, bob.id, quota)

    assert updated.quota == quota


async def test_a_negative_quota_is_invalid(world: World) -> None:
    manager = world.user("manager", P.MANAGE_USERS)

    with pytest.raises(InvalidInput):
        await set_user_quota(world.services, manager.id, manager.id, QuotaLimits(tv_limit=-1))


async def test_users_edit_their_own_profile_but_not_others(world: World) -> None:
    bob = world.user("bob")
    carol = world.user("carol")

    mine = await update_profile(
        world.services, bob.id, bob.id, display_name=" Bob  B ", email="bob@example.org"
    )
    with pytest.raises(PermissionDenied):
        await update_profile(world.services, bob.id, carol.id, display_name="Mallory")

    assert (mine.display_name, mine.email) == ("Bob B", "bob@example.org")
    assert world.db.user(carol.id) == carol


async def test_get_list_and_find_users(world: World) -> None:
    manager = world.user("manager", P.MANAGE_USERS)
    bob = world.user("bob", platforms=["telegram"])

    assert await get_user(world.services, bob.id, bob.id) == bob
    with pytest.raises(PermissionDenied):
        await get_user(world.services, bob.id, manager.id)
    assert await list_users(world.services, manager.id) == ([manager, bob], 2)
    assert await find_users(world.services, manager.id, "telegram:bob") == [bob]
    with pytest.raises(PermissionDenied):
        await find_users(world.services, bob.id, "manager")


async def test_a_typed_name_finds_the_identity_a_user_holds_in_any_case(world: World) -> None:
    admin = world.user("admin", P.ADMIN, platforms=["console"])
    world.user("Bob", platforms=["console"])

    found = await identity_in_any_case(world.services, Identity("console", "ADMIN"))

    assert found == Identity("console", "admin")
    assert await resolve_user(world.services, found, "ADMIN") == admin
    assert await identity_in_any_case(world.services, Identity("console", "bob")) == Identity(
        "console", "Bob"
    )
    carol = Identity("console", "Carol")
    assert await identity_in_any_case(world.services, carol) == carol
    assert await identity_in_any_case(world.services, Identity("discord", "ADMIN")) == Identity(
        "discord", "ADMIN"
    )
    assert sorted(await platform_ids(world.services, "console")) == ["Bob", "admin"]
