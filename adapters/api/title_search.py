"""Seerr's search: TMDb's multi search, or one of the prefixes Seerr understands.

As Seerr's server/lib/search.ts does, the lower-cased query is tried against these
patterns in this order, the first that matches anywhere wins, and each answers one page:
- ``tmdb:ID``: the movie, the show and the person with that TMDb id (whichever exist);
- ``imdb:ttID`` (or ``nmID``), ``tvdb:ID``: what TMDb's /find knows by that id;
- ``year:YYYY``: a movie and a TV search for the rest of the query, in that year.
Anything else is TMDb's /search/multi for the query and page. The answer is TMDb-shaped
(``page``, ``total_pages``, ``total_results``, ``results`` with ``media_type``).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Sequence
from typing import Any, Protocol

from adapters.api.tmdb_shapes import Json, as_search_result
from core.errors import ServiceRejected, ServiceUnavailable, TitleNotFound
from core.media import MediaType

TMDB_ID = re.compile(r"(?<=tmdb:)\d+")
IMDB_ID = re.compile(r"(?<=imdb:)(tt|nm)\d+")
TVDB_ID = re.compile(r"(?<=tvdb:)\d+")
YEAR = re.compile(r"(?<=year:)\d{4}")
YEAR_TERM = re.compile(r"year:\d{4}", re.IGNORECASE)
FOUND = (("movie_results", "movie"), ("tv_results", "tv"), ("person_results", "person"))


class TmdbDocuments(Protocol):
    """TMDb's own JSON bodies, through the cache the chats use (the TMDb client)."""

    async def details_json(
        self, tmdb_id: int, media_type: MediaType, language: str | None = None
    ) -> dict[str, Any]: ...

    async def season_json(
        self, tmdb_id: int, season: int, language: str | None = None
    ) -> dict[str, Any] | None: ...

    async def person_json(
        self, person_id: int, language: str | None = None
    ) -> dict[str, Any] | None: ...

    async def search_json(
        self,
        query: str,
        page: int = 1,
        media_type: MediaType | None = None,
        *,
        language: str | None = None,
        year: int | None = None,
    ) -> dict[str, Any]: ...

    async def find_json(self, source: str, external_id: str) -> dict[str, Any]: ...


async def search(tmdb: TmdbDocuments, query: str, page: int, language: str | None) -> Json:
    """One TMDb-shaped page of results for ``query``; see the module docstring."""
    lowered = query.lower()
    if found := TMDB_ID.search(lowered):
        return await _by_tmdb_id(tmdb, int(found.group()), language)
    if found := IMDB_ID.search(lowered):
        return _one_page(_found(await tmdb.find_json("imdb_id", found.group())))
    if found := TVDB_ID.search(lowered):
        return _one_page(_found(await tmdb.find_json("tvdb_id", found.group())))
    if found := YEAR.search(lowered):
        return await _by_year(tmdb, YEAR_TERM.sub("", query), int(found.group()), language)
    return await tmdb.search_json(query, page, language=language)


async def _by_tmdb_id(tmdb: TmdbDocuments, tmdb_id: int, language: str | None) -> Json:
    """The movie, show and person with this id, whichever TMDb has."""
    movie = tmdb.details_json(tmdb_id, MediaType.MOVIE, language)
    show = tmdb.details_json(tmdb_id, MediaType.TV, language)
    person = tmdb.person_json(tmdb_id, language)
    answers = await _settled((movie, show, person))
    results = [
        as_search_result(body, kind)
        for body, kind in zip(answers, ("movie", "tv", "person"), strict=True)
        if body is not None
    ]
    return _one_page(results)


async def _by_year(tmdb: TmdbDocuments, text: str, year: int, language: str | None) -> Json:
    """Movies first released and shows first aired in ``year`` whose titles match."""
    searches = [
        tmdb.search_json(text, 1, kind, language=language, year=year)
        for kind in (MediaType.MOVIE, MediaType.TV)
    ]
    answers = await _settled(searches)
    results = [
        {**result, "media_type": str(kind)}
        for body, kind in zip(answers, (MediaType.MOVIE, MediaType.TV), strict=True)
        for result in (body or {}).get("results") or []
        if isinstance(result, dict)
    ]
    return _one_page(results)


async def _settled(calls: Sequence[Awaitable[Json | None]]) -> list[Json | None]:
    """Each call's body, None for what TMDb does not have; TMDb's failure is raised only
    when no call got an answer (Seerr drops failed calls and answers with the rest)."""
    answers = await asyncio.gather(*calls, return_exceptions=True)
    bodies: list[Json | None] = []
    failure: BaseException | None = None
    for answer in answers:
        if isinstance(answer, TitleNotFound):
            bodies.append(None)
        elif isinstance(answer, ServiceUnavailable | ServiceRejected):
            failure = failure or answer
            bodies.append(None)
        elif isinstance(answer, BaseException):
            raise answer
        else:
            bodies.append(answer)
    if failure is not None and all(body is None for body in bodies):
        raise failure
    return bodies


def _found(body: Json) -> list[Json]:
    """The results of a /find answer, each with the ``media_type`` /find leaves out."""
    return [
        {**result, "media_type": kind}
        for field, kind in FOUND
        for result in body.get(field) or []
        if isinstance(result, dict)
    ]


def _one_page(results: list[Json]) -> Json:
    return {"page": 1, "total_pages": 1, "total_results": len(results), "results": results}
