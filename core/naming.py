"""The user a typed name means: a user number (``#12``), a chat username (``@handle``), a
display name or part of one in any case, or a chat identity (``platform:id``). Chats and the
console name users this way; so do the use cases that act on someone named."""

from __future__ import annotations

from core.errors import InvalidInput, NotFound
from core.identity import User
from core.ports import UnitOfWork

MAX_USER_NUMBER = 2**31 - 1


def is_named(user: User, who: str) -> bool:
    """Whether ``who``, as typed (a name in any case, ``#id``, ``@handle`` or
    ``platform:id``), is ``user``."""
    text = " ".join(who.split())
    handles = {identity.username.casefold() for identity in user.identities if identity.username}
    return (
        text.lstrip("#") == str(user.id)
        or text.casefold() == user.display_name.casefold()
        or any(str(identity) == text for identity in user.identities)
        or (text.startswith("@") and text[1:].casefold() in handles)
    )


async def named_user(uow: UnitOfWork, who: str) -> User:
    """Inside a transaction: the one user ``who`` names (a user number, ``@`` and a chat
    username, a name or part of one in any case, ``platform:id``); NotFound, or InvalidInput
    listing the candidates."""
    text = " ".join(who.split())
    number = text.lstrip("#")
    if number.isdigit():
        user = await uow.users.get(int(number)) if int(number) <= MAX_USER_NUMBER else None
        if user is None:
            raise NotFound("user", text[:40])
        return user
    if text.startswith("@") and len(text) > 1:
        found = exact = await uow.users.with_username(text[1:])
    else:
        found = await uow.users.find(text)
        exact = [user for user in found if is_named(user, text)]
    if len(exact) == 1 or len(found) == 1:
        return (exact or found)[0]
    if not found:
        raise NotFound("user", text[:40])
    names = ", ".join(f"{user.display_name} (#{user.id})" for user in found[:5])
    raise InvalidInput("user name", text[:40], f"it matches {names}; use the number")
