"""Managers' side: Approve / Decline (with a modal for the reason) / Retry on a request's card,
and /pending. The core decides who may and who was first."""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

import discord

from adapters.cards import as_it_stands, quota_use
from adapters.discord import render
from adapters.discord.cards import card, card_of
from adapters.discord.context import acting_user, deps, report_error
from adapters.discord.controls import PREFIX, button
from adapters.discord.digest import is_digest_message
from adapters.discord.forms import submitted
from adapters.discord.replies import defer, frozen, say, show
from core import queries, requests
from core.events import EventKind, EventPayload
from core.outbox import snapshot

log = logging.getLogger(__name__)

DECLINE_MODAL = re.compile(PREFIX + r"dm:(?P<id>\d{1,18})")
REASON = 300
EXPIRED_FORM = "That form has expired. Press the button again."
PENDING_PAGE = 4  # cards per /pending answer, and one more message for "More"


async def _show(
    interaction: discord.Interaction[Any], payload: EventPayload, kind: EventKind
) -> None:
    """Show the pressed card as ``kind`` left the request; the outbox need not edit it. A
    digest (several requests on one message) is laid out again by the notifier."""
    message, found = interaction.message, deps(interaction)
    if message is not None and await is_digest_message(
        found.services, payload.request_id, message.id
    ):
        await found.notifier.update_cards(payload, kind)
        return
    await show(interaction, **card(payload, kind))
    if message is not None:
        found.notifier.shown_by_hand(message, payload, kind)


async def on_approve(interaction: discord.Interaction[Any], args: list[str], _: list[str]) -> None:
    """Approve: one manager wins; the others are told who decided."""
    await defer(interaction, update=True)
    request_id = int(args[0])
    user = await acting_user(interaction)
    async with deps(interaction).locks(f"decide:{request_id}"):
        approved = await requests.approve_request(deps(interaction).services, user.id, request_id)
        await _show(interaction, *as_it_stands(approved))


async def on_retry(interaction: discord.Interaction[Any], args: list[str], _: list[str]) -> None:
    """Retry: send a failed request to the downloader again."""
    await defer(interaction, update=True)
    request_id = int(args[0])
    user = await acting_user(interaction)
    async with deps(interaction).locks(f"decide:{request_id}"):
        retried = await requests.retry_request(deps(interaction).services, user.id, request_id)
        await _show(interaction, snapshot(retried, user), EventKind.RETRIED)


class DeclineModal(discord.ui.Modal):
    """The optional reason. Its submission is handled by ``on_modal`` (from the raw custom_id),
    so a modal opened before a restart still works after it."""

    reason: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label="Reason (optional)",
        style=discord.TextStyle.paragraph,
        required=False,
        max_length=REASON,
        placeholder="Shown to the requester",
        custom_id="reason",
    )

    def __init__(self, request_id: int, label: str) -> None:
        title = render.cut(f"Decline {label}", 45)
        super().__init__(title=title, custom_id=f"{PREFIX}dm:{request_id}", timeout=None)


async def on_decline(interaction: discord.Interaction[Any], args: list[str], _: list[str]) -> None:
    """Decline: ask for a reason in a modal (a modal must be the first answer, so the quick
    checks get a short budget; the core checks again when the reason comes)."""
    request_id = int(args[0])
    found = deps(interaction)
    label = f"request #{request_id}"
    try:
        async with asyncio.timeout(found.config.modal_check_budget):
            user = await acting_user(interaction)
            request = await requests.decision_pending(found.services, user.id, request_id)
            label = request.media.label
    except TimeoutError:
        log.info("interaction %s: decline checks were slow; asking anyway", interaction.id)
    modal = DeclineModal(request_id, label)
    modal.stop()  # handled by on_modal, not kept by discord.py
    await interaction.response.send_modal(modal)


async def on_modal(interaction: discord.Interaction[Any]) -> None:
    """A submitted modal: today only the decline reason."""
    form = await submitted(interaction, DECLINE_MODAL, EXPIRED_FORM, "reason")
    if form is None:
        return
    match, reason = form
    try:
        await _declined(interaction, int(match["id"]), reason)
    except Exception as error:
        await report_error(interaction, error)


async def _declined(interaction: discord.Interaction[Any], request_id: int, reason: str) -> None:
    on_card = interaction.message is not None
    await defer(interaction, update=on_card)
    user = await acting_user(interaction)
    services = deps(interaction).services
    async with deps(interaction).locks(f"decide:{request_id}"):
        declined = await requests.decline_request(
            services, user.id, request_id, reason.strip() or None
        )
        if on_card:
            await _show(interaction, *as_it_stands(declined))
        else:
            await say(interaction, f"Declined request #{request_id}.")


async def on_pending(interaction: discord.Interaction[Any]) -> None:
    """/pending: the oldest requests awaiting a decision, each on its own card."""
    await defer(interaction)
    await _pending_page(interaction, 0)


async def on_more_pending(
    interaction: discord.Interaction[Any], args: list[str], _: list[str]
) -> None:
    """More: the next cards of /pending."""
    await defer(interaction, update=True)
    await interaction.edit_original_response(view=frozen())
    await _pending_page(interaction, int(args[0]))


async def _pending_page(interaction: discord.Interaction[Any], offset: int) -> None:
    services = deps(interaction).services
    user = await acting_user(interaction)
    found, total = await queries.pending_requests(services, user.id, offset, PENDING_PAGE)
    if not found:
        await say(interaction, "Nothing is waiting for a decision. 🎉")
        return
    shown = offset + len(found)
    await say(interaction, f"**Pending requests** {offset + 1}–{shown} of {total}, oldest first:")
    for request in found:
        use = await quota_use(services, request.requested_by.id, request.media.media_type)
        await say(interaction, **card_of(request, use))
    if shown < total:
        await say(interaction, view=frozen(button(f"More ({total - shown} left)", "pm", shown)))
