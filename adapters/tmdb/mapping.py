"""TMDb's JSON to the core's records. Lenient about single results, strict about the page.

Malformed bodies raise ``MalformedResponse``; the client turns it into ServiceUnavailable.
"""

from __future__ import annotations

import logging
from typing import Any

from core.media import CatalogueItem, MediaDetails, MediaType, SearchPage, SeasonInfo

log = logging.getLogger(__name__)

MAX_PAGE = 500  # TMDb serves no page past 500, whatever total_pages says.


class MalformedResponse(ValueError):
    """A TMDb body without the fields its endpoint always has."""


def search_page(body: Any, media_type: MediaType | None) -> SearchPage:
    """A search response; results that are not movies or shows (people) are left out."""
    try:
        results = body["results"]
        if not isinstance(results, list):
            raise MalformedResponse("results is not a list")
        items = tuple(i for raw in results if (i := search_item(raw, media_type)) is not None)
        return SearchPage(
            page=_int(body["page"]),
            total_pages=min(_int(body["total_pages"]), MAX_PAGE),
            total_results=_int(body["total_results"]),
            items=items,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise MalformedResponse(f"search response: {exc!r}") from None


def search_item(raw: Any, media_type: MediaType | None) -> CatalogueItem | None:
    """One search result, or None for people and for results too broken to show."""
    if not isinstance(raw, dict):
        return None
    kind = media_type or _media_type(raw.get("media_type"))
    if kind is None:
        return None
    try:
        return CatalogueItem(
            tmdb_id=_int(raw["id"]),
            media_type=kind,
            title=_title(raw, kind),
            year=year(raw.get("release_date" if kind is MediaType.MOVIE else "first_air_date")),
            overview=_text(raw.get("overview")) or "",
            poster_path=_text(raw.get("poster_path")),
        )
    except (KeyError, TypeError, ValueError):
        log.debug("skipping a malformed TMDb search result (id %r)", raw.get("id"))
        return None


def media_details(body: Any, media_type: MediaType) -> MediaDetails:
    """A /movie/{id} or /tv/{id} response fetched with append_to_response=external_ids."""
    try:
        ids = body.get("external_ids") or {}
        movie = media_type is MediaType.MOVIE
        return MediaDetails(
            tmdb_id=_int(body["id"]),
            media_type=media_type,
            title=_title(body, media_type),
            year=year(body.get("release_date" if movie else "first_air_date")),
            overview=_text(body.get("overview")) or "",
            poster_path=_text(body.get("poster_path")),
            seasons=() if movie else _seasons(body.get("seasons") or []),
            tvdb_id=None if movie else _optional_int(ids.get("tvdb_id")),
            imdb_id=_text(body.get("imdb_id")) or _text(ids.get("imdb_id")),
            keywords=_keywords(body.get("keywords")),
        )
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        raise MalformedResponse(f"{media_type} details: {exc!r}") from None


def found_titles(body: Any) -> list[tuple[int, MediaType]]:
    """The movies and shows of a /find response, as (TMDb id, type)."""
    try:
        found: list[tuple[int, MediaType]] = []
        for field, kind in (("movie_results", MediaType.MOVIE), ("tv_results", MediaType.TV)):
            for raw in body.get(field) or []:
                found.append((_int(raw["id"]), kind))
        return found
    except (AttributeError, KeyError, TypeError) as exc:
        raise MalformedResponse(f"find response: {exc!r}") from None


def _keywords(raw: object) -> tuple[str, ...]:
    """Keyword names, lower-cased: a show's come as ``results``, a movie's as ``keywords``."""
    if not isinstance(raw, dict):
        return ()
    listed = raw.get("results") or raw.get("keywords") or []
    names = (k.get("name") for k in listed if isinstance(k, dict))
    return tuple(name.lower() for name in names if isinstance(name, str) and name)


def year(date: object) -> int | None:
    """The year of a TMDb date (``1999-03-31``); None when missing or empty."""
    if isinstance(date, str) and len(date) >= 4 and date[:4].isdigit():
        return int(date[:4]) or None
    return None


def _seasons(raw: list[Any]) -> tuple[SeasonInfo, ...]:
    seasons = [
        SeasonInfo(
            season_number=_int(s["season_number"]),
            episode_count=_optional_int(s.get("episode_count")) or 0,
            name=_text(s.get("name")) or "",
            air_date=_text(s.get("air_date")),
        )
        for s in raw
    ]
    return tuple(sorted(seasons, key=lambda s: s.season_number))


def _media_type(value: object) -> MediaType | None:
    return MediaType(value) if value in ("movie", "tv") else None


def _title(raw: dict[str, Any], kind: MediaType) -> str:
    field = "title" if kind is MediaType.MOVIE else "name"
    title = _text(raw.get(field)) or _text(raw.get(f"original_{field}"))
    if title is None:
        raise KeyError(field)
    return title


def _int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected an integer, got {type(value).__name__}")
    return value


def _optional_int(value: object) -> int | None:
    return None if value is None else _int(value)


def _text(value: object) -> str | None:
    """A non-empty string, or None (TMDb sends null or "" for missing text)."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {type(value).__name__}")
    return value
