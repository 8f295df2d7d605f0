"""GET /issue/count and GET /issue: Seerr's reports of problems with available titles.

requestbot keeps no such reports yet, so both say there are none. They are served because
clients read them on every refresh: Home Assistant's Overseerr integration polls the count
with the requests' and fails to set up without it; Homepage's widget shows it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from adapters.api.paging import Paging, paging
from adapters.api.shapes import PageInfo, page_info


class IssueCountOut(BaseModel):
    total: int
    video: int
    audio: int
    subtitles: int
    others: int
    open: int
    closed: int


class IssuePageOut(BaseModel):
    pageInfo: PageInfo
    results: list[dict[str, object]]


def router() -> APIRouter:
    """The issue routes (behind the key check of the app)."""
    api = APIRouter(tags=["issue"])

    @api.get("/issue/count", response_model=IssueCountOut)
    async def count() -> IssueCountOut:
        """Reported problems by type and state: none are kept here."""
        return IssueCountOut(total=0, video=0, audio=0, subtitles=0, others=0, open=0, closed=0)

    @api.get("/issue", response_model=IssuePageOut)
    async def issues(page: Annotated[Paging, Depends(paging(10))]) -> IssuePageOut:
        """A page of reported problems: an empty one."""
        return IssuePageOut(pageInfo=page_info(0, page.take, page.skip), results=[])

    return api
