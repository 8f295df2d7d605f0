"""Repository ports of people: the users (with their chat identities) and the media server's
accounts as last imported."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from core.identity import Identity, QuotaLimits, ServerAccount, User
from core.permissions import Permission


class UserRepository(Protocol):
    async def get(self, user_id: int, *, for_update: bool = False) -> User | None: ...

    async def find_by_identity(self, identity: Identity) -> User | None: ...

    async def find(self, text: str) -> list[User]:
        """Users whose display name, identity or media-server username matches ``text``."""
        ...

    async def add(
        self,
        display_name: str,
        permissions: Permission,
        identity: Identity | None,
        now: datetime,
    ) -> User:
        """A new user with its first identity (and that identity's platform username)."""
        ...

    async def add_identity(self, user_id: int, identity: Identity) -> None: ...

    async def set_identity_username(self, identity: Identity, username: str | None) -> None: ...

    async def with_username(self, username: str) -> list[User]:
        """Users with a chat identity whose platform username is ``username`` (any case)."""
        ...

    async def with_media_server_username(self, username: str) -> User | None:
        """The user linked to this media-server account name (any case)."""
        ...

    async def set_permissions(self, user_id: int, permissions: Permission, now: datetime) -> None:
        """Replace the user's own permissions (those their roles grant stay)."""
        ...

    async def set_role_permissions(
        self, user_id: int, permissions: Permission, now: datetime
    ) -> None:
        """Replace the permissions the user's chat-platform roles grant."""
        ...

    async def set_quota(self, user_id: int, quota: QuotaLimits, now: datetime) -> None: ...

    async def set_profile(
        self,
        user_id: int,
        now: datetime,
        *,
        display_name: str | None = None,
        email: str | None = None,
        media_server_username: str | None = None,
    ) -> None: ...

    async def page(self, offset: int = 0, limit: int = 50) -> list[User]:
        """Users by id."""
        ...

    async def count(self) -> int: ...

    async def with_any_permission(self, permissions: Permission) -> list[User]:
        """Users holding any of ``permissions`` or ADMIN."""
        ...


class AccountRepository(Protocol):
    """The media server's user accounts, as last imported."""

    async def replace(self, accounts: Sequence[ServerAccount], now: datetime) -> None:
        """Make the stored accounts exactly ``accounts``."""
        ...

    async def by_name(self, name: str) -> ServerAccount | None:
        """The account with this name (any case)."""
        ...

    async def all(self) -> list[ServerAccount]:
        """Every account, by name."""
        ...
