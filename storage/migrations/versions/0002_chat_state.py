"""Chat adapters' memory: "Notify me" subscriptions, button state, posted approval cards.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _stamp(name: str) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    """Upgrade the schema."""
    op.create_table(
        "watchers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("media_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        _stamp("created_at"),
        sa.ForeignKeyConstraint(["media_id"], ["media.id"], name="fk_watchers_media_id_media"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_watchers_user_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_watchers"),
        sa.UniqueConstraint("media_id", "user_id", name="uq_watchers_media_id_user_id"),
    )
    op.create_table(
        "chat_states",
        sa.Column("platform", sa.String(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        _stamp("created_at"),
        _stamp("expires_at"),
        sa.PrimaryKeyConstraint("platform", "key", name="pk_chat_states"),
    )
    op.create_index("ix_chat_states_expires_at", "chat_states", ["expires_at"])
    op.create_table(
        "chat_posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(), nullable=False),
        sa.Column("chat_id", sa.String(), nullable=False),
        sa.Column("message_id", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        _stamp("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_chat_posts"),
    )
    op.create_index("ix_chat_posts_request_id_platform", "chat_posts", ["request_id", "platform"])


def downgrade() -> None:
    """Downgrade the schema."""
    for table in ("chat_posts", "chat_states", "watchers"):
        op.drop_table(table)
