"""The Discord adapter: a discord.py client with its slash commands, one registered
DynamicItem for every button and menu, and one error hook, in the event loop of the rest
of requestbot (what answers what: commands.py)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import discord
import discord.gateway
import discord.http
import yarl

from adapters.discord import commands
from adapters.discord.autocomplete import Suggestions
from adapters.discord.config import DiscordConfig
from adapters.discord.context import Deps
from adapters.discord.controls import Control
from adapters.discord.digest import DiscordDigest
from adapters.discord.notifier import DiscordNotifier
from core.api_keys import ApiKeyManager
from core.errors import ServiceRejected, ServiceUnavailable
from core.services import Services

log = logging.getLogger(__name__)

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


# No message may ping everyone, a role or a user by what it says: the only mention the bot
# makes, of someone whose DMs are closed, names that user in its own send (the notifier).
MENTIONS = discord.AllowedMentions(everyone=False, users=False, roles=False, replied_user=False)


class RequestBot(discord.Client):
    """The client: no privileged intents, only what its commands need (the guild list)."""

    def __init__(self, found: Deps) -> None:
        super().__init__(intents=discord.Intents(guilds=True), allowed_mentions=MENTIONS)
        self.deps = found
        self.registry = commands.REGISTRY
        self.suggestions = Suggestions(found.config.autocomplete_budget)
        self.tree = commands.Commands(self)
        commands.add_commands(self.tree)

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
        """Modals, and controls that are not ours (commands.unrouted)."""
        await commands.unrouted(interaction)

    async def close(self) -> None:
        await self.suggestions.close()
        await super().close()


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

    def __init__(self, services: Services, config: DiscordConfig, api_keys: ApiKeyManager) -> None:
        self.config = config
        self.notifier = DiscordNotifier(services, config)
        self.digest: DiscordDigest | None = None
        if config.admin_channel_id is not None and config.admin_digest_minutes > 0:
            self.digest = DiscordDigest(services, config, self.notifier)
        self.deps = Deps(services, config, self.notifier, api_keys)
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
            digests = None
            if self.digest is not None:
                digests = asyncio.create_task(self.digest.run(), name="discord admin digest")
            try:
                await client.connect(reconnect=True)
            except discord.LoginFailure:
                log.error("Discord refused the bot token: check DISCORD_BOT_TOKEN")
                raise
            finally:
                if digests is not None:
                    digests.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await digests
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
