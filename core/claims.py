"""Claims: a chat user says "I am the media-server account X". Linking merges them into that
account's user, so a claim must not let anyone take over someone else's account: it waits for
a manager's one-press confirmation (a card with Confirm / Refuse), unless the claimant is a
manager (MANAGE_USERS) or ``auto_link_by_name`` is on and their chat username is the account's
name (any case): then it links at once.

A pending claim is kept with the chat state of the claimant's platform (it expires after
CLAIM_TTL) together with the cards posted about it, so that any manager's press, after a
restart too, decides it once; a second press, a second manager, an expired or forged claim
each get a plain answer and change nothing.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from core.chat import new_key
from core.errors import NotFound
from core.identity import Identity, User
from core.linking import (
    account_user,
    clean_account_name,
    holds_platform,
    merge_into,
    names_match,
)
from core.permissions import Permission, has_any
from core.ports import UnitOfWork
from core.services import Services, in_transaction
from core.users import load_user_manager

CLAIM_TTL = timedelta(days=7)
PREFIX = "claim:"
_SHORT = re.compile(r"[A-Za-z0-9_-]{8}")  # what core.chat.new_key makes
Card = tuple[str, str]  # (chat id, message id) of a card posted about a claim


class ClaimOutcome(enum.StrEnum):
    """What a claim came to at once."""

    LINKED = "linked"  # linked now: a manager's own claim, or the names match (auto-link)
    PENDING = "pending"  # a manager must confirm: post the cards
    WAITING = "waiting"  # the same claim is pending already: its cards are out
    ALREADY_YOURS = "already yours"
    TAKEN = "taken"  # the account has an identity on this platform already
    LINKED_ELSEWHERE = "linked elsewhere"  # the claimant is another account already


class Verdict(enum.StrEnum):
    """What a manager's press on a claim's card came to."""

    CONFIRMED = "confirmed"
    REFUSED = "refused"
    DECIDED = "decided"  # someone decided it before (``confirmed`` says how)
    GONE = "gone"  # no such claim: expired, or forged
    TAKEN = "taken"  # meanwhile the account got an identity on this platform
    LINKED_ELSEWHERE = "linked elsewhere"  # meanwhile the claimant became another account


@dataclass(frozen=True, slots=True)
class Claim:
    """A claim as made: its outcome, the account's user (after a link, the merged user),
    the claimant, and the key its cards' buttons carry while it is pending."""

    outcome: ClaimOutcome
    account: User
    claimant: User
    key: str | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    """A press on a claim's card: its verdict, the claim (claimant identity and name, the
    account's name), who decided it and how, and every card posted about it."""

    verdict: Verdict
    claimant: Identity | None = None
    claimant_name: str = ""
    account_name: str = ""
    decided_by: str | None = None
    confirmed: bool = False
    cards: tuple[Card, ...] = ()
    linked: User | None = None


def claim_key(short: str) -> str:
    """The chat-state key of the claim whose buttons carry ``short``."""
    return PREFIX + short


async def claim_account(services: Services, identity: Identity, name: str) -> Claim:
    """The user behind ``identity`` claims the media-server account ``name``."""
    wanted = clean_account_name(name)

    async def work(uow: UnitOfWork) -> Claim:
        claimant = await uow.users.find_by_identity(identity)
        if claimant is None:
            raise NotFound("user", str(identity))
        account = await account_user(uow, wanted)
        if account.id == claimant.id:
            return Claim(ClaimOutcome.ALREADY_YOURS, account, claimant)
        if claimant.media_server_username is not None:
            return Claim(ClaimOutcome.LINKED_ELSEWHERE, account, claimant)
        if holds_platform(account, identity.platform):
            return Claim(ClaimOutcome.TAKEN, account, claimant)
        held = next((i for i in claimant.identities if i == identity), identity)
        auto = services.config.auto_link_by_name and names_match(held, account)
        if auto or has_any(claimant.permissions, Permission.MANAGE_USERS):
            merged = await merge_into(services, uow, claimant, account)
            return Claim(ClaimOutcome.LINKED, merged, merged)
        return await _pending(services, uow, identity, claimant, account)

    return await in_transaction(services, work)


async def _pending(
    services: Services, uow: UnitOfWork, identity: Identity, claimant: User, account: User
) -> Claim:
    """Keep the claim (the same claim made again keeps its key and its cards)."""
    mine = f"{PREFIX}of:{identity.external_id}"[:40]
    earlier = await _load(uow, identity.platform, mine, services)
    if earlier is not None and earlier.get("a") == account.id:
        state = await _load(uow, identity.platform, claim_key(earlier["k"]), services)
        if state is not None and state.get("s") == "pending":
            return Claim(ClaimOutcome.WAITING, account, claimant, earlier["k"])
    short = new_key()
    state = {
        "i": str(identity),
        "n": claimant.display_name,
        "a": account.id,
        "an": account.media_server_username,
        "s": "pending",
        "cards": [],
    }
    await _store(uow, identity.platform, claim_key(short), state, services)
    await _store(uow, identity.platform, mine, {"k": short, "a": account.id}, services)
    return Claim(ClaimOutcome.PENDING, account, claimant, short)


async def record_cards(
    services: Services, platform: str, short: str, cards: Sequence[Card]
) -> None:
    """Remember the cards posted about a pending claim, so that a decision edits them all."""

    async def work(uow: UnitOfWork) -> None:
        state = await _load(uow, platform, claim_key(short), services)
        if state is not None:
            state["cards"] = [*state.get("cards", []), *([c, m] for c, m in cards)]
            await _store(uow, platform, claim_key(short), state, services)

    await in_transaction(services, work)


async def decide_claim(
    services: Services, actor_id: int, platform: str, short: str, *, confirm: bool
) -> Decision:
    """A manager (MANAGE_USERS) confirms (the claimant is merged into the account's user)
    or refuses a pending claim; the first press decides, later ones are told how."""
    key = claim_key(short)

    async def work(uow: UnitOfWork) -> Decision:
        actor = await load_user_manager(uow, actor_id, "confirm account links")
        state = await _load(uow, platform, key, services) if _SHORT.fullmatch(short) else None
        if state is None or not isinstance(state.get("a"), int):
            return Decision(Verdict.GONE)
        # Every decision locks the account's user first: of two presses at once, the second
        # reads the claim again once the first is done, and sees it decided.
        account = await uow.users.get(state["a"], for_update=True)
        state = await _load(uow, platform, key, services)
        if state is None or account is None:
            return Decision(Verdict.GONE)
        claim = _decision(state)
        if state.get("s") != "pending":
            return replace(claim, verdict=Verdict.DECIDED)
        verdict, linked = Verdict.REFUSED, None
        if confirm:
            verdict, linked = await _confirm(services, uow, claim, account)
        state.update(s=verdict.value, by=actor.display_name)
        await _store(uow, platform, key, state, services)
        return replace(_decision(state), verdict=verdict, linked=linked)

    return await in_transaction(services, work)


async def _confirm(
    services: Services, uow: UnitOfWork, claim: Decision, account: User
) -> tuple[Verdict, User | None]:
    identity = claim.claimant
    claimant = await uow.users.find_by_identity(identity) if identity else None
    if identity is None or claimant is None:
        return Verdict.GONE, None
    if claimant.id == account.id:
        return Verdict.CONFIRMED, account
    if claimant.media_server_username is not None:
        return Verdict.LINKED_ELSEWHERE, None
    if holds_platform(account, identity.platform):
        return Verdict.TAKEN, None
    return Verdict.CONFIRMED, await merge_into(services, uow, claimant, account)


def _decision(state: dict[str, Any]) -> Decision:
    try:
        claimant: Identity | None = Identity.parse(str(state.get("i", "")))
    except ValueError:
        claimant = None
    return Decision(
        Verdict.GONE,
        claimant=claimant,
        claimant_name=str(state.get("n", "")),
        account_name=str(state.get("an", "")),
        decided_by=state.get("by"),
        confirmed=state.get("s") == Verdict.CONFIRMED.value,
        cards=tuple((str(c), str(m)) for c, m in state.get("cards", [])),
    )


async def _load(
    uow: UnitOfWork, platform: str, key: str, services: Services
) -> dict[str, Any] | None:
    text = await uow.chat_states.get(platform, key, services.clock.now())
    data = json.loads(text) if text else None
    return data if isinstance(data, dict) else None


async def _store(
    uow: UnitOfWork, platform: str, key: str, data: dict[str, Any], services: Services
) -> None:
    now = services.clock.now()
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    await uow.chat_states.put(platform, key, text, now, now + CLAIM_TTL)


async def claim_managers(services: Services) -> list[User]:
    """Who decides claims: the users holding MANAGE_USERS (or ADMIN)."""

    async def work(uow: UnitOfWork) -> list[User]:
        return await uow.users.with_any_permission(Permission.MANAGE_USERS)

    return await in_transaction(services, work, write=False)
