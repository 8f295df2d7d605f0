"""Seerr's request quotas: per-user limits over a rolling window, with global defaults."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime, timedelta

from core.domain import QuotaReport, QuotaStatus
from core.errors import CoreError, InvalidInput, PermissionDenied
from core.identity import QuotaLimits, User
from core.media import MediaType
from core.permissions import Permission, has_any
from core.ports import UnitOfWork
from core.services import Services, in_transaction
from core.users import load_user

DEFAULT_DAYS = 7
MAX_DAYS = 3650  # ten years; beyond that a window means nothing (and dates overflow)
MAX_LIMIT = 100_000
SETTINGS_KEY = "quota_defaults"


def check_limits(limits: QuotaLimits) -> None:
    """Raise InvalidInput unless every limit and window is within sensible bounds."""
    for name, value in dataclasses.asdict(limits).items():
        most = MAX_DAYS if name.endswith("days") else MAX_LIMIT
        if value is not None and not 0 <= value <= most:
            raise InvalidInput(name, value, f"must be between 0 and {most}")


# How stale the defaults may be when enforced on a new request. They change rarely, by hand;
# a change made in this process applies at once, one made by another process sharing the
# database (the console, a second bot) within this long. Reports always read them afresh.
ENFORCED_DEFAULTS_MAX_AGE = timedelta(seconds=5)


def is_unlimited(user: User) -> bool:
    """Users with MANAGE_USERS (or ADMIN) are never limited."""
    return has_any(user.permissions, Permission.MANAGE_USERS)


async def load_defaults(
    uow: UnitOfWork, fallback: QuotaLimits, *, max_age: timedelta | None = None
) -> QuotaLimits:
    """The global defaults: those saved by an admin, else the configured ones. ``max_age``
    lets storage answer from a recent read (see SettingsRepository.get)."""
    raw = await uow.settings.get(SETTINGS_KEY, max_age=max_age)
    if raw is None:
        return fallback
    data = json.loads(raw)
    return QuotaLimits(**{f.name: data.get(f.name) for f in dataclasses.fields(QuotaLimits)})


def _limits(user: User, defaults: QuotaLimits, media_type: MediaType) -> tuple[int | None, int]:
    """The limit in force (None: unlimited) and the window in days."""
    own_limit, own_days = user.quota.for_type(media_type)
    default_limit, default_days = defaults.for_type(media_type)
    limit = own_limit if own_limit is not None else default_limit
    days = min(own_days or default_days or DEFAULT_DAYS, MAX_DAYS)
    # Seerr treats an unset or zero limit as "no limit".
    if is_unlimited(user) or not limit or limit < 0:
        return None, days
    return limit, days


async def quota_status(
    uow: UnitOfWork, user: User, defaults: QuotaLimits, media_type: MediaType, now: datetime
) -> QuotaStatus:
    """The user's quota for one media type: limit, window, use and when a slot frees up."""
    limit, days = _limits(user, defaults, media_type)
    usage = await uow.requests.usage(user.id, media_type, now - timedelta(days=days))
    if limit is None:
        return QuotaStatus(days=days, limit=None, used=usage.used, remaining=None, restricted=False)
    resets_at = usage.oldest_at + timedelta(days=days) if usage.oldest_at else None
    return QuotaStatus(
        days=days,
        limit=limit,
        used=usage.used,
        remaining=max(0, limit - usage.used),
        restricted=usage.used >= limit,
        resets_at=resets_at,
    )


async def limiting_quota(
    uow: UnitOfWork, user: User, defaults: QuotaLimits, media_type: MediaType, now: datetime
) -> QuotaStatus | None:
    """The user's quota for one media type if it limits them, else None (without counting
    their use: nothing needs it)."""
    limit, _ = _limits(user, defaults, media_type)
    if limit is None:
        return None
    return await quota_status(uow, user, defaults, media_type, now)


async def quota_report(
    uow: UnitOfWork, user: User, defaults: QuotaLimits, now: datetime
) -> QuotaReport:
    """Seerr's report shape: ``{movie: {...}, tv: {...}}``."""
    return QuotaReport(
        movie=await quota_status(uow, user, defaults, MediaType.MOVIE, now),
        tv=await quota_status(uow, user, defaults, MediaType.TV, now),
    )


async def get_quota(services: Services, actor_id: int, user_id: int | None = None) -> QuotaReport:
    """The quota report of ``user_id`` (default: the actor); others' need MANAGE_USERS."""

    async def work(uow: UnitOfWork) -> QuotaReport:
        actor = target = await load_user(uow, actor_id)
        if user_id is not None and user_id != actor_id:
            if not has_any(actor.permissions, Permission.MANAGE_USERS):
                raise PermissionDenied("view another user's quota", (Permission.MANAGE_USERS,))
            target = await load_user(uow, user_id)
        return await _report(services, uow, target)

    return await in_transaction(services, work, write=False)


async def _report(services: Services, uow: UnitOfWork, user: User) -> QuotaReport:
    defaults = await load_defaults(uow, services.config.quota_defaults)
    return await quota_report(uow, user, defaults, services.clock.now())


async def quota_of(services: Services, user_id: int) -> QuotaReport:
    """A user's quota report for the bot's own use (an approval card shows the requester's
    use to the managers deciding); adapters answering a user call get_quota instead."""

    async def work(uow: UnitOfWork) -> QuotaReport:
        return await _report(services, uow, await load_user(uow, user_id))

    return await in_transaction(services, work, write=False)


async def counted_against(
    services: Services, user_id: int, media_type: MediaType
) -> QuotaStatus | None:
    """The requester's quota that a request of ``media_type`` counts against (movies, or
    seasons for a show), for the managers' card; None when it cannot be read now: the card
    goes out without it rather than not at all."""

    async def work(uow: UnitOfWork) -> QuotaStatus:
        user = await load_user(uow, user_id)
        defaults = await load_defaults(uow, services.config.quota_defaults)
        return await quota_status(uow, user, defaults, media_type, services.clock.now())

    try:
        return await in_transaction(services, work, write=False)
    except CoreError:
        return None


async def get_defaults(services: Services) -> QuotaLimits:
    """The global quota defaults in force."""

    async def work(uow: UnitOfWork) -> QuotaLimits:
        return await load_defaults(uow, services.config.quota_defaults)

    return await in_transaction(services, work, write=False)


async def set_defaults(services: Services, actor_id: int, defaults: QuotaLimits) -> None:
    """Change the global quota defaults (MANAGE_SETTINGS)."""
    check_limits(defaults)

    async def work(uow: UnitOfWork) -> None:
        actor = await load_user(uow, actor_id)
        if not has_any(actor.permissions, Permission.MANAGE_SETTINGS):
            raise PermissionDenied("change quota defaults", (Permission.MANAGE_SETTINGS,))
        payload = json.dumps(dataclasses.asdict(defaults))
        await uow.settings.set(SETTINGS_KEY, payload, services.clock.now())

    await in_transaction(services, work)
