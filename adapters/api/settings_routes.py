"""GET /settings/public (no key), /settings/main and /settings/about (admin): the fixed
parts of Seerr's settings that clients read."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from adapters.api.auth import ApiState, admin_user, api_state
from core.identity import User

State = Annotated[ApiState, Depends(api_state)]
Admin = Annotated[User, Depends(admin_user)]
JELLYFIN = 2  # Seerr's MediaServerType


class _SharedSettingsOut(BaseModel):
    """What the public and the main settings both show (fixed here: one title, Jellyfin, no
    4K servers of Seerr's own, partial requests on)."""

    applicationTitle: str
    applicationUrl: str = ""
    hideAvailable: bool = False
    localLogin: bool = False
    mediaServerLogin: bool = False
    newPlexLogin: bool = False
    cacheImages: bool = False
    discoverRegion: str = ""
    streamingRegion: str = ""
    originalLanguage: str = ""
    mediaServerType: int = JELLYFIN
    partialRequestsEnabled: bool = True
    enableSpecialEpisodes: bool = False
    locale: str = "en"


class PublicSettingsOut(_SharedSettingsOut):
    initialized: bool = True
    movie4kEnabled: bool = False
    series4kEnabled: bool = False
    vapidPublic: str = ""
    enablePushRegistration: bool = False
    emailEnabled: bool = False


class MainSettingsOut(_SharedSettingsOut):
    apiKey: str
    csrfProtection: bool = False
    defaultPermissions: int
    defaultQuotas: dict[str, dict[str, int | None]]


class AboutOut(BaseModel):
    version: str
    totalRequests: int | None = None
    totalMediaItems: int | None = None
    tz: str | None = "UTC"
    appDataPath: str = ""


def public_router() -> APIRouter:
    """/settings/public (no key needed)."""
    api = APIRouter(tags=["public"])

    @api.get("/settings/public", response_model=PublicSettingsOut)
    async def public(state: State) -> PublicSettingsOut:
        """What a login page shows: the application's title, and what is enabled."""
        return PublicSettingsOut(applicationTitle=state.title)

    return api


def router() -> APIRouter:
    """/settings/main and /settings/about (behind the key check; admin only)."""
    api = APIRouter(tags=["settings"])

    @api.get("/settings/main", response_model=MainSettingsOut)
    async def main(state: State, admin: Admin) -> MainSettingsOut:
        """The main settings, with the API key in force (clients compare it to theirs)."""
        config = state.services.config
        limits = config.quota_defaults
        return MainSettingsOut(
            apiKey=await state.keys.current(),
            applicationTitle=state.title,
            defaultPermissions=int(config.default_permissions),
            defaultQuotas={
                "movie": {"quotaLimit": limits.movie_limit, "quotaDays": limits.movie_days},
                "tv": {"quotaLimit": limits.tv_limit, "quotaDays": limits.tv_days},
            },
        )

    @api.get("/settings/about", response_model=AboutOut)
    async def about(state: State, admin: Admin) -> AboutOut:
        """The version (a connection test of some clients wants it truthy)."""
        return AboutOut(version=state.version)

    return api
