"""The Discord adapter: slash commands, buttons, modals and notifications on discord.py."""

from adapters.discord.app import DiscordAdapter, check
from adapters.discord.config import DiscordConfig

__all__ = ["DiscordAdapter", "DiscordConfig", "check"]
