"""One repository per repository port of the core (core/*_repositories.py), on a unit of
work's connection."""

from storage.repositories.accounts import SqlAccountRepository
from storage.repositories.chat import SqlChatPostRepository, SqlChatStateRepository
from storage.repositories.events import SqlEventRepository
from storage.repositories.issues import SqlIssueRepository
from storage.repositories.listing import SqlListingRepository
from storage.repositories.media import SqlMediaRepository
from storage.repositories.preferences import SqlPreferenceRepository
from storage.repositories.requests import SqlRequestRepository
from storage.repositories.settings import SettingsCache, SqlSettingsRepository
from storage.repositories.users import SqlUserRepository
from storage.repositories.watchers import SqlWatcherRepository

__all__ = [
    "SettingsCache",
    "SqlAccountRepository",
    "SqlChatPostRepository",
    "SqlChatStateRepository",
    "SqlEventRepository",
    "SqlIssueRepository",
    "SqlListingRepository",
    "SqlMediaRepository",
    "SqlPreferenceRepository",
    "SqlRequestRepository",
    "SqlSettingsRepository",
    "SqlUserRepository",
    "SqlWatcherRepository",
]
