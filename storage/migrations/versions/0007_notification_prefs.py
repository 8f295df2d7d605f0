"""Each user's notification choices: a mask of Seerr's notification types per chat channel
(NULL: not chosen, every event) and whether a manager gets approval cards privately too.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-09
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the table of notification choices."""
    op.create_table(
        "notification_prefs",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("telegram_types", sa.Integer(), nullable=True),
        sa.Column("discord_types", sa.Integer(), nullable=True),
        sa.Column("private_cards", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_notification_prefs_user_id_users"
        ),
        sa.PrimaryKeyConstraint("user_id", name="pk_notification_prefs"),
    )


def downgrade() -> None:
    """Drop the table of notification choices."""
    op.drop_table("notification_prefs")
