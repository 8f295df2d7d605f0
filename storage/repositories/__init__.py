"""One repository per port in core.ports, on a unit of work's connection."""

from storage.repositories.events import SqlEventRepository
from storage.repositories.media import SqlMediaRepository
from storage.repositories.requests import SqlRequestRepository
from storage.repositories.settings import SqlSettingsRepository
from storage.repositories.users import SqlUserRepository

__all__ = [
    "SqlEventRepository",
    "SqlMediaRepository",
    "SqlRequestRepository",
    "SqlSettingsRepository",
    "SqlUserRepository",
]
