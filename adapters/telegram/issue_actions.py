"""What an issue's card does: ✅ Resolve / ↩️ Reopen, and 💬 Comment, which asks for the
words (ForceReply); a reply to a card or a notice of an issue comments too. The core checks
every press and comment (core.issue_rules), so a forged button acts for nobody; every card
of the issue is brought up to date at once."""

from __future__ import annotations

import logging
from typing import Any

from telegram import ForceReply, Update

from adapters.issue_text import IssueAction, issue_name
from adapters.telegram import awaiting, render
from adapters.telegram.context import Context, Press, acting_user, deps
from adapters.telegram.messages import replying_to, send
from core.errors import DeliveryFailed
from core.issue_queries import get_issue
from core.issue_rules import check_may_comment
from core.issue_values import Issue, IssueStatus
from core.issues import comment_on_issue, set_issue_status

log = logging.getLogger(__name__)

PLACEHOLDER = "Your comment"
FLIPS = {IssueAction.RESOLVE: IssueStatus.RESOLVED, IssueAction.REOPEN: IssueStatus.OPEN}


async def on_issue_action(update: Update, context: Context) -> None:
    """✅ Resolve, ↩️ Reopen or 💬 Comment on an issue's card."""
    press = Press(update, context)
    action, issue_id = IssueAction(press.groups[0]), int(press.groups[1])
    user = await press.user()
    services = press.deps.services
    if action is IssueAction.COMMENT:
        issue = await press.quickly(get_issue(services, user.id, issue_id))
        check_may_comment(user, issue)
        await press.answer("Reply to my question with your comment.")
        await _ask_comment(press, issue)
        return
    changing = set_issue_status(services, user.id, issue_id, FLIPS[action])
    issue = await press.quickly(changing)
    word = "open" if issue.is_open else "resolved"
    await press.answer(f"{issue_name(issue.issue_type, issue.id)} is {word} now.")
    await refresh(context, issue.id)


async def _ask_comment(press: Press, issue: Issue) -> None:
    card = press.message
    if card is None:
        return
    who = press.query.from_user
    words = (
        f"What would you like to say on {issue_name(issue.issue_type, issue.id)} "
        f"({render.esc(issue.media.label)})? Reply to this message; "
        f"{render.esc(issue.created_by.display_name)} and the admins will see it."
    )
    if card.chat.type != "private":
        words = f"{render.mention(who.id, who.first_name)}: {words}"
    reply = ForceReply(selective=True, input_field_placeholder=PLACEHOLDER)
    services = press.deps.services
    async with press.deps.locks(awaiting.asker_lock(card.chat_id, who.id)):
        question = await card.get_bot().send_message(
            card.chat_id, words, reply_markup=reply, **replying_to(card.message_id)
        )
        data = {"i": issue.id}
        await awaiting.expect_answer(services, question, who.id, awaiting.COMMENT, data)


async def take_comment(update: Update, context: Context, found: dict[str, Any]) -> None:
    """A reply to an issue's card, notice or comment question: comment with its words."""
    message = update.effective_message
    if message is None or not message.text:
        return
    user = await acting_user(update, context)
    services = deps(context).services
    async with awaiting.answering(services, message, found):
        issue, _ = await comment_on_issue(services, user.id, int(found["i"]), message.text)
    said = (
        f"💬 Added to {issue_name(issue.issue_type, issue.id)} ({render.esc(issue.media.label)})."
    )
    await send(message.get_bot(), message.chat_id, said, reply_to=message.message_id)
    await refresh(context, issue.id)


async def refresh(context: Context, issue_id: int) -> None:
    """Show the issue as it is now on its cards now rather than when the outbox gets to it;
    if Telegram says wait, the outbox's own edit will do."""
    try:
        await deps(context).notifier.issues.update(issue_id)
    except DeliveryFailed as exc:
        log.info("cards of issue %s not refreshed yet: %s", issue_id, exc)
    except Exception:  # the user's answer came first; the outbox edits the cards again
        log.exception("cards of issue %s not refreshed", issue_id)
