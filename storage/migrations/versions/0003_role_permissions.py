"""Permissions granted by chat-platform roles (Discord), apart from a user's own.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade the schema."""
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("role_permissions", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    """Downgrade the schema."""
    with op.batch_alter_table("users") as batch:
        batch.drop_column("role_permissions")
