"""/notifications' switches as both chats show them, and the button data they carry."""

from __future__ import annotations

from adapters.discord.controls import fits
from adapters.notification_menu import channels_for, parse_switch, switches
from adapters.telegram import callbacks
from core.identity import Identity, User
from core.notification_types import NotificationType
from core.permissions import Permission
from core.preferences import Preferences

T = NotificationType
BOTH = (Identity("telegram", "1"), Identity("discord", "2"))


def test_a_switch_per_channel_the_user_is_on_and_the_deployment_runs() -> None:
    user = User(5, "Ann", Permission.REQUEST, BOTH)
    assert channels_for(user, ("telegram", "discord"), "telegram") == ["telegram", "discord"]
    assert channels_for(user, (), "discord") == ["discord"]  # Telegram does not run here
    lone = User(6, "Bo", Permission.REQUEST, BOTH[:1])
    assert channels_for(lone, ("telegram", "discord"), "telegram") == ["telegram"]

    prefs = Preferences(5, {"discord": T.MEDIA_APPROVED})
    rows = switches(user, prefs, ["telegram", "discord"])
    assert [s.label for s in rows[0]] == ["✅ Approved · Telegram", "✅ Approved · Discord"]
    assert [s.label for s in rows[1]] == ["✅ Declined · Telegram", "❌ Declined · Discord"]
    assert [s.code for s in rows[0]] == ["t4", "d4"]
    assert len(rows) == 4  # no manager's switches


def test_a_pressed_switch_must_still_be_one_of_the_users() -> None:
    user = User(5, "Ann", Permission.REQUEST, BOTH)
    boss = User(7, "Boss", Permission.MANAGE_REQUESTS, BOTH)
    assert parse_switch("d4", user, ["telegram", "discord"]) == ("discord", T.MEDIA_APPROVED)
    assert parse_switch("d4", user, ["telegram"]) is None  # not on Discord any more
    assert parse_switch("t2", user, ["telegram"]) is None  # pending: a manager's event
    assert parse_switch("t2", boss, ["telegram"]) == ("telegram", T.MEDIA_PENDING)
    assert parse_switch("t32", boss, ["telegram"]) is None  # no event of the menu
    assert parse_switch("pc", user, ["telegram"]) is None
    assert parse_switch("pc", boss, ["telegram"]) == ("", T.NONE)
    assert switches(boss, Preferences(7, private_cards=True), ["telegram"])[-1][0].on


def test_the_button_data_fits_both_platforms_and_forgeries_do_not() -> None:
    longest = callbacks.notifications(2**52, "t4096")
    assert len(longest.encode()) <= callbacks.MAX_BYTES
    assert callbacks.NOTIFICATIONS.fullmatch(longest)
    for forged in ("nf:5:x4", "nf:5:t0", "nf:5:t12345", "nf:0:t4", "nf:5:pcx"):
        assert not callbacks.NOTIFICATIONS.fullmatch(forged)
    assert fits("nf", f"{2**63}:d128")
    assert fits("nf", "900000000000000011:pc")
    assert not fits("nf", "9:e4")
