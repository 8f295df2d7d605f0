"""/notifications: which events reach me, on which chat, and (managers) whether approval
cards come to me privately too; every switch is a button that flips it in place."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update

from adapters.notification_menu import channels_for, intro, parse_switch, switches
from adapters.telegram import callbacks
from adapters.telegram.context import STALE, Context, Press, acting_user, card_lock, deps
from adapters.telegram.messages import PLATFORM, keyboard, show
from adapters.text import UserFacing
from core import preferences
from core.identity import User
from core.services import Services

OTHERS = "Those are someone else's notifications. Send /notifications to see yours."


async def on_notifications(update: Update, context: Context) -> None:
    """/notifications: my switches."""
    message, sender = update.effective_message, update.effective_user
    if message is None or sender is None:
        return
    user = await acting_user(update, context)
    text, markup = await _menu(deps(context).services, user, sender.id)
    await message.reply_text(text, reply_markup=markup)


async def on_switch(update: Update, context: Context) -> None:
    """A switch of a /notifications message: flip it (the message's owner only) and show
    the switches as they are now."""
    press = Press(update, context)
    owner, code = int(press.groups[0]), press.groups[1]
    if owner != press.query.from_user.id:
        raise UserFacing(OTHERS)
    services = press.deps.services
    async with press.deps.locks(card_lock(press)):
        user = await press.user()
        pressed = parse_switch(code, user, _channels(services, user))
        if pressed is None:
            raise UserFacing(STALE)
        channel, flag = pressed
        if channel:
            flipping = preferences.toggle_type(services, user.id, channel, flag)
        else:
            flipping = preferences.toggle_private_cards(services, user.id)
        await press.quickly(flipping)
        await press.answer()
        if press.message is not None:
            text, markup = await _menu(services, user, owner)
            await show(press.message, text, markup)


def _channels(services: Services, user: User) -> list[str]:
    return channels_for(user, services.config.chat_platforms, PLATFORM)


async def _menu(
    services: Services, user: User, owner: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    channels = _channels(services, user)
    prefs = await preferences.preferences(services, user.id)
    rows = [
        [(s.label, callbacks.notifications(owner, s.code)) for s in row]
        for row in switches(user, prefs, channels)
    ]
    return intro(user, channels, bold=("<b>", "</b>")), keyboard(*rows)
