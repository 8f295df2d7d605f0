"""Reported problems with titles on the server (Seerr's "issues"): their types and statuses,
the issue and its comments as the use cases pass them around, the counts Home Assistant
reads, the snapshot an event carries, and the repository port that stores them."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from core.identity import User
from core.media import Media


class IssueType(enum.IntEnum):
    """Seerr's IssueType; the numbers are part of its API."""

    VIDEO = 1
    AUDIO = 2
    SUBTITLES = 3
    OTHER = 4

    @property
    def word(self) -> str:
        """Seerr's IssueTypeName ("Subtitle" in the singular, as its event lines say it)."""
        return _WORDS[self]

    @property
    def label(self) -> str:
        """How a chat names the type: "Video", "Audio", "Subtitles", "Other"."""
        return self.name.capitalize()


_WORDS = {
    IssueType.VIDEO: "Video",
    IssueType.AUDIO: "Audio",
    IssueType.SUBTITLES: "Subtitle",
    IssueType.OTHER: "Other",
}


def where(season: int, episode: int) -> str:
    """ "S2E5", "Season 2", or "" for the whole title."""
    if not season:
        return ""
    return f"S{season}E{episode}" if episode else f"Season {season}"


class IssueStatus(enum.IntEnum):
    """Seerr's IssueStatus."""

    OPEN = 1
    RESOLVED = 2


class IssueSort(enum.StrEnum):
    """Seerr's ``sort`` of GET /issue: by when reported (default) or last changed."""

    ADDED = "added"
    MODIFIED = "modified"


@dataclass(frozen=True, slots=True)
class IssueComment:
    id: int
    issue_id: int
    user: User
    message: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Issue:
    """A problem reported on a title. The report's words are its first comment, as in
    Seerr; ``comments`` are in the order they were written."""

    id: int
    media: Media
    issue_type: IssueType
    status: IssueStatus
    created_by: User
    created_at: datetime
    updated_at: datetime
    problem_season: int = 0  # 0: the whole show (or a movie)
    problem_episode: int = 0  # 0: the whole season
    modified_by: User | None = None
    comments: tuple[IssueComment, ...] = ()

    @property
    def message(self) -> str:
        return self.comments[0].message if self.comments else ""

    @property
    def is_open(self) -> bool:
        return self.status is IssueStatus.OPEN

    @property
    def where(self) -> str:
        return where(self.problem_season, self.problem_episode)

    def facts(self, comment: IssueComment | None = None) -> IssueFacts:
        """The snapshot an event of this issue carries (with the comment it reports)."""
        return IssueFacts(
            issue_id=self.id,
            issue_type=self.issue_type,
            status=self.status,
            problem_season=self.problem_season,
            problem_episode=self.problem_episode,
            message=self.message,
            reported_by_id=self.created_by.id,
            reported_by_name=self.created_by.display_name,
            comment_id=comment.id if comment else None,
            comment_message=comment.message if comment else None,
            commented_by_id=comment.user.id if comment else None,
            commented_by_name=comment.user.display_name if comment else None,
        )


@dataclass(frozen=True, slots=True)
class IssueFacts:
    """An issue as an event reports it: what it was when the event was written."""

    issue_id: int
    issue_type: IssueType
    status: IssueStatus
    problem_season: int
    problem_episode: int
    message: str
    reported_by_id: int
    reported_by_name: str
    comment_id: int | None = None
    comment_message: str | None = None
    commented_by_id: int | None = None
    commented_by_name: str | None = None

    @property
    def where(self) -> str:
        return where(self.problem_season, self.problem_episode)


@dataclass(frozen=True, slots=True)
class IssueCounts:
    """GET /issue/count: every issue by type, and by status."""

    total: int = 0
    video: int = 0
    audio: int = 0
    subtitles: int = 0
    others: int = 0
    open: int = 0
    closed: int = 0


class IssueRepository(Protocol):
    async def add(
        self,
        *,
        media: Media,
        issue_type: IssueType,
        problem_season: int,
        problem_episode: int,
        created_by: User,
        message: str,
        now: datetime,
    ) -> Issue:
        """Insert an open issue with its first comment (the report's words)."""
        ...

    async def get(self, issue_id: int, *, for_update: bool = False) -> Issue | None: ...

    async def page(
        self,
        *,
        status: IssueStatus | None = None,
        created_by: int | None = None,
        media_id: int | None = None,
        offset: int = 0,
        limit: int = 10,
        sort: IssueSort = IssueSort.ADDED,
    ) -> tuple[list[Issue], int]:
        """A page of issues (those in ``status``, by ``created_by``, of ``media_id``, where
        given), newest first by ``sort``, and how many match in all."""
        ...

    async def counts(self) -> IssueCounts: ...

    async def open_count(self, user_id: int, media_id: int) -> int:
        """How many open issues the user has on the title."""
        ...

    async def set_status(
        self, issue_id: int, status: IssueStatus, modified_by_id: int, now: datetime
    ) -> Issue: ...

    async def delete(self, issue_id: int) -> None:
        """Delete the issue with its comments."""
        ...

    async def add_comment(
        self, issue_id: int, user: User, message: str, now: datetime
    ) -> IssueComment:
        """Add a comment (the issue's updated_at moves too)."""
        ...

    async def get_comment(self, comment_id: int) -> IssueComment | None: ...

    async def edit_comment(self, comment_id: int, message: str, now: datetime) -> IssueComment: ...

    async def delete_comment(self, comment_id: int) -> None: ...
