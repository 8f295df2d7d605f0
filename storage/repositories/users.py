"""Users and their chat identities."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, case, func, insert, or_, select, update

from core.errors import NotFound
from core.identity import Identity, QuotaLimits, User
from core.permissions import Permission
from storage.repositories.accounts import fold
from storage.repositories.merge import merge_users
from storage.rows import user_columns, user_from
from storage.sql import Db
from storage.tables import identities_t, users_t

FIND_LIMIT = 50

_u = users_t.c
_i = identities_t.c
_SELECT = select(*user_columns(users_t))
_GET = _SELECT.where(_u.id == bindparam("id"))
_GET_FOR_UPDATE = _GET.with_for_update(of=users_t)
_BY_IDENTITY = _SELECT.where(
    _u.id
    == select(_i.user_id)
    .where(_i.platform == bindparam("platform"), _i.external_id == bindparam("external_id"))
    .scalar_subquery()
)
_PAGE = _SELECT.order_by(_u.id).offset(bindparam("offset")).limit(bindparam("limit"))
_COUNT = select(func.count()).select_from(users_t)
_WITH_ANY = _SELECT.where(
    or_(
        _u.permissions.bitwise_and(bindparam("mask")) != 0,
        _u.role_permissions.bitwise_and(bindparam("mask")) != 0,
    ),
    _u.media_server_disabled.is_(False),
).order_by(_u.id)
_IDENTITY_WHERE = (
    _i.platform == bindparam("b_platform"),
    _i.external_id == bindparam("b_external_id"),
)
_SET_IDENTITY_USERNAME = (
    update(identities_t).where(*_IDENTITY_WHERE).values(username=bindparam("b_username"))
)
# Names are compared in Python after these narrow the rows down: SQLite's lower() folds
# ASCII letters only.
_USERNAMES = select(_i.user_id, _i.username).where(_i.username.is_not(None))
_LINKED = select(_u.id, _u.media_server_username).where(_u.media_server_username.is_not(None))
_ADD = insert(users_t)
_ADD_IDENTITY = insert(identities_t)
_UPDATE = update(users_t).where(_u.id == bindparam("user_id"))


class SqlUserRepository:
    """core.user_repositories.UserRepository on SQL."""

    __slots__ = ("_db",)

    def __init__(self, db: Db) -> None:
        self._db = db

    async def get(self, user_id: int, *, for_update: bool = False) -> User | None:
        """One user with identities; ``for_update`` locks the row (PostgreSQL)."""
        row = await self._db.first(_GET_FOR_UPDATE if for_update else _GET, {"id": user_id})
        return user_from(row) if row else None

    async def find_by_identity(self, identity: Identity) -> User | None:
        """The user holding ``identity``."""
        params = {"platform": identity.platform, "external_id": identity.external_id}
        row = await self._db.first(_BY_IDENTITY, params)
        return user_from(row) if row else None

    async def find(self, text: str) -> list[User]:
        """Users whose display name or media-server username contains ``text`` (any case),
        or who hold the identity ``platform:id`` or an identity with external id ``text``;
        exact name matches first, at most FIND_LIMIT."""
        needle = " ".join(text.split())
        if not needle:
            return []
        by_identity = _i.external_id == needle
        try:
            identity = Identity.parse(needle)
        except ValueError:
            pass
        else:
            by_identity = or_(
                by_identity,
                and_(_i.platform == identity.platform, _i.external_id == identity.external_id),
            )
        exact = func.lower(_u.display_name) == needle.lower()
        query = (
            _SELECT.where(
                or_(
                    _u.display_name.icontains(needle, autoescape=True),
                    _u.media_server_username.icontains(needle, autoescape=True),
                    _u.id.in_(select(_i.user_id).where(by_identity)),
                )
            )
            .order_by(case((exact, 0), else_=1), _u.id)
            .limit(FIND_LIMIT)
        )
        return [user_from(row) for row in await self._db.all(query)]

    async def add(
        self,
        display_name: str,
        permissions: Permission,
        identity: Identity | None,
        now: datetime,
    ) -> User:
        """A new user, with its first identity (and that identity's platform username) if
        given (Conflict if the identity is taken)."""
        result = await self._db.execute(
            _ADD,
            {
                "display_name": display_name,
                "permissions": int(permissions),
                "created_at": now,
                "updated_at": now,
            },
        )
        user_id = result.inserted_primary_key[0]  # type: ignore[index]
        if identity is not None:
            await self.add_identity(user_id, identity)
        return User(
            id=user_id,
            display_name=display_name,
            permissions=Permission(permissions),
            identities=(identity,) if identity else (),
            created_at=now,
            updated_at=now,
        )

    async def add_identity(self, user_id: int, identity: Identity) -> None:
        """Attach ``identity`` to the user (Conflict if another user holds it)."""
        await self._db.execute(
            _ADD_IDENTITY,
            {
                "user_id": user_id,
                "platform": identity.platform,
                "external_id": identity.external_id,
                "username": identity.username,
            },
        )

    async def set_identity_username(self, identity: Identity, username: str | None) -> None:
        """Remember the platform username of ``identity``."""
        params = {
            "b_platform": identity.platform,
            "b_external_id": identity.external_id,
            "b_username": username,
        }
        await self._db.execute(_SET_IDENTITY_USERNAME, params)

    async def with_username(self, username: str) -> list[User]:
        """Users with an identity whose platform username is ``username`` (any case)."""
        wanted = fold(username)
        rows = [tuple(row) for row in await self._db.all(_USERNAMES)]
        ids = sorted({uid for uid, name in rows if fold(name) == wanted})
        found = [await self.get(uid) for uid in ids]
        return [user for user in found if user is not None]

    async def with_media_server_username(self, username: str) -> User | None:
        """The (first) user linked to this media-server account name (any case)."""
        wanted = fold(username)
        rows = sorted(tuple(row) for row in await self._db.all(_LINKED))
        uid = next((uid for uid, name in rows if fold(name) == wanted), None)
        return None if uid is None else await self.get(uid)

    async def set_permissions(self, user_id: int, permissions: Permission, now: datetime) -> None:
        """Replace the user's own permission flags."""
        await self._update(user_id, now, permissions=int(permissions))

    async def set_role_permissions(
        self, user_id: int, permissions: Permission, now: datetime
    ) -> None:
        """Replace the flags the user's chat roles grant."""
        await self._update(user_id, now, role_permissions=int(permissions))

    async def set_quota(self, user_id: int, quota: QuotaLimits, now: datetime) -> None:
        """Replace the user's own quota settings (None: the global default)."""
        await self._update(
            user_id,
            now,
            movie_quota_limit=quota.movie_limit,
            movie_quota_days=quota.movie_days,
            tv_quota_limit=quota.tv_limit,
            tv_quota_days=quota.tv_days,
        )

    async def set_profile(
        self,
        user_id: int,
        now: datetime,
        *,
        display_name: str | None = None,
        email: str | None = None,
        media_server_username: str | None = None,
    ) -> None:
        """Change the given fields (None leaves one alone; "" clears email and username)."""
        values: dict[str, Any] = {}
        if display_name is not None:
            values["display_name"] = display_name
        if email is not None:
            values["email"] = email or None
        if media_server_username is not None:
            values["media_server_username"] = media_server_username or None
        await self._update(user_id, now, **values)

    async def page(self, offset: int = 0, limit: int = 50) -> list[User]:
        """Users by id."""
        rows = await self._db.all(_PAGE, {"offset": offset, "limit": limit})
        return [user_from(row) for row in rows]

    async def count(self) -> int:
        """How many users there are."""
        return int(await self._db.scalar(_COUNT))

    async def with_any_permission(self, permissions: Permission) -> list[User]:
        """Users holding any of ``permissions`` or ADMIN, by id."""
        mask = int(permissions | Permission.ADMIN)
        return [user_from(row) for row in await self._db.all(_WITH_ANY, {"mask": mask})]

    async def merge(self, source_id: int, target_id: int, now: datetime) -> None:
        """Move everything of one user onto another and delete the first (see merge_users)."""
        await merge_users(self._db, source_id, target_id, now)

    async def _update(self, user_id: int, now: datetime, **values: Any) -> None:
        result = await self._db.execute(
            _UPDATE.values(updated_at=now, **values), {"user_id": user_id}
        )
        if result.rowcount == 0:
            raise NotFound("user", user_id)
