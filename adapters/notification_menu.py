"""/notifications, as both chats show it: the user's events with an on/off switch per event
and channel (the chat platforms this deployment runs that the user is linked on), and for
managers the switch that brings approval cards to their private chat too. Each platform
turns the switches into its own buttons."""

from __future__ import annotations

from dataclasses import dataclass

from core.identity import User
from core.notification_types import NotificationType
from core.permissions import manages_requests
from core.preferences import CHANNELS, Preferences, event_types

T = NotificationType

EVENT_LABELS = {
    T.MEDIA_PENDING: "New requests",
    T.MEDIA_AUTO_APPROVED: "Approved automatically",
    T.MEDIA_APPROVED: "Approved",
    T.MEDIA_DECLINED: "Declined",
    T.MEDIA_FAILED: "Failed",
    T.MEDIA_AVAILABLE: "Available",
    T.ISSUE_CREATED: "New issues",
    T.ISSUE_COMMENT: "Issue comments",
    T.ISSUE_RESOLVED: "Issues resolved",
    T.ISSUE_REOPENED: "Issues reopened",
}
CHANNEL_LABELS = {"telegram": "Telegram", "discord": "Discord"}
CHANNEL_CODES = {"telegram": "t", "discord": "d"}  # in button data
PRIVATE_CARDS = "pc"  # the code of the private-cards switch in button data
UNKNOWN_SWITCH = "That button is not one of your switches any more. Send /notifications again."


@dataclass(frozen=True, slots=True)
class Switch:
    """One button: an event on a channel, or a manager's private cards."""

    label: str
    code: str  # what the button carries: ``t4`` (Telegram, approved) or ``pc``
    on: bool


def channels_for(user: User, running: tuple[str, ...], here: str) -> list[str]:
    """The channels the user chooses for: those this deployment runs (``here``, the chat
    asking, always does) where the user has an identity."""
    platforms = {i.platform for i in user.identities}
    live = {*running, here}
    return [c for c in CHANNELS if c in live and c in platforms]


def switches(user: User, prefs: Preferences, channels: list[str]) -> list[list[Switch]]:
    """Rows of switches: one per event (a switch per channel), then private cards for a
    manager."""
    several = len(channels) > 1
    rows = []
    for flag in event_types(user):
        row = []
        for channel in channels:
            on = bool(prefs.types_on(channel) & flag)
            where = f" · {CHANNEL_LABELS[channel]}" if several else ""
            label = f"{'✅' if on else '❌'} {EVENT_LABELS[flag]}{where}"
            row.append(Switch(label, f"{CHANNEL_CODES[channel]}{int(flag)}", on))
        rows.append(row)
    if manages_requests(user.permissions):
        on = prefs.private_cards
        label = f"{'✅' if on else '❌'} Approval cards in private too"
        rows.append([Switch(label, PRIVATE_CARDS, on)])
    return rows


def parse_switch(code: str, user: User, channels: list[str]) -> tuple[str, T] | None:
    """(channel, event) of a pressed switch, ``("", NONE)`` for private cards, or None when
    it is none of this user's switches (any more: their role or links changed)."""
    if code == PRIVATE_CARDS:
        return ("", T.NONE) if manages_requests(user.permissions) else None
    channel = next((c for c, letter in CHANNEL_CODES.items() if code[:1] == letter), None)
    if channel is None or channel not in channels or not code[1:].isdigit():
        return None
    flag = next((f for f in event_types(user) if int(f) == int(code[1:])), None)
    return None if flag is None else (channel, flag)


def intro(user: User, channels: list[str], *, bold: tuple[str, str]) -> str:
    """The words above the switches; ``bold`` is the platform's (opening, closing) mark."""
    opening, closing = bold
    lines = [f"{opening}Your notifications{closing}: press one to turn it on or off."]
    if not channels:
        lines = ["I can't message you on any chat yet, so there is nothing to choose."]
    elif len(channels) > 1:
        lines.append("Each event has a switch for each chat you use with me.")
    if manages_requests(user.permissions):
        lines.append(
            "Approval cards go to the admin chat when there is one; turn on "
            "“in private too” to get them here as well."
        )
    return "\n".join(lines)
