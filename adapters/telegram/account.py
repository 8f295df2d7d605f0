"""/status (the background jobs), /link (one's media-server account) and the Confirm / Refuse
buttons of an account claim's card.

A claim (``/link NAME``) links at once only for managers, or when names may link by
themselves; else the card goes where approval cards go and the first manager's press decides
(the core checks MANAGE_USERS and who was first on every press, so a forged or second press
changes nothing). The claimant is told the outcome in private.

A manager links someone else at once (core.linking.link_user): ``/link NAME @username`` or
``/link NAME #12`` (the user's number), or ``/link NAME`` in reply to that person's message.
Only a last word starting with ``@`` or ``#`` names a user, since account names may have
spaces; Telegram tells bots nobody's id from a username, so ``@username`` is the handle the
bot has seen that person use.
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram import Message, Update
from telegram import User as TelegramUser

from adapters.claims import (
    NO_MANAGER,
    card_text,
    claimed_text,
    decided_card_text,
    linked_text,
    outcome_for_claimant,
    press_answer,
)
from adapters.telegram import callbacks, render
from adapters.telegram.context import Context, Press, acting_user, deps, resolve
from adapters.telegram.messages import PLATFORM, keyboard
from adapters.text import jobs_text, link_text
from core import claims, jobs, linking
from core.claims import Claim, ClaimOutcome, Verdict
from core.identity import Identity, User


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
    """/link NAME: claim my media-server account; /link alone: say which one I am; a
    manager's /link NAME @username, /link NAME #12, or /link NAME in reply: link them."""
    message, sender = update.effective_message, update.effective_user
    if message is None or sender is None:
        return
    user = await acting_user(update, context)
    name, named = _account_and_person(context.args or [], message, sender)
    if not name:
        await message.reply_text(render.esc(link_text(user)))
        return
    if named is not None:
        await message.reply_text(render.esc(await _link_someone(context, user, named, name)))
        return
    identity = Identity(PLATFORM, str(sender.id), sender.username)
    claim = await claims.claim_account(deps(context).services, identity, name)
    text = claimed_text(claim)
    if claim.outcome is ClaimOutcome.PENDING and not await _post_cards(context, claim, sender):
        text = NO_MANAGER
    await message.reply_text(render.esc(text))


def _account_and_person(
    words: Sequence[str], message: Message, sender: TelegramUser
) -> tuple[str, TelegramUser | str | None]:
    """The account a /link names, and whom it names other than its sender: the author of
    the message it replies to, or a last word ``@username`` / ``#12``; None: one's own."""
    replied = message.reply_to_message
    # In a forum topic every message "replies" to the topic's first message: no one is named.
    if replied is not None and replied.forum_topic_created is None:
        author = replied.from_user
        if author is not None and not author.is_bot and author.id != sender.id:
            return " ".join(words), author
    if len(words) > 1 and len(words[-1]) > 1 and words[-1][0] in "@#":
        return " ".join(words[:-1]), words[-1]
    return " ".join(words), None


async def _link_someone(
    context: Context, manager: User, named: TelegramUser | str, account: str
) -> str:
    """A manager links the person named to the account at once; the answer."""
    state = deps(context)
    who: int | str
    if isinstance(named, str):
        who = shown = named
    else:
        target = await resolve(state, named)
        who, shown = target.id, target.display_name
    linked = await linking.link_user(state.services, manager.id, who, account)
    return linked_text(shown, linked)


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
