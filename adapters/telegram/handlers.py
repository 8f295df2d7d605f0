"""Every handler of the Telegram adapter in one table: the commands, the buttons (by the
pattern of their callback data), and what a text message is (an answer the bot waits for,
a decline reason, or neither)."""

from __future__ import annotations

from telegram import Update

from adapters.telegram import awaiting, callbacks
from adapters.telegram.account import on_claim, on_link, on_status
from adapters.telegram.apikey import on_apikey
from adapters.telegram.approvals import (
    on_approve,
    on_decline,
    on_decline_now,
    on_keep,
    on_more_pending,
    on_pending,
    on_reason,
    on_retry,
    prompt_asked_at,
)
from adapters.telegram.context import Context, deps
from adapters.telegram.issue_actions import on_issue_action, take_comment
from adapters.telegram.issue_list import on_issues, on_issues_page, on_open_issue
from adapters.telegram.mine import (
    on_cancel,
    on_cancel_command,
    on_my_requests,
    on_quota,
    on_requests_page,
)
from adapters.telegram.notifications import on_notifications, on_switch
from adapters.telegram.notifytest import on_notifytest
from adapters.telegram.reporting import (
    on_issue_command,
    on_pick,
    on_report,
    on_step,
    take_report,
)
from adapters.telegram.requesting import on_request, on_seasons
from adapters.telegram.search import (
    on_movie_command,
    on_notify,
    on_page,
    on_request_command,
    on_tv_command,
)
from adapters.telegram.start import on_start

COMMANDS = {
    "start": on_start,
    "help": on_start,
    "request": on_request_command,
    "movie": on_movie_command,
    "tv": on_tv_command,
    "requests": on_my_requests,
    "quota": on_quota,
    "cancel": on_cancel_command,
    "issue": on_issue_command,
    "issues": on_issues,
    "notifications": on_notifications,
    "pending": on_pending,
    "status": on_status,
    "link": on_link,
    "apikey": on_apikey,  # owners only, in private: not in any menu
    "notifytest": on_notifytest,  # owners only: not in any menu
}
BUTTONS = (
    (callbacks.SEARCH_PAGE, on_page),
    (callbacks.REQUEST, on_request),
    (callbacks.NOTIFY, on_notify),
    (callbacks.SEASONS, on_seasons),
    (callbacks.APPROVE, on_approve),
    (callbacks.DECLINE, on_decline),
    (callbacks.DECLINE_NOW, on_decline_now),
    (callbacks.KEEP, on_keep),
    (callbacks.RETRY, on_retry),
    (callbacks.CANCEL, on_cancel),
    (callbacks.MY_REQUESTS, on_requests_page),
    (callbacks.MORE_PENDING, on_more_pending),
    (callbacks.CLAIM, on_claim),
    (callbacks.NOTIFICATIONS, on_switch),
    (callbacks.ISSUE_REPORT, on_report),
    (callbacks.ISSUE_PICK, on_pick),
    (callbacks.ISSUE_STEP, on_step),
    (callbacks.ISSUE_ACTION, on_issue_action),
    (callbacks.ISSUE_OPEN, on_open_issue),
    (callbacks.MY_ISSUES, on_issues_page),
)
ANSWERS = {awaiting.REPORT: take_report, awaiting.COMMENT: take_comment}


async def on_text(update: Update, context: Context) -> None:
    """A text message: the words of a report or a comment when it answers what the bot
    asked (or replies to an issue's card or notice), else perhaps a decline reason."""
    message, sender = update.effective_message, update.effective_user
    if message is None or sender is None or not message.text:
        return
    state = deps(context)
    # A message that replies to nothing answers the newest question: a report's or a
    # comment's, or a decline prompt asked since.
    prompt = None
    if message.reply_to_message is None and message.chat.type == "private":
        prompt = await prompt_asked_at(state, message.chat_id, sender.id)
    # An answer that comes before its question (or card, or notice) is kept waits for it;
    # a second quick answer finds the question answered.
    async with state.locks(awaiting.asker_lock(message.chat_id, sender.id)):
        async with state.notifier.issues.posting(message.chat_id):
            found = await awaiting.awaited(state.services, message, sender.id, newer_than=prompt)
        taking = ANSWERS.get(str(found.get("w"))) if found is not None else None
        if found is not None and taking is not None:
            await taking(update, context, found)
            return
    await on_reason(update, context)
