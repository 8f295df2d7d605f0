"""The Telegram adapter: commands, buttons and notifications on python-telegram-bot."""

from adapters.telegram.app import TelegramAdapter, check
from adapters.telegram.config import DEFAULT_BASE_URL, TelegramConfig

__all__ = ["DEFAULT_BASE_URL", "TelegramAdapter", "TelegramConfig", "check"]
