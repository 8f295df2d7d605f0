"""What answers what: the slash commands, the handler of each button and menu verb, and
what discord.py routes nowhere (modals, controls that are not ours)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import discord
from discord import app_commands

from adapters.discord import account as account_commands
from adapters.discord import (
    admin,
    apikey,
    approvals,
    issues,
    mine,
    notifications,
    notifytest,
    reporting,
    requesting,
    search,
)
from adapters.discord.autocomplete import Suggestions
from adapters.discord.context import deps, report_error
from adapters.discord.controls import PREFIX, Handler, Registry, refuse, unknown_component
from core.media import MediaType

# verb -> the handler of its buttons and menus (their custom_id shapes: controls.SHAPES).
BUTTONS: Mapping[str, Handler] = {
    "pg": search.on_page,
    "nt": search.on_notify,
    "rq": requesting.on_request,
    "ss": requesting.on_choose,
    "sp": requesting.on_picker,
    "ap": approvals.on_approve,
    "de": approvals.on_decline,
    "rt": approvals.on_retry,
    "pm": approvals.on_more_pending,
    "mr": mine.on_requests_page,
    "cx": mine.on_cancel,
    "lk": account_commands.on_claim,
    "nf": notifications.on_switch,
    "ir": reporting.on_report,
    "it": reporting.on_type,
    "is": reporting.on_season,
    "ie": reporting.on_episode,
    "ip": reporting.on_page,
    "ik": issues.on_status,
    "ic": issues.on_comment,
    "io": issues.on_open,
    "il": issues.on_issues_page,
}
REGISTRY = Registry(BUTTONS, report_error)  # the client carries it, for controls.Control
# verb of a modal's custom_id (``rb:<verb>:...``) -> what handles its submission.
MODALS: Mapping[str, Callable[[discord.Interaction[Any]], Awaitable[None]]] = {
    "dm": approvals.on_modal,  # a decline's reason
    "im": reporting.on_modal,  # a report's words
    "in": issues.on_modal,  # a comment on an issue
}
EXPIRED_FORM = "That form has expired. Press its button again."


class Commands(app_commands.CommandTree[discord.Client]):
    """The slash commands, whose errors all become words in one place."""

    async def on_error(
        self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError
    ) -> None:
        """Errors of every slash command, in plain words (context.report_error)."""
        await report_error(interaction, error)


async def unrouted(interaction: discord.Interaction[Any]) -> None:
    """What discord.py routes nowhere: modals (handled here so that one opened before a
    restart still works) and buttons that are not ours."""
    if interaction.type is discord.InteractionType.modal_submit:
        custom_id = str(dict(interaction.data or {}).get("custom_id", ""))
        verb = custom_id.removeprefix(PREFIX).partition(":")[0]
        handler = MODALS.get(verb) if custom_id.startswith(PREFIX) else None
        if handler is None:
            await refuse(interaction, custom_id, EXPIRED_FORM)
        else:
            await handler(interaction)
    elif interaction.type is discord.InteractionType.component:
        await unknown_component(interaction)


def add_commands(tree: Commands) -> None:
    """Every slash command, each calling its handler."""
    group = app_commands.Group(name="request", description="Ask for a movie or a show")

    @group.command(name="movie", description="Ask for a movie")
    @app_commands.describe(title="Start typing, then pick one of the suggestions")
    async def request_movie(
        interaction: discord.Interaction[Any], title: app_commands.Range[str, 1, 100]
    ) -> None:
        await search.on_request(interaction, MediaType.MOVIE, title)

    @group.command(name="tv", description="Ask for a show (you choose the seasons)")
    @app_commands.describe(title="Start typing, then pick one of the suggestions")
    async def request_tv(
        interaction: discord.Interaction[Any], title: app_commands.Range[str, 1, 100]
    ) -> None:
        await search.on_request(interaction, MediaType.TV, title)

    @request_movie.autocomplete("title")
    async def movie_titles(
        interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        return await _suggest(interaction, MediaType.MOVIE, current)

    @request_tv.autocomplete("title")
    async def show_titles(
        interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        return await _suggest(interaction, MediaType.TV, current)

    tree.add_command(group)

    @tree.command(name="issue", description="Report a problem with a movie or show on the server")
    @app_commands.describe(title="Start typing, then pick one of the titles on the server")
    async def report(
        interaction: discord.Interaction[Any], title: app_commands.Range[str, 1, 100]
    ) -> None:
        await reporting.on_issue_command(interaction, title)

    @report.autocomplete("title")
    async def titles_on_server(
        interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        suggestions: Suggestions = interaction.client.suggestions
        return await suggestions.on_server(deps(interaction), current)

    simple = (
        ("requests", "Your requests and where they stand", mine.on_my_requests),
        ("quota", "How many requests you have left", mine.on_quota),
        ("cancel", "Withdraw one of your pending requests", mine.on_cancel_command),
        ("notifications", "Choose what I tell you, and where", notifications.on_notifications),
        ("pending", "Requests awaiting a decision (managers)", approvals.on_pending),
        ("issues", "Open problems with titles: yours (managers: everyone's)", issues.on_issues),
        ("status", "The library scans and download checks", account_commands.on_status),
    )
    for name, description, handler in simple:
        tree.add_command(app_commands.Command(name=name, description=description, callback=handler))

    @tree.command(name="link", description="Claim your media-server (Jellyfin/Emby) account")
    @app_commands.describe(
        account="Your username on the media server (empty: just show)",
        user="Managers: link this member to the account instead",
    )
    async def link(
        interaction: discord.Interaction[Any],
        account: app_commands.Range[str, 1, 100] | None = None,
        user: discord.User | None = None,
    ) -> None:
        await account_commands.on_link(interaction, account, user)

    @tree.command(name="permissions", description="See or set what someone may do (admins)")
    @app_commands.describe(
        user="Whose permissions",
        grant="New permissions, e.g. user, moderator, or REQUEST|AUTO_APPROVE (empty: just show)",
    )
    @app_commands.rename(grant="set")
    async def permissions(
        interaction: discord.Interaction[Any],
        user: discord.User,
        grant: app_commands.Range[str, 1, 200] | None = None,
    ) -> None:
        await admin.on_permissions(interaction, user, grant)

    @tree.command(name="apikey", description="See or replace the API key (bot owners)")
    @app_commands.describe(rotate="Replace it: the old key stops working at once")
    async def api_key(interaction: discord.Interaction[Any], rotate: bool = False) -> None:
        await apikey.on_apikey(interaction, rotate)

    @tree.command(name="notifytest", description="Send a test notification (bot owners)")
    @app_commands.describe(agent="Only this agent (default: every agent)")
    async def notify_test(
        interaction: discord.Interaction[Any], agent: app_commands.Range[str, 1, 40] | None = None
    ) -> None:
        await notifytest.on_notifytest(interaction, agent)


async def _suggest(
    interaction: discord.Interaction[Any], media_type: MediaType, current: str
) -> list[app_commands.Choice[str]]:
    suggestions: Suggestions = interaction.client.suggestions
    return await suggestions.choices(deps(interaction), media_type, current)
