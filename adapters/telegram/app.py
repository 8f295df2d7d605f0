"""The Telegram adapter: a python-telegram-bot Application on long polling, in the event
loop of the rest of requestbot, with every handler registered in one table."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from telegram import Bot, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import Conflict, InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    Defaults,
    MessageHandler,
    filters,
)

from adapters.telegram.config import TelegramConfig
from adapters.telegram.context import Deps
from adapters.telegram.digest import TelegramDigest
from adapters.telegram.errors import on_error
from adapters.telegram.flood import FloodControl, FloodRates
from adapters.telegram.handlers import BUTTONS, COMMANDS, on_text
from adapters.telegram.notifier import TelegramNotifier
from adapters.telegram.start import on_stale_button, on_unknown_command, set_default_commands
from adapters.telegram.transport import aiohttp_request, httpx_request
from core.api_keys import ApiKeyManager
from core.errors import ServiceRejected, ServiceUnavailable
from core.services import Services

log = logging.getLogger(__name__)

UPDATES = ["message", "callback_query"]  # edited messages are not asked for: not re-handled
MAX_START_DELAY = 60.0
WATCH_INTERVAL = 60.0


def build_application(
    services: Services,
    config: TelegramConfig,
    notifier: TelegramNotifier,
    api_keys: ApiKeyManager,
) -> Application:  # type: ignore[type-arg]
    """The Application with our rate limiter, HTML by default, concurrent updates (two
    managers' presses are handled at once; the core decides who wins) and every handler."""
    defaults = Defaults(
        parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)
    )
    application = (
        ApplicationBuilder()
        .token(config.token)
        .base_url(config.base_url)
        .base_file_url(config.base_file_url)
        .request(aiohttp_request())
        .rate_limiter(FloodControl(FloodRates().scaled(config.flood_scale)))
        .defaults(defaults)
        .concurrent_updates(True)
        # Stopping cancels the long poll, whose connection may not be back in the pool when
        # the updater confirms the last updates; a second connection keeps that confirmation
        # from timing out (and the same updates from coming back after a restart).
        .get_updates_request(
            httpx_request(connection_pool_size=2, read_timeout=config.poll_timeout + 10)
        )
        .build()
    )
    application.bot_data["deps"] = Deps(services, config, notifier, api_keys)
    for name, handler in COMMANDS.items():
        application.add_handler(CommandHandler(name, handler))
    for pattern, pressed in BUTTONS:
        application.add_handler(CallbackQueryHandler(pressed, pattern=pattern))
    application.add_handler(CallbackQueryHandler(on_stale_button))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, on_text))
    application.add_handler(MessageHandler(filters.COMMAND, on_unknown_command))
    application.add_error_handler(on_error)
    return application


async def check(config: TelegramConfig) -> str:
    """``@botname (id 123)`` when the token works; ServiceRejected or ServiceUnavailable
    otherwise (the token never appears in either)."""
    bot = Bot(
        config.token,
        base_url=config.base_url,
        base_file_url=config.base_file_url,
        request=httpx_request(),
        get_updates_request=httpx_request(),
    )
    try:
        async with bot:
            me = bot.bot
    except InvalidToken as exc:
        # The Bot API answers 401 for a well-formed token it does not know, 404 when no bot
        # answers at that address (a malformed token, or a base URL that is no Bot API);
        # python-telegram-bot raises InvalidToken for both and keeps only the description,
        # in the InvalidToken that Bot.initialize raises from.
        said = " ".join(str(e) for e in (exc, exc.__cause__) if e is not None)
        if "not found" in said.lower():
            raise ServiceRejected(
                "Telegram", 404, "Not Found: no bot at this address (a malformed token or base URL)"
            ) from exc
        raise ServiceRejected(
            "Telegram", 401, "Unauthorized: the token is wrong or revoked"
        ) from exc
    except NetworkError as exc:
        raise ServiceUnavailable("Telegram", str(exc)) from exc
    except TelegramError as exc:
        raise ServiceUnavailable("Telegram", exc.message) from exc
    return f"@{me.username} (id {me.id})"


class TelegramAdapter:
    """Runs the bot until cancelled; its notifier delivers the outbox's events."""

    def __init__(self, services: Services, config: TelegramConfig, api_keys: ApiKeyManager) -> None:
        self.config = config
        self.notifier = TelegramNotifier(services, config)
        self.digest: TelegramDigest | None = None
        if config.admin_chat_id is not None and config.admin_digest_minutes > 0:
            self.digest = TelegramDigest(services, config, self.notifier)
        self.application = build_application(services, config, self.notifier, api_keys)
        self._polling = asyncio.Event()

    async def tell(self, user_id: int, text: str) -> None:
        """One plain message to a person in private once the bot is polling (the owners'
        start-up notice); Telegram's errors are raised."""
        await self._polling.wait()
        await self.application.bot.send_message(user_id, text, parse_mode=None)

    async def run(self) -> None:
        """Connect (retrying while Telegram is unreachable), poll, and stop cleanly when
        cancelled."""
        app = self.application
        await self._initialize()
        try:
            self.notifier.attach(app.bot)
            try:
                await set_default_commands(app.bot, self.config.admin_chat_id)
            except TelegramError as exc:
                log.warning("could not set the command menu: %s", exc)
            await app.start()
            assert app.updater is not None
            await app.updater.start_polling(
                timeout=self.config.poll_timeout,
                allowed_updates=UPDATES,
                bootstrap_retries=-1,
                error_callback=self._polling_trouble,
            )
            log.info("Telegram: polling for updates as @%s", app.bot.username)
            self._polling.set()
            async with self._digests():
                await self._watch()
        finally:
            self._polling.clear()
            await self._stop()

    @contextlib.asynccontextmanager
    async def _digests(self) -> AsyncIterator[None]:
        """The admin chat's digest job, while the bot polls."""
        if self.digest is None:
            yield
            return
        running = asyncio.create_task(self.digest.run(), name="telegram admin digest")
        try:
            yield
        finally:
            running.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await running

    async def _watch(self) -> None:
        """Return never, but raise once the token stops working: python-telegram-bot's
        polling gives up on a revoked token without telling anyone, and a bot that looks
        alive while deaf is worse than one that exits (so that a supervisor restarts it and
        the log says why)."""
        while True:
            await asyncio.sleep(WATCH_INTERVAL)
            try:
                await self.application.bot.get_me()
            except InvalidToken:
                log.error("Telegram no longer accepts the bot token: check TELEGRAM_BOT_TOKEN")
                raise
            except TelegramError as exc:  # the network: polling retries on its own
                log.info("Telegram did not answer the health check: %s", exc)

    def _polling_trouble(self, error: TelegramError) -> None:
        """Errors while polling (python-telegram-bot retries them): one line each, and one
        plain warning for the one that needs a person."""
        if isinstance(error, Conflict):
            log.error(
                "another process is polling with this bot token (or a webhook is set): "
                "stop it, or it and this one will each miss updates"
            )
        else:
            log.warning("Telegram polling: %s", error)

    async def _stop(self) -> None:
        """Stop polling, let running handlers finish (they may still use the notifier),
        then close; a failing step does not keep the next ones from running."""
        app = self.application
        steps = []
        if app.updater is not None and app.updater.running:
            steps.append(app.updater.stop)
        if app.running:
            steps.append(app.stop)
        for step in (*steps, app.shutdown):
            try:
                await step()
            except Exception:
                log.exception("while stopping the Telegram adapter")
        self.notifier.detach()

    async def _initialize(self) -> None:
        delay = 1.0
        while True:
            try:
                await self.application.initialize()
                return
            except InvalidToken:
                log.error("Telegram refused the bot token: check TELEGRAM_BOT_TOKEN")
                raise
            except NetworkError as exc:
                log.warning("Telegram is not reachable (%s); trying again in %.0f s", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, MAX_START_DELAY)
