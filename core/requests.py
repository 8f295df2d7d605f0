"""The request lifecycle: create, approve, decline, cancel, retry, fail.

Each use case loads what the rules need, applies them (core.request_rules), moves the title
along (core.availability) and records the change in the outbox (core.outbox), in one
transaction. Reading requests is core.queries; completing them, core.availability.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Literal

from core.availability import advance_media, locked_media, release_media
from core.domain import CreateResult, MediaRequest, RequestStatus
from core.errors import AlreadyDecided, InvalidInput, InvalidTransition, PermissionDenied
from core.events import EventKind
from core.identity import User
from core.media import MediaStatus, MediaType
from core.outbox import SYSTEM, record_event
from core.permissions import Permission, has_any
from core.ports import UnitOfWork
from core.queries import load_request
from core.quotas import ENFORCED_DEFAULTS_MAX_AGE, limiting_quota, load_defaults
from core.request_rules import (
    check_can_request,
    check_manages_requests,
    check_may_request_for_others,
    check_quota,
    decider_id,
    plan_request,
    wanted_seasons,
)
from core.services import Services, in_transaction
from core.users import ActorLookup, acting, load_user

MAX_REASON = 500


async def _manager(uow: UnitOfWork, actor_id: int, action: str) -> User:
    actor = await load_user(uow, actor_id)
    check_manages_requests(actor, action)
    return actor


def _require_pending(request: MediaRequest) -> None:
    if request.status is not RequestStatus.PENDING:
        raise AlreadyDecided(request, request.modified_by, request.updated_at)


async def create_request(
    services: Services,
    actor_id: int | ActorLookup,
    tmdb_id: int,
    media_type: MediaType,
    seasons: Sequence[int] | Literal["all"] | None = None,
    *,
    is_4k: bool = False,
    on_behalf_of: int | None = None,
    then: Callable[[UnitOfWork, CreateResult], Awaitable[None]] | None = None,
) -> CreateResult:
    """Request a movie, or seasons of a show ("all" means every season but the specials),
    with Seerr's permission, quota, duplicate and auto-approval rules (core.request_rules).
    ``then`` runs in the same transaction with the outcome: what it writes commits with the
    request or not at all. The actor is a user id, or an ActorLookup run first in the
    transaction (one unit of work for finding the actor and requesting)."""
    details = await services.catalogue.details(tmdb_id, media_type)

    async def work(uow: UnitOfWork) -> CreateResult:
        now = services.clock.now()
        actor = await acting(uow, actor_id)
        requester = actor
        if on_behalf_of is not None and on_behalf_of != actor.id:
            check_may_request_for_others(actor)
            requester = await load_user(uow, on_behalf_of, for_update=True)
        check_can_request(requester, media_type, is_4k)
        wanted = wanted_seasons(details, seasons)
        defaults = await load_defaults(
            uow, services.config.quota_defaults, max_age=ENFORCED_DEFAULTS_MAX_AGE
        )
        quota = await limiting_quota(uow, requester, defaults, media_type, now)
        # Seerr's step 3: a quota already used up refuses before anything else is looked at.
        check_quota(quota, media_type, need=1, asked=max(1, len(wanted)))
        media = await uow.media.upsert(details, now)
        active = await uow.requests.active_for_media(media.id, is_4k)
        plan = plan_request(actor, media, active, wanted, quota, is_4k=is_4k)
        if not plan.creates:
            return CreateResult(
                None,
                False,
                plan.skipped,
                existing=plan.existing,
                already_available=plan.already_available,
            )
        auto = plan.auto_approved
        media = await advance_media(uow, media, plan.media_status, plan.seasons, is_4k, now)
        request = await uow.requests.add(
            media=media,
            requested_by=requester,
            status=plan.status,
            is_4k=is_4k,
            seasons=plan.seasons,
            modified_by=actor if auto else None,
            now=now,
        )
        kind = EventKind.AUTO_APPROVED if auto else EventKind.PENDING
        await record_event(uow, kind, request, actor if auto else None, now)
        return CreateResult(request, auto, plan.skipped)

    async def work_then(uow: UnitOfWork) -> CreateResult:
        result = await work(uow)
        if then is not None:
            await then(uow, result)
        return result

    return await in_transaction(services, work_then, wakes=True)


async def approve_request(services: Services, actor_id: int, request_id: int) -> MediaRequest:
    """Approve a pending request (MANAGE_REQUESTS); a decided one raises AlreadyDecided."""

    async def work(uow: UnitOfWork) -> MediaRequest:
        actor = await _manager(uow, actor_id, "approve requests")
        request = await load_request(uow, request_id, for_update=True)
        _require_pending(request)
        now = services.clock.now()
        media = await locked_media(uow, request)
        await advance_media(
            uow, media, MediaStatus.PROCESSING, request.season_numbers, request.is_4k, now
        )
        updated = await uow.requests.set_status(
            request.id, RequestStatus.APPROVED, now, modified_by_id=actor.id
        )
        await record_event(uow, EventKind.APPROVED, updated, actor, now)
        return updated

    return await in_transaction(services, work, wakes=True)


async def decision_pending(services: Services, actor_id: int, request_id: int) -> MediaRequest:
    """The request a manager is about to decide (asking for a reason first): raises what
    approving or declining it now would raise, and changes nothing."""

    async def work(uow: UnitOfWork) -> MediaRequest:
        await _manager(uow, actor_id, "decline requests")
        request = await load_request(uow, request_id)
        _require_pending(request)
        return request

    return await in_transaction(services, work, write=False)


async def decline_request(
    services: Services, actor_id: int, request_id: int, reason: str | None = None
) -> MediaRequest:
    """Decline a pending request with an optional reason (MANAGE_REQUESTS)."""
    text = " ".join(reason.split()) if reason else None
    if text and len(text) > MAX_REASON:
        raise InvalidInput("reason", text[:40] + "...", f"longer than {MAX_REASON} characters")

    async def work(uow: UnitOfWork) -> MediaRequest:
        actor = await _manager(uow, actor_id, "decline requests")
        request = await load_request(uow, request_id, for_update=True)
        _require_pending(request)
        now = services.clock.now()
        updated = await uow.requests.set_status(
            request.id,
            RequestStatus.DECLINED,
            now,
            modified_by_id=actor.id,
            decline_reason=text or None,
        )
        active = await uow.requests.active_for_media(request.media.id, request.is_4k)
        await release_media(uow, request, now, still_active=active)
        await record_event(uow, EventKind.DECLINED, updated, actor, now, text or None)
        return updated

    return await in_transaction(services, work, wakes=True)


async def cancel_request(services: Services, actor_id: int, request_id: int) -> MediaRequest:
    """Withdraw a request: the requester while it is pending; managers any time.

    The request row is deleted (as Seerr does); the event keeps a snapshot of it.
    """

    async def work(uow: UnitOfWork) -> MediaRequest:
        actor = await load_user(uow, actor_id)
        request = await load_request(uow, request_id, for_update=True)
        if not has_any(actor.permissions, Permission.MANAGE_REQUESTS):
            if request.requested_by.id != actor.id:
                raise PermissionDenied(
                    "cancel another user's request", (Permission.MANAGE_REQUESTS,)
                )
            if request.status is not RequestStatus.PENDING:
                raise InvalidTransition(request.id, request.status, "cancel")
        now = services.clock.now()
        await uow.requests.delete(request.id)
        active = await uow.requests.active_for_media(request.media.id, request.is_4k)
        await release_media(uow, request, now, still_active=active)
        await record_event(uow, EventKind.CANCELLED, request, actor, now)
        return request

    return await in_transaction(services, work, wakes=True)


async def retry_request(services: Services, actor_id: int, request_id: int) -> MediaRequest:
    """Send a failed request again: it becomes APPROVED (MANAGE_REQUESTS), and the event
    says it was retried."""

    async def work(uow: UnitOfWork) -> MediaRequest:
        actor = await _manager(uow, actor_id, "retry requests")
        request = await load_request(uow, request_id, for_update=True)
        if request.status is not RequestStatus.FAILED:
            raise InvalidTransition(request.id, request.status, "retry")
        now = services.clock.now()
        updated = await uow.requests.set_status(
            request.id, RequestStatus.APPROVED, now, modified_by_id=actor.id
        )
        media = await locked_media(uow, request)
        await advance_media(
            uow, media, MediaStatus.PROCESSING, request.season_numbers, request.is_4k, now
        )
        await record_event(uow, EventKind.RETRIED, updated, actor, now)
        return updated

    return await in_transaction(services, work, wakes=True)


async def fail_request(services: Services, request_id: int, reason: str) -> MediaRequest:
    """Mark an approved request FAILED (the downloader refused it); managers are told."""

    async def work(uow: UnitOfWork) -> MediaRequest:
        request = await load_request(uow, request_id, for_update=True)
        if request.status is not RequestStatus.APPROVED:
            raise InvalidTransition(request.id, request.status, "fail")
        now = services.clock.now()
        text = " ".join(reason.split())[:MAX_REASON] or "unknown error"
        updated = await uow.requests.set_status(
            request.id,
            RequestStatus.FAILED,
            now,
            modified_by_id=decider_id(request),
            fail_reason=text,
        )
        await record_event(uow, EventKind.FAILED, updated, SYSTEM, now, text)
        return updated

    return await in_transaction(services, work, wakes=True)
