"""Who a caller of the REST API acts as: the user it names, or the admin account, as Seerr
makes the holder of its API key user 1, its owner."""

from __future__ import annotations

from core.identity import User
from core.permissions import Permission
from core.ports import UnitOfWork
from core.services import Services, in_transaction

OWNER_ID = 1  # Seerr's admin account, which clients expect behind the key alone


async def api_actor(services: Services, user_id: int | None = None) -> User | None:
    """The user ``user_id`` names (an X-Api-User header), or without one the admin account:
    user 1 when it holds ADMIN, else the admin with the lowest id; None if there is none."""

    async def work(uow: UnitOfWork) -> User | None:
        if user_id is not None:
            return await uow.users.get(user_id)
        owner = await uow.users.get(OWNER_ID)
        if owner is not None and owner.permissions & Permission.ADMIN:
            return owner
        admins = [u for u in await uow.users.with_any_permission(Permission.ADMIN)]
        return next((u for u in admins if u.permissions & Permission.ADMIN), None)

    return await in_transaction(services, work, write=False)
