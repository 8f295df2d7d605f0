"""Who uses the bot: chat identities, users with their permissions and quota limits, and the
media server's accounts."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import datetime

from core.media import MediaType
from core.permissions import Permission


@dataclass(frozen=True, slots=True)
class Identity:
    """A chat account: ``discord:123``, ``telegram:456`` or ``console:alice``.

    ``username`` is the account's handle on its platform as last seen (for linking to a
    media-server account); it plays no part in equality: the account is the same.
    """

    platform: str
    external_id: str
    username: str | None = field(default=None, compare=False)

    def __str__(self) -> str:
        return f"{self.platform}:{self.external_id}"

    @classmethod
    def parse(cls, text: str) -> Identity:
        """Parse ``platform:id``; raises ValueError on anything else."""
        platform, sep, external_id = text.strip().partition(":")
        if not sep or not platform or not external_id:
            raise ValueError(f"not an identity (platform:id): {text!r}")
        return cls(platform.lower(), external_id)


@dataclass(frozen=True, slots=True)
class QuotaLimits:
    """Movie and TV quota limits and windows (days): a user's own, where None falls back to
    the global default, or the global defaults, where None (or a zero limit) is unlimited."""

    movie_limit: int | None = None
    movie_days: int | None = None
    tv_limit: int | None = None
    tv_days: int | None = None

    def for_type(self, media_type: MediaType) -> tuple[int | None, int | None]:
        """(limit, days) for movies or for TV."""
        if media_type is MediaType.MOVIE:
            return self.movie_limit, self.movie_days
        return self.tv_limit, self.tv_days


@dataclass(frozen=True, slots=True)
class User:
    """``permissions`` is what the user holds: their own (set with set_permissions) together
    with ``role_permissions``, those granted by their roles on a chat platform (a Discord
    server's roles), which the adapter refreshes on every interaction."""

    id: int
    display_name: str
    permissions: Permission
    identities: tuple[Identity, ...] = ()
    email: str | None = None
    media_server_username: str | None = None
    # The media-server account this user is (Seerr's jellyfinUserId), set by the library scan.
    media_server_user_id: str | None = None
    quota: QuotaLimits = QuotaLimits()
    created_at: datetime | None = None
    role_permissions: Permission = Permission.NONE
    # When the user's row last changed: bookkeeping (the REST API shows it), not part of
    # the value, so two reads of one user compare equal across a change of stamp only.
    updated_at: datetime | None = field(default=None, compare=False)
    # The media-server account is disabled there: the user holds no permissions meanwhile.
    disabled: bool = False

    def numeric_id(self, platform: str) -> int | None:
        """The user's id on a platform whose ids are numbers (a Telegram chat, a Discord
        user), or None when they have none there."""
        for identity in self.identities:
            if identity.platform == platform:
                with contextlib.suppress(ValueError):
                    return int(identity.external_id)
        return None


@dataclass(frozen=True, slots=True)
class ServerAccount:
    """A user account on the media server (Jellyfin/Emby); ``email`` where the server has
    one (Jellyfin keeps none; Emby has the Emby Connect address of a linked account)."""

    server_id: str
    name: str
    is_admin: bool = False
    disabled: bool = False
    email: str | None = None
