"""What a chat front end asks of the core beyond the use cases themselves: what it
remembers between messages, kept in the database so that it survives a restart (the state
behind the short keys in its buttons, the messages it posted about each request, to edit
them when the request changes), and the chat-side rules of asking and withdrawing (asking
twice for one's own title, or pressing withdraw twice, is not an error)."""

from __future__ import annotations

import json
import secrets
from collections.abc import Awaitable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

from core import requests
from core.domain import ChatPost, CreateResult, MediaRequest
from core.errors import DuplicateRequest, InvalidInput, NotFound
from core.media import MediaType
from core.ports import UnitOfWork
from core.services import Services, in_transaction

KEY_BYTES = 6  # 8 URL-safe characters: short enough for any button, 2**48 to guess from
MAX_KEY = 40
MAX_STATE = 16_000  # characters of JSON; buttons keep small things (a query, a selection)
MADE = "made"  # in a finished flow's state: the id of the request it made
# How long a chat keeps a flow: a search card's results, a season picker's choice.
SEARCH_TTL = timedelta(days=2)
PICKER_TTL = timedelta(days=1)


def new_key() -> str:
    """A random key, 8 URL-safe characters (no ``:``, so it fits in delimited button data)."""
    return secrets.token_urlsafe(KEY_BYTES)


def _encode(data: Mapping[str, Any]) -> str:
    text = json.dumps(dict(data), separators=(",", ":"), ensure_ascii=False)
    if len(text) > MAX_STATE:
        raise InvalidInput("chat state", text[:40] + "...", f"longer than {MAX_STATE} characters")
    return text


async def remember(
    services: Services,
    platform: str,
    data: Mapping[str, Any],
    ttl: timedelta,
    *,
    key: str | None = None,
) -> str:
    """Keep ``data`` (JSON-compatible) for ``ttl`` under ``key`` (a new random one by
    default) and return the key. Starting a new flow (no key given) sweeps the expired
    entries of every platform; changing a kept one (a picker's every tap) does not."""
    if key is not None and not 0 < len(key) <= MAX_KEY:
        raise InvalidInput("chat state key", key[:40], f"must be 1 to {MAX_KEY} characters")
    chosen = key or new_key()

    async def work(uow: UnitOfWork) -> str:
        if key is None:
            await uow.chat_states.purge(services.clock.now())
        await _put(uow, services, platform, chosen, data, ttl)
        return chosen

    return await in_transaction(services, work)


async def _put(
    uow: UnitOfWork,
    services: Services,
    platform: str,
    key: str,
    data: Mapping[str, Any],
    ttl: timedelta,
) -> None:
    """Inside a transaction: keep ``data`` under ``key`` for ``ttl`` from now."""
    now = services.clock.now()
    await uow.chat_states.put(platform, key, _encode(data), now, now + ttl)


async def recall(services: Services, platform: str, key: str) -> dict[str, Any] | None:
    """The data kept under ``key``, or None when there is none (never kept, expired, or
    forgotten): the adapter then says that the button has expired."""
    if not 0 < len(key) <= MAX_KEY:
        return None

    async def work(uow: UnitOfWork) -> str | None:
        return await uow.chat_states.get(platform, key, services.clock.now())

    text = await in_transaction(services, work, write=False)
    if text is None:
        return None
    data = json.loads(text)
    return data if isinstance(data, dict) else None


async def forget(services: Services, platform: str, key: str) -> None:
    """Drop what was kept under ``key`` (a finished flow)."""

    async def work(uow: UnitOfWork) -> None:
        await uow.chat_states.delete(platform, key)

    await in_transaction(services, work)


@dataclass(frozen=True, slots=True)
class Asked:
    """What a request from a chat came to: the core's result and, when the attempt only
    repeated the asker's own earlier requests (a second press, another flow), those
    requests in ``again``: asking twice is not an error, it is told where the first stands."""

    result: CreateResult
    again: tuple[MediaRequest, ...] = ()


async def request_title(
    services: Services,
    actor_id: int,
    tmdb_id: int,
    media_type: MediaType,
    seasons: Sequence[int] | Literal["all"] | None = None,
) -> Asked:
    """Ask for a title from a chat or the console: a movie, or seasons of a show."""
    attempt = requests.create_request(services, actor_id, tmdb_id, media_type, seasons)
    return await _asked(actor_id, attempt)


async def request_from_flow(
    services: Services,
    platform: str,
    key: str,
    state: Mapping[str, Any],
    ttl: timedelta,
    actor_id: int,
    tmdb_id: int,
    media_type: MediaType,
    seasons: Sequence[int] | None = None,
) -> Asked:
    """Make the request a flow ends with (a season picker's Request) and, in the same
    transaction, keep the flow's state marked with the request's id (see made_request).
    So a press on the flow after a crash or restart, before its outcome was shown, can tell
    what it made; when nothing was made the state is left as it was."""

    async def mark(uow: UnitOfWork, result: CreateResult) -> None:
        if result.request is not None:
            await _put(uow, services, platform, key, {**state, MADE: result.request.id}, ttl)

    attempt = requests.create_request(services, actor_id, tmdb_id, media_type, seasons, then=mark)
    return await _asked(actor_id, attempt)


async def _asked(actor_id: int, attempt: Awaitable[CreateResult]) -> Asked:
    try:
        result = await attempt
    except DuplicateRequest as duplicate:
        if duplicate.existing.requested_by.id != actor_id:
            raise
        existing = (duplicate.existing,)
        return Asked(CreateResult(None, False, existing=existing), again=existing)
    if result.request is not None or result.already_available:
        return Asked(result)
    asked = set(result.skipped_seasons)  # nothing was made: every season asked is taken
    own = tuple(
        r
        for r in result.existing
        if r.requested_by.id == actor_id and asked & set(r.season_numbers)
    )
    if own and asked <= {n for r in own for n in r.season_numbers}:
        return Asked(result, again=own)
    return Asked(result)


async def withdraw(services: Services, actor_id: int, request_id: int) -> MediaRequest | None:
    """Withdraw one's pending request from a chat's list; None when it is gone already (a
    second press, or withdrawn elsewhere meanwhile): pressing twice is not an error."""
    try:
        return await requests.cancel_request(services, actor_id, request_id)
    except NotFound:
        return None


def made_request(state: Mapping[str, Any]) -> int | None:
    """The id of the request a finished flow made (request_from_flow), or None while the
    flow is open."""
    made = state.get(MADE)
    return made if isinstance(made, int) and not isinstance(made, bool) else None


async def record_post(services: Services, post: ChatPost) -> None:
    """Remember a message posted about a request, to edit it when the request changes."""

    async def work(uow: UnitOfWork) -> None:
        await uow.chat_posts.add(post, services.clock.now())

    await in_transaction(services, work)


async def posts_for(services: Services, request_id: int, platform: str) -> list[ChatPost]:
    """The messages posted about a request on one platform, oldest first."""

    async def work(uow: UnitOfWork) -> list[ChatPost]:
        return await uow.chat_posts.for_request(request_id, platform)

    return await in_transaction(services, work, write=False)


async def issue_posts(services: Services, issue_id: int, platform: str) -> list[ChatPost]:
    """The cards of an issue on one platform, oldest first."""

    async def work(uow: UnitOfWork) -> list[ChatPost]:
        return await uow.chat_posts.for_issue(issue_id, platform)

    return await in_transaction(services, work, write=False)
