"""The TMDb v3 client: the core's Catalogue and a HealthCheck, on httpx.

Every answer goes through one path: the cache, then a single flight shared by identical
concurrent calls, then the rate limiter and the HTTP call with its retries (fetch.py).
httpx errors, HTTP errors and malformed bodies become core errors there and here, nowhere
else.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any, Self, TypeVar

import httpx

from adapters.http import environment_proxy, tls_context
from adapters.tmdb import mapping
from adapters.tmdb.auth import CredentialTransport, is_read_token
from adapters.tmdb.cache import TtlCache
from adapters.tmdb.fetch import SERVICE, Fetcher, Params, TmdbNotFound
from adapters.tmdb.limiter import RateLimiter
from core.errors import InvalidInput, ServiceRejected, ServiceUnavailable, TitleNotFound
from core.media import MediaDetails, MediaType, SearchPage

__all__ = ["DEFAULT_BASE_URL", "TmdbClient", "is_read_token"]

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.themoviedb.org/3"
NO_API = "no TMDb API at this base URL"
FIND_SOURCES = ("imdb_id", "tvdb_id")

T = TypeVar("T")


class TmdbClient:
    """TMDb's search and details, cached, coalesced and rate limited; use with ``async with``.

    Give either a v3 ``api_key`` or a v4 ``read_token``. ``transport`` replaces the network
    (tests); ``proxy`` defaults to what HTTPS_PROXY / NO_PROXY say.
    """

    name = SERVICE

    def __init__(
        self,
        api_key: str | None = None,
        read_token: str | None = None,
        *,
        base_url: str = DEFAULT_BASE_URL,
        language: str = "en-US",
        timeout: float = 5.0,
        search_ttl: float = 600.0,
        details_ttl: float = 6 * 3600.0,
        cache_size: int = 2048,
        max_rate: float = 40.0,
        transport: httpx.AsyncBaseTransport | None = None,
        proxy: str | None = None,
    ) -> None:
        if (api_key is None) == (read_token is None):
            raise ValueError("give a TMDb api_key or a read_token (exactly one)")
        if timeout <= 0:
            raise ValueError(f"timeout must be positive, not {timeout}")
        # str(): settings may hand over a URL object.
        base = str(base_url).rstrip("/")
        self._language = language
        self._ttls = {"search": search_ttl, "details": details_ttl}
        self._cache = TtlCache(cache_size)
        self._flights: dict[tuple[str, Params], asyncio.Task[Any]] = {}
        if transport is None:
            transport = httpx.AsyncHTTPTransport(
                verify=tls_context(), proxy=proxy or environment_proxy(base)
            )
        http = httpx.AsyncClient(
            base_url=base + "/",
            transport=CredentialTransport(transport, api_key=api_key, read_token=read_token),
            timeout=httpx.Timeout(timeout),
            headers={"Accept": "application/json", "User-Agent": "requestbot"},
            follow_redirects=False,
        )
        self._fetcher = Fetcher(
            http, RateLimiter(max_rate), timeout=timeout, secret=api_key or read_token or ""
        )
        self._auth_kind = "v3 API key" if api_key else "v4 read token"
        self._host = httpx.URL(base).host

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Cancel calls in flight and close the connections."""
        self._fetcher.closed = True
        flights = list(self._flights.values())
        for task in flights:
            task.cancel()
        await asyncio.gather(*flights, return_exceptions=True)
        await self._fetcher.aclose()

    # ----- the Catalogue port ---------------------------------------------------------

    async def search(
        self, query: str, page: int = 1, media_type: MediaType | None = None
    ) -> SearchPage:
        """One page of movies and shows for ``query``: one TMDb call, people left out."""
        key = self._search_key(query, page, media_type)
        if key is None:
            return SearchPage(page=1, total_pages=0, total_results=0, items=())
        kind = MediaType(media_type) if media_type else None
        try:
            return await self._cached(key, "search", lambda body: mapping.search_page(body, kind))
        except TmdbNotFound:
            raise ServiceRejected(SERVICE, 404, NO_API) from None

    async def details(self, tmdb_id: int, media_type: MediaType) -> MediaDetails:
        """A title's details with its external ids; raises TitleNotFound."""
        kind = MediaType(media_type)
        if tmdb_id < 1:
            raise TitleNotFound(tmdb_id, kind)
        try:
            return await self._cached(
                self._details_key(tmdb_id, kind),
                "details",
                lambda body: mapping.media_details(body, kind),
            )
        except TmdbNotFound:
            raise TitleNotFound(tmdb_id, kind) from None

    async def find(self, source: str, external_id: str) -> list[tuple[int, MediaType]]:
        """The movies and shows TMDb knows by this IMDb id (``imdb_id``) or TheTVDB id
        (``tvdb_id``): one cached call to /find."""
        key = self._find_key(source, external_id)
        try:
            return await self._cached(key, "details", mapping.found_titles)
        except TmdbNotFound:
            return []

    # ----- TMDb's own JSON, for the Seerr-compatible API -------------------------------

    async def details_json(
        self, tmdb_id: int, media_type: MediaType, language: str | None = None
    ) -> dict[str, Any]:
        """TMDb's body for a title, the one ``details`` reads (same cache entry, same call);
        raises TitleNotFound."""
        kind = MediaType(media_type)
        if tmdb_id < 1:
            raise TitleNotFound(tmdb_id, kind)
        key = _details_key(tmdb_id, kind, language or self._language)
        try:
            return await self._document(key, "details")
        except TmdbNotFound:
            raise TitleNotFound(tmdb_id, kind) from None

    async def season_json(
        self, tmdb_id: int, season: int, language: str | None = None
    ) -> dict[str, Any] | None:
        """TMDb's body for one season with its episodes, or None when there is no such
        season (or show)."""
        if tmdb_id < 1 or season < 0:
            return None
        params = (("append_to_response", "external_ids"), ("language", language or self._language))
        return await self._optional((f"/tv/{tmdb_id}/season/{season}", params))

    async def person_json(
        self, person_id: int, language: str | None = None
    ) -> dict[str, Any] | None:
        """TMDb's body for a person, or None when there is none with this id."""
        if person_id < 1:
            return None
        return await self._optional(
            (f"/person/{person_id}", (("language", language or self._language),))
        )

    async def search_json(
        self,
        query: str,
        page: int = 1,
        media_type: MediaType | None = None,
        *,
        language: str | None = None,
        year: int | None = None,
    ) -> dict[str, Any]:
        """TMDb's body for a search (the one ``search`` reads, when the language is the
        client's and there is no year); ``year`` needs a ``media_type``."""
        key = self._search_key(query, page, media_type, language)
        if key is None:
            return {"page": 1, "results": [], "total_pages": 1, "total_results": 0}
        if year is not None:
            if media_type is None:
                raise InvalidInput("year", year, "needs a movie or TV search")
            field = (
                "primary_release_year" if media_type is MediaType.MOVIE else "first_air_date_year"
            )
            key = (key[0], tuple(sorted((*key[1], (field, str(year))))))
        try:
            return await self._document(key, "search")
        except TmdbNotFound:
            raise ServiceRejected(SERVICE, 404, NO_API) from None

    async def find_json(self, source: str, external_id: str) -> dict[str, Any]:
        """TMDb's /find body for an IMDb or TheTVDB id (the one ``find`` reads)."""
        key = self._find_key(source, external_id)
        return await self._optional(key) or {}

    async def _optional(self, key: tuple[str, Params]) -> dict[str, Any] | None:
        try:
            return await self._document(key, "details")
        except TmdbNotFound:
            return None

    # ----- reading the cache alone ----------------------------------------------------

    def cached_search(
        self, query: str, page: int = 1, media_type: MediaType | None = None
    ) -> SearchPage | None:
        """The cached answer to this search, or None; never touches the network."""
        key = self._search_key(query, page, media_type)
        if key is None:
            return SearchPage(page=1, total_pages=0, total_results=0, items=())
        kind = MediaType(media_type) if media_type else None
        return self._parse_cached(key, lambda body: mapping.search_page(body, kind))

    def cached_details(self, tmdb_id: int, media_type: MediaType) -> MediaDetails | None:
        """The cached details of this title, or None; never touches the network."""
        kind = MediaType(media_type)
        return self._parse_cached(
            self._details_key(tmdb_id, kind), lambda body: mapping.media_details(body, kind)
        )

    def _parse_cached(self, key: tuple[str, Params], parse: Callable[[Any], T]) -> T | None:
        found = self._cache.get(key)
        if not isinstance(found, bytes):
            return None
        try:
            return parse(json.loads(found))
        except mapping.MalformedResponse:
            return None

    # ----- the HealthCheck port -------------------------------------------------------

    async def check(self) -> str:
        """One authenticated call; a line saying where TMDb answered and how we log in."""
        try:
            await self._fetcher.get("/configuration", ())
        except TmdbNotFound:
            raise ServiceRejected(SERVICE, 404, NO_API) from None
        return f"{self._host}, {self._auth_kind}, language {self._language}"

    # ----- cache and single flight ----------------------------------------------------

    def _search_key(
        self, query: str, page: int, media_type: MediaType | None, language: str | None = None
    ) -> tuple[str, Params] | None:
        text = " ".join(query.split())
        if not text:
            return None
        if not 1 <= page <= mapping.MAX_PAGE:
            raise InvalidInput("page", page, f"TMDb serves pages 1 to {mapping.MAX_PAGE}")
        path = f"/search/{MediaType(media_type)}" if media_type else "/search/multi"
        # TMDb's search ignores case, so "Matrix" and "matrix" share one entry and one call.
        query = text.lower()
        return path, (
            ("include_adult", "false"),
            ("language", language or self._language),
            ("page", str(page)),
            ("query", query),
        )

    @staticmethod
    def _find_key(source: str, external_id: str) -> tuple[str, Params]:
        if source not in FIND_SOURCES:
            raise InvalidInput("external source", source, f"must be one of {FIND_SOURCES}")
        text = external_id.strip()
        if not text or "/" in text:
            raise InvalidInput(source, external_id, "is not an id")
        return f"/find/{text}", (("external_source", source),)

    def _details_key(self, tmdb_id: int, media_type: MediaType) -> tuple[str, Params]:
        return _details_key(tmdb_id, media_type, self._language)

    async def _cached(self, key: tuple[str, Params], kind: str, parse: Callable[[Any], T]) -> T:
        """``parse`` of the cached body under ``key``; a body it rejects is dropped."""
        body = await self._document(key, kind)
        try:
            return parse(body)
        except mapping.MalformedResponse as exc:
            log.warning("TMDb sent a malformed body for %s: %s", key[0], exc)
            self._cache.discard(key)
            raise ServiceUnavailable(SERVICE, "malformed response") from None

    async def _document(self, key: tuple[str, Params], kind: str) -> dict[str, Any]:
        """TMDb's JSON body under ``key``: from the cache, or from one call shared by every
        caller who asks meanwhile. Bodies are cached as TMDb sent them, so the chats and the
        API read one entry whatever each makes of it; as compact JSON text, a third of the
        memory the parsed body takes (each read parses it afresh)."""
        found = self._cache.get(key)
        if isinstance(found, bytes):
            body: dict[str, Any] = json.loads(found)
            return body
        flight = self._flights.get(key)
        if flight is None:
            flight = asyncio.create_task(self._fill(key, kind))
            self._flights[key] = flight
            flight.add_done_callback(lambda task: self._land(key, task))
        shared: dict[str, Any] = await self._join(flight)
        return shared

    async def _fill(self, key: tuple[str, Params], kind: str) -> dict[str, Any]:
        path, params = key
        body: dict[str, Any] = await self._fetcher.get(path, params)
        text = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        self._cache.put(key, text, self._ttls[kind])
        return body

    def _land(self, key: tuple[str, Params], task: asyncio.Task[Any]) -> None:
        if self._flights.get(key) is task:
            del self._flights[key]
        # Mark the outcome as seen: every waiter may have been cancelled meanwhile.
        if not task.cancelled():
            task.exception()

    async def _join(self, flight: Awaitable[T]) -> T:
        """Wait for a shared call; cancelling one waiter does not cancel the call."""
        try:
            return await asyncio.shield(flight)
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise
            raise ServiceUnavailable(SERVICE, "client closed") from None


def _details_key(tmdb_id: int, media_type: MediaType, language: str) -> tuple[str, Params]:
    """The one cache key of a title's details: with its external ids and keywords (a show's
    keywords tell anime apart; the API shows every title's)."""
    params = (("append_to_response", "external_ids,keywords"), ("language", language))
    return f"/{media_type}/{tmdb_id}", params
