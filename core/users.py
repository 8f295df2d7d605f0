"""Users: who is behind a chat identity (registered on first contact, bot owners made admins)
and the admin account (user 1). The user a typed name means is core/naming.py; managing
users (permissions, quotas, profiles) core/user_admin.py; the media server's accounts, and
linking chat users to them, core/linking.py and core/claims.py."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace

from core import linking
from core.errors import NotFound, PermissionDenied
from core.identity import Identity, User
from core.permissions import Permission, has_any
from core.ports import UnitOfWork
from core.services import Services, in_transaction

log = logging.getLogger(__name__)

MAX_NAME = 64
MAX_USERNAME = 64
ADMIN_NAME = "Admin"  # the admin account's name when no bot owner is listed


def _clean_name(display_name: str, identity: Identity) -> str:
    name = " ".join(display_name.split())[:MAX_NAME]
    return name or f"{identity.platform} user {identity.external_id}"


async def load_user(uow: UnitOfWork, user_id: int, *, for_update: bool = False) -> User:
    """Inside a transaction: the user with this id (locked ``for_update``); NotFound if none."""
    user = await uow.users.get(user_id, for_update=for_update)
    if user is None:
        raise NotFound("user", user_id)
    return user


# Finds and locks the actor inside a use case's transaction, raising if there is none: for
# a caller that knows the actor only by a rule (the REST API's key holder).
ActorLookup = Callable[[UnitOfWork], Awaitable[User]]
# The actor of a use case: a user id, or an ActorLookup.
Actor = int | ActorLookup


async def acting(uow: UnitOfWork, actor: Actor, *, lock: bool = True) -> User:
    """Inside a transaction: the actor, a user id's row locked unless only reading (a
    change of the user then need not wait for a read, nor a read for it)."""
    if isinstance(actor, int):
        return await load_user(uow, actor, for_update=lock)
    return await actor(uow)


async def load_user_manager(uow: UnitOfWork, actor_id: int, action: str) -> User:
    """Inside a transaction: the actor, who must hold MANAGE_USERS (or ADMIN) to do
    ``action``; NotFound if there is none, else PermissionDenied."""
    actor = await load_user(uow, actor_id)
    if not has_any(actor.permissions, Permission.MANAGE_USERS):
        raise PermissionDenied(action, (Permission.MANAGE_USERS,))
    return actor


async def reloaded(uow: UnitOfWork, user_id: int) -> User:
    """The user as the transaction now sees it, after a change."""
    user = await uow.users.get(user_id)
    assert user is not None, f"user {user_id} vanished inside its own transaction"
    return user


async def resolve_user(
    services: Services,
    identity: Identity,
    display_name: str,
    *,
    role_permissions: Permission | None = None,
    username: str | None = None,
) -> User:
    """The user behind a chat identity, registered with the default permissions on first
    contact; identities listed as bot owners always hold ADMIN. ``role_permissions``, when
    given, are what the identity's roles on its platform grant now (they replace what the
    roles granted before; None leaves that as it was, e.g. in a chat without roles).

    ``username`` is the identity's handle on its platform. It is remembered; with
    ``auto_link_by_name``, a user who is no media-server account yet is linked to the
    account of that name (core.linking.auto_link).
    """
    is_owner = identity in services.config.owners
    handle = " ".join(username.split())[:MAX_USERNAME] if username else None
    # A user registered before they spoke (the admin account) takes the name their chat shows.
    placeholder, name = _clean_name("", identity), _clean_name(display_name, identity)

    def settled(user: User | None) -> bool:
        return (
            user is not None
            and (not is_owner or user.disabled or bool(user.permissions & Permission.ADMIN))
            and (user.display_name != placeholder or name == placeholder)
            and (role_permissions is None or user.role_permissions == role_permissions)
            and (handle is None or _handle(user, identity) == handle)
        )

    async def lookup(uow: UnitOfWork) -> User | None:
        return await uow.users.find_by_identity(identity)

    user = await in_transaction(services, lookup, write=False)
    if user is not None and settled(user):
        return user

    async def register(uow: UnitOfWork) -> User:
        now = services.clock.now()
        found = await uow.users.find_by_identity(identity)
        if settled(found):
            assert found is not None
            return found
        if found is None:
            perms = Permission.ADMIN if is_owner else services.config.default_permissions
            found = await uow.users.add(name, perms, replace(identity, username=handle), now)
        else:
            if is_owner and not found.disabled and not found.permissions & Permission.ADMIN:
                own = found.permissions & ~found.role_permissions
                await uow.users.set_permissions(found.id, own | Permission.ADMIN, now)
            if handle is not None and _handle(found, identity) != handle:
                await uow.users.set_identity_username(identity, handle)
            if found.display_name == placeholder and name != placeholder:
                await uow.users.set_profile(found.id, now, display_name=name)
        if role_permissions is not None and found.role_permissions != role_permissions:
            await uow.users.set_role_permissions(found.id, role_permissions, now)
        found = await reloaded(uow, found.id)
        return await linking.auto_link(services, uow, found, replace(identity, username=handle))

    return await in_transaction(services, register)


def _handle(user: User, identity: Identity) -> str | None:
    """The platform username stored with the user's ``identity``."""
    return next((i.username for i in user.identities if i == identity), None)


async def ensure_admin_account(services: Services) -> User | None:
    """Give the API its admin account: on a database without users, user 1 with ADMIN (API
    tools holding the key alone act as user 1, as in Seerr), the first bot owner's when
    owners are listed, else an account of its own that no chat reaches. Called at start-up
    before anything else can take id 1; a database with users is left as it is (None)."""
    first = services.config.owners[0] if services.config.owners else None

    async def work(uow: UnitOfWork) -> User | None:
        if await uow.users.count():
            return None
        now = services.clock.now()
        name = _clean_name("", first) if first is not None else ADMIN_NAME
        return await uow.users.add(name, Permission.ADMIN, first, now)

    made = await in_transaction(services, work)
    if made is not None:
        log.info("user %d is the admin account: %s", made.id, first or made.display_name)
    return made


async def identity_in_any_case(services: Services, identity: Identity) -> Identity:
    """The identity as a user already holds it, its id matched in any case (console names
    are typed by hand: ``ADMIN`` is ``admin``), else ``identity`` itself. An exact match
    wins; of several that differ only in case, the oldest user's."""
    wanted = identity.external_id.casefold()

    async def work(uow: UnitOfWork) -> Identity:
        if await uow.users.find_by_identity(identity) is not None:
            return identity
        candidates = [*await uow.users.find(identity.external_id)]
        candidates += await uow.users.with_username(identity.external_id)
        for user in sorted(candidates, key=lambda u: u.id):
            for held in user.identities:
                if held.platform == identity.platform and held.external_id.casefold() == wanted:
                    return Identity(held.platform, held.external_id)
        return identity

    return await in_transaction(services, work, write=False)


async def platform_ids(services: Services, platform: str, limit: int = 200) -> list[str]:
    """The ids of the first ``limit`` users' identities on ``platform`` (on the console,
    its users' names), for completing what is typed; no permission is needed for names
    that every card shows anyway."""

    async def work(uow: UnitOfWork) -> list[str]:
        found = await uow.users.page(0, limit)
        return [i.external_id for u in found for i in u.identities if i.platform == platform]

    return await in_transaction(services, work, write=False)
