"""/status (the background jobs), /link (one's media-server account) and the Confirm / Refuse
buttons of an account claim's card.

A claim (``/link account``) links at once only for managers, or when names may link by
themselves; else the card goes where approval cards go and the first manager's press decides
(the core checks MANAGE_USERS and who was first on every press, so a forged or second press
changes nothing). The claimant is told the outcome in a direct message.
"""

from __future__ import annotations

from typing import Any

import discord

from adapters.claims import (
    NO_MANAGER,
    card_text,
    claimed_text,
    decided_card_text,
    outcome_for_claimant,
    press_answer,
)
from adapters.discord import render
from adapters.discord.config import PLATFORM
from adapters.discord.context import acting_user, deps
from adapters.discord.controls import button
from adapters.discord.replies import defer, frozen, say, show
from adapters.text import jobs_text, link_text
from core import claims, jobs
from core.claims import Claim, ClaimOutcome, Verdict
from core.identity import Identity

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


async def on_link(interaction: discord.Interaction[Any], account: str | None) -> None:
    """/link account: claim my media-server account; without it, say which one I am."""
    await defer(interaction)
    user = await acting_user(interaction)
    if not account:
        await show(interaction, render.esc(link_text(user)))
        return
    person = interaction.user
    identity = Identity(PLATFORM, str(person.id), person.name)
    claim = await claims.claim_account(deps(interaction).services, identity, account)
    text = claimed_text(claim)
    if claim.outcome is ClaimOutcome.PENDING and not await _post_cards(interaction, claim):
        text = NO_MANAGER
    await show(interaction, render.esc(text))


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
