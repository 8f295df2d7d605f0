"""Listing what the REST API shows: pages of requests, users and titles, each with the
request count of every user in it, under the same permission rules as the chats."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from core.domain import MediaRequest
from core.errors import InvalidInput, PermissionDenied
from core.identity import User
from core.listing_repositories import MediaQuery, RequestCounts, RequestQuery, UserQuery
from core.media import Media, MediaKey
from core.permissions import Permission, has_any
from core.ports import UnitOfWork
from core.queries import load_request
from core.services import Services, in_transaction
from core.users import load_user, load_user_manager

SEES_ALL_REQUESTS = (Permission.MANAGE_REQUESTS, Permission.REQUEST_VIEW)


@dataclass(frozen=True, slots=True)
class RequestPage:
    """A page of requests, the total that matched, and how many requests each user who
    requested or changed one of them has made."""

    requests: list[MediaRequest]
    total: int
    request_counts: dict[int, int]


@dataclass(frozen=True, slots=True)
class UserPage:
    users: list[User]
    total: int
    request_counts: dict[int, int]


def _people(requests: Iterable[MediaRequest]) -> set[int]:
    ids: set[int] = set()
    for request in requests:
        ids.add(request.requested_by.id)
        if request.modified_by is not None:
            ids.add(request.modified_by.id)
    return ids


def sees_all_requests(user: User) -> bool:
    """Whether ``user`` may see everyone's requests (MANAGE_REQUESTS or REQUEST_VIEW)."""
    return has_any(user.permissions, *SEES_ALL_REQUESTS)


async def list_requests(services: Services, actor_id: int, query: RequestQuery) -> RequestPage:
    """A page of requests as GET /request lists them: everyone's with MANAGE_REQUESTS or
    REQUEST_VIEW, else only the actor's own (asking for another user's is refused)."""

    async def work(uow: UnitOfWork) -> RequestPage:
        actor = await load_user(uow, actor_id)
        wanted = query
        if not sees_all_requests(actor):
            if query.requested_by not in (None, actor.id):
                raise PermissionDenied(
                    "see another user's requests", SEES_ALL_REQUESTS, any_of=True
                )
            wanted = replace(query, requested_by=actor.id)
        found, total = await uow.listings.requests(wanted)
        counts = await uow.listings.requests_per_user(_people(found))
        return RequestPage(found, total, counts)

    return await in_transaction(services, work, write=False)


async def request_detail(services: Services, actor_id: int, request_id: int) -> RequestPage:
    """One request (one's own, or any with MANAGE_REQUESTS or REQUEST_VIEW) as a page of
    one, with its users' request counts; NotFound if there is none."""

    async def work(uow: UnitOfWork) -> RequestPage:
        actor = await load_user(uow, actor_id)
        request = await load_request(uow, request_id)
        if request.requested_by.id != actor.id and not sees_all_requests(actor):
            raise PermissionDenied("view another user's request", SEES_ALL_REQUESTS, any_of=True)
        counts = await uow.listings.requests_per_user(_people([request]))
        return RequestPage([request], 1, counts)

    return await in_transaction(services, work, write=False)


async def shown_request(uow: UnitOfWork, request_id: int) -> RequestPage:
    """Inside a transaction: a request just written by the actor's own use case (so theirs
    to see) as request_detail shows it, for the answer to come from the same transaction."""
    request = await load_request(uow, request_id)
    counts = await uow.listings.requests_per_user(_people([request]))
    return RequestPage([request], 1, counts)


async def count_requests(services: Services) -> RequestCounts:
    """Every request counted by status, type and availability (any user may ask: Seerr
    shows the counts to every signed-in user)."""

    async def work(uow: UnitOfWork) -> RequestCounts:
        return await uow.listings.request_counts()

    return await in_transaction(services, work, write=False)


async def list_users(services: Services, actor_id: int, query: UserQuery) -> UserPage:
    """A page of users with their request counts (MANAGE_USERS, as listing users in a
    chat)."""

    async def work(uow: UnitOfWork) -> UserPage:
        await load_user_manager(uow, actor_id, "list users")
        found, total = await uow.listings.users(query)
        counts = await uow.listings.requests_per_user([u.id for u in found])
        return UserPage(found, total, counts)

    return await in_transaction(services, work, write=False)


async def user_detail(services: Services, actor_id: int, user_id: int) -> UserPage:
    """One user (oneself, or anyone with MANAGE_USERS) as a page of one, with the request
    count; NotFound if there is none."""

    async def work(uow: UnitOfWork) -> UserPage:
        actor = await load_user(uow, actor_id)
        if actor.id != user_id and not has_any(actor.permissions, Permission.MANAGE_USERS):
            raise PermissionDenied("view another user", (Permission.MANAGE_USERS,))
        user = await load_user(uow, user_id)
        return UserPage([user], 1, await uow.listings.requests_per_user([user.id]))

    return await in_transaction(services, work, write=False)


async def user_exists(services: Services, user_id: int) -> None:
    """Raise NotFound unless there is a user with this id."""

    async def work(uow: UnitOfWork) -> None:
        await load_user(uow, user_id)

    await in_transaction(services, work, write=False)


async def managed_user(services: Services, actor_id: int, user_id: int) -> User:
    """A user as a manager sees one to change it (MANAGE_USERS); NotFound if none."""

    async def work(uow: UnitOfWork) -> User:
        await load_user_manager(uow, actor_id, "manage users")
        return await load_user(uow, user_id)

    return await in_transaction(services, work, write=False)


@dataclass(frozen=True, slots=True)
class MediaInfo:
    """A title known here, with its requests (when asked for) and their users' counts."""

    media: Media
    requests: list[MediaRequest]
    request_counts: dict[int, int]


MAX_TITLES = 100  # titles looked up at once (a page of search results is 20)


async def media_infos(
    services: Services, keys: Iterable[MediaKey], *, with_requests: bool = False
) -> dict[MediaKey, MediaInfo]:
    """The titles among ``keys`` known here (at most MAX_TITLES), each with every request
    of it when ``with_requests``: the same few queries however many there are."""
    wanted = list(dict.fromkeys(keys))
    if len(wanted) > MAX_TITLES:
        raise InvalidInput("titles", len(wanted), f"at most {MAX_TITLES} at once")

    async def work(uow: UnitOfWork) -> dict[MediaKey, MediaInfo]:
        states = await uow.media.states(wanted)
        media = {key: state.media for key, state in states.items()}
        requests: dict[int, list[MediaRequest]] = {}
        counts: dict[int, int] = {}
        if with_requests and media:
            requests = await uow.listings.requests_for_media([m.id for m in media.values()])
            everyone = [r for found in requests.values() for r in found]
            counts = await uow.listings.requests_per_user(_people(everyone))
        return {key: MediaInfo(m, requests.get(m.id, []), counts) for key, m in media.items()}

    return await in_transaction(services, work, write=False)


async def list_media(
    services: Services, actor_id: int, query: MediaQuery
) -> tuple[list[Media], int]:
    """A page of the titles known here and the total that matched (any user: their
    statuses are what every search result shows)."""

    async def work(uow: UnitOfWork) -> tuple[list[Media], int]:
        await load_user(uow, actor_id)
        return await uow.listings.media(query)

    return await in_transaction(services, work, write=False)
