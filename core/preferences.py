"""Each user's notification choices, as in Seerr's user notification settings: which events
reach them on each chat channel (a mask of Seerr's notification types per channel), and for
managers whether approval cards come to them privately as well as to the admin chat.

A channel with no mask stored sends every event. Seerr keeps 0 (nothing) for an unset
Discord or Telegram entry, but there a user is reachable on those only after typing their
chat id into the form that also picks the types; its channels that reach a user without such
a step (email, web push) default to every type. A chat identity here is of that kind (the
user talks to the bot, which is what makes them reachable), so it defaults the same way and
nobody stops hearing of their requests because they never opened /notifications.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from core.acting import OWNER_ID  # the owner's settings are changed by the owner only
from core.errors import InvalidInput, PermissionDenied
from core.events import Audience, EventKind
from core.identity import User
from core.notification_types import ALL_TYPES, NotificationType, of_event
from core.permissions import Permission, has_any, manages_requests
from core.ports import UnitOfWork
from core.services import Services, in_transaction
from core.users import load_user

T = NotificationType

# The chat channels a user chooses events for (the chat notifiers' names).
CHANNELS = ("telegram", "discord")
DEFAULT_TYPES: NotificationType = ALL_TYPES

# The events a user is told of, as /notifications lists them: what happens to their requests
# (and to the titles they watch), then what managers hear of. A failure is one type for both.
REQUESTER_TYPES = (T.MEDIA_APPROVED, T.MEDIA_DECLINED, T.MEDIA_FAILED, T.MEDIA_AVAILABLE)
MANAGER_TYPES = (T.MEDIA_PENDING, T.MEDIA_AUTO_APPROVED)
# What becomes of an issue one reported (a manager hears of comments on any issue too).
REPORTER_TYPES = (T.ISSUE_COMMENT, T.ISSUE_RESOLVED, T.ISSUE_REOPENED)
TURNED_OFF = "turned off in /notifications"  # the delivery log's reason for a skip


@dataclass(frozen=True, slots=True)
class Preferences:
    """One user's choices; ``types`` holds only the channels the user has set."""

    user_id: int
    types: Mapping[str, NotificationType] = field(default_factory=dict)
    private_cards: bool = False

    def types_on(self, channel: str) -> NotificationType:
        """The events that reach the user on ``channel``."""
        return self.types.get(channel, DEFAULT_TYPES)

    def wants(self, channel: str, kind: EventKind) -> bool:
        """Whether an event of ``kind`` reaches the user on ``channel``. A channel that is
        no preference channel (the console), or an event Seerr has no type for, always
        does (as Seerr, which sends a type of NONE to everyone)."""
        wanted = of_event(kind)
        if channel not in CHANNELS or wanted is T.NONE:
            return True
        return bool(self.types_on(channel) & wanted)

    def toggled(self, channel: str, flag: NotificationType) -> Preferences:
        """These preferences with ``flag`` flipped on ``channel``."""
        types = dict(self.types)
        types[channel] = self.types_on(channel) ^ flag
        return replace(self, types=types)


def event_types(user: User) -> tuple[NotificationType, ...]:
    """The events /notifications offers ``user``: a manager's too when they manage requests,
    new issues when they manage issues, and what becomes of the issues they report."""
    held = user.permissions
    found = [*MANAGER_TYPES] if manages_requests(held) else []
    found += REQUESTER_TYPES
    if has_any(held, Permission.MANAGE_ISSUES):
        found.append(T.ISSUE_CREATED)
    if has_any(held, Permission.CREATE_ISSUES, Permission.MANAGE_ISSUES):
        found += REPORTER_TYPES
    return tuple(found)


def private_cards_for(prefs: Preferences, audience: Audience) -> bool:
    """Whether this notification is a manager's card that they want in private too."""
    return audience is Audience.MANAGER and prefs.private_cards


def check_channel(channel: str) -> str:
    if channel not in CHANNELS:
        raise InvalidInput("channel", channel, f"not one of {', '.join(CHANNELS)}")
    return channel


def check_types(channel: str, value: int) -> NotificationType:
    if value < 0 or value & ~int(ALL_TYPES):
        raise InvalidInput("notificationTypes", {channel: value}, "not notification type flags")
    return NotificationType(value)


# -- use cases --


async def preferences(services: Services, user_id: int) -> Preferences:
    """A user's choices (their own: the chats ask for the user who is talking)."""

    async def work(uow: UnitOfWork) -> Preferences:
        await load_user(uow, user_id)
        return await uow.preferences.get(user_id)

    return await in_transaction(services, work, write=False)


async def set_types(
    services: Services, user_id: int, channel: str, types: NotificationType
) -> Preferences:
    """Choose the events that reach the user on one channel."""
    check_channel(channel)
    check_types(channel, int(types))

    async def work(uow: UnitOfWork) -> Preferences:
        await load_user(uow, user_id, for_update=True)  # one change of a user's at a time
        await uow.preferences.set_types(user_id, channel, types, services.clock.now())
        return await uow.preferences.get(user_id)

    return await in_transaction(services, work)


async def toggle_type(
    services: Services, user_id: int, channel: str, flag: NotificationType
) -> Preferences:
    """Turn one event on or off on one channel (a button in /notifications)."""
    check_channel(channel)

    async def work(uow: UnitOfWork) -> Preferences:
        await load_user(uow, user_id, for_update=True)  # two quick presses flip twice
        current = await uow.preferences.get(user_id)
        types = current.toggled(channel, flag).types_on(channel)
        await uow.preferences.set_types(user_id, channel, types, services.clock.now())
        return await uow.preferences.get(user_id)

    return await in_transaction(services, work)


async def set_private_cards(services: Services, user_id: int, on: bool) -> Preferences:
    """A manager's choice to get approval cards privately as well as in the admin chat."""

    async def work(uow: UnitOfWork) -> Preferences:
        await load_user(uow, user_id, for_update=True)
        await uow.preferences.set_private_cards(user_id, on, services.clock.now())
        return await uow.preferences.get(user_id)

    return await in_transaction(services, work)


async def toggle_private_cards(services: Services, user_id: int) -> Preferences:
    """Flip a manager's private cards (a button in /notifications)."""

    async def work(uow: UnitOfWork) -> Preferences:
        await load_user(uow, user_id, for_update=True)
        current = await uow.preferences.get(user_id)
        await uow.preferences.set_private_cards(
            user_id, not current.private_cards, services.clock.now()
        )
        return await uow.preferences.get(user_id)

    return await in_transaction(services, work)


async def _oneself_or_manager(uow: UnitOfWork, actor_id: int, user_id: int, action: str) -> User:
    """The actor, if they act on themselves or hold MANAGE_USERS; PermissionDenied if not."""
    actor = await load_user(uow, actor_id)
    if actor.id != user_id and not has_any(actor.permissions, Permission.MANAGE_USERS):
        raise PermissionDenied(action, (Permission.MANAGE_USERS,))
    return actor


async def user_settings(
    services: Services, actor_id: int, user_id: int
) -> tuple[User, Preferences]:
    """A user and their choices, for the API: oneself, or anyone with MANAGE_USERS."""

    async def work(uow: UnitOfWork) -> tuple[User, Preferences]:
        await _oneself_or_manager(uow, actor_id, user_id, "view this user's settings")
        user = await load_user(uow, user_id)
        return user, await uow.preferences.get(user_id)

    return await in_transaction(services, work, write=False)


async def update_user_types(
    services: Services, actor_id: int, user_id: int, types: Mapping[str, int]
) -> tuple[User, Preferences]:
    """Set the masks of the channels given (others stay), for the API: oneself, or anyone
    with MANAGE_USERS; the owner's only by the owner. Channels that are none of ours
    (Seerr's email, web push, ...) are passed over, as Seerr drops unknown agent keys."""
    wanted = {c: check_types(c, v) for c, v in types.items() if c in CHANNELS}

    async def work(uow: UnitOfWork) -> tuple[User, Preferences]:
        actor = await _oneself_or_manager(uow, actor_id, user_id, "modify this user's settings")
        user = await load_user(uow, user_id, for_update=True)
        if user.id == OWNER_ID and actor.id != OWNER_ID:
            raise PermissionDenied("modify this user's settings", (Permission.ADMIN,))
        now = services.clock.now()
        for channel, mask in wanted.items():
            await uow.preferences.set_types(user_id, channel, mask, now)
        return user, await uow.preferences.get(user_id)

    return await in_transaction(services, work)
