"""The media server's accounts are users (as in Seerr): the full library scan makes a user of
every account, and a chat identity belongs to one user. Linking a chat user to an account
merges the two into the account's user, whose id is the one API tools know.

Who may link whom: a manager (MANAGE_USERS) links anyone directly; a chat user's own claim
waits for a manager (core/claims.py), unless ``auto_link_by_name`` is on and their chat
username is the account's name (any case), which then also links on first contact and when
the scan finds a new account.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from core.errors import InvalidInput, NotFound, PermissionDenied
from core.identity import Identity, ServerAccount, User
from core.naming import named_user
from core.permissions import Permission, has_any
from core.ports import UnitOfWork
from core.services import Services, in_transaction

log = logging.getLogger(__name__)


def fold(name: str | None) -> str:
    """A name as compared: spaces collapsed, case folded (also beyond ASCII)."""
    return " ".join((name or "").split()).casefold()


def clean_account_name(name: str) -> str:
    """An account name as typed, or InvalidInput when there is none."""
    wanted = " ".join(name.split())
    if not wanted:
        raise InvalidInput("media-server username", name, "must not be empty")
    return wanted


async def account_user(uow: UnitOfWork, name: str) -> User:
    """Inside a transaction: the user who is the media-server account ``name`` (any case);
    NotFound if the scan has found no such account."""
    account = await uow.users.with_media_server_username(name)
    if account is None:
        raise NotFound("media-server account", name)
    return account


def names_match(identity: Identity | None, account: User) -> bool:
    """Whether a chat identity's platform username is the account's name (any case)."""
    handle = identity.username if identity is not None else None
    return bool(handle) and fold(handle) == fold(account.media_server_username)


def holds_platform(user: User, platform: str) -> bool:
    """Whether the user has a chat identity on ``platform`` already."""
    return any(identity.platform == platform for identity in user.identities)


async def merge_into(services: Services, uow: UnitOfWork, user: User, account: User) -> User:
    """Inside a transaction: make ``user`` one with the account's user (see
    UserRepository.merge) and return the account's user as it is now."""
    await uow.users.merge(user.id, account.id, services.clock.now())
    merged = await uow.users.get(account.id)
    assert merged is not None, f"user {account.id} vanished inside its own transaction"
    log.info(
        "user %d merged into user %d (media-server account %s)",
        user.id,
        account.id,
        account.media_server_username,
    )
    return merged


async def auto_link(services: Services, uow: UnitOfWork, user: User, identity: Identity) -> User:
    """Inside a transaction: with ``auto_link_by_name`` on, link a chat user who is no
    account yet to the account named as their platform username, if that account has no
    identity on this platform; else the user as they are."""
    if not services.config.auto_link_by_name or user.media_server_username is not None:
        return user
    if not identity.username:
        return user
    account = await uow.users.with_media_server_username(identity.username)
    if account is None or account.id == user.id or holds_platform(account, identity.platform):
        return user
    return await merge_into(services, uow, user, account)


async def link_user(services: Services, actor_id: int, who: int | str, name: str) -> User:
    """A manager (MANAGE_USERS) links a user to the media-server account ``name``: the user
    (``who``: their id, or what naming.named_user reads, e.g. ``#12`` or ``@handle``) is
    merged into the account's user, which is returned. The account keeps the chat identities
    it holds, the user's join them. A user who is another account already is refused:
    unlink it on the media server first."""
    wanted = clean_account_name(name)

    async def work(uow: UnitOfWork) -> User:
        actor = await uow.users.get(actor_id)
        if actor is None:
            raise NotFound("user", actor_id)
        if not has_any(actor.permissions, Permission.MANAGE_USERS):
            raise PermissionDenied("link another user", (Permission.MANAGE_USERS,))
        account = await account_user(uow, wanted)
        user_id = who if isinstance(who, int) else (await named_user(uow, who)).id
        user = await uow.users.get(user_id, for_update=True)
        if user is None:
            raise NotFound("user", user_id)
        if user.id == account.id:
            return account
        if user.media_server_username is not None:
            raise InvalidInput(
                "user",
                user.display_name,
                f"{user.display_name} is the media-server account {user.media_server_username}",
            )
        return await merge_into(services, uow, user, account)

    return await in_transaction(services, work)


@dataclass(slots=True)
class AccountImport:
    """The outcome of making users of the media server's accounts."""

    accounts: int = 0
    created: int = 0
    updated: int = 0
    linked: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = f"{self.accounts} media-server accounts ({self.created} new, {self.updated} changed)"
        if self.linked:
            text += f", {len(self.linked)} linked to chat users ({', '.join(self.linked[:5])})"
        return text


async def import_accounts(services: Services, accounts: Sequence[ServerAccount]) -> AccountImport:
    """Make every media-server account a user, created (with the default permissions) or
    updated; users of accounts gone from the server stay, as in Seerr. With
    ``auto_link_by_name``, a new account is linked to the one chat user whose platform
    username is its name (any case), when exactly one such user is no account yet."""
    report = AccountImport(accounts=len(accounts))

    async def work(uow: UnitOfWork) -> None:
        now = services.clock.now()
        synced = await uow.accounts.sync(accounts, services.config.default_permissions, now)
        report.created, report.updated = len(synced.created), synced.updated
        if not services.config.auto_link_by_name:
            return
        for user_id in synced.created:
            account = await uow.users.get(user_id)
            if account is None or account.media_server_username is None:
                continue
            candidates = [
                u for u in await uow.users.with_username(account.media_server_username)
                if u.media_server_username is None
            ]  # fmt: skip
            if len(candidates) == 1:
                await merge_into(services, uow, candidates[0], account)
                report.linked.append(f"{candidates[0].display_name} = {account.display_name}")

    await in_transaction(services, work)
    return report
