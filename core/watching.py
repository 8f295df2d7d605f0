"""'Notify me': users who want to hear about a title that someone else already requested."""

from __future__ import annotations

from dataclasses import dataclass

from core.errors import NotFound
from core.media import Media, MediaStatus, MediaType
from core.ports import UnitOfWork
from core.services import Services, in_transaction


@dataclass(frozen=True, slots=True)
class WatchResult:
    """``added`` is False when the user was already on the list; ``already_available``
    when there is nothing to wait for (then nobody is added)."""

    media: Media
    added: bool
    already_available: bool = False


async def watch_title(
    services: Services, actor_id: int, tmdb_id: int, media_type: MediaType
) -> WatchResult:
    """Put the actor on the list of users told when a title is approved, declined, fails or
    becomes available. Anyone may ask; the title is looked up in the catalogue only when
    this server does not know it yet."""

    async def known(uow: UnitOfWork) -> Media | None:
        return await uow.media.get_by_tmdb(tmdb_id, media_type)

    details = None
    if await in_transaction(services, known, write=False) is None:
        details = await services.catalogue.details(tmdb_id, media_type)

    async def work(uow: UnitOfWork) -> WatchResult:
        now = services.clock.now()
        if await uow.users.get(actor_id) is None:
            raise NotFound("user", actor_id)
        media = await uow.media.get_by_tmdb(tmdb_id, media_type, for_update=True)
        if media is None:
            if details is None:  # the row vanished since the look-up: nothing to watch
                raise NotFound("media", f"{media_type}:{tmdb_id}")
            media = await uow.media.upsert(details, now)
        if media.status is MediaStatus.AVAILABLE:
            return WatchResult(media, added=False, already_available=True)
        added = await uow.watchers.add(actor_id, media.id, now)
        return WatchResult(media, added=added)

    return await in_transaction(services, work)
