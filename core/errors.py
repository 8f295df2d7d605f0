"""One hierarchy of core errors. They carry data; each adapter turns them into words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.domain import MediaRequest, RequestStatus
    from core.identity import User
    from core.media import Media, MediaType
    from core.permissions import Permission


class CoreError(Exception):
    """Base of every error the core raises on purpose."""


@dataclass(eq=False)
class NotFound(CoreError):
    """No ``kind`` with this key here (a request, a user, ...)."""

    kind: str
    key: object

    def __str__(self) -> str:
        return f"{self.kind} {self.key!r} not found"


@dataclass(eq=False)
class TitleNotFound(CoreError):
    """The catalogue has no title with this id and type."""

    tmdb_id: int
    media_type: MediaType

    def __str__(self) -> str:
        return f"TMDb has no {self.media_type} with id {self.tmdb_id}"


@dataclass(eq=False)
class PermissionDenied(CoreError):
    """The acting user lacks ``required`` (all of them, or any of them if ``any_of``)."""

    action: str
    required: tuple[Permission, ...]
    any_of: bool = False

    def __str__(self) -> str:
        names = " or " if self.any_of else " and "
        return f"{self.action}: needs {names.join(str(p.name) for p in self.required)}"


@dataclass(eq=False)
class QuotaExceeded(CoreError):
    """Seerr's "Movie Quota exceeded." / "Series Quota exceeded."."""

    media_type: MediaType
    limit: int
    used: int
    days: int
    requested: int = 1
    resets_at: datetime | None = None

    def __str__(self) -> str:
        return (
            f"{self.media_type} quota exceeded: {self.used}/{self.limit} in {self.days} days, "
            f"{self.requested} more asked"
        )


@dataclass(eq=False)
class DuplicateRequest(CoreError):
    """Seerr's "Request for this media already exists." with the request that exists."""

    existing: MediaRequest

    def __str__(self) -> str:
        return f"request {self.existing.id} already exists for {self.existing.media.label}"


@dataclass(eq=False)
class AlreadyDecided(CoreError):
    """A decision on a request someone already decided (or that is no longer pending)."""

    request: MediaRequest
    decided_by: User | None
    decided_at: datetime

    def __str__(self) -> str:
        who = self.decided_by.display_name if self.decided_by else "the system"
        return f"request {self.request.id} is already {self.request.status.name} by {who}"


@dataclass(eq=False)
class InvalidTransition(CoreError):
    """``action`` is not possible for a request in ``status``."""

    request_id: int
    status: RequestStatus
    action: str

    def __str__(self) -> str:
        return f"cannot {self.action} request {self.request_id} while {self.status.name}"


@dataclass(eq=False)
class Blocklisted(CoreError):
    """The media is on the blocklist and cannot be requested."""

    media: Media

    def __str__(self) -> str:
        return f"{self.media.label} is blocklisted"


@dataclass(eq=False)
class InvalidSeasons(CoreError):
    """Season numbers the show does not have; ``available`` are its regular seasons, and
    ``specials`` says whether it also has a season 0 (which may be asked for by number)."""

    unknown: tuple[int, ...]
    available: tuple[int, ...]
    specials: bool = False

    def __str__(self) -> str:
        return f"unknown seasons {list(self.unknown)}; the show has {list(self.available)}"


@dataclass(eq=False)
class InvalidInput(CoreError):
    """A value the core cannot use, with the field it was for."""

    field: str
    value: object
    reason: str

    def __str__(self) -> str:
        return f"invalid {self.field} {self.value!r}: {self.reason}"


@dataclass(eq=False)
class ProtectedUser(CoreError):
    """A change that would take ADMIN from a bot owner, or touch an admin without being one."""

    user_id: int
    reason: str

    def __str__(self) -> str:
        return f"user {self.user_id} is protected: {self.reason}"


@dataclass(eq=False)
class ServiceUnavailable(CoreError):
    """An outside service (TMDb, Radarr, ...) did not answer usefully."""

    service: str
    detail: str = ""
    retry_after: float | None = None

    def __str__(self) -> str:
        tail = f" ({self.detail})" if self.detail else ""
        return f"{self.service} is not reachable{tail}"


@dataclass(eq=False)
class ServiceRejected(CoreError):
    """An outside service refused us (bad API key, forbidden), so retrying will not help."""

    service: str
    status: int
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.service} refused the request (HTTP {self.status}) {self.detail}".rstrip()


@dataclass(eq=False)
class OwnersOnly(CoreError):
    """Something only the bot's owners (BOT_OWNERS) may do, asked by someone else."""

    action: str

    def __str__(self) -> str:
        return f"{self.action}: only for the bot's owners"


class ApiKeyFixed(CoreError):
    """The API key is given in the settings (API_KEY): it is changed there, not rotated."""

    def __str__(self) -> str:
        return "the API key comes from the settings (API_KEY)"


@dataclass(eq=False)
class IssueRefused(CoreError):
    """An issue that cannot be reported (the title is not on the server, the reporter has
    enough open ones on it): ``reason`` says why, as a sentence for the user."""

    reason: str

    def __str__(self) -> str:
        return self.reason


class Conflict(CoreError):
    """Storage lost a race (unique key, serialization failure); the use case is retried."""


@dataclass(eq=False)
class DeliveryHeld(CoreError):
    """A notifier keeps the event for a later message (an agent's digest): the delivery
    log records it as held, and the digest sends it."""

    reason: str

    def __str__(self) -> str:
        return self.reason


@dataclass(eq=False)
class DeliveryFailed(CoreError):
    """A notifier could not deliver; ``permanent`` when retrying cannot help (user blocked us)."""

    reason: str
    permanent: bool = False
    retry_after: float | None = None

    def __str__(self) -> str:
        return self.reason
