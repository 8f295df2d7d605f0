"""The Telegram adapter's plain configuration (bot/ fills it from the settings)."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_BASE_URL = "https://api.telegram.org/bot"


@dataclass(frozen=True, slots=True)
class TelegramConfig:
    """``admin_chat_id``: where approval cards go (None: to each manager privately);
    ``admin_digest_minutes``: when above 0, the admin chat gets a digest of the new
    pending requests this often instead of a card each;
    ``notify_chat_id``: where "now available" is announced (None: nowhere public);
    ``flood_scale``: how long the flood windows kept are, as a share of Telegram's (1.0;
    shorter for a test server that enforces the same rules on shorter windows)."""

    token: str
    base_url: str = DEFAULT_BASE_URL
    admin_chat_id: int | None = None
    notify_chat_id: int | str | None = None
    poll_timeout: int = 30
    # How long a button press may wait for its quick checks before it is answered anyway.
    answer_budget: float = 0.5
    flood_scale: float = 1.0
    admin_digest_minutes: int = 0
    # Seconds from start-up to the first digest, when one is due then.
    digest_start_delay: float = 1.0

    @property
    def base_file_url(self) -> str:
        """The file URL of the same server (``.../bot`` -> ``.../file/bot``)."""
        head, sep, tail = self.base_url.rstrip("/").rpartition("/bot")
        return f"{head}/file/bot{tail}" if sep else self.base_url.rstrip("/") + "/file/bot"

    def __repr__(self) -> str:  # never show the token
        return (
            f"TelegramConfig(base_url={self.base_url!r}, admin_chat_id={self.admin_chat_id!r}, "
            f"notify_chat_id={self.notify_chat_id!r})"
        )
