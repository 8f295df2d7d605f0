"""GET/POST /request, /request/count, /request/{id} and its approve, decline and retry:
Seerr's request routes over the core's use cases, so a change here reaches the chats
exactly as one made there."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from adapters.api.auth import Actor, acting_user_id, actor_lookup, state_of
from adapters.api.errors import message
from adapters.api.paging import MAX_NUMBER, Paging, lenient_choice, paging
from adapters.api.shapes import (
    MessageOut,
    RequestOut,
    RequestPageOut,
    page_info,
    request_out,
)
from core import listing, requests
from core.domain import CreateResult
from core.identity import User
from core.listing_repositories import RequestCounts, RequestFilter, RequestQuery, RequestSort
from core.media import MediaType
from core.ports import UnitOfWork
from core.services import Services

MAX_ID = 2**31 - 1
RequestId = Annotated[int, Path(ge=1, le=MAX_ID)]
ActorId = Annotated[int | None, Depends(acting_user_id)]
NO_SEASONS = "No seasons available to request"
ALREADY_AVAILABLE = "This media is already available"


class _RequestFields(BaseModel):
    """What both a new request and a change of one may carry. serverId, profileId,
    rootFolder, languageProfileId and tags are accepted and not used: requests go to the
    downloader configured for their kind."""

    model_config = ConfigDict(extra="ignore")

    serverId: int | None = None
    profileId: int | None = None
    rootFolder: str | None = None
    languageProfileId: int | None = None
    tags: list[int] | None = None
    userId: int | None = Field(default=None, ge=1, le=MAX_ID)


Seasons = list[Annotated[int, Field(ge=0, le=10_000)]]


class RequestBody(_RequestFields):
    """POST /request."""

    mediaType: Literal["movie", "tv"]
    mediaId: int = Field(ge=1, le=MAX_ID)
    seasons: Seasons | Literal["all"] | None = None
    is4k: bool = False


class RequestChange(_RequestFields):
    """PUT /request/{id}: what Seerr lets a manager change."""

    mediaType: Literal["movie", "tv"] | None = None
    seasons: Seasons | None = None


class RequestCountOut(BaseModel):
    total: int
    movie: int
    tv: int
    pending: int
    approved: int
    declined: int
    processing: int
    available: int
    completed: int


async def _services(request: Request) -> Services:
    """The core's services (a coroutine, so that FastAPI calls it on the event loop)."""
    return state_of(request).services


Core = Annotated[Services, Depends(_services)]


async def detail(services: Services, actor: User, request_id: int) -> RequestOut:
    """One request as the actor may see it, in Seerr's shape."""
    page = await listing.request_detail(services, actor.id, request_id)
    return request_out(page.requests[0], page.request_counts)


def create_router() -> APIRouter:
    """POST /request, behind the key check alone: it finds the acting user itself."""
    api = APIRouter(tags=["request"])

    @api.post(
        "/request",
        status_code=201,
        response_model=RequestOut,
        responses={202: {"model": MessageOut}},
    )
    async def create(services: Core, user_id: ActorId, body: RequestBody) -> Any:
        """Request a title: 201 with the request, 202 when nothing is left to request.
        One unit of work: the acting user is found (or refused with 403) inside the
        create's transaction, and the request read back there for the answer (the
        requester is the actor, or someone the actor may request for and so see)."""
        media_type = MediaType(body.mediaType)
        if media_type is MediaType.TV and body.seasons == []:
            # Requestrr's "future seasons only": nothing to request now, as Seerr answers.
            return JSONResponse({"message": NO_SEASONS}, status_code=202)
        seasons = None if media_type is MediaType.MOVIE else body.seasons  # Seerr ignores them
        shown: list[listing.RequestPage] = []

        async def show(uow: UnitOfWork, made: CreateResult) -> None:
            shown[:] = (
                [] if made.request is None else [await listing.shown_request(uow, made.request.id)]
            )

        result = await requests.create_request(
            services,
            actor_lookup(user_id),
            body.mediaId,
            media_type,
            seasons,
            is_4k=body.is4k,
            on_behalf_of=body.userId,
            then=show,
        )
        if result.request is None:
            text = ALREADY_AVAILABLE if result.already_available else NO_SEASONS
            return JSONResponse({"message": text}, status_code=202)
        return request_out(shown[0].requests[0], shown[0].request_counts)

    return api


def router() -> APIRouter:
    """The other request routes (behind the key check and the acting user of the app)."""
    api = APIRouter(tags=["request"])

    @api.get("/request", response_model=RequestPageOut)
    async def list_requests(
        services: Core,
        actor: Actor,
        page: Annotated[Paging, Depends(paging(10))],
        filter: str | None = None,
        sort: str | None = None,
        sortDirection: str | None = None,
        requestedBy: Annotated[int | None, Query(ge=1, le=MAX_NUMBER)] = None,
        mediaType: str | None = None,
    ) -> RequestPageOut:
        """A page of requests, filtered and sorted as Seerr does (id descending by default)."""
        query = RequestQuery(
            filter=lenient_choice(filter, RequestFilter, RequestFilter.ALL),
            sort=lenient_choice(sort, RequestSort, RequestSort.ID),
            descending=sortDirection != "asc",
            requested_by=requestedBy,
            media_type=lenient_choice(mediaType, MediaType, None),
            offset=page.skip,
            limit=page.take,
        )
        found = await listing.list_requests(services, actor.id, query)
        return RequestPageOut(
            pageInfo=page_info(found.total, page.take, page.skip),
            results=[request_out(r, found.request_counts) for r in found.requests],
        )

    @api.get("/request/count", response_model=RequestCountOut)
    async def count(services: Core, actor: Actor) -> RequestCountOut:
        """Every request counted by status, type and availability."""
        counts: RequestCounts = await listing.count_requests(services)
        return RequestCountOut(**{f: getattr(counts, f) for f in RequestCountOut.model_fields})

    @api.get("/request/{request_id}", response_model=RequestOut)
    async def get(services: Core, actor: Actor, request_id: RequestId) -> RequestOut:
        """One request: one's own, or any with MANAGE_REQUESTS or REQUEST_VIEW."""
        return await detail(services, actor, request_id)

    @api.put("/request/{request_id}", response_model=RequestOut)
    async def change(
        services: Core, actor: Actor, request_id: RequestId, body: RequestChange
    ) -> RequestOut:
        """Seerr's edit of a request. Nothing of a request can be changed here that cannot
        be changed in a chat: an edit that asks for no change returns the request, one of
        its type, seasons or requester is refused with what cannot be changed. The server,
        profile, folder and tags are accepted and not used, as on POST (Requestrr sets them
        right after creating a request, and takes a refusal for a failed request)."""
        current = await detail(services, actor, request_id)
        refused = _changes(current, body)
        if refused:
            raise message(
                400,
                "A request's " + ", ".join(refused) + " cannot be changed here; "
                "cancel it and request again instead.",
                *refused,
            )
        return current

    @api.delete("/request/{request_id}", status_code=204)
    async def delete(services: Core, actor: Actor, request_id: RequestId) -> Response:
        """Withdraw a request: one's own pending one, or any with MANAGE_REQUESTS."""
        await requests.cancel_request(services, actor.id, request_id)
        return Response(status_code=204)

    @api.post("/request/{request_id}/{action}", response_model=RequestOut)
    async def decide(
        services: Core,
        actor: Actor,
        request_id: RequestId,
        action: Literal["approve", "decline", "retry"],
    ) -> RequestOut:
        """Approve, decline or retry a request (MANAGE_REQUESTS), as a chat button does."""
        use_case = {
            "approve": requests.approve_request,
            "decline": requests.decline_request,
            "retry": requests.retry_request,
        }[action]
        await use_case(services, actor.id, request_id)
        return await detail(services, actor, request_id)

    return api


def _changes(current: RequestOut, body: RequestChange) -> list[str]:
    """The fields of ``body`` that ask for something other than what ``current`` is."""
    refused: list[str] = []
    if body.mediaType is not None and body.mediaType != current.type:
        refused.append("mediaType")
    if body.seasons is not None and sorted(set(body.seasons)) != sorted(
        s.seasonNumber for s in current.seasons
    ):
        refused.append("seasons")
    if body.userId is not None and body.userId != current.requestedBy.id:
        refused.append("userId")
    return refused
