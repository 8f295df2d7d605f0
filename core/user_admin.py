"""Managing users: their permissions, quotas, profiles and linked identities (MANAGE_USERS,
or oneself where it says so), and looking them up."""

from __future__ import annotations

from core.errors import InvalidInput, PermissionDenied, ProtectedUser
from core.identity import Identity, QuotaLimits, User
from core.permissions import Permission, has_all, has_any
from core.ports import UnitOfWork
from core.quotas import check_limits
from core.services import Services, in_transaction
from core.users import MAX_NAME, load_user, reloaded


async def _actor(uow: UnitOfWork, actor_id: int, *need: Permission) -> User:
    actor = await load_user(uow, actor_id)
    if need and not has_all(actor.permissions, *need):
        raise PermissionDenied("manage users", need)
    return actor


def _is_owner(services: Services, user: User) -> bool:
    return any(identity in services.config.owners for identity in user.identities)


async def set_permissions(
    services: Services, actor_id: int, user_id: int, permissions: Permission
) -> User:
    """Replace a user's own permissions (MANAGE_USERS; only an admin may grant, take or touch
    ADMIN); what their chat roles grant stays, and comes on top."""

    async def work(uow: UnitOfWork) -> User:
        actor = await _actor(uow, actor_id, Permission.MANAGE_USERS)
        target = await load_user(uow, user_id, for_update=True)
        actor_is_admin = bool(actor.permissions & Permission.ADMIN)
        touches_admin = bool((target.permissions ^ permissions) & Permission.ADMIN)
        if (touches_admin or target.permissions & Permission.ADMIN) and not actor_is_admin:
            raise ProtectedUser(target.id, "only an admin may change an admin or grant ADMIN")
        if _is_owner(services, target) and not permissions & Permission.ADMIN:
            raise ProtectedUser(target.id, "bot owners always keep ADMIN")
        await uow.users.set_permissions(target.id, permissions, services.clock.now())
        return await reloaded(uow, target.id)

    return await in_transaction(services, work)


async def set_user_quota(
    services: Services, actor_id: int, user_id: int, quota: QuotaLimits
) -> User:
    """Set a user's own quota limits and windows (MANAGE_USERS); None falls back to defaults."""
    check_limits(quota)

    async def work(uow: UnitOfWork) -> User:
        await _actor(uow, actor_id, Permission.MANAGE_USERS)
        target = await load_user(uow, user_id, for_update=True)
        await uow.users.set_quota(target.id, quota, services.clock.now())
        return await reloaded(uow, target.id)

    return await in_transaction(services, work)


async def update_profile(
    services: Services,
    actor_id: int,
    user_id: int,
    *,
    display_name: str | None = None,
    email: str | None = None,
    media_server_username: str | None = None,
) -> User:
    """Change a user's name, email or media-server username (oneself, or MANAGE_USERS)."""
    if display_name is not None and not display_name.strip():
        raise InvalidInput("display name", display_name, "must not be empty")
    if email is not None and email and "@" not in email:
        raise InvalidInput("email", email, "is not an email address")

    async def work(uow: UnitOfWork) -> User:
        actor = await _actor(uow, actor_id)
        if actor.id != user_id and not has_any(actor.permissions, Permission.MANAGE_USERS):
            raise PermissionDenied("edit another user", (Permission.MANAGE_USERS,))
        target = await load_user(uow, user_id, for_update=True)
        await uow.users.set_profile(
            target.id,
            services.clock.now(),
            display_name=" ".join(display_name.split())[:MAX_NAME] if display_name else None,
            email=email,
            media_server_username=media_server_username,
        )
        return await reloaded(uow, target.id)

    return await in_transaction(services, work)


async def link_identity(
    services: Services, actor_id: int, user_id: int, identity: Identity
) -> User:
    """Attach another chat identity to a user (MANAGE_USERS), so one person has one quota."""

    async def work(uow: UnitOfWork) -> User:
        await _actor(uow, actor_id, Permission.MANAGE_USERS)
        target = await load_user(uow, user_id, for_update=True)
        existing = await uow.users.find_by_identity(identity)
        if existing is not None and existing.id != target.id:
            raise InvalidInput("identity", str(identity), f"already belongs to user {existing.id}")
        if existing is None:
            await uow.users.add_identity(target.id, identity)
        return await reloaded(uow, target.id)

    return await in_transaction(services, work)


async def get_user(services: Services, actor_id: int, user_id: int) -> User:
    """One user (oneself, or anyone with MANAGE_USERS)."""

    async def work(uow: UnitOfWork) -> User:
        actor = await _actor(uow, actor_id)
        if actor.id != user_id and not has_any(actor.permissions, Permission.MANAGE_USERS):
            raise PermissionDenied("view another user", (Permission.MANAGE_USERS,))
        return await load_user(uow, user_id)

    return await in_transaction(services, work, write=False)


async def list_users(
    services: Services, actor_id: int, offset: int = 0, limit: int = 50
) -> tuple[list[User], int]:
    """A page of users and the total (MANAGE_USERS)."""

    async def work(uow: UnitOfWork) -> tuple[list[User], int]:
        await _actor(uow, actor_id, Permission.MANAGE_USERS)
        return await uow.users.page(offset, limit), await uow.users.count()

    return await in_transaction(services, work, write=False)


async def find_users(services: Services, actor_id: int, text: str) -> list[User]:
    """Users matching a name or identity (MANAGE_USERS)."""

    async def work(uow: UnitOfWork) -> list[User]:
        await _actor(uow, actor_id, Permission.MANAGE_USERS)
        return await uow.users.find(text)

    return await in_transaction(services, work, write=False)
