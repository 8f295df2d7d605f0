"""One repository per port in core.ports, on a unit of work's connection."""

from storage.repositories.events import SqlEventRepository
from storage.repositories.media import SqlMediaRepository
from storage.repositories.requests import SqlRequestRepository
from storage.repositories.settings import SettingsCache, SqlSettingsRepository
from storage.repositories.users import SqlUserRepository

__all__ = [
    "SettingsCache",
    "SqlEventRepository",
    "SqlMediaRepository",
    "SqlRequestRepository",
    "SqlSettingsRepository",
    "SqlUserRepository",
]
