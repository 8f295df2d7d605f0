"""/status (the background jobs), /link (one's media-server account) and the Confirm / Refuse
buttons of an account claim's card.

A claim (``/link account``) links at once only for managers, or when names may link by
themselves; else the card goes where approval cards go and the first manager's press decides
(the core checks MANAGE_USERS and who was first on every press, so a forged or second press
changes nothing). The claimant is told the outcome in a direct message.

A manager links another member at once with the ``user`` option (core.linking.link_user);
Discord cannot restrict one option of a command, so the core refuses anyone else.
"""

from __future__ import annotations

from typing import Any

import discord

from adapters.claims import (
    NO_MANAGER,
    card_text,
    claimed_text,
    decided_card_text,
    linked_text,
    outcome_for_claimant,
    press_answer,
)
from adapters.discord import render
from adapters.discord.config import PLATFORM
from adapters.discord.context import acting_user, deps, identity_of
from adapters.discord.controls import button
from adapters.discord.replies import defer, frozen, say, show
from adapters.text import jobs_text, link_text
from core import claims, jobs, linking, users
from core.claims import Claim, ClaimOutcome, Verdict
from core.identity import Identity, User

CONTENT = 2000  # characters in a message's content


async def on_status(interaction: discord.Interaction[Any]) -> None:
    """/status: each background job's last run, result and next run."""
    await defer(interaction)
    await acting_user(interaction)
    services = deps(interaction).services
    states = await jobs.job_states(services)
    await show(
        interaction, render.cut(render.esc(jobs_text(states, services.clock.now())), CONTENT)
    )


async def on_link(
    interaction: discord.Interaction[Any],
    account: str | None,
    member: discord.User | discord.Member | None = None,
) -> None:
    """/link account: claim my media-server account; without it, say which one I am; with
    ``user``, a manager links that member to the account at once."""
    await defer(interaction)
    user = await acting_user(interaction)
    person = interaction.user
    if member is not None and member.id != person.id:
        await show(interaction, render.esc(await _link_someone(interaction, user, member, account)))
        return
    if not account:
        await show(interaction, render.esc(link_text(user)))
        return
    identity = Identity(PLATFORM, str(person.id), person.name)
    claim = await claims.claim_account(deps(interaction).services, identity, account)
    text = claimed_text(claim)
    if claim.outcome is ClaimOutcome.PENDING and not await _post_cards(interaction, claim):
        text = NO_MANAGER
    await show(interaction, render.esc(text))


async def _link_someone(
    interaction: discord.Interaction[Any],
    manager: User,
    member: discord.User | discord.Member,
    account: str | None,
) -> str:
    """A manager links ``member`` to the account at once; the answer."""
    services = deps(interaction).services
    target = await users.resolve_user(
        services, identity_of(member.id), member.display_name, username=member.name
    )
    linked = await linking.link_user(services, manager.id, target.id, account or "")
    return linked_text(target.display_name, linked)


async def _post_cards(interaction: discord.Interaction[Any], claim: Claim) -> bool:
    """The claim's card for the managers, with Confirm / Refuse; False if none was posted."""
    state = deps(interaction)
    assert claim.key is not None
    text = card_text(
        claim.claimant.display_name,
        interaction.user.name,
        claim.account.media_server_username or claim.account.display_name,
    )
    view = frozen(
        button("Confirm", "lk", "ok", claim.key, style=discord.ButtonStyle.success),
        button("Refuse", "lk", "no", claim.key, style=discord.ButtonStyle.danger),
    )
    managers = await claims.claim_managers(state.services)
    posted = await state.notifier.post_to_managers(render.esc(text), view, managers)
    await claims.record_cards(state.services, PLATFORM, claim.key, posted)
    return bool(posted)


async def on_claim(interaction: discord.Interaction[Any], args: list[str], _: list[str]) -> None:
    """Confirm / Refuse on a claim's card: the first manager's press decides."""
    await defer(interaction)
    confirm, key = args[0] == "ok", args[1]
    user = await acting_user(interaction)
    state = deps(interaction)
    decision = await claims.decide_claim(state.services, user.id, PLATFORM, key, confirm=confirm)
    await say(interaction, render.esc(press_answer(decision)))
    if decision.verdict is Verdict.GONE:
        return  # forged or expired: no card of a claim we know says otherwise
    shown = list(decision.cards)
    here = interaction.message
    if here is not None and (str(here.channel.id), str(here.id)) not in shown:
        shown.append((str(here.channel.id), str(here.id)))
    await state.notifier.edit_posts(shown, render.esc(decided_card_text(decision)))
    told = outcome_for_claimant(decision)
    if told is not None and decision.claimant is not None:
        await state.notifier.tell(int(decision.claimant.external_id), render.esc(told))
