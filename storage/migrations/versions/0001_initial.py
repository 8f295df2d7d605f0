"""Initial schema: users, identities, media, seasons, requests, the outbox, settings.

Revision ID: 0001
Revises:
Create Date: 2026-02-01
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _stamp(name: str, nullable: bool = False) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    """Upgrade the schema."""
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("display_name", sa.String(), nullable=False),
        sa.Column("email", sa.String(), nullable=True),
        sa.Column("media_server_username", sa.String(), nullable=True),
        sa.Column("permissions", sa.Integer(), nullable=False),
        sa.Column("movie_quota_limit", sa.Integer(), nullable=True),
        sa.Column("movie_quota_days", sa.Integer(), nullable=True),
        sa.Column("tv_quota_limit", sa.Integer(), nullable=True),
        sa.Column("tv_quota_days", sa.Integer(), nullable=True),
        _stamp("created_at"),
        _stamp("updated_at"),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
    )
    op.create_table(
        "identities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(), nullable=False),
        sa.Column("external_id", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_identities_user_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_identities"),
        sa.UniqueConstraint("platform", "external_id", name="uq_identities_platform_external_id"),
    )
    op.create_index("ix_identities_user_id", "identities", ["user_id"])
    op.create_table(
        "media",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tmdb_id", sa.Integer(), nullable=False),
        sa.Column("media_type", sa.String(), nullable=False),
        sa.Column("tvdb_id", sa.Integer(), nullable=True),
        sa.Column("imdb_id", sa.String(), nullable=True),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("poster_path", sa.String(), nullable=True),
        sa.Column("overview", sa.Text(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("status_4k", sa.Integer(), nullable=False),
        _stamp("created_at"),
        _stamp("updated_at"),
        sa.CheckConstraint("media_type IN ('movie', 'tv')", name="ck_media_media_type"),
        sa.PrimaryKeyConstraint("id", name="pk_media"),
        sa.UniqueConstraint("tmdb_id", "media_type", name="uq_media_tmdb_id_media_type"),
    )
    op.create_table(
        "media_seasons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("media_id", sa.Integer(), nullable=False),
        sa.Column("season_number", sa.Integer(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("status_4k", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["media_id"], ["media.id"], name="fk_media_seasons_media_id_media"),
        sa.PrimaryKeyConstraint("id", name="pk_media_seasons"),
        sa.UniqueConstraint(
            "media_id", "season_number", name="uq_media_seasons_media_id_season_number"
        ),
    )
    op.create_table(
        "requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("media_id", sa.Integer(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("modified_by_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("is_4k", sa.Boolean(), nullable=False),
        sa.Column("decline_reason", sa.Text(), nullable=True),
        sa.Column("fail_reason", sa.Text(), nullable=True),
        _stamp("created_at"),
        _stamp("updated_at"),
        sa.ForeignKeyConstraint(["media_id"], ["media.id"], name="fk_requests_media_id_media"),
        sa.ForeignKeyConstraint(
            ["requested_by_id"], ["users.id"], name="fk_requests_requested_by_id_users"
        ),
        sa.ForeignKeyConstraint(
            ["modified_by_id"], ["users.id"], name="fk_requests_modified_by_id_users"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_requests"),
    )
    op.create_index(
        "ix_requests_requested_by_id_created_at", "requests", ["requested_by_id", "created_at"]
    )
    op.create_index("ix_requests_media_id_status", "requests", ["media_id", "status"])
    op.create_index("ix_requests_status", "requests", ["status"])
    op.create_table(
        "season_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("season_number", sa.Integer(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["requests.id"],
            name="fk_season_requests_request_id_requests",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_season_requests"),
    )
    op.create_index("ix_season_requests_request_id", "season_requests", ["request_id"])
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        _stamp("created_at"),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _stamp("next_attempt_at", nullable=True),
        _stamp("delivered_at", nullable=True),
        sa.Column("gave_up", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_events"),
    )
    op.create_index(
        "ix_events_delivered_at_next_attempt_at", "events", ["delivered_at", "next_attempt_at"]
    )
    op.create_table(
        "notification_logs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("notifier", sa.String(), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        _stamp("attempted_at"),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name="fk_notification_logs_event_id_events"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_notification_logs"),
    )
    op.create_index("ix_notification_logs_event_id", "notification_logs", ["event_id"])
    op.create_table(
        "settings",
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        _stamp("updated_at"),
        sa.PrimaryKeyConstraint("key", name="pk_settings"),
    )


def downgrade() -> None:
    """Downgrade the schema (drops everything)."""
    for table in (
        "settings",
        "notification_logs",
        "events",
        "season_requests",
        "requests",
        "media_seasons",
        "media",
        "identities",
        "users",
    ):
        op.drop_table(table)
