"""Seerr's title routes: ``/search``, ``/movie/{id}``, ``/tv/{id}``, ``/tv/{id}/season/{n}``.

TMDb's data comes from the TMDb client's cache, the one the chats fill, so a title looked up
in a chat and then over the API costs one TMDb call. ``mediaInfo`` (a title's state here)
comes from a MediaInfoLookup; titles this server does not know have none, as in Seerr.

Errors: an unknown TMDb id is 404 ``{"message": ...}`` (Seerr answers 500 with the same
message; no client tells the two apart, and a 404 says what happened); TMDb unreachable is
503 and TMDb refusing us (a bad key) is 502, each with a plain message.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse

from adapters.api import tmdb_shapes
from adapters.api.errors import message_only
from adapters.api.media_info import MediaInfoLookup
from adapters.api.title_search import TmdbDocuments, search
from core.errors import InvalidInput, ServiceRejected, ServiceUnavailable, TitleNotFound
from core.media import MediaKey, MediaType

__all__ = ["MediaInfoLookup", "TmdbDocuments", "titles_router"]

log = logging.getLogger(__name__)

Json = dict[str, Any]
Language = Annotated[
    str | None, Query(pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,4})?$", max_length=12)
]
TmdbId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def titles_router(tmdb: TmdbDocuments, media_info: MediaInfoLookup) -> APIRouter:
    """The title routes, reading TMDb through ``tmdb`` and the state here through
    ``media_info``."""
    router = APIRouter(tags=["titles"])

    async def search_titles(
        query: Annotated[str, Query(min_length=1, max_length=500)],
        page: Annotated[int, Query(ge=1, le=500)] = 1,
        language: Language = None,
    ) -> Json | JSONResponse:
        """TMDb's search with each known title's mediaInfo (status, status4k)."""
        try:
            found = await search(tmdb, query, page, language)
        except (InvalidInput, ServiceRejected, ServiceUnavailable) as exc:
            return _failure(exc, "Unable to retrieve search results.")
        results = tmdb_shapes.search_results(found.get("results") or [])
        await _attach(media_info, results, detailed=False)
        return {
            "page": found.get("page", page),
            "totalPages": found.get("total_pages", 1),
            "totalResults": found.get("total_results", len(results)),
            "results": results,
        }

    router.add_api_route("/search", search_titles, methods=["GET"], response_model=None)
    router.add_api_route("/search/", search_titles, methods=["GET"], response_model=None)

    @router.get("/movie/{tmdb_id}", response_model=None)
    async def movie(tmdb_id: TmdbId, language: Language = None) -> Json | JSONResponse:
        """A movie's TMDb details with its mediaInfo (seasons and requests)."""
        return await _details(tmdb, media_info, (tmdb_id, MediaType.MOVIE), language)

    @router.get("/tv/{tmdb_id}", response_model=None)
    async def tv(tmdb_id: TmdbId, language: Language = None) -> Json | JSONResponse:
        """A show's TMDb details with its mediaInfo (seasons and requests)."""
        return await _details(tmdb, media_info, (tmdb_id, MediaType.TV), language)

    @router.get("/tv/{tmdb_id}/season/{season_number}", response_model=None)
    async def season(
        tmdb_id: TmdbId,
        season_number: Annotated[int, Path(ge=0, le=10_000)],
        language: Language = None,
    ) -> Json | JSONResponse:
        """One season of a show with its episodes, as TMDb lists them."""
        try:
            raw = await tmdb.season_json(tmdb_id, season_number, language)
        except (ServiceRejected, ServiceUnavailable) as exc:
            return _failure(exc, "Unable to retrieve season.")
        if raw is None:
            return message_only(404, "Unable to retrieve season.")
        return tmdb_shapes.season_details(raw)

    return router


_DETAILS = {
    MediaType.MOVIE: (tmdb_shapes.movie_details, "Unable to retrieve movie."),
    MediaType.TV: (tmdb_shapes.tv_details, "Unable to retrieve series."),
}


async def _details(
    tmdb: TmdbDocuments, media_info: MediaInfoLookup, key: MediaKey, language: str | None
) -> Json | JSONResponse:
    """A title's TMDb details in Seerr's shape, with its mediaInfo when it is known here."""
    shape, not_found = _DETAILS[key[1]]
    try:
        raw = await tmdb.details_json(key[0], key[1], language)
    except (TitleNotFound, ServiceRejected, ServiceUnavailable) as exc:
        return _failure(exc, not_found)
    body = shape(raw)
    # Every season but the specials, in order: Doplarr reads a season's status by position.
    numbers = [s["seasonNumber"] for s in body.get("seasons", []) if s["seasonNumber"] > 0]
    info = (await media_info([key], True, numbers)).get(key)
    if info is not None:
        body["mediaInfo"] = info
    return body


async def _attach(media_info: MediaInfoLookup, results: list[Json], *, detailed: bool) -> None:
    """Give each movie and show of ``results`` known here its ``mediaInfo``."""
    keys: list[MediaKey] = [
        (r["id"], MediaType(r["mediaType"]))
        for r in results
        if r["mediaType"] in ("movie", "tv") and isinstance(r.get("id"), int)
    ]
    if not keys:
        return
    known = await media_info(keys, detailed)
    for result in results:
        if result["mediaType"] in ("movie", "tv"):
            info = known.get((result["id"], MediaType(result["mediaType"])))
            if info is not None:
                result["mediaInfo"] = info


def _failure(exc: Exception, not_found: str) -> JSONResponse:
    """The answer for a TMDb failure: no such title, bad input, TMDb refusing or away."""
    if isinstance(exc, TitleNotFound):
        return message_only(404, not_found)
    if isinstance(exc, InvalidInput):
        return message_only(400, f"{exc.field}: {exc.reason}")
    if isinstance(exc, ServiceRejected):
        log.warning("TMDb refused an API call: %s", exc)
        return message_only(502, "TMDb refused the request; check the TMDb key.")
    retry = exc.retry_after if isinstance(exc, ServiceUnavailable) else None
    headers = {"Retry-After": str(max(1, round(retry)))} if retry else None
    return message_only(503, "TMDb is not reachable right now; try again later.", headers)
