"""GET/POST /user/{id}/settings/notifications: a user's choice of events per chat, in
Seerr's shape, on a real database."""

from __future__ import annotations

from core.events import EventKind
from core.identity import Identity
from core.notification_types import ALL_TYPES, NotificationType
from core.permissions import Permission
from tests.api_world import ApiWorld

T = NotificationType


async def test_a_user_reads_and_changes_their_own_choices(api_world: ApiWorld) -> None:
    alice = api_world.alice
    async with api_world.services.uow() as uow:
        await uow.users.add_identity(alice.id, Identity("telegram", "4242"))
        await uow.commit()
    path = f"/user/{alice.id}/settings/notifications"
    before = await api_world.json(path, alice)
    assert before["notificationTypes"] == {"telegram": int(ALL_TYPES), "discord": int(ALL_TYPES)}
    assert (before["telegramEnabled"], before["discordEnabled"]) == (True, True)
    assert (before["telegramChatId"], before["discordId"]) == ("4242", "alice")
    assert (before["emailEnabled"], before["webPushEnabled"]) == (False, False)
    assert before["telegramSendSilently"] is False
    assert before["discordEnabledTypes"] == int(ALL_TYPES)

    wanted = int(T.MEDIA_AVAILABLE | T.MEDIA_DECLINED)
    body = {
        "notificationTypes": {"telegram": wanted, "email": 0},  # email is none of ours
        "telegramChatId": "999",  # identities are linked in the chats: ignored
        "pgpKey": "ignored",
    }
    changed = await api_world.post(path, body, alice)
    assert changed.status_code == 200, changed.text
    assert changed.json()["notificationTypes"] == {"telegram": wanted, "discord": int(ALL_TYPES)}
    assert changed.json()["telegramChatId"] == "4242"
    # Only the channels given change: a later POST for Discord keeps Telegram's choice.
    await api_world.post(path, {"notificationTypes": {"discord": 0}}, alice)
    after = await api_world.json(path, alice)
    assert after["notificationTypes"] == {"telegram": wanted, "discord": 0}
    async with api_world.services.uow(write=False) as uow:
        stored = await uow.preferences.get(alice.id)
    assert not stored.wants("telegram", EventKind.APPROVED)


async def test_others_settings_need_manage_users_and_the_owners_only_the_owner(
    api_world: ApiWorld,
) -> None:
    alice, bob = api_world.alice, api_world.bob
    path = f"/user/{alice.id}/settings/notifications"
    body = {"notificationTypes": {"telegram": 8}}
    assert (await api_world.get(path, bob)).status_code == 403
    assert (await api_world.post(path, body, bob)).status_code == 403
    manager = await api_world.user("mod", Permission.MANAGE_USERS)
    assert (await api_world.get(path, manager)).status_code == 200
    assert (await api_world.post(path, body, manager)).json()["notificationTypes"]["telegram"] == 8
    assert (await api_world.post(path, body)).status_code == 200  # the admin (the key alone)

    owners = "/user/1/settings/notifications"
    assert (await api_world.get(owners, manager)).status_code == 200  # viewing is allowed
    refused = await api_world.post(owners, body, manager)
    assert refused.status_code == 403
    assert "permission to modify this user's settings" in refused.json()["message"]
    assert (await api_world.post(owners, body)).status_code == 200  # the owner themself

    assert (await api_world.get("/user/99/settings/notifications")).status_code == 404
    assert (await api_world.post("/user/99/settings/notifications", body)).status_code == 404
    bad = await api_world.post(path, {"notificationTypes": {"telegram": 1}})
    assert bad.status_code == 400
    assert "notificationTypes" in bad.json()["message"]
