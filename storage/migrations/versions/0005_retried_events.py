"""A retry is an event kind of its own: events recorded as an approval marked "retry" (in
the payload's reason) become "retried" events, so those still waiting to be delivered after
the upgrade are worded as a retry, as they were before it.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_EVENTS = sa.table(
    "events", sa.column("id", sa.Integer), sa.column("kind", sa.String), sa.column("payload")
)


def _convert(old_kind: str, old_reason: str | None, new_kind: str, new_reason: str | None) -> None:
    bind = op.get_bind()
    marked = f'%"reason":{json.dumps(old_reason)}%'  # as the payloads are written
    rows = bind.execute(
        sa.select(_EVENTS.c.id, _EVENTS.c.payload).where(
            _EVENTS.c.kind == old_kind, _EVENTS.c.payload.like(marked)
        )
    ).all()
    for event_id, text in rows:
        payload = json.loads(text)
        if payload.get("reason") != old_reason:
            continue
        payload["reason"] = new_reason
        bind.execute(
            sa.update(_EVENTS)
            .where(_EVENTS.c.id == event_id)
            .values(kind=new_kind, payload=json.dumps(payload, separators=(",", ":")))
        )


def upgrade() -> None:
    """Approvals marked "retry" become retried events."""
    _convert("approved", "retry", "retried", None)


def downgrade() -> None:
    """Retried events become approvals marked "retry" again."""
    _convert("retried", None, "approved", "retry")
