"""Titles: what the catalogue, the media server and the downloaders say about a movie or show,
and Seerr's statuses of a title here."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

POSTER_BASE = "https://image.tmdb.org/t/p/"
ANIME_KEYWORD = "anime"  # TMDb keyword 210024, which Seerr also uses to spot anime
SPECIALS = 0  # TMDb's season number for specials


class MediaType(enum.StrEnum):
    MOVIE = "movie"
    TV = "tv"


class MediaStatus(enum.IntEnum):
    """Seerr's MediaStatus; also used for the status of single seasons."""

    UNKNOWN = 1
    PENDING = 2
    PROCESSING = 3
    PARTIALLY_AVAILABLE = 4
    AVAILABLE = 5
    BLOCKLISTED = 6
    DELETED = 7


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


# A title as TMDb keys it: (TMDb id, movie or TV).
MediaKey = tuple[int, MediaType]


def label(title: str, year: int | None) -> str:
    """``Title (Year)``, or just the title when the year is unknown."""
    return f"{title} ({year})" if year else title


def poster_url(path: str | None, size: str = "w600_and_h900_bestv2") -> str | None:
    """The public TMDb image URL for a poster path (Seerr's size by default)."""
    if not path:
        return None
    return f"{POSTER_BASE}{size}{path}"


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
class SearchResult:
    item: CatalogueItem
    status: DisplayStatus
    media_id: int | None = None
    # On the media server in either quality (4K too): problems with it may be reported.
    on_server: bool = False

    @property
    def poster_url(self) -> str | None:
        return poster_url(self.item.poster_path)


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
    # When the row was made and last changed: bookkeeping (the REST API shows them), not
    # part of the value.
    created_at: datetime | None = field(default=None, compare=False)
    updated_at: datetime | None = field(default=None, compare=False)

    @property
    def label(self) -> str:
        """``Title (Year)``."""
        return label(self.title, self.year)


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
class DownloadProgress:
    """Where a title stands in a downloader: in its queue, on disk (a movie's file; a show's
    seasons, AVAILABLE when every episode has a file, PARTIALLY_AVAILABLE when some do)."""

    media_type: MediaType
    tmdb_id: int
    queued: bool = False
    available: bool = False
    seasons: dict[int, MediaStatus] = field(default_factory=dict)
