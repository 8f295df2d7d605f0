"""The bundled sample catalogue: some thirty real titles, so ``requestbot demo`` needs no
TMDb key and no network. Ids, years and season counts are TMDb's; the overviews are ours."""

from __future__ import annotations

import json
import math
import re
import unicodedata
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from core.errors import InvalidInput, TitleNotFound
from core.media import CatalogueItem, MediaDetails, MediaType, SearchPage, SeasonInfo

PAGE_SIZE = 20  # TMDb's page size
ARTICLES = ("the ", "a ", "an ")
SECTIONS = {"movies": MediaType.MOVIE, "tv": MediaType.TV}


def fold(text: str) -> str:
    """``text`` for matching: case, accents and punctuation gone ("Amélie!" -> "amelie")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.findall(r"\w+", bare))


@dataclass(frozen=True, slots=True)
class _Title:
    details: MediaDetails
    names: tuple[str, ...]  # the folded title and original title

    @property
    def item(self) -> CatalogueItem:
        d = self.details
        return CatalogueItem(d.tmdb_id, d.media_type, d.title, d.year, d.overview, d.poster_path)

    def matches(self, words: list[str]) -> bool:
        """Every word starts a word of one name; words of scripts written without spaces
        (Japanese, say) may also sit inside one."""
        return any(all(_word_in(word, name) for word in words) for name in self.names)

    def rank(self, query: str) -> int:
        """0 for the whole name, 1 when the name starts with the query, 2 otherwise."""
        bare = [_without_article(name) for name in self.names]
        if query in self.names or query in bare:
            return 0
        if any(name.startswith(query) for name in (*self.names, *bare)):
            return 1
        return 2


def _word_in(word: str, name: str) -> bool:
    if not word.isascii() and word in name:
        return True
    return any(part.startswith(word) for part in name.split())


def _without_article(name: str) -> str:
    for article in ARTICLES:
        if name.startswith(article):
            return name[len(article) :]
    return name


class OfflineCatalogue:
    """The Catalogue port (and a HealthCheck) over a JSON file; by default the bundled one."""

    name = "offline catalogue"

    def __init__(self, path: Path | None = None) -> None:
        text = path.read_text(encoding="utf-8") if path else _bundled()
        self._titles = _parse(json.loads(text))

    async def search(
        self, query: str, page: int = 1, media_type: MediaType | None = None
    ) -> SearchPage:
        """One page of titles whose title or original title holds every word of ``query``:
        exact and prefix matches first, then newer before older."""
        if page < 1:
            raise InvalidInput("page", page, "must be 1 or more")
        folded = fold(query)
        if not folded:
            return SearchPage(page=1, total_pages=0, total_results=0, items=())
        words = folded.split()
        found = [
            title
            for (_, kind), title in self._titles.items()
            if media_type in (None, kind) and title.matches(words)
        ]
        found.sort(key=lambda t: (t.rank(folded), -(t.details.year or 0), t.names[0]))
        start = (page - 1) * PAGE_SIZE
        return SearchPage(
            page=page,
            total_pages=math.ceil(len(found) / PAGE_SIZE),
            total_results=len(found),
            items=tuple(t.item for t in found[start : start + PAGE_SIZE]),
        )

    async def details(self, tmdb_id: int, media_type: MediaType) -> MediaDetails:
        """The title's details with seasons and external ids; TitleNotFound if there is none."""
        title = self._titles.get((tmdb_id, media_type))
        if title is None:
            raise TitleNotFound(tmdb_id, media_type)
        return title.details

    async def find(self, source: str, external_id: str) -> list[tuple[int, MediaType]]:
        """Titles whose IMDb id (``imdb_id``) or TheTVDB id (``tvdb_id``) is ``external_id``."""
        if source not in ("imdb_id", "tvdb_id"):
            raise InvalidInput("external source", source, "must be imdb_id or tvdb_id")
        return [
            key
            for key, title in self._titles.items()
            if str(getattr(title.details, source) or "") == external_id
        ]

    def titles(self) -> tuple[CatalogueItem, ...]:
        """Every title: movies, then shows, each by title."""
        ordered = sorted(self._titles.values(), key=lambda t: (t.details.media_type, t.names[0]))
        return tuple(t.item for t in ordered)

    async def check(self) -> str:
        """How many titles the catalogue holds."""
        return f"{self.name}: {len(self._titles)} titles"


def _bundled() -> str:
    return (
        resources.files("adapters.console").joinpath("catalogue.json").read_text(encoding="utf-8")
    )


def _parse(data: dict[str, Any]) -> dict[tuple[int, MediaType], _Title]:
    titles: dict[tuple[int, MediaType], _Title] = {}
    for section, kind in SECTIONS.items():
        for n, raw in enumerate(data.get(section, []), 1):
            try:
                title = _title(raw, kind)
            except (KeyError, TypeError, ValueError) as exc:
                raise ValueError(f"catalogue {section} entry {n} is malformed: {exc!r}") from exc
            key = (title.details.tmdb_id, kind)
            if key in titles:
                raise ValueError(f"catalogue has {kind} {key[0]} twice")
            titles[key] = title
    return titles


def _title(raw: dict[str, Any], kind: MediaType) -> _Title:
    seasons = tuple(
        SeasonInfo(int(s["season_number"]), int(s["episode_count"]), s.get("name", ""))
        for s in sorted(raw.get("seasons", []), key=lambda s: int(s["season_number"]))
    )
    if kind is MediaType.TV and not seasons:
        raise ValueError("a show needs its seasons")
    details = MediaDetails(
        tmdb_id=int(raw["tmdb_id"]),
        media_type=kind,
        title=str(raw["title"]),
        year=int(raw["year"]) if raw.get("year") else None,
        overview=str(raw.get("overview", "")),
        poster_path=raw.get("poster_path"),
        seasons=seasons,
        tvdb_id=int(raw["tvdb_id"]) if raw.get("tvdb_id") else None,
        imdb_id=raw.get("imdb_id"),
    )
    names = dict.fromkeys(fold(n) for n in (raw["title"], raw.get("original_title") or ""))
    return _Title(details, tuple(name for name in names if name))
