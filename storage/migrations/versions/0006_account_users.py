"""The media server's accounts are users: each user may be one account (its id there, and
whether it is disabled there). The separate table of imported accounts goes; users already
linked by name to an imported account take its id, and the next full library scan makes a
user of every other account.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_USERS = sa.table(
    "users",
    sa.column("id", sa.Integer),
    sa.column("media_server_username", sa.String),
    sa.column("media_server_user_id", sa.String),
)
_ACCOUNTS = sa.table(
    "media_server_accounts", sa.column("server_id", sa.String), sa.column("name", sa.String)
)


def _fold(name: str) -> str:
    return " ".join(name.split()).casefold()


def upgrade() -> None:
    """Add the account columns to users, adopt the imported accounts, drop their table."""
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("media_server_user_id", sa.String(), nullable=True))
        batch.add_column(
            sa.Column(
                "media_server_disabled", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
        batch.create_unique_constraint("uq_users_media_server_user_id", ["media_server_user_id"])
    bind = op.get_bind()
    accounts = {_fold(name): server_id for server_id, name in bind.execute(sa.select(_ACCOUNTS))}
    linked = bind.execute(
        sa.select(_USERS.c.id, _USERS.c.media_server_username)
        .where(_USERS.c.media_server_username.is_not(None))
        .order_by(_USERS.c.id)
    ).all()
    taken: set[str] = set()
    for user_id, name in linked:
        server_id = accounts.get(_fold(name))
        if server_id is None or server_id in taken:
            continue
        taken.add(server_id)
        bind.execute(
            sa.update(_USERS).where(_USERS.c.id == user_id).values(media_server_user_id=server_id)
        )
    op.drop_table("media_server_accounts")


def downgrade() -> None:
    """Bring back the (empty) table of imported accounts; the next scan fills it."""
    op.create_table(
        "media_server_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("server_id", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("is_admin", sa.Boolean(), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_server_accounts")),
        sa.UniqueConstraint("server_id", name=op.f("uq_media_server_accounts_server_id")),
    )
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint("uq_users_media_server_user_id", type_="unique")
        batch.drop_column("media_server_disabled")
        batch.drop_column("media_server_user_id")
