"""The Discord adapter's plain configuration (bot/ fills it from the settings), and the
platform name its users are known by in the core."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from core.permissions import Permission

PLATFORM = "discord"
DEFAULT_API_BASE_URL = "https://discord.com/api/v10"
DEFAULT_GATEWAY_URL = "wss://gateway.discord.gg/"


@dataclass(frozen=True, slots=True)
class DiscordConfig:
    """``guild_id``: where the commands are registered (None: globally); ``admin_channel_id``:
    where approval cards go; ``admin_digest_minutes``: when above 0, the admin channel gets
    a digest of the new pending requests this often instead of a card each;
    ``notify_channel_id``: public announcements, and where people
    whose DMs are closed are mentioned instead; ``role_permissions``: role id -> what its
    members may do."""

    token: str
    guild_id: int | None = None
    admin_channel_id: int | None = None
    notify_channel_id: int | None = None
    role_permissions: Mapping[int, Permission] = field(default_factory=dict)
    api_base_url: str = DEFAULT_API_BASE_URL
    gateway_url: str = DEFAULT_GATEWAY_URL
    # Autocomplete must answer inside Discord's 3 s: TMDb gets this long, then the cache speaks.
    autocomplete_budget: float = 1.5
    # A press that opens a modal (Decline, Comment) checks the presser's permission this long
    # before opening it anyway (a modal must be the first answer, inside Discord's 3 s).
    modal_check_budget: float = 1.0
    admin_digest_minutes: int = 0
    # Seconds from start-up to the first digest, when one is due then.
    digest_start_delay: float = 1.0

    def __repr__(self) -> str:  # never show the token
        return (
            f"DiscordConfig(guild_id={self.guild_id!r}, admin_channel_id="
            f"{self.admin_channel_id!r}, notify_channel_id={self.notify_channel_id!r})"
        )
