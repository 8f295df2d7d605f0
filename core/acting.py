"""Who a caller of the REST API acts as: the user it names, or the admin account, as Seerr
makes the holder of its API key user 1, its owner."""

from __future__ import annotations

from core.identity import User
from core.permissions import Permission
from core.ports import UnitOfWork
from core.services import Services, in_transaction

OWNER_ID = 1  # Seerr's admin account, which clients expect behind the key alone


async def find_api_actor(
    uow: UnitOfWork, user_id: int | None = None, *, for_update: bool = False
) -> User | None:
    """Inside a transaction: the user ``user_id`` names (an X-Api-User header), or without
    one the admin account: user 1 when it holds ADMIN, else the admin with the lowest id;
    None if there is none. ``for_update`` locks the one found."""
    if user_id is not None:
        return await uow.users.get(user_id, for_update=for_update)
    owner = await uow.users.get(OWNER_ID, for_update=for_update)
    if owner is not None and owner.permissions & Permission.ADMIN:
        return owner
    admins = await uow.users.with_any_permission(Permission.ADMIN)  # by id
    if not admins or not for_update:
        return admins[0] if admins else None
    return await uow.users.get(admins[0].id, for_update=True)


async def api_actor(services: Services, user_id: int | None = None) -> User | None:
    """The user the REST API's caller acts as (find_api_actor), in a transaction of its own."""

    async def work(uow: UnitOfWork) -> User | None:
        return await find_api_actor(uow, user_id)

    return await in_transaction(services, work, write=False)
