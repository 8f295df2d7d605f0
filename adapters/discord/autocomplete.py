"""Suggestions while the user types a title: of /request movie|tv from TMDb, of /issue from
the titles on the server in this database (TMDb's results on the server only when it has
none by these words); picking one gives the command ``movie:603`` (or ``tv:1396``) instead
of the typed words."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from discord import app_commands

from adapters.discord import render
from adapters.discord.context import Deps
from adapters.issue_text import reportable
from adapters.memory import Recent
from core import search
from core.errors import CoreError
from core.issue_queries import titles_on_server
from core.media import MediaType, SearchResult, label

log = logging.getLogger(__name__)

ON_SERVER = "server"  # the cache's kind of /issue's suggestions
MAX_CHOICES = 25  # Discord shows no more


class Suggestions:
    """Autocomplete answers: TMDb gets a budget inside Discord's 3 s; past it, what the cache
    has for the longest typed prefix (or nothing). The search goes on in the background and
    fills the cache for the next keystroke."""

    def __init__(self, budget: float) -> None:
        self.budget = budget
        self._cache: Recent[tuple[str, str], list[app_commands.Choice[str]]] = Recent()
        self._running: dict[tuple[str, str], asyncio.Task[list[app_commands.Choice[str]]]] = {}

    async def choices(
        self, found: Deps, media_type: MediaType, typed: str
    ) -> list[app_commands.Choice[str]]:
        """Titles of one type (/request movie|tv)."""
        return await self._answer(found, media_type.value, media_type, typed)

    async def on_server(self, found: Deps, typed: str) -> list[app_commands.Choice[str]]:
        """Movies and shows on the server, all or in part (/issue): this database's, with
        no call to TMDb; TMDb's (as for /request) only when it knows none by these words."""
        here = await titles_on_server(found.services, typed, MAX_CHOICES)
        if here:
            return [_choice(m.title, m.year, m.media_type, m.tmdb_id) for m in here]
        return await self._answer(found, ON_SERVER, None, typed)

    async def _answer(
        self, found: Deps, kind: str, media_type: MediaType | None, typed: str
    ) -> list[app_commands.Choice[str]]:
        query = " ".join(typed.split()).casefold()[:100]
        if len(query) < 2:
            return []
        key = (kind, query)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        task = self._running.get(key)
        if task is None:
            task = asyncio.create_task(self._fetch(found, media_type, query, key))
            task.add_done_callback(_settled)
            self._running[key] = task
        try:
            return await asyncio.wait_for(asyncio.shield(task), self.budget)
        except TimeoutError:
            return self._closest(kind, query)
        except CoreError:  # TMDb down or refusing: say nothing rather than fail (_settled logs)
            return self._closest(kind, query)

    async def _fetch(
        self, found: Deps, media_type: MediaType | None, query: str, key: tuple[str, str]
    ) -> list[app_commands.Choice[str]]:
        try:
            results = await search.search(found.services, query, 1, media_type)
            choices = [
                _choice(r.item.title, r.item.year, r.item.media_type, r.item.tmdb_id)
                for r in results.results
                if _fits(r, media_type)
            ][:MAX_CHOICES]
            self._cache[key] = choices
            return choices
        finally:
            self._running.pop(key, None)

    def _closest(self, kind: str, query: str) -> list[app_commands.Choice[str]]:
        for end in range(len(query) - 1, 1, -1):
            cached = self._cache.get((kind, query[:end]))
            if cached is not None:
                return cached
        return []

    async def close(self) -> None:
        for task in list(self._running.values()):
            task.cancel()
            with contextlib.suppress(BaseException):
                await task


def _settled(task: asyncio.Task[list[app_commands.Choice[str]]]) -> None:
    """Every search's end is looked at, also one whose answer came too late: a shield
    whose waiter timed out stops watching its task, and an exception nobody retrieves
    ends as "Task exception was never retrieved" in the log."""
    if task.cancelled():
        return
    error = task.exception()
    if isinstance(error, CoreError):
        log.info("autocomplete search: %s", error)
    elif error is not None:
        log.error("autocomplete search failed", exc_info=error)


def _fits(result: SearchResult, media_type: MediaType | None) -> bool:
    """A result of the type asked for; with none asked, a movie or show on the server."""
    if media_type is not None:
        return result.item.media_type is media_type
    return reportable(result)


def _choice(
    title: str, year: int | None, media_type: MediaType, tmdb_id: int
) -> app_commands.Choice[str]:
    return app_commands.Choice(
        name=render.cut(label(title, year), 100), value=f"{media_type.value}:{tmdb_id}"
    )
