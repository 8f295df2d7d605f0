"""Each user's notification choices: the rules, the use cases, and the outbox honouring them."""

from __future__ import annotations

import pytest

from core import preferences
from core.errors import InvalidInput, NotFound, PermissionDenied
from core.events import Audience, DeliveryStatus, EventKind
from core.notification_types import ALL_TYPES, NotificationType
from core.notifications import Dispatcher
from core.permissions import Permission
from core.preferences import TURNED_OFF, Preferences, event_types
from tests.core_fixtures import MANAGER, World, payload_for
from tests.fakes import RecordingNotifier

K = EventKind
T = NotificationType


@pytest.fixture
def world() -> World:
    return World()


def test_a_channel_never_chosen_sends_every_event() -> None:
    prefs = Preferences(1)
    assert prefs.types_on("telegram") == ALL_TYPES
    assert all(prefs.wants("telegram", kind) for kind in EventKind)


def test_a_chosen_mask_decides_per_channel_and_per_event() -> None:
    prefs = Preferences(1, {"telegram": T.MEDIA_AVAILABLE})
    assert prefs.wants("telegram", K.AVAILABLE)
    assert not prefs.wants("telegram", K.APPROVED)
    assert not prefs.wants("telegram", K.RETRIED)  # a retry is approved again, for Seerr
    assert prefs.wants("discord", K.APPROVED)  # another channel: its own (default) choice
    assert prefs.wants("console", K.APPROVED)  # no preference channel
    assert prefs.wants("telegram", K.CANCELLED)  # Seerr has no type for it: always


def test_toggling_flips_one_bit_of_one_channel() -> None:
    off = Preferences(1).toggled("discord", T.MEDIA_APPROVED)
    assert off.types_on("discord") == ALL_TYPES & ~T.MEDIA_APPROVED
    assert off.types_on("telegram") == ALL_TYPES
    assert off.toggled("discord", T.MEDIA_APPROVED).types_on("discord") == ALL_TYPES


def test_managers_are_offered_their_events_too(world: World) -> None:
    alice, boss = world.user("alice"), world.user("boss", MANAGER)
    assert T.MEDIA_PENDING not in event_types(alice)
    assert T.MEDIA_FAILED in event_types(alice)
    assert event_types(boss)[:2] == (T.MEDIA_PENDING, T.MEDIA_AUTO_APPROVED)


async def test_the_use_cases_store_and_check(world: World) -> None:
    alice = world.user("alice")
    services = world.services
    toggled = await preferences.toggle_type(services, alice.id, "telegram", T.MEDIA_APPROVED)
    assert not toggled.wants("telegram", K.APPROVED)
    assert await preferences.preferences(services, alice.id) == toggled
    chosen = await preferences.set_types(services, alice.id, "discord", T.MEDIA_DECLINED)
    assert chosen.types_on("discord") == T.MEDIA_DECLINED
    assert chosen.types_on("telegram") == ALL_TYPES & ~T.MEDIA_APPROVED
    assert (await preferences.toggle_private_cards(services, alice.id)).private_cards
    assert not (await preferences.set_private_cards(services, alice.id, False)).private_cards
    with pytest.raises(InvalidInput):
        await preferences.set_types(services, alice.id, "email", T.MEDIA_DECLINED)
    with pytest.raises(NotFound):
        await preferences.toggle_type(services, 99, "telegram", T.MEDIA_APPROVED)


async def test_the_api_use_cases_guard_others_and_the_owner(world: World) -> None:
    owner = world.user("owner", Permission.ADMIN)
    assert owner.id == preferences.OWNER_ID
    alice, bob = world.user("alice"), world.user("bob")
    mod = world.user("mod", Permission.MANAGE_USERS)
    services = world.services
    with pytest.raises(PermissionDenied):
        await preferences.user_settings(services, bob.id, alice.id)
    _, prefs = await preferences.update_user_types(services, mod.id, alice.id, {"discord": 8})
    assert prefs.types_on("discord") == T.MEDIA_AVAILABLE
    with pytest.raises(PermissionDenied):
        await preferences.update_user_types(services, mod.id, owner.id, {"discord": 8})
    with pytest.raises(InvalidInput):
        await preferences.update_user_types(services, alice.id, alice.id, {"discord": 1})
    _, kept = await preferences.update_user_types(services, alice.id, alice.id, {"email": 0})
    assert kept == prefs  # channels that are none of ours are passed over


async def test_a_send_turned_off_is_not_made_and_the_log_says_why(world: World) -> None:
    discord, telegram = RecordingNotifier("discord"), RecordingNotifier("telegram")
    alice = world.user("alice", platforms=["discord", "telegram"])
    await preferences.toggle_type(world.services, alice.id, "telegram", T.MEDIA_APPROVED)
    async with world.uow() as uow:
        event = await uow.events.add(K.APPROVED, payload_for(alice), world.clock.now())
        await uow.commit()

    await Dispatcher(world.uow, world.clock, [discord, telegram]).deliver_due()

    assert discord.sent_to(alice.id) == [K.APPROVED]
    assert telegram.calls == []
    logged = {(a.notifier, a.status, a.error) for a in world.db.attempts(event.id)}
    assert logged == {
        ("discord", DeliveryStatus.SENT, None),
        ("telegram", DeliveryStatus.SKIPPED, TURNED_OFF),
    }
    # Delivered: a later pass neither sends it nor logs the skip again.
    assert await Dispatcher(world.uow, world.clock, [discord, telegram]).deliver_due() == 0
    assert len(world.db.attempts(event.id)) == 2


async def test_a_manager_who_wants_private_cards_gets_sends_marked_so(world: World) -> None:
    telegram = RecordingNotifier("telegram")
    alice = world.user("alice", platforms=["telegram"])
    boss = world.user("boss", MANAGER, platforms=["telegram"])
    other = world.user("other", MANAGER, platforms=["telegram"])
    await preferences.set_private_cards(world.services, boss.id, True)
    async with world.uow() as uow:
        await uow.events.add(K.PENDING, payload_for(alice), world.clock.now())
        await uow.commit()

    await Dispatcher(world.uow, world.clock, [telegram]).deliver_due()

    marked = {(n.recipient.id, n.audience, n.private_card) for n in telegram.sent}
    assert marked == {
        (alice.id, Audience.REQUESTER, False),
        (boss.id, Audience.MANAGER, True),
        (other.id, Audience.MANAGER, False),
    }


async def test_a_merged_user_keeps_both_choices(world: World) -> None:
    source, target = world.user("source"), world.user("target")
    services = world.services
    await preferences.set_types(services, source.id, "telegram", T.MEDIA_AVAILABLE)
    await preferences.set_types(services, source.id, "discord", T.MEDIA_DECLINED)
    await preferences.set_types(services, target.id, "discord", T.MEDIA_APPROVED)
    await preferences.set_private_cards(services, source.id, True)
    async with world.uow() as uow:
        await uow.users.merge(source.id, target.id, world.clock.now())
        await uow.commit()
    merged = await preferences.preferences(services, target.id)
    assert merged.types == {"telegram": T.MEDIA_AVAILABLE, "discord": T.MEDIA_APPROVED}
    assert merged.private_cards
