"""Repository ports of people: the users (with their chat identities), some of whom are the
media server's accounts, and what each chooses to be told of."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from core.identity import Identity, QuotaLimits, ServerAccount, User
from core.notification_types import NotificationType
from core.permissions import Permission

if TYPE_CHECKING:  # core.preferences holds use cases, which import the ports
    from core.preferences import Preferences


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
        """Users holding any of ``permissions`` or ADMIN (a disabled account holds none), by id."""
        ...

    async def merge(self, source_id: int, target_id: int, now: datetime) -> None:
        """Make two users one: everything of ``source_id`` (identities, requests made and
        modified, watched titles, delivery log, the outbox events still to be delivered)
        moves onto ``target_id`` and the source is deleted. The target's own and role
        permissions become the union of both; its quota limits, email and notification
        choices stay where set, else take the source's (private cards: on if either had
        them on). NotFound if either user is missing."""
        ...


@dataclass(frozen=True, slots=True)
class AccountSync:
    """What making users of the media server's accounts changed: the ids of the users it
    created, and how many existing ones it updated."""

    created: tuple[int, ...] = ()
    updated: int = 0


class AccountRepository(Protocol):
    """The media server's accounts, as the users they are."""

    async def sync(
        self, accounts: Sequence[ServerAccount], permissions: Permission, now: datetime
    ) -> AccountSync:
        """Make each account a user: the user with its server id (or, having none yet, the
        one linked by name to it) takes its name, its email where it has one, and whether it
        is disabled; every other account becomes a new user with ``permissions``. Users of
        accounts gone from the server stay. A fixed number of statements however many."""
        ...


class PreferenceRepository(Protocol):
    """Each user's notification choices (core.preferences)."""

    async def get(self, user_id: int) -> Preferences:
        """The user's choices (the defaults when they made none)."""
        ...

    async def for_users(self, user_ids: Sequence[int]) -> dict[int, Preferences]:
        """The choices of several users at once (one statement), by id."""
        ...

    async def set_types(
        self, user_id: int, channel: str, types: NotificationType, now: datetime
    ) -> None:
        """Store the mask of events that reach the user on ``channel``."""
        ...

    async def set_private_cards(self, user_id: int, on: bool, now: datetime) -> None: ...
