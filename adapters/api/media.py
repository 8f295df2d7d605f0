"""GET /media and DELETE /media/{id}: the titles known here, as Seerr lists them, and
forgetting where one stands."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response

from adapters.api.auth import Actor
from adapters.api.paging import Paging, lenient_choice, paging
from adapters.api.requests import MAX_ID, Core
from adapters.api.shapes import MediaPageOut, media_out, page_info
from core import availability, listing
from core.listing_repositories import MediaFilter, MediaQuery, MediaSort


def router() -> APIRouter:
    """The media routes (behind the key check of the app)."""
    api = APIRouter(tags=["media"])

    @api.get("/media", response_model=MediaPageOut)
    async def list_media(
        services: Core,
        actor: Actor,
        page: Annotated[Paging, Depends(paging(20))],
        filter: str | None = None,
        sort: str | None = None,
    ) -> MediaPageOut:
        """A page of titles, newest first (filter: all, available, partial, allavailable,
        processing, pending, deleted; sort: added, modified, mediaAdded)."""
        query = MediaQuery(
            filter=lenient_choice(filter, MediaFilter, MediaFilter.ALL),
            sort=lenient_choice(sort, MediaSort, MediaSort.ADDED),
            offset=page.skip,
            limit=page.take,
        )
        found, total = await listing.list_media(services, actor.id, query)
        return MediaPageOut(
            pageInfo=page_info(total, page.take, page.skip),
            results=[media_out(m) for m in found],
        )

    @api.delete("/media/{media_id}", status_code=204)
    async def forget(
        services: Core, actor: Actor, media_id: Annotated[int, Path(ge=1, le=MAX_ID)]
    ) -> Response:
        """Forget where a title stands (MANAGE_REQUESTS), so it can be requested again."""
        await availability.forget_availability(services, actor.id, media_id)
        return Response(status_code=204)

    return api
