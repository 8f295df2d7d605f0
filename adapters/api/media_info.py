"""mediaInfo of the titles known here, for the title routes: Seerr's shape over the core's
listing of titles with their requests (and, in a title's details, its issues)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from adapters.api.shapes import issue_out, media_out, media_seasons, request_out
from core import issue_queries, listing
from core.media import MediaKey, MediaType
from core.services import Services


class MediaInfoLookup(Protocol):
    """Seerr's mediaInfo JSON for each of ``keys`` known here; ``detailed`` adds its
    ``seasons`` (also each of ``seasons``, the catalogue's season numbers of a show),
    ``requests`` and ``issues``, as /movie and /tv show them."""

    async def __call__(
        self, keys: Sequence[MediaKey], detailed: bool, seasons: Iterable[int] = ()
    ) -> dict[MediaKey, dict[str, Any]]: ...


def media_info_lookup(services: Services) -> MediaInfoLookup:
    """The MediaInfoLookup over this database: Seerr's mediaInfo of each known title;
    ``detailed`` adds its seasons, every request of it and its issues (with their users:
    Seerr shows a title's issues to whoever looks it up)."""

    async def lookup(
        keys: Sequence[MediaKey], detailed: bool, seasons: Iterable[int] = ()
    ) -> dict[MediaKey, dict[str, Any]]:
        found = await listing.media_infos(services, keys, with_requests=detailed)
        numbers = tuple(seasons)
        titles = issue_queries.TitleIssues({}, {})
        if detailed and found:
            media_ids = [info.media.id for info in found.values()]
            titles = await issue_queries.issues_of_titles(services, media_ids)
        infos: dict[MediaKey, dict[str, Any]] = {}
        for key, info in found.items():
            out = media_out(info.media)
            if detailed:
                shown = numbers if key[1] is MediaType.TV else ()
                out.seasons = media_seasons(info.media, shown)
                out.requests = [request_out(r, info.request_counts) for r in info.requests]
                known = titles.by_media.get(info.media.id, [])
                out.issues = [issue_out(i, titles.request_counts) for i in known]
            infos[key] = out.model_dump(mode="json", exclude_none=False)
        return infos

    return lookup
