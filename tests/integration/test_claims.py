"""Claims on a real database (SQLite, then PostgreSQL): the admin account is user 1, and of two
managers deciding one claim at once exactly one decides; the other is told."""

from __future__ import annotations

import asyncio

from core import claims, linking, requests, user_admin, users
from core.claims import ClaimOutcome, Verdict
from core.domain import MediaRequest, RequestStatus
from core.identity import Identity, ServerAccount
from core.media import MediaType
from core.permissions import Permission
from core.services import CoreConfig, Services
from tests.fakes import FakeCatalogue, FakeClock
from tests.storage_fixtures import Storage

CLAIMANT = Identity("telegram", "7", "someone")


async def world(storage: Storage) -> tuple[Services, int, int]:
    catalogue = FakeCatalogue()
    catalogue.add_movie(603, "The Matrix")
    owner = Identity("telegram", "1")
    services = Services(storage.uow, catalogue, FakeClock(), CoreConfig(owners=(owner,)))
    boss = await users.ensure_admin_account(services)
    assert boss is not None
    assert boss.id == 1  # the admin account of a new database, also on PostgreSQL
    manager = await users.resolve_user(services, Identity("discord", "2"), "Mo")
    await user_admin.set_permissions(services, boss.id, manager.id, Permission.MANAGE_USERS)
    await linking.import_accounts(services, [ServerAccount("a1", "Alice")])
    return services, boss.id, manager.id


async def test_of_two_managers_deciding_at_once_one_wins(storage: Storage) -> None:
    services, boss, manager = await world(storage)
    chat = await users.resolve_user(services, CLAIMANT, "Someone", username="someone")
    await requests.create_request(services, chat.id, 603, MediaType.MOVIE)
    claim = await claims.claim_account(services, CLAIMANT, "alice")
    assert claim.outcome is ClaimOutcome.PENDING
    assert claim.key is not None

    decisions = await asyncio.gather(
        claims.decide_claim(services, boss, "telegram", claim.key, confirm=True),
        claims.decide_claim(services, manager, "telegram", claim.key, confirm=False),
    )

    verdicts = sorted(d.verdict.value for d in decisions)
    assert verdicts in (["confirmed", "decided"], ["decided", "refused"])
    owner = await users.resolve_user(services, CLAIMANT, "Someone")
    (request,) = await _requests(services)
    if Verdict.CONFIRMED in [d.verdict for d in decisions]:
        assert owner.media_server_user_id == "a1"
    else:
        assert owner.id == chat.id
        assert owner.media_server_user_id is None
    assert request.requested_by.id == owner.id


async def _requests(services: Services) -> list[MediaRequest]:
    async with services.uow(write=False) as uow:
        found, _ = await uow.requests.with_status(RequestStatus.PENDING)
    return found
