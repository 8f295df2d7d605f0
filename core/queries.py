"""Reading requests and titles: a title's state for a card or season picker, a user's requests,
the approval queue; none of them changes anything."""

from __future__ import annotations

from dataclasses import dataclass

from core.domain import MediaRequest, RequestStatus
from core.errors import NotFound, PermissionDenied
from core.identity import User
from core.issue_rules import on_server
from core.media import SPECIALS, DisplayStatus, Media, MediaDetails, MediaStatus, MediaType
from core.naming import is_named, named_user
from core.permissions import Permission, has_any
from core.ports import UnitOfWork
from core.request_rules import check_can_request, check_manages_requests
from core.search import display_status
from core.services import Services, in_transaction
from core.users import load_user


@dataclass(frozen=True, slots=True)
class TitleState:
    """A title's details with its status here and each season's (for season pickers)."""

    details: MediaDetails
    status: DisplayStatus
    seasons: dict[int, DisplayStatus]
    active_requests: tuple[MediaRequest, ...]
    # Season 0 (specials), when the show has one: left out of ``seasons`` and of "all", as in
    # Seerr, but it can be asked for by its number, so a card can say where it stands.
    specials: DisplayStatus | None = None
    # On the server in either quality: a problem with it may be reported.
    on_server: bool = False


async def load_request(
    uow: UnitOfWork, request_id: int, *, for_update: bool = False
) -> MediaRequest:
    """Inside a transaction: the request with this id (locked ``for_update``); NotFound if
    none."""
    request = await uow.requests.get(request_id, for_update=for_update)
    if request is None:
        raise NotFound("request", request_id)
    return request


async def title_state(services: Services, tmdb_id: int, media_type: MediaType) -> TitleState:
    """A title's details, its status here and each season's, for a result card or season picker."""
    details = await services.catalogue.details(tmdb_id, media_type)

    async def work(uow: UnitOfWork) -> tuple[Media | None, list[MediaRequest], DisplayStatus]:
        states = await uow.media.states([(tmdb_id, media_type)])
        state = states.get((tmdb_id, media_type))
        if state is None:
            return None, [], DisplayStatus.NOT_REQUESTED
        active = await uow.requests.active_for_media(state.media.id, False)
        return state.media, active, display_status(state)

    media, active, status = await in_transaction(services, work, write=False)
    numbers = [s.season_number for s in details.seasons if s.season_number >= 0]
    seasons = {n: DisplayStatus.NOT_REQUESTED for n in numbers}
    by_request = {
        RequestStatus.PENDING: DisplayStatus.PENDING,
        RequestStatus.APPROVED: DisplayStatus.APPROVED,
        RequestStatus.FAILED: DisplayStatus.FAILED,
    }
    for request in active:
        for n in request.season_numbers:
            seasons[n] = by_request.get(request.status, DisplayStatus.PENDING)
    if media is not None:
        by_media = {
            MediaStatus.AVAILABLE: DisplayStatus.AVAILABLE,
            MediaStatus.PARTIALLY_AVAILABLE: DisplayStatus.PARTIALLY_AVAILABLE,
            MediaStatus.PROCESSING: DisplayStatus.PROCESSING,
        }
        for n, st in media.season_statuses.items():
            if st in by_media and seasons.get(n) is not DisplayStatus.APPROVED:
                seasons[n] = by_media[st]
    specials = seasons.pop(SPECIALS, None)
    held = media is not None and on_server(media)
    return TitleState(details, status, seasons, tuple(active), specials, held)


async def current_request(services: Services, request_id: int) -> MediaRequest | None:
    """A request as it is now, or None once it was cancelled, for the bot's own use (a card
    being brought up to date); a user's view goes through get_request."""

    async def work(uow: UnitOfWork) -> MediaRequest | None:
        return await uow.requests.get(request_id)

    return await in_transaction(services, work, write=False)


async def check_may_request(
    services: Services, actor_id: int, media_type: MediaType, *, is_4k: bool = False
) -> None:
    """Raise PermissionDenied unless the actor may request this kind of title (before a
    season picker is shown, say); changes nothing."""

    async def work(uow: UnitOfWork) -> None:
        check_can_request(await load_user(uow, actor_id), media_type, is_4k)

    await in_transaction(services, work, write=False)


async def get_request(services: Services, actor_id: int, request_id: int) -> MediaRequest:
    """One request: one's own, or any with MANAGE_REQUESTS or REQUEST_VIEW."""

    async def work(uow: UnitOfWork) -> MediaRequest:
        actor = await load_user(uow, actor_id)
        request = await load_request(uow, request_id)
        if request.requested_by.id != actor.id and not has_any(
            actor.permissions, Permission.MANAGE_REQUESTS, Permission.REQUEST_VIEW
        ):
            raise PermissionDenied("view another user's request", (Permission.MANAGE_REQUESTS,))
        return request

    return await in_transaction(services, work, write=False)


async def my_requests(
    services: Services,
    actor_id: int,
    offset: int = 0,
    limit: int = 10,
    *,
    status: RequestStatus | None = None,
) -> tuple[list[MediaRequest], int]:
    """A page of the actor's own requests (only those in ``status``, if given), newest
    first, and their total."""

    async def work(uow: UnitOfWork) -> tuple[list[MediaRequest], int]:
        await load_user(uow, actor_id)
        page = max(0, offset), max(1, limit)
        return await uow.requests.for_user(actor_id, *page, status=status)

    return await in_transaction(services, work, write=False)


async def user_requests(
    services: Services, actor_id: int, who: str, offset: int = 0, limit: int = 10
) -> tuple[User, list[MediaRequest], int]:
    """The user ``who`` names (see naming.named_user) with a page of their requests, newest
    first, and their total: anyone's with MANAGE_REQUESTS or REQUEST_VIEW, else one's own."""

    async def work(uow: UnitOfWork) -> tuple[User, list[MediaRequest], int]:
        actor = await load_user(uow, actor_id)
        if is_named(actor, who):
            target = actor
        elif has_any(actor.permissions, Permission.MANAGE_REQUESTS, Permission.REQUEST_VIEW):
            target = await named_user(uow, who)
        else:
            raise PermissionDenied(
                "see another user's requests; you may only see your own",
                (Permission.MANAGE_REQUESTS, Permission.REQUEST_VIEW),
                any_of=True,
            )
        found, total = await uow.requests.for_user(target.id, max(0, offset), max(1, limit))
        return target, found, total

    return await in_transaction(services, work, write=False)


async def pending_requests(
    services: Services, actor_id: int, offset: int = 0, limit: int = 10
) -> tuple[list[MediaRequest], int]:
    """The approval queue, oldest first (MANAGE_REQUESTS)."""
    return await requests_in_status(services, actor_id, RequestStatus.PENDING, offset, limit)


async def requests_in_status(
    services: Services, actor_id: int, status: RequestStatus, offset: int = 0, limit: int = 10
) -> tuple[list[MediaRequest], int]:
    """Requests in one status, oldest first (MANAGE_REQUESTS)."""

    async def work(uow: UnitOfWork) -> tuple[list[MediaRequest], int]:
        check_manages_requests(await load_user(uow, actor_id), "list requests")
        return await uow.requests.with_status(status, max(0, offset), max(1, limit))

    return await in_transaction(services, work, write=False)
