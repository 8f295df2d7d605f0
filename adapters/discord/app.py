"""The Discord adapter: a discord.py client with its slash commands, one registered
DynamicItem for every button and menu, and one error hook, in the event loop of the rest
of requestbot."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import discord
import discord.gateway
import discord.http
import yarl
from discord import app_commands

from adapters.discord import account as account_commands
from adapters.discord import approvals, mine, requesting, search
from adapters.discord.config import DiscordConfig
from adapters.discord.context import Deps, deps, report_error
from adapters.discord.controls import Control, Handler, Registry, unknown_component
from adapters.discord.notifier import DiscordNotifier
from adapters.discord.search import Suggestions
from core.errors import ServiceRejected, ServiceUnavailable
from core.media import MediaType
from core.services import Services

log = logging.getLogger(__name__)

# verb -> the handler of its buttons and menus (their custom_id shapes: controls.SHAPES).
BUTTONS: dict[str, Handler] = {
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
}
MAX_START_DELAY = 60.0


class _NoVoice(logging.Filter):
    """requestbot plays no audio: discord.py's warnings about voice libraries are noise."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "voice will NOT be supported" not in record.getMessage()


logging.getLogger("discord.client").addFilter(_NoVoice())


def point_at(config: DiscordConfig) -> None:
    """Send discord.py's REST calls and gateway connection where the settings say (a proxy,
    or a test server). discord.py reads both from class attributes, so this is per process."""
    discord.http.Route.BASE = config.api_base_url.rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(config.gateway_url)


class Commands(app_commands.CommandTree["RequestBot"]):
    async def on_error(
        self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError
    ) -> None:
        """Errors of every slash command, in plain words (context.report_error)."""
        await report_error(interaction, error)


# No message may ping everyone, a role or a user by what it says: the only mention the bot
# makes, of someone whose DMs are closed, names that user in its own send (the notifier).
MENTIONS = discord.AllowedMentions(everyone=False, users=False, roles=False, replied_user=False)


class RequestBot(discord.Client):
    """The client: no privileged intents, only what its commands need (the guild list)."""

    def __init__(self, found: Deps) -> None:
        super().__init__(intents=discord.Intents(guilds=True), allowed_mentions=MENTIONS)
        self.deps = found
        self.registry = Registry(BUTTONS, report_error)
        self.suggestions = Suggestions(found.config.autocomplete_budget)
        self.tree = Commands(self)
        _add_commands(self.tree)

    async def setup_hook(self) -> None:
        """Answer our buttons from any message (persistent, across restarts), then make the
        slash commands known to Discord."""
        self.add_dynamic_items(Control)
        guild_id = self.deps.config.guild_id
        try:
            if guild_id is not None:
                guild = discord.Object(guild_id)
                self.tree.copy_global_to(guild=guild)
                synced = await self.tree.sync(guild=guild)
            else:
                synced = await self.tree.sync()
            log.info("Discord: %d slash commands registered", len(synced))
        except discord.HTTPException as exc:
            log.error(
                "could not register the slash commands (%s): check DISCORD_GUILD_ID and that the "
                "bot was invited with the applications.commands scope",
                exc,
            )

    async def on_ready(self) -> None:
        assert self.user is not None
        log.info("Discord: connected as %s (id %s)", self.user, self.user.id)

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        """What discord.py routes nowhere: modals (handled here so that one opened before a
        restart still works) and buttons that are not ours."""
        if interaction.type is discord.InteractionType.modal_submit:
            await approvals.on_modal(interaction)
        elif interaction.type is discord.InteractionType.component:
            await unknown_component(interaction)

    async def close(self) -> None:
        await self.suggestions.close()
        await super().close()


def _add_commands(tree: Commands) -> None:
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
    simple = (
        ("requests", "Your requests and where they stand", mine.on_my_requests),
        ("quota", "How many requests you have left", mine.on_quota),
        ("cancel", "Withdraw one of your pending requests", mine.on_cancel_command),
        ("pending", "Requests awaiting a decision (managers)", approvals.on_pending),
        ("status", "The library scans and download checks", account_commands.on_status),
    )
    for name, description, handler in simple:
        tree.add_command(app_commands.Command(name=name, description=description, callback=handler))

    @tree.command(name="link", description="Link your media-server (Jellyfin/Emby) account")
    @app_commands.describe(account="Your username on the media server (empty: just show)")
    async def link(
        interaction: discord.Interaction[Any],
        account: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        await account_commands.on_link(interaction, account)

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
        await approvals.on_permissions(interaction, user, grant)


async def _suggest(
    interaction: discord.Interaction[Any], media_type: MediaType, current: str
) -> list[app_commands.Choice[str]]:
    client: RequestBot = interaction.client
    return await client.suggestions.choices(deps(interaction), media_type, current)


async def check(config: DiscordConfig) -> str:
    """``name (id 123)`` when the token works; ServiceRejected or ServiceUnavailable otherwise
    (the token never appears in either)."""
    point_at(config)
    # The bot's own intents: with none, discord.py warns that the guilds intent is off.
    client = discord.Client(intents=discord.Intents(guilds=True))
    try:
        async with client:
            await client.login(config.token)
            assert client.user is not None
            return f"{client.user} (id {client.user.id})"
    except discord.LoginFailure as exc:
        raise ServiceRejected(
            "Discord", 401, "Unauthorized: the token is wrong or revoked"
        ) from exc
    except (discord.HTTPException, OSError) as exc:
        raise ServiceUnavailable("Discord", str(exc)) from exc


class DiscordAdapter:
    """Runs the client until cancelled; its notifier delivers the outbox's events."""

    def __init__(self, services: Services, config: DiscordConfig) -> None:
        self.config = config
        self.notifier = DiscordNotifier(services, config)
        self.deps = Deps(services, config, self.notifier)
        self._client: RequestBot | None = None
        self._connected = asyncio.Event()

    async def tell(self, user_id: int, text: str) -> None:
        """One plain direct message to a person once the client is ready (the owners'
        start-up notice); discord.py's errors are raised."""
        await self._connected.wait()
        assert self._client is not None
        await self._client.wait_until_ready()
        user = self._client.get_user(user_id) or await self._client.fetch_user(user_id)
        await user.send(
            discord.utils.escape_markdown(text), allowed_mentions=discord.AllowedMentions.none()
        )

    async def run(self) -> None:
        """Log in (retrying while Discord is unreachable), stay connected (discord.py
        reconnects and resumes on its own), and close cleanly when cancelled."""
        point_at(self.config)
        client = RequestBot(self.deps)
        async with client:
            await self._login(client)
            self.notifier.attach(client)
            self._client = client
            self._connected.set()
            try:
                await client.connect(reconnect=True)
            except discord.LoginFailure:
                log.error("Discord refused the bot token: check DISCORD_BOT_TOKEN")
                raise
            finally:
                self._connected.clear()
                self._client = None
                self.notifier.detach()

    async def _login(self, client: RequestBot) -> None:
        delay = 1.0
        while True:
            try:
                await client.login(self.config.token)
                return
            except discord.LoginFailure:
                log.error("Discord refused the bot token: check DISCORD_BOT_TOKEN")
                raise
            except (discord.HTTPException, OSError) as exc:
                log.warning("Discord is not reachable (%s); trying again in %.0f s", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, MAX_START_DELAY)
