"""Domain values of requests: Seerr's request statuses, the request records the use cases pass
around, the quota report, and what a request becomes for a downloader and on a chat."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

from core.identity import User
from core.media import Media, MediaType, label


class RequestStatus(enum.IntEnum):
    """Seerr's MediaRequestStatus; the numbers are part of its API."""

    PENDING = 1
    APPROVED = 2
    DECLINED = 3
    FAILED = 4
    COMPLETED = 5


@dataclass(frozen=True, slots=True)
class SeasonRequest:
    season_number: int
    status: RequestStatus
    # The season row's id where storage has one (the REST API shows it); not part of the value.
    id: int | None = field(default=None, compare=False)


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
class ChatPost:
    """A message a chat adapter posted about a request (an approval card), so that it can
    be edited when the request changes, whoever changed it and wherever. An issue's card
    has a ``kind`` starting with ISSUE_POST, and the issue's id as ``request_id``."""

    platform: str
    chat_id: str
    message_id: str
    request_id: int
    kind: str = "approval"

    @property
    def is_issue(self) -> bool:
        return self.kind.startswith(ISSUE_POST)


ISSUE_POST = "issue"  # the start of the kind of an issue's card
