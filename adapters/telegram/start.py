"""/start and /help, the command menus, and answers to what the bot does not understand."""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand, BotCommandScopeChat, Update
from telegram.error import TelegramError

from adapters.telegram import callbacks, render
from adapters.telegram.callbacks import NOOP
from adapters.telegram.context import STALE, Context, Press, acting_user, deps, identity_of
from adapters.text import UserFacing
from core.identity import User
from core.permissions import Permission, has_any, manages_requests, may_request

log = logging.getLogger(__name__)

USER_COMMANDS = (
    ("request", "Search movies and shows to request"),
    ("movie", "Search movies only"),
    ("tv", "Search TV shows only"),
    ("requests", "Your requests and their status"),
    ("quota", "How many requests you have left"),
    ("cancel", "Withdraw a pending request"),
    ("issue", "Report a problem with a title on the server"),
    ("issues", "Open issues you reported (all of them, for issue admins)"),
    ("notifications", "Choose what I tell you, and where"),
    ("link", "Claim your media-server account"),
    ("status", "The library scans and download checks"),
    ("help", "What I can do"),
)
MANAGER_COMMANDS = (
    *USER_COMMANDS[:-1],
    ("pending", "Requests awaiting approval"),
    USER_COMMANDS[-1],
)


def _menu(commands: tuple[tuple[str, str], ...]) -> list[BotCommand]:
    return [BotCommand(name, words) for name, words in commands]


async def set_default_commands(bot: Bot, admin_chat_id: int | None) -> None:
    """The command menu everyone sees, and the managers' menu in the admin chat."""
    await bot.set_my_commands(_menu(USER_COMMANDS))
    if admin_chat_id is not None:
        try:
            scope = BotCommandScopeChat(admin_chat_id)
            await bot.set_my_commands(_menu(MANAGER_COMMANDS), scope=scope)
        except TelegramError as exc:  # the bot is not in that chat (yet)
            log.warning("could not set the commands of the admin chat %s: %s", admin_chat_id, exc)


def help_text(user: User, first_name: str, *, owner: bool = False) -> str:
    """What the bot does, and the commands this user (a bot ``owner``?) may use."""
    lines = [
        f"Hi {render.esc(first_name)}! I find movies and shows on TMDb, and you can ask for "
        "them to be added to the media server. I'll message you when a request is approved, "
        "declined, or ready to watch.",
        "",
    ]
    commands = MANAGER_COMMANDS if manages_requests(user.permissions) else USER_COMMANDS
    lines += [f"/{name} – {render.esc(words)}" for name, words in commands]
    if not may_request(user.permissions):
        lines += ["", "You can search, but requesting needs an admin to allow it."]
    if manages_requests(user.permissions):
        lines += [
            "",
            "You manage requests: approve or decline them with the buttons on their cards.",
        ]
    if has_any(user.permissions, Permission.MANAGE_ISSUES):
        lines += [
            "",
            "You manage issues: resolve, reopen or comment with the buttons on their cards "
            "(or reply to a card to comment).",
        ]
    if has_any(user.permissions, Permission.MANAGE_USERS):
        lines += [
            "",
            "You manage users: /link ACCOUNT @username (or /link ACCOUNT in reply to their "
            "message) links someone to their media-server account.",
        ]
    if owner:
        lines += [
            "",
            "/apikey – the key of the Seerr-compatible API, here in private "
            "(/apikey rotate replaces it)",
        ]
    return "\n".join(lines)


async def on_start(update: Update, context: Context) -> None:
    """/start and /help: what the bot does and this user's commands (menu included)."""
    message, sender = update.effective_message, update.effective_user
    chat = update.effective_chat
    if message is None or sender is None or chat is None:
        return
    user = await acting_user(update, context)
    owner = identity_of(sender.id) in deps(context).services.config.owners
    await message.reply_text(help_text(user, sender.first_name, owner=owner))
    if chat.type == "private":
        await _set_private_menu(context.bot, chat.id, user)


async def _set_private_menu(bot: Bot, chat_id: int, user: User) -> None:
    scope = BotCommandScopeChat(chat_id)
    try:
        if manages_requests(user.permissions):
            await bot.set_my_commands(_menu(MANAGER_COMMANDS), scope=scope)
        else:
            await bot.delete_my_commands(scope=scope)
    except TelegramError as exc:
        log.info("could not set the command menu of chat %s: %s", chat_id, exc)


async def on_unknown_command(update: Update, context: Context) -> None:
    """A command the bot does not have: say so in private chats."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None or chat.type != "private" or not message.text:
        return
    word = message.text.split()[0].split("@")[0]
    await message.reply_text(f"I don't know {render.esc(word)}. Send /help to see what I can do.")


async def on_stale_button(update: Update, context: Context) -> None:
    """A button whose data this version does not understand (forged, or very old)."""
    press = Press(update, context)
    if press.query.data == NOOP:
        await press.answer()
        return
    data = str(press.query.data)
    shown = repr(data[: callbacks.MAX_BYTES]) + ("..." if len(data) > callbacks.MAX_BYTES else "")
    log.info("unknown callback data %s from user %s", shown, press.query.from_user.id)
    raise UserFacing(STALE)
