"""/status (the background jobs), /link (one's media-server account) and the Confirm / Refuse
buttons of an account claim's card.

A claim (``/link NAME``) links at once only for managers, or when names may link by
themselves; else the card goes where approval cards go and the first manager's press decides
(the core checks MANAGE_USERS and who was first on every press, so a forged or second press
changes nothing). The claimant is told the outcome in private.
"""

from __future__ import annotations

from telegram import Update
from telegram import User as TelegramUser

from adapters.claims import (
    NO_MANAGER,
    card_text,
    claimed_text,
    decided_card_text,
    outcome_for_claimant,
    press_answer,
)
from adapters.telegram import callbacks, render
from adapters.telegram.context import Context, Press, acting_user, deps
from adapters.telegram.messages import PLATFORM, keyboard
from adapters.text import jobs_text, link_text
from core import claims, jobs
from core.claims import Claim, ClaimOutcome, Verdict
from core.identity import Identity


async def on_status(update: Update, context: Context) -> None:
    """/status: each background job's last run, result and next run."""
    message = update.effective_message
    if message is None:
        return
    await acting_user(update, context)
    services = deps(context).services
    states = await jobs.job_states(services)
    await message.reply_text(render.esc(jobs_text(states, services.clock.now())))


async def on_link(update: Update, context: Context) -> None:
    """/link NAME: claim my media-server account; /link alone: say which one I am."""
    message, sender = update.effective_message, update.effective_user
    if message is None or sender is None:
        return
    user = await acting_user(update, context)
    name = " ".join(context.args or [])
    if not name:
        await message.reply_text(render.esc(link_text(user)))
        return
    identity = Identity(PLATFORM, str(sender.id), sender.username)
    claim = await claims.claim_account(deps(context).services, identity, name)
    text = claimed_text(claim)
    if claim.outcome is ClaimOutcome.PENDING and not await _post_cards(context, claim, sender):
        text = NO_MANAGER
    await message.reply_text(render.esc(text))


async def _post_cards(context: Context, claim: Claim, sender: TelegramUser) -> bool:
    """The claim's card for the managers, with Confirm / Refuse; False if none was posted."""
    state = deps(context)
    assert claim.key is not None
    text = card_text(
        claim.claimant.display_name,
        sender.username,
        claim.account.media_server_username or claim.account.display_name,
    )
    markup = keyboard(
        [
            ("✅ Confirm", callbacks.claim(True, claim.key)),
            ("❌ Refuse", callbacks.claim(False, claim.key)),
        ]
    )
    managers = await claims.claim_managers(state.services)
    posted = await state.notifier.post_to_managers(render.esc(text), markup, managers)
    await claims.record_cards(state.services, PLATFORM, claim.key, posted)
    return bool(posted)


async def on_claim(update: Update, context: Context) -> None:
    """✅ Confirm / ❌ Refuse on a claim's card: the first manager's press decides."""
    press = Press(update, context)
    confirm, key = press.groups[0] == "ok", press.groups[1]
    user = await press.user()
    services = press.deps.services
    deciding = claims.decide_claim(services, user.id, PLATFORM, key, confirm=confirm)
    decision = await press.quickly(deciding)
    plain = decision.verdict in (Verdict.CONFIRMED, Verdict.REFUSED)
    await press.answer(press_answer(decision), alert=not plain)
    if decision.verdict is Verdict.GONE:
        return  # forged or expired: no card of a claim we know says otherwise
    notifier = press.deps.notifier
    shown = list(decision.cards)
    here = press.message
    if here is not None and (str(here.chat_id), str(here.message_id)) not in shown:
        shown.append((str(here.chat_id), str(here.message_id)))
    await notifier.edit_posts(shown, render.esc(decided_card_text(decision)))
    told = outcome_for_claimant(decision)
    if told is not None and decision.claimant is not None:
        await notifier.tell(int(decision.claimant.external_id), render.esc(told))
