"""Users: who is behind a chat identity (registered on first contact, bot owners made admins),
their media-server accounts, and the user a typed name means. Managing them (permissions,
quotas, profiles) is core/user_admin.py."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from core.errors import InvalidInput, NotFound, PermissionDenied
from core.identity import Identity, ServerAccount, User
from core.permissions import Permission, has_any
from core.ports import UnitOfWork
from core.services import Services, in_transaction

log = logging.getLogger(__name__)

MAX_NAME = 64
MAX_USERNAME = 64


def _clean_name(display_name: str, identity: Identity) -> str:
    name = " ".join(display_name.split())[:MAX_NAME]
    return name or f"{identity.platform} user {identity.external_id}"


async def load_user(uow: UnitOfWork, user_id: int, *, for_update: bool = False) -> User:
    """Inside a transaction: the user with this id (locked ``for_update``); NotFound if none."""
    user = await uow.users.get(user_id, for_update=for_update)
    if user is None:
        raise NotFound("user", user_id)
    return user


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

    ``username`` is the identity's handle on its platform. It is remembered, and a user
    not yet linked to a media-server account is linked to the one of the same name (any
    case) that nobody else holds.
    """
    is_owner = identity in services.config.owners
    handle = " ".join(username.split())[:MAX_USERNAME] if username else None

    def settled(user: User | None) -> bool:
        return (
            user is not None
            and (not is_owner or bool(user.permissions & Permission.ADMIN))
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
            name = _clean_name(display_name, identity)
            found = await uow.users.add(name, perms, replace(identity, username=handle), now)
        else:
            if is_owner and not found.permissions & Permission.ADMIN:
                own = found.permissions & ~found.role_permissions
                await uow.users.set_permissions(found.id, own | Permission.ADMIN, now)
            if handle is not None and _handle(found, identity) != handle:
                await uow.users.set_identity_username(identity, handle)
        if role_permissions is not None and found.role_permissions != role_permissions:
            await uow.users.set_role_permissions(found.id, role_permissions, now)
        if handle and found.media_server_username is None:
            await _link_by_name(uow, found, handle, now)
        return await reloaded(uow, found.id)

    return await in_transaction(services, register)


def _handle(user: User, identity: Identity) -> str | None:
    """The platform username stored with the user's ``identity``."""
    return next((i.username for i in user.identities if i == identity), None)


async def _link_by_name(uow: UnitOfWork, user: User, name: str, now: datetime) -> bool:
    """Link ``user`` to the media-server account called ``name`` if nobody holds it."""
    account = await uow.accounts.by_name(name)
    if account is None or account.disabled:
        return False
    if await uow.users.with_media_server_username(account.name) is not None:
        return False
    await uow.users.set_profile(user.id, now, media_server_username=account.name)
    log.info("user %d linked to media-server account %s", user.id, account.name)
    return True


@dataclass(slots=True)
class AccountImport:
    """The outcome of importing the media server's accounts."""

    accounts: int = 0
    linked: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = f"{self.accounts} media-server accounts"
        if self.linked:
            text += f", {len(self.linked)} linked to chat users ({', '.join(self.linked[:5])})"
        return text


async def import_accounts(services: Services, accounts: Sequence[ServerAccount]) -> AccountImport:
    """Store the media server's accounts and link each one nobody holds yet to the chat
    user whose platform username matches it (any case), when exactly one does."""
    report = AccountImport(accounts=len(accounts))

    async def work(uow: UnitOfWork) -> None:
        now = services.clock.now()
        await uow.accounts.replace(accounts, now)
        for account in accounts:
            if account.disabled:
                continue
            if await uow.users.with_media_server_username(account.name) is not None:
                continue
            candidates = [
                u for u in await uow.users.with_username(account.name)
                if u.media_server_username is None
            ]  # fmt: skip
            if len(candidates) != 1:
                continue
            await uow.users.set_profile(candidates[0].id, now, media_server_username=account.name)
            report.linked.append(f"{candidates[0].display_name} = {account.name}")

    await in_transaction(services, work)
    return report


async def link_account(
    services: Services, actor_id: int, name: str, user_id: int | None = None
) -> User:
    """Link a user (oneself; another with MANAGE_USERS) to the media-server account called
    ``name``. An account another user holds stays theirs: a manager must move it."""
    wanted = " ".join(name.split())
    if not wanted:
        raise InvalidInput("media-server username", name, "must not be empty")

    async def work(uow: UnitOfWork) -> User:
        actor = await load_user(uow, actor_id)
        target_id = actor.id if user_id is None else user_id
        if target_id != actor.id and not has_any(actor.permissions, Permission.MANAGE_USERS):
            raise PermissionDenied("link another user", (Permission.MANAGE_USERS,))
        target = await load_user(uow, target_id, for_update=True)
        account = await uow.accounts.by_name(wanted)
        if account is None:
            raise NotFound("media-server account", wanted)
        holder = await uow.users.with_media_server_username(account.name)
        if holder is not None and holder.id != target.id:
            if not has_any(actor.permissions, Permission.MANAGE_USERS):
                raise InvalidInput(
                    "media-server account",
                    account.name,
                    f"{account.name} is already linked to {holder.display_name}; "
                    "an admin can move it",
                )
            await uow.users.set_profile(holder.id, services.clock.now(), media_server_username="")
        await uow.users.set_profile(
            target.id, services.clock.now(), media_server_username=account.name
        )
        return await reloaded(uow, target.id)

    return await in_transaction(services, work)


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


MAX_USER_NUMBER = 2**31 - 1


def is_named(user: User, who: str) -> bool:
    """Whether ``who``, as typed (a name in any case, ``#id`` or ``platform:id``), is ``user``."""
    text = " ".join(who.split())
    return (
        text.lstrip("#") == str(user.id)
        or text.casefold() == user.display_name.casefold()
        or any(str(identity) == text for identity in user.identities)
    )


async def named_user(uow: UnitOfWork, who: str) -> User:
    """Inside a transaction: the one user ``who`` names (a user number, a name or part of
    one in any case, ``platform:id``); NotFound, or InvalidInput listing the candidates."""
    text = " ".join(who.split())
    number = text.lstrip("#")
    if number.isdigit():
        user = await uow.users.get(int(number)) if int(number) <= MAX_USER_NUMBER else None
        if user is None:
            raise NotFound("user", text[:40])
        return user
    found = await uow.users.find(text)
    exact = [user for user in found if is_named(user, text)]
    if len(exact) == 1 or len(found) == 1:
        return (exact or found)[0]
    if not found:
        raise NotFound("user", text[:40])
    names = ", ".join(f"{user.display_name} (#{user.id})" for user in found[:5])
    raise InvalidInput("user name", text[:40], f"it matches {names}; use the number")


async def platform_ids(services: Services, platform: str, limit: int = 200) -> list[str]:
    """The ids of the first ``limit`` users' identities on ``platform`` (on the console,
    its users' names), for completing what is typed; no permission is needed for names
    that every card shows anyway."""

    async def work(uow: UnitOfWork) -> list[str]:
        found = await uow.users.page(0, limit)
        return [i.external_id for u in found for i in u.identities if i.platform == platform]

    return await in_transaction(services, work, write=False)
