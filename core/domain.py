"""Domain values: Seerr's enumerations and the frozen records the use cases pass around."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

from core.permissions import Permission

POSTER_BASE = "https://image.tmdb.org/t/p/"
ANIME_KEYWORD = "anime"  # TMDb keyword 210024, which Seerr also uses to spot anime


class MediaType(enum.StrEnum):
    MOVIE = "movie"
    TV = "tv"


class RequestStatus(enum.IntEnum):
    """Seerr's MediaRequestStatus; the numbers are part of its API."""

    PENDING = 1
    APPROVED = 2
    DECLINED = 3
    FAILED = 4
    COMPLETED = 5


class MediaStatus(enum.IntEnum):
    """Seerr's MediaStatus; also used for the status of single seasons."""

    UNKNOWN = 1
    PENDING = 2
    PROCESSING = 3
    PARTIALLY_AVAILABLE = 4
    AVAILABLE = 5
    BLOCKLISTED = 6
    DELETED = 7


class EventKind(enum.StrEnum):
    """A status change of a request, as written to the outbox."""

    PENDING = "pending"
    AUTO_APPROVED = "auto_approved"
    APPROVED = "approved"
    DECLINED = "declined"
    FAILED = "failed"
    AVAILABLE = "available"
    CANCELLED = "cancelled"


class DisplayStatus(enum.StrEnum):
    """What a user sees next to a title: its state on this server."""

    NOT_REQUESTED = "not requested"
    PENDING = "pending"
    APPROVED = "approved"
    PROCESSING = "processing"
    PARTIALLY_AVAILABLE = "partially available"
    AVAILABLE = "available"
    DECLINED = "declined"
    FAILED = "failed"
    BLOCKLISTED = "blocklisted"


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


def label(title: str, year: int | None) -> str:
    """``Title (Year)``, or just the title when the year is unknown."""
    return f"{title} ({year})" if year else title


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
    quota: QuotaLimits = QuotaLimits()
    created_at: datetime | None = None
    role_permissions: Permission = Permission.NONE


@dataclass(frozen=True, slots=True)
class SeasonInfo:
    """A season as the catalogue knows it."""

    season_number: int
    episode_count: int
    name: str = ""
    air_date: str | None = None


@dataclass(frozen=True, slots=True)
class CatalogueItem:
    """One search result from the catalogue (TMDb)."""

    tmdb_id: int
    media_type: MediaType
    title: str
    year: int | None
    overview: str
    poster_path: str | None


@dataclass(frozen=True, slots=True)
class SearchPage:
    page: int
    total_pages: int
    total_results: int
    items: tuple[CatalogueItem, ...]


@dataclass(frozen=True, slots=True)
class MediaDetails:
    """A title's details from the catalogue; seasons only for TV."""

    tmdb_id: int
    media_type: MediaType
    title: str
    year: int | None
    overview: str
    poster_path: str | None
    seasons: tuple[SeasonInfo, ...] = ()
    tvdb_id: int | None = None
    imdb_id: str | None = None
    # TMDb's keywords, lower-cased ("anime" makes Sonarr add a show as an anime series).
    keywords: tuple[str, ...] = ()

    @property
    def is_anime(self) -> bool:
        return ANIME_KEYWORD in self.keywords

    @property
    def requestable_seasons(self) -> tuple[int, ...]:
        """Every season number except 0 (specials), as Seerr's "all" means."""
        return tuple(s.season_number for s in self.seasons if s.season_number > 0)


@dataclass(frozen=True, slots=True)
class Media:
    """A title known to this server, keyed by TMDb id and type."""

    id: int
    tmdb_id: int
    media_type: MediaType
    title: str
    year: int | None
    poster_path: str | None
    status: MediaStatus = MediaStatus.UNKNOWN
    status_4k: MediaStatus = MediaStatus.UNKNOWN
    tvdb_id: int | None = None
    imdb_id: str | None = None
    overview: str = ""
    season_statuses: dict[int, MediaStatus] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """``Title (Year)``."""
        return label(self.title, self.year)


@dataclass(frozen=True, slots=True)
class SeasonRequest:
    season_number: int
    status: RequestStatus


@dataclass(frozen=True, slots=True)
class MediaRequest:
    id: int
    media: Media
    status: RequestStatus
    requested_by: User
    created_at: datetime
    updated_at: datetime
    is_4k: bool = False
    seasons: tuple[SeasonRequest, ...] = ()
    modified_by: User | None = None
    decline_reason: str | None = None
    fail_reason: str | None = None
    # When the request was handed to Radarr/Sonarr, and what it is there ("radarr:12").
    sent_at: datetime | None = None
    download_ref: str | None = None

    @property
    def media_type(self) -> MediaType:
        return self.media.media_type

    @property
    def season_numbers(self) -> tuple[int, ...]:
        return tuple(s.season_number for s in self.seasons)


@dataclass(frozen=True, slots=True)
class QuotaStatus:
    """One half of Seerr's quota report; ``resets_at`` is when the next slot frees up."""

    days: int | None
    limit: int | None
    used: int
    remaining: int | None
    restricted: bool
    resets_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class QuotaReport:
    movie: QuotaStatus
    tv: QuotaStatus


@dataclass(frozen=True, slots=True)
class SearchResult:
    item: CatalogueItem
    status: DisplayStatus
    media_id: int | None = None

    @property
    def poster_url(self) -> str | None:
        return poster_url(self.item.poster_path)


@dataclass(frozen=True, slots=True)
class CreateResult:
    """The outcome of a request attempt that broke no rule.

    ``request`` is None when nothing was left to request: every season already requested
    (``existing`` holds those requests) or available, or the movie is already available.
    Seerr answers that with 202, not an error.
    """

    request: MediaRequest | None
    auto_approved: bool
    skipped_seasons: tuple[int, ...] = ()
    existing: tuple[MediaRequest, ...] = ()
    already_available: bool = False


@dataclass(frozen=True, slots=True)
class EventPayload:
    """A snapshot of the request at the time of the change, so delivery needs no lookups."""

    request_id: int
    media_type: MediaType
    tmdb_id: int
    title: str
    year: int | None
    poster_path: str | None
    overview: str
    is_4k: bool
    seasons: tuple[int, ...]
    requested_by_id: int
    requested_by_name: str
    actor_id: int | None
    actor_name: str | None
    status: RequestStatus
    reason: str | None = None
    # Users who asked to hear about this title ("Notify me"), as they were when the change
    # was recorded: the subscription may be gone by the time the event is delivered.
    watcher_ids: tuple[int, ...] = ()

    @property
    def label(self) -> str:
        return label(self.title, self.year)


@dataclass(frozen=True, slots=True)
class Event:
    """An outbox row: one status change, written with the change itself."""

    id: int
    kind: EventKind
    payload: EventPayload
    created_at: datetime
    attempts: int = 0
    next_attempt_at: datetime | None = None
    delivered_at: datetime | None = None


class Audience(enum.StrEnum):
    """Why a user receives a notification."""

    REQUESTER = "requester"
    WATCHER = "watcher"  # asked to be told about this title ("Notify me")
    MANAGER = "manager"


class DeliveryStatus(enum.StrEnum):
    SENT = "sent"
    FAILED = "failed"
    GAVE_UP = "gave_up"
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class Notification:
    """One event for one recipient, handed to a notifier."""

    event: Event
    recipient: User
    audience: Audience


@dataclass(frozen=True, slots=True)
class DeliveryAttempt:
    event_id: int
    notifier: str
    recipient_id: int
    status: DeliveryStatus
    error: str | None
    attempted_at: datetime


@dataclass(frozen=True, slots=True)
class ChatPost:
    """A message a chat adapter posted about a request (an approval card), so that it can
    be edited when the request changes, whoever changed it and wherever."""

    platform: str
    chat_id: str
    message_id: str
    request_id: int
    kind: str = "approval"


def poster_url(path: str | None, size: str = "w600_and_h900_bestv2") -> str | None:
    """The public TMDb image URL for a poster path (Seerr's size by default)."""
    if not path:
        return None
    return f"{POSTER_BASE}{size}{path}"


@dataclass(frozen=True, slots=True)
class LibraryItem:
    """A movie or show on the media server, with the ids its metadata gives.

    ``episodes`` (TV) counts the episodes present on disk per season number.
    """

    server_id: str
    media_type: MediaType
    title: str
    year: int | None = None
    tmdb_id: int | None = None
    imdb_id: str | None = None
    tvdb_id: int | None = None
    episodes: dict[int, int] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return label(self.title, self.year)


@dataclass(frozen=True, slots=True)
class ServerAccount:
    """A user account on the media server (Jellyfin/Emby)."""

    server_id: str
    name: str
    is_admin: bool = False
    disabled: bool = False


@dataclass(frozen=True, slots=True)
class DownloadOrder:
    """What a downloader (Radarr for movies, Sonarr for shows) is asked to fetch."""

    request_id: int
    media_type: MediaType
    tmdb_id: int
    title: str
    year: int | None
    is_4k: bool = False
    seasons: tuple[int, ...] = ()
    tvdb_id: int | None = None
    imdb_id: str | None = None
    is_anime: bool = False

    @property
    def label(self) -> str:
        return label(self.title, self.year)


@dataclass(frozen=True, slots=True)
class DownloadProgress:
    """Where a title stands in a downloader: in its queue, on disk (a movie's file; a show's
    seasons, AVAILABLE when every episode has a file, PARTIALLY_AVAILABLE when some do)."""

    media_type: MediaType
    tmdb_id: int
    queued: bool = False
    available: bool = False
    seasons: dict[int, MediaStatus] = field(default_factory=dict)
