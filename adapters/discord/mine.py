"""A user's own things: /requests (paged), /quota and /cancel (a button per pending request)."""

from __future__ import annotations

import math
from typing import Any

import discord

from adapters.discord import render
from adapters.discord.context import acting_user, deps, owner_only
from adapters.discord.controls import Control, button
from adapters.discord.replies import defer, frozen, show
from adapters.text import request_line, withdrawn_text
from core import chat, queries, quotas
from core.domain import RequestStatus
from core.identity import User
from core.services import Services

PER_PAGE = 10
CANCELLABLE = 4  # one row of buttons each, and a row left for nothing else


async def on_my_requests(interaction: discord.Interaction[Any]) -> None:
    """/requests: my requests and their status, newest first, ten a page."""
    await defer(interaction)
    user = await acting_user(interaction)
    await show(interaction, **await _page(deps(interaction).services, user, interaction.user.id, 1))


async def on_requests_page(
    interaction: discord.Interaction[Any], args: list[str], _: list[str]
) -> None:
    """‹ Newer / Older ›: another page of the list."""
    await defer(interaction, update=True)
    owner, page = int(args[0]), max(1, int(args[1]))
    owner_only(interaction, owner)
    user = await acting_user(interaction)
    await show(interaction, **await _page(deps(interaction).services, user, owner, page))


async def _page(services: Services, user: User, owner: int, page: int) -> dict[str, Any]:
    found, total = await queries.my_requests(services, user.id, (page - 1) * PER_PAGE, PER_PAGE)
    pages = max(1, math.ceil(total / PER_PAGE))
    if not found and page > 1:  # the list shrank since the button was made
        return await _page(services, user, owner, pages)
    items = []
    if page > 1:
        items.append(button("‹ Newer", "mr", owner, page - 1))
    if page < pages:
        items.append(button("Older ›", "mr", owner, page + 1))
    embed = render.request_list("Your requests", found, total, page, pages)
    return {"embed": embed, "view": frozen(*items)}


async def on_quota(interaction: discord.Interaction[Any]) -> None:
    """/quota: my limits, what I used, and when the next slot frees up."""
    await defer(interaction)
    user = await acting_user(interaction)
    services = deps(interaction).services
    report = await quotas.get_quota(services, user.id)
    await show(interaction, embed=render.quota(report, services.clock.now()))


async def on_cancel_command(interaction: discord.Interaction[Any]) -> None:
    """/cancel: my pending requests, each with a button that withdraws it."""
    await defer(interaction)
    user = await acting_user(interaction)
    await show(interaction, **await _cancellable(deps(interaction).services, user, None))


async def on_cancel(interaction: discord.Interaction[Any], args: list[str], _: list[str]) -> None:
    """✖ on the /cancel list: withdraw that pending request (the core checks it is mine)."""
    await defer(interaction, update=True)
    request_id = int(args[0])
    services = deps(interaction).services
    user = await acting_user(interaction)
    cancelled = await chat.withdraw(services, user.id, request_id)
    note = withdrawn_text(cancelled, render.esc)
    await show(interaction, **await _cancellable(services, user, note))


async def _cancellable(services: Services, user: User, note: str | None) -> dict[str, Any]:
    found, total = await queries.my_requests(
        services, user.id, 0, CANCELLABLE, status=RequestStatus.PENDING
    )
    lines = [note] if note else []
    if not found:
        lines.append("You have no pending requests to withdraw.")
        return {"content": "\n".join(lines), "view": frozen()}
    lines.append("**Your pending requests**: press one to withdraw it.")
    if total > len(found):
        lines.append(f"(the newest {len(found)} of {total})")
    items: list[Control] = [
        button(f"✖ {render.cut(request_line(r), 75)}", "cx", r.id, row=i)
        for i, r in enumerate(found)
    ]
    return {"content": "\n".join(lines), "view": frozen(*items)}
