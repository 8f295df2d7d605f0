"""The core's dependencies in one place, and the transaction runner every use case shares."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from core.agents import Agents
from core.errors import Conflict
from core.identity import Identity, QuotaLimits
from core.permissions import DEFAULT_USER, Permission
from core.ports import Catalogue, Clock, UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

T = TypeVar("T")

CONFLICT_RETRIES = 5


@dataclass(frozen=True, slots=True)
class CoreConfig:
    """Plain values the core needs; the composition root fills them from settings."""

    default_permissions: Permission = DEFAULT_USER
    # In the order the settings list them: the first is the admin account, user 1.
    owners: tuple[Identity, ...] = ()
    quota_defaults: QuotaLimits = field(default_factory=QuotaLimits)
    # The periodic jobs this deployment runs (their stored states are shown by `status`).
    jobs: tuple[str, ...] = ()
    # A chat user whose platform username is a media-server account's name (any case) is
    # linked to it without a manager's confirmation.
    auto_link_by_name: bool = False
    # The chat platforms this deployment runs (where /notifications offers choices).
    chat_platforms: tuple[str, ...] = ()


def _nothing() -> None:
    return None


@dataclass(slots=True)
class Services:
    """Ports and configuration passed to every use case."""

    uow: UnitOfWorkFactory
    catalogue: Catalogue
    clock: Clock
    config: CoreConfig = field(default_factory=CoreConfig)
    # Called after a commit that wrote outbox events, so the dispatcher delivers at once.
    events_written: Callable[[], None] = field(default=_nothing)
    # The notification agents outside the chats (Slack, email, the webhook...).
    agents: Agents = field(default_factory=Agents)


async def in_transaction(
    services: Services,
    work: Callable[[UnitOfWork], Awaitable[T]],
    *,
    write: bool = True,
    wakes: bool = False,
) -> T:
    """Run ``work`` in one unit of work and commit it; retry it when storage reports a Conflict.

    ``wakes`` tells the dispatcher that the transaction wrote outbox events.
    """
    for attempt in range(1, CONFLICT_RETRIES + 1):
        try:
            async with services.uow(write=write) as uow:
                result = await uow.run_and_commit(work)
        except Conflict:
            if attempt == CONFLICT_RETRIES:
                raise
            log.debug("transaction conflict, retrying (attempt %d)", attempt)
            continue
        if wakes:
            services.events_written()
        return result
    raise AssertionError("unreachable")  # pragma: no cover
