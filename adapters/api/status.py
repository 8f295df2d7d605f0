"""GET /status and /status/appdata: Seerr's version check, which needs no key."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from adapters.api.auth import ApiState, api_state

State = Annotated[ApiState, Depends(api_state)]


class StatusOut(BaseModel):
    version: str
    commitTag: str
    updateAvailable: bool
    commitsBehind: int
    restartRequired: bool


class AppDataOut(BaseModel):
    appData: bool
    appDataPath: str
    appDataPermissions: bool


def router() -> APIRouter:
    """The status routes (no key needed)."""
    api = APIRouter(tags=["public"])

    @api.get("/status", response_model=StatusOut)
    async def status(state: State) -> StatusOut:
        """The version; requestbot updates itself never, so nothing is ever behind."""
        return StatusOut(
            version=state.version,
            commitTag=state.version,
            updateAvailable=False,
            commitsBehind=0,
            restartRequired=False,
        )

    @api.get("/status/appdata", response_model=AppDataOut)
    async def appdata() -> AppDataOut:
        """Seerr's check of its config volume; the database holds everything here."""
        return AppDataOut(appData=True, appDataPath="", appDataPermissions=True)

    return api
