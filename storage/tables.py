"""The database schema as SQLModel tables, kept apart from the core's dataclasses.

Enums are stored as their values (Seerr's numbers, the media-type strings). Datetimes are
stored as UTC and always read back as timezone-aware UTC, on SQLite as on PostgreSQL.
The repositories query these tables with SQLAlchemy Core through the ``*_t`` handles below.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    Dialect,
    Index,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

# Deterministic constraint names, so that later migrations (SQLite batch mode) can find them.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every database (SQLite keeps no zone: store UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: pass a timezone-aware one")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        stamp = cast(datetime, value)
        return stamp.replace(tzinfo=UTC) if stamp.tzinfo is None else stamp.astimezone(UTC)


class UserRow(SQLModel, table=True):
    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("media_server_user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    display_name: str
    email: str | None = None
    media_server_username: str | None = None
    # The media-server account this user is (its id there), and whether it is disabled there.
    media_server_user_id: str | None = None
    media_server_disabled: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})
    permissions: int
    # Granted by the user's roles on a chat platform (Discord), refreshed on each interaction.
    role_permissions: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    movie_quota_limit: int | None = None
    movie_quota_days: int | None = None
    tv_quota_limit: int | None = None
    tv_quota_days: int | None = None
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class IdentityRow(SQLModel, table=True):
    __tablename__ = "identities"
    __table_args__ = (
        UniqueConstraint("platform", "external_id"),
        Index("ix_identities_user_id", "user_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id")
    platform: str
    external_id: str
    # The account's handle on its platform, for linking to a media-server account.
    username: str | None = None


class MediaRow(SQLModel, table=True):
    __tablename__ = "media"
    __table_args__ = (
        UniqueConstraint("tmdb_id", "media_type"),
        CheckConstraint("media_type IN ('movie', 'tv')", name="media_type"),
    )

    id: int | None = Field(default=None, primary_key=True)
    tmdb_id: int
    media_type: str
    tvdb_id: int | None = None
    imdb_id: str | None = None
    title: str
    year: int | None = None
    poster_path: str | None = None
    overview: str = Field(default="", sa_type=Text)
    status: int
    status_4k: int
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class MediaSeasonRow(SQLModel, table=True):
    __tablename__ = "media_seasons"
    __table_args__ = (UniqueConstraint("media_id", "season_number"),)

    id: int | None = Field(default=None, primary_key=True)
    media_id: int = Field(foreign_key="media.id")
    season_number: int
    status: int
    status_4k: int


class RequestRow(SQLModel, table=True):
    __tablename__ = "requests"
    __table_args__ = (
        Index("ix_requests_requested_by_id_created_at", "requested_by_id", "created_at"),
        Index("ix_requests_media_id_status", "media_id", "status"),
        Index("ix_requests_status", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    media_id: int = Field(foreign_key="media.id")
    requested_by_id: int = Field(foreign_key="users.id")
    modified_by_id: int | None = Field(default=None, foreign_key="users.id")
    status: int
    is_4k: bool = False
    decline_reason: str | None = Field(default=None, sa_type=Text)
    fail_reason: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    # When an approved request reached Radarr/Sonarr, and what it is there ("radarr:12").
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    download_ref: str | None = None


class SeasonRequestRow(SQLModel, table=True):
    __tablename__ = "season_requests"
    __table_args__ = (Index("ix_season_requests_request_id", "request_id"),)

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="requests.id", ondelete="CASCADE")
    season_number: int
    status: int


class EventRow(SQLModel, table=True):
    """The outbox. ``request_id`` has no foreign key: requests may be deleted and the
    payload is a snapshot anyway."""

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_delivered_at_next_attempt_at", "delivered_at", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str
    request_id: int | None = None
    payload: str = Field(sa_type=Text)
    created_at: datetime = Field(sa_type=UTCDateTime)
    attempts: int = 0
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    gave_up: bool = False


class NotificationLogRow(SQLModel, table=True):
    __tablename__ = "notification_logs"
    __table_args__ = (Index("ix_notification_logs_event_id", "event_id"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="events.id")
    notifier: str
    recipient_id: int
    status: str
    error: str | None = Field(default=None, sa_type=Text)
    attempted_at: datetime = Field(sa_type=UTCDateTime)


class SettingRow(SQLModel, table=True):
    __tablename__ = "settings"

    key: str = Field(primary_key=True)
    value: str = Field(sa_type=Text)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class WatcherRow(SQLModel, table=True):
    """A user who asked to be told about a title ("Notify me")."""

    __tablename__ = "watchers"
    __table_args__ = (UniqueConstraint("media_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    media_id: int = Field(foreign_key="media.id")
    user_id: int = Field(foreign_key="users.id")
    created_at: datetime = Field(sa_type=UTCDateTime)


class ChatStateRow(SQLModel, table=True):
    """What a chat adapter keeps behind the short keys in its buttons."""

    __tablename__ = "chat_states"
    __table_args__ = (Index("ix_chat_states_expires_at", "expires_at"),)

    platform: str = Field(primary_key=True)
    key: str = Field(primary_key=True)
    data: str = Field(sa_type=Text)
    created_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)


class ChatPostRow(SQLModel, table=True):
    """A message posted about a request. ``request_id`` has no foreign key: a cancelled
    request's row is deleted, and its card is still edited to say so."""

    __tablename__ = "chat_posts"
    __table_args__ = (Index("ix_chat_posts_request_id_platform", "request_id", "platform"),)

    id: int | None = Field(default=None, primary_key=True)
    request_id: int
    platform: str
    chat_id: str
    message_id: str
    kind: str
    created_at: datetime = Field(sa_type=UTCDateTime)


class NotificationPrefRow(SQLModel, table=True):
    """A user's notification choices (core.preferences): a mask of Seerr's notification
    types per chat channel (NULL: not chosen, every event) and whether a manager gets
    approval cards privately too."""

    __tablename__ = "notification_prefs"

    user_id: int = Field(foreign_key="users.id", primary_key=True)
    telegram_types: int | None = None
    discord_types: int | None = None
    private_cards: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})
    updated_at: datetime = Field(sa_type=UTCDateTime)


class IssueRow(SQLModel, table=True):
    """A problem reported on a title (Seerr's issue); the report's words are its first
    comment. Season and episode 0 mean the whole show (or a movie) and the whole season."""

    __tablename__ = "issues"
    __table_args__ = (
        Index("ix_issues_media_id", "media_id"),
        Index("ix_issues_created_by_id", "created_by_id"),
        Index("ix_issues_status", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    media_id: int = Field(foreign_key="media.id", ondelete="CASCADE")
    issue_type: int
    status: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    problem_season: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    problem_episode: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    created_by_id: int = Field(foreign_key="users.id", ondelete="CASCADE")
    modified_by_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class IssueCommentRow(SQLModel, table=True):
    __tablename__ = "issue_comments"
    __table_args__ = (Index("ix_issue_comments_issue_id", "issue_id"),)

    id: int | None = Field(default=None, primary_key=True)
    issue_id: int = Field(foreign_key="issues.id", ondelete="CASCADE")
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE")
    message: str = Field(sa_type=Text)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


def _table(model: type[SQLModel]) -> Table:
    return cast(Table, model.__table__)  # type: ignore[attr-defined]


users_t = _table(UserRow)
identities_t = _table(IdentityRow)
media_t = _table(MediaRow)
media_seasons_t = _table(MediaSeasonRow)
requests_t = _table(RequestRow)
season_requests_t = _table(SeasonRequestRow)
events_t = _table(EventRow)
notification_logs_t = _table(NotificationLogRow)
settings_t = _table(SettingRow)
watchers_t = _table(WatcherRow)
chat_states_t = _table(ChatStateRow)
chat_posts_t = _table(ChatPostRow)
notification_prefs_t = _table(NotificationPrefRow)
issues_t = _table(IssueRow)
issue_comments_t = _table(IssueCommentRow)
