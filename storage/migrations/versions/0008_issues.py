"""Problems reported on titles (Seerr's issues) and their comments. Users who hold only
REQUEST of their own (the old default for a new user) also get CREATE_ISSUES and
VIEW_ISSUES, as a new user now does (core.permissions.DEFAULT_USER).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-16
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# core.permissions as it is at this revision (a migration must not follow later changes).
_REQUEST = 32
_VIEW_ISSUES = 2097152
_CREATE_ISSUES = 4194304

_USERS = sa.table("users", sa.column("permissions", sa.Integer))


def _stamp(name: str) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    """Add the tables of issues and comments; give the old default users the new default."""
    op.create_table(
        "issues",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("media_id", sa.Integer(), nullable=False),
        sa.Column("issue_type", sa.Integer(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("problem_season", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("problem_episode", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("modified_by_id", sa.Integer(), nullable=True),
        _stamp("created_at"),
        _stamp("updated_at"),
        sa.ForeignKeyConstraint(
            ["media_id"], ["media.id"], name="fk_issues_media_id_media", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name="fk_issues_created_by_id_users",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["modified_by_id"],
            ["users.id"],
            name="fk_issues_modified_by_id_users",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_issues"),
    )
    op.create_index("ix_issues_media_id", "issues", ["media_id"])
    op.create_index("ix_issues_created_by_id", "issues", ["created_by_id"])
    op.create_index("ix_issues_status", "issues", ["status"])
    op.create_table(
        "issue_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issue_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        _stamp("created_at"),
        _stamp("updated_at"),
        sa.ForeignKeyConstraint(
            ["issue_id"],
            ["issues.id"],
            name="fk_issue_comments_issue_id_issues",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name="fk_issue_comments_user_id_users",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_issue_comments"),
    )
    op.create_index("ix_issue_comments_issue_id", "issue_comments", ["issue_id"])
    # Own permissions only: those of chat roles (role_permissions) are granted afresh.
    op.execute(
        sa.update(_USERS)
        .where(_USERS.c.permissions == _REQUEST)
        .values(permissions=_REQUEST | _CREATE_ISSUES | _VIEW_ISSUES)
    )


def downgrade() -> None:
    """Drop the tables of issues and comments (permissions stay as they are: the bits mean
    nothing to the older code)."""
    op.drop_table("issue_comments")
    op.drop_table("issues")
