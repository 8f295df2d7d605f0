"""Merging two users into one (a chat user into the media-server account they turn out to
be): every row that names the one comes to name the other, in the caller's transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, delete, select, update

from core.errors import NotFound
from core.outbox import reassigned
from storage.repositories.events import dump_payload, load_payload
from storage.sql import Db
from storage.tables import (
    events_t,
    identities_t,
    issue_comments_t,
    issues_t,
    notification_logs_t,
    notification_prefs_t,
    requests_t,
    users_t,
    watchers_t,
)

_u = users_t.c
_w = watchers_t.c
_OWN = select(
    _u.id,
    _u.permissions,
    _u.role_permissions,
    _u.email,
    _u.movie_quota_limit,
    _u.movie_quota_days,
    _u.tv_quota_limit,
    _u.tv_quota_days,
).where(_u.id.in_([bindparam("source"), bindparam("target")]))
_LOCK = _OWN.with_for_update(of=users_t)
_target_watches = (
    select(watchers_t.c.media_id)
    .where(watchers_t.c.user_id == bindparam("target"))
    .scalar_subquery()
)
# A title both watch stays watched once: the source's row goes, the target's stays.
_DROP_TWICE_WATCHED = delete(watchers_t).where(
    _w.user_id == bindparam("source"), _w.media_id.in_(_target_watches)
)
_REOWN = [
    update(watchers_t).where(_w.user_id == bindparam("source")).values(user_id=bindparam("target")),
    update(identities_t)
    .where(identities_t.c.user_id == bindparam("source"))
    .values(user_id=bindparam("target")),
    update(requests_t)
    .where(requests_t.c.requested_by_id == bindparam("source"))
    .values(requested_by_id=bindparam("target")),
    update(requests_t)
    .where(requests_t.c.modified_by_id == bindparam("source"))
    .values(modified_by_id=bindparam("target")),
    update(issues_t)
    .where(issues_t.c.created_by_id == bindparam("source"))
    .values(created_by_id=bindparam("target")),
    update(issues_t)
    .where(issues_t.c.modified_by_id == bindparam("source"))
    .values(modified_by_id=bindparam("target")),
    update(issue_comments_t)
    .where(issue_comments_t.c.user_id == bindparam("source"))
    .values(user_id=bindparam("target")),
    # Deliveries already made to the source count as made to the target: none is repeated.
    update(notification_logs_t)
    .where(notification_logs_t.c.recipient_id == bindparam("source"))
    .values(recipient_id=bindparam("target")),
]
_p = notification_prefs_t.c
_PREF_COLUMNS = [c for c in notification_prefs_t.columns if c.name.endswith("_types")]
_PREFS = select(_p.user_id, _p.private_cards, *_PREF_COLUMNS).where(
    _p.user_id.in_([bindparam("source"), bindparam("target")])
)
_MOVE_PREFS = (
    update(notification_prefs_t)
    .where(_p.user_id == bindparam("source"))
    .values(user_id=bindparam("target"))
)
_DROP_PREFS = delete(notification_prefs_t).where(_p.user_id == bindparam("source"))
_UPDATE_PREFS = update(notification_prefs_t).where(_p.user_id == bindparam("target"))
_DELETE = delete(users_t).where(_u.id == bindparam("source"))
# The outbox's snapshots name users too: those still to be delivered follow the merge.
_UNDELIVERED = select(events_t.c.id, events_t.c.payload).where(events_t.c.delivered_at.is_(None))
_SET_PAYLOAD = (
    update(events_t)
    .where(events_t.c.id == bindparam("b_id"))
    .values(payload=bindparam("b_payload"))
)
_UPDATE_TARGET = update(users_t).where(_u.id == bindparam("target"))


async def merge_users(db: Db, source_id: int, target_id: int, now: datetime) -> None:
    """Move everything of user ``source_id`` onto ``target_id`` and delete the source:
    identities, requests made and modified, issues reported and modified, comments, watched
    titles, the delivery log, the notification choices. The target's own and role
    permissions become the union of both; its quota limits, email and each channel's choice
    of events are its own where set, else the source's. NotFound if either user is missing."""
    if source_id == target_id:
        raise ValueError("a user cannot be merged into itself")
    params = {"source": source_id, "target": target_id}
    rows = {row[0]: tuple(row) for row in await db.all(_LOCK, params)}
    for user_id in (source_id, target_id):
        if user_id not in rows:
            raise NotFound("user", user_id)
    source, target = rows[source_id], rows[target_id]
    await db.execute(_DROP_TWICE_WATCHED, params)
    for statement in _REOWN:
        await db.execute(statement, params)
    await _reassign_events(db, source_id, target_id)
    await _merge_preferences(db, params, now)
    await db.execute(_DELETE, params)
    kept = [t if t is not None else s for s, t in zip(source[3:], target[3:], strict=True)]
    email, movie_limit, movie_days, tv_limit, tv_days = kept
    await db.execute(
        _UPDATE_TARGET.values(
            permissions=source[1] | target[1],
            role_permissions=source[2] | target[2],
            email=email,
            movie_quota_limit=movie_limit,
            movie_quota_days=movie_days,
            tv_quota_limit=tv_limit,
            tv_quota_days=tv_days,
            updated_at=now,
        ),
        params,
    )


async def _merge_preferences(db: Db, params: dict[str, int], now: datetime) -> None:
    """The source's notification choices become the target's where it made none (private
    cards stay on if either had them on); the source's row goes."""
    rows = {row[0]: tuple(row) for row in await db.all(_PREFS, params)}
    source, target = rows.get(params["source"]), rows.get(params["target"])
    if source is None:
        return
    if target is None:
        await db.execute(_MOVE_PREFS, params)
        return
    await db.execute(_DROP_PREFS, params)
    masks = {
        column.name: t if t is not None else s
        for column, s, t in zip(_PREF_COLUMNS, source[2:], target[2:], strict=True)
    }
    private_cards = bool(source[1]) or bool(target[1])
    await db.execute(
        _UPDATE_PREFS.values(private_cards=private_cards, updated_at=now, **masks), params
    )


async def _reassign_events(db: Db, source_id: int, target_id: int) -> None:
    """Undelivered events that name the source name the target instead (one statement to
    read them, one to write those that change)."""
    changed = []
    for row in await db.all(_UNDELIVERED):
        event_id, text = tuple(row)
        payload = load_payload(text)
        moved = reassigned(payload, source_id, target_id)
        if moved != payload:
            changed.append({"b_id": event_id, "b_payload": dump_payload(moved)})
    if changed:
        await db.execute(_SET_PAYLOAD, changed)
