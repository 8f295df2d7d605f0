"""GET /user, /user/{id}, its requests, quota and settings: Seerr's user routes over the
core, with the chat identities as Seerr's Discord and Telegram settings."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, Field

from adapters.api.auth import acting_user
from adapters.api.paging import Paging, paging
from adapters.api.requests import MAX_ID, Core
from adapters.api.shapes import (
    RequestPageOut,
    UserOut,
    UserPageOut,
    ids_on,
    page_info,
    request_out,
    user_out,
)
from core import listing, preferences, quotas, user_admin
from core.domain import QuotaStatus
from core.errors import InvalidInput
from core.identity import User
from core.listing_repositories import RequestQuery, UserQuery, UserSort
from core.notification_types import ALL_TYPES
from core.permissions import ALL_PERMISSIONS, Permission
from core.preferences import CHANNELS, Preferences
from core.services import Services

UserId = Annotated[int, Path(ge=1, le=MAX_ID)]
Actor = Annotated[User, Depends(acting_user)]


class QuotaPart(BaseModel):
    days: int | None
    limit: int | None
    used: int
    remaining: int | None
    restricted: bool


class QuotaOut(BaseModel):
    movie: QuotaPart
    tv: QuotaPart


class PermissionsBody(BaseModel):
    permissions: int = Field(ge=0, le=ALL_PERMISSIONS)


class PermissionsOut(BaseModel):
    permissions: int


class NotificationSettingsOut(BaseModel):
    """Seerr's per-user notification settings, as far as the chats give them."""

    emailEnabled: bool = False
    pgpKey: str | None = None
    discordEnabled: bool
    discordEnabledTypes: int = 0
    discordId: str | None
    discordIds: list[str]
    pushbulletAccessToken: str | None = None
    pushoverApplicationToken: str | None = None
    pushoverUserKey: str | None = None
    pushoverSound: str | None = None
    telegramEnabled: bool
    telegramBotUsername: str | None = None
    telegramChatId: str | None
    telegramMessageThreadId: str | None = None
    telegramSendSilently: bool = False
    webPushEnabled: bool = False
    notificationTypes: dict[str, int] = {}


class NotificationSettingsBody(BaseModel):
    """Seerr's body: only ``notificationTypes`` is used (the masks of the channels given;
    other channels stay). The rest is accepted and ignored: the chat identities are linked
    in the chats, and email, Pushbullet, Pushover and web push are not served."""

    notificationTypes: dict[str, int] = {}

    model_config = {"extra": "ignore"}


def _part(status: QuotaStatus) -> QuotaPart:
    return QuotaPart(
        days=status.days,
        limit=status.limit,
        used=status.used,
        remaining=status.remaining,
        restricted=status.restricted,
    )


def _permissions(value: int) -> Permission:
    if value & ~ALL_PERMISSIONS:
        raise InvalidInput("permissions", value, "not a combination of permission flags")
    return Permission(value)


def _notification_settings(
    services: Services, user: User, prefs: Preferences
) -> NotificationSettingsOut:
    """Seerr's shape: whether each chat runs here, the user's ids there (as strings) and the
    events chosen on each."""
    running = services.config.chat_platforms
    discord, telegram = ids_on(user, "discord"), ids_on(user, "telegram")
    return NotificationSettingsOut(
        discordEnabled="discord" in running,
        discordEnabledTypes=int(ALL_TYPES) if "discord" in running else 0,
        discordId=discord[0] if discord else None,
        discordIds=discord,
        telegramEnabled="telegram" in running,
        telegramChatId=telegram[0] if telegram else None,
        notificationTypes={c: int(prefs.types_on(c)) for c in CHANNELS},
    )


def router() -> APIRouter:
    """The user routes (behind the key check of the app)."""
    api = APIRouter(tags=["user"])

    @api.get("/user", response_model=UserPageOut)
    async def list_users(
        services: Core,
        actor: Actor,
        page: Annotated[Paging, Depends(paging(10))],
        sort: str | None = None,
        q: str = "",
    ) -> UserPageOut:
        """A page of users (by id unless sorted), without their settings (MANAGE_USERS)."""
        try:
            order = UserSort(sort) if sort else UserSort.ID
        except ValueError:
            order = UserSort.ID
        query = UserQuery(sort=order, text=q[:200], offset=page.skip, limit=page.take)
        found = await listing.list_users(services, actor.id, query)
        return UserPageOut(
            pageInfo=page_info(found.total, page.take, page.skip),
            results=[user_out(u, found.request_counts[u.id]) for u in found.users],
        )

    @api.get("/user/{user_id}", response_model=UserOut)
    async def get_user(services: Core, actor: Actor, user_id: UserId) -> UserOut:
        """One user with their settings (oneself, or anyone with MANAGE_USERS)."""
        found = await listing.user_detail(services, actor.id, user_id)
        user = found.users[0]
        return user_out(user, found.request_counts[user.id], with_settings=True)

    @api.get("/user/{user_id}/requests", response_model=RequestPageOut)
    async def user_requests(
        services: Core,
        actor: Actor,
        user_id: UserId,
        page: Annotated[Paging, Depends(paging(20))],
    ) -> RequestPageOut:
        """A page of one user's requests, newest first."""
        await listing.user_exists(services, user_id)
        query = RequestQuery(requested_by=user_id, offset=page.skip, limit=page.take)
        found = await listing.list_requests(services, actor.id, query)
        return RequestPageOut(
            pageInfo=page_info(found.total, page.take, page.skip),
            results=[request_out(r, found.request_counts) for r in found.requests],
        )

    @api.get("/user/{user_id}/quota", response_model=QuotaOut)
    async def quota(services: Core, actor: Actor, user_id: UserId) -> QuotaOut:
        """A user's quota report (one's own, or anyone's with MANAGE_USERS)."""
        report = await quotas.get_quota(services, actor.id, user_id)
        return QuotaOut(movie=_part(report.movie), tv=_part(report.tv))

    @api.get("/user/{user_id}/settings/permissions", response_model=PermissionsOut)
    async def get_permissions(services: Core, actor: Actor, user_id: UserId) -> PermissionsOut:
        """A user's permission flags (MANAGE_USERS)."""
        user = await listing.managed_user(services, actor.id, user_id)
        return PermissionsOut(permissions=int(user.permissions))

    @api.post("/user/{user_id}/settings/permissions", response_model=PermissionsOut)
    async def set_permissions(
        services: Core, actor: Actor, user_id: UserId, body: PermissionsBody
    ) -> PermissionsOut:
        """Replace a user's own permission flags, with the rules of the chats' command."""
        wanted = _permissions(body.permissions)
        user = await user_admin.set_permissions(services, actor.id, user_id, wanted)
        return PermissionsOut(permissions=int(user.permissions))

    @api.get("/user/{user_id}/settings/notifications", response_model=NotificationSettingsOut)
    async def notifications(
        services: Core, actor: Actor, user_id: UserId
    ) -> NotificationSettingsOut:
        """Where and of what a user is told: their chat identities and, per chat, the
        events they chose (oneself, or anyone with MANAGE_USERS)."""
        user, prefs = await preferences.user_settings(services, actor.id, user_id)
        return _notification_settings(services, user, prefs)

    @api.post("/user/{user_id}/settings/notifications", response_model=NotificationSettingsOut)
    async def set_notifications(
        services: Core, actor: Actor, user_id: UserId, body: NotificationSettingsBody
    ) -> NotificationSettingsOut:
        """Choose the events of the chats given in ``notificationTypes`` (oneself, or anyone
        with MANAGE_USERS; the owner's only by the owner)."""
        user, prefs = await preferences.update_user_types(
            services, actor.id, user_id, body.notificationTypes
        )
        return _notification_settings(services, user, prefs)

    return api
