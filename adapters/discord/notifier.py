"""Notifications through Discord, from the core's outbox.

- Requesters and "Notify me" users get a direct message (an embed in Seerr's colours). If
  their DMs are closed, they are mentioned in the notify channel instead, when one is set.
- Managers get approval cards in the admin channel, posted once per request whoever the
  managers are; without an admin channel, each manager gets them as direct messages (and
  so does a manager who chose that in /notifications, as well).
- Every card is remembered (core.chat) and edited as the request moves on, whoever moved it
  and wherever; a card always shows the request as it is now.
- "Now available" is announced in the notify channel.
- What happens to an issue goes to adapters.discord.issue_cards (its cards go where
  approval cards go).

discord.py waits out 429s itself (it reads retry_after and the rate-limit buckets); what
still fails becomes DeliveryFailed, and the outbox tries again later, so nothing is lost
across a restart.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Sequence
from typing import Any

import aiohttp
import discord

from adapters.attached import Attached
from adapters.cards import as_it_is_now, quota_use
from adapters.discord import digest, render
from adapters.discord.cards import card
from adapters.discord.config import PLATFORM, DiscordConfig
from adapters.discord.edits import edit_card
from adapters.discord.issue_cards import IssueCards
from adapters.discord.replies import fingerprint
from adapters.memory import KeyedLocks, Recent
from core import chat
from core.audience import told_in_place
from core.digest import is_digest
from core.domain import ChatPost
from core.errors import DeliveryFailed
from core.events import Audience, Event, EventKind, EventPayload, Notification
from core.identity import User
from core.ports import SHARED
from core.services import Services

log = logging.getLogger(__name__)

CARD = "approval"
DM_CLOSED = 50007  # Discord's "Cannot send messages to this user"
MESSAGE = 2000  # characters of a message's content
RATE_LIMITED_AGAIN = 5.0  # seconds, when discord.py's own retries did not get through


class DiscordNotifier:
    """core.ports.Notifier and core.ports.Broadcaster for Discord."""

    name = PLATFORM

    def __init__(self, services: Services, config: DiscordConfig) -> None:
        self._services = services
        self._config = config
        self._client: Attached[discord.Client] = Attached("Discord")
        self._shown: Recent[tuple[int, int], str] = Recent()  # what each card shows now
        self._cards = KeyedLocks()  # one update of a request's cards at a time
        self.issues = IssueCards(
            services, config, self._client, self._delivery, self._dm_channel, self.direct
        )

    def attach(self, client: discord.Client) -> None:
        self._client.attach(client)

    def detach(self) -> None:
        self._client.detach()

    def reaches(self, user: User) -> bool:
        return user.numeric_id(PLATFORM) is not None

    def destinations(self, notification: Notification) -> tuple[str, ...]:
        """core.ports.Routed: the recipient's DMs; for a manager's card sent as a DM (no
        admin channel, or the manager wants cards privately too) also the shared channels:
        the card goes after the publish of its event, and its edits after it."""
        own = f"user:{notification.recipient.numeric_id(PLATFORM)}"
        if notification.audience is Audience.MANAGER and self._dm_card(notification):
            return (own, SHARED)
        return (own,)

    def _dm_card(self, notification: Notification) -> bool:
        """Whether a manager's card goes to their DMs."""
        return self._config.admin_channel_id is None or notification.private_card

    async def send(self, notification: Notification) -> bool:
        """Tell one recipient; False when Discord has nothing to add for them."""
        event, user = notification.event, notification.recipient
        user_id = user.numeric_id(PLATFORM)
        if user_id is None or told_in_place(notification):
            return False
        if event.kind.is_issue:
            return await self.issues.send(
                notification, user_id, dm_card=self._dm_card(notification)
            )
        if notification.audience is Audience.MANAGER:
            if not self._dm_card(notification):
                return False  # the admin channel has the card (publish)
            if event.kind in (EventKind.PENDING, EventKind.FAILED):
                channel = await self._dm_channel(user_id)
                await self.post_card(channel, event.payload, event.kind)
                return True
        await self.direct(user_id, embed=render.notification(notification))
        return True

    async def direct(self, user_id: int, content: str = "", **kwargs: Any) -> None:
        """A direct message; with the user's DMs closed, said in the notify channel instead
        (when one is set), mentioning only that user. DeliveryFailed when neither takes it."""
        try:
            channel = await self._dm_channel(user_id)
            async with self._delivery(f"the DMs of user {user_id}"):
                await channel.send(content or None, **kwargs)
        except DeliveryFailed as exc:
            if not _dm_closed(exc) or self._config.notify_channel_id is None:
                raise
            await self._mention(user_id, content, **kwargs)

    async def _mention(self, user_id: int, content: str, **kwargs: Any) -> None:
        """DMs closed: say it in the notify channel, mentioning only that user."""
        channel_id = self._config.notify_channel_id
        assert channel_id is not None
        channel = (await self._client.ready()).get_partial_messageable(channel_id)
        lead = f"<@{user_id}> (your direct messages are closed, so here it is):"
        if content:
            lead += "\n" + render.cut(content, MESSAGE - len(lead) - 1)
        async with self._delivery(f"the notify channel {channel_id}"):
            await channel.send(
                lead,
                allowed_mentions=discord.AllowedMentions(users=[discord.Object(user_id)]),
                **kwargs,
            )

    async def publish(self, event: Event) -> bool:
        """Update the shared channels: edit every card of the request, post the card of a new
        request in the admin channel (or note a failure there), announce availability."""
        kind, payload = event.kind, event.payload
        if kind.is_issue:
            return await self.issues.publish(event)
        done = False
        if kind is not EventKind.PENDING:
            done = await self.update_cards(payload, kind) > 0
        client = await self._client.ready()
        admin, public = self._config.admin_channel_id, self._config.notify_channel_id
        if kind is EventKind.PENDING and self._config.admin_digest_minutes:
            admin = None  # the admin channel's digest lists it (adapters.discord.digest)
        if admin is not None and kind in (EventKind.PENDING, EventKind.AUTO_APPROVED):
            await self.post_card(client.get_partial_messageable(admin), payload, kind)
            done = True
        elif admin is not None and kind is EventKind.FAILED:
            await self._note_failure(client.get_partial_messageable(admin), payload)
            done = True
        if public is not None and kind is EventKind.AVAILABLE:
            channel = client.get_partial_messageable(public)
            async with self._delivery(f"the notify channel {public}"):
                await channel.send(embed=render.announcement(payload))
            done = True
        return done

    async def post_card(
        self, channel: discord.abc.Messageable, payload: EventPayload, kind: EventKind
    ) -> None:
        """Post the card of a request as it is now and remember it, so that decisions
        anywhere edit it."""
        payload, kind = await as_it_is_now(self._services, payload, kind)
        use = ""
        if kind is EventKind.PENDING:
            use = await quota_use(self._services, payload.requested_by_id, payload.media_type)
        shown = card(payload, kind, use)
        async with self._delivery(f"channel {getattr(channel, 'id', '?')}"):
            message = await channel.send(**shown)
        post = ChatPost(
            PLATFORM, str(message.channel.id), str(message.id), payload.request_id, CARD
        )
        await chat.record_post(self._services, post)
        self._shown[(message.channel.id, message.id)] = fingerprint(**shown)

    async def update_cards(self, payload: EventPayload, kind: EventKind) -> int:
        """Edit every card of the request to show it as it is now; returns how many show it.
        Cards deleted meanwhile, or in channels the bot lost, are skipped."""
        async with self._cards(str(payload.request_id)):
            client = await self._client.ready()
            payload, kind = await as_it_is_now(self._services, payload, kind)
            shown = card(payload, kind)
            edited = 0
            for post in await chat.posts_for(self._services, payload.request_id, PLATFORM):
                if is_digest(post):
                    edited += await self._update_digest(client, post)
                    continue
                where = (int(post.chat_id), int(post.message_id))
                edited += await edit_card(client, where, shown, self._shown, self._delivery)
            return edited

    async def _update_digest(self, client: discord.Client, post: ChatPost) -> int:
        """Lay out a digest again with its requests as they are now (one update of a
        digest at a time: it lists several requests)."""
        async with self._cards(f"digest:{post.message_id}"):
            shown = await digest.layout_now(self._services, post)
            if shown is None:
                return 0
            where = (int(post.chat_id), int(post.message_id))
            return int(await edit_card(client, where, shown, self._shown, self._delivery))

    async def post_digest(self, channel_id: int, shown: dict[str, Any]) -> int:
        """Post a digest in the admin channel; its message id. DeliveryFailed if it cannot."""
        channel = (await self._client.ready()).get_partial_messageable(channel_id)
        async with self._delivery(f"the admin channel {channel_id}"):
            message = await channel.send(**shown)
        self._shown[(message.channel.id, message.id)] = fingerprint(**shown)
        return message.id

    async def post_to_managers(
        self, content: str, view: discord.ui.View | None, managers: Sequence[User]
    ) -> list[tuple[str, str]]:
        """Post a card that is not a request's (an account claim) where approval cards go:
        the admin channel, else each manager's DMs; returns where it was posted (a channel
        that cannot take it is logged and passed over)."""
        client = await self._client.ready()
        admin = self._config.admin_channel_id
        posted: list[tuple[str, str]] = []
        targets: list[int | None] = [admin] if admin else [m.numeric_id(PLATFORM) for m in managers]
        for target in dict.fromkeys(t for t in targets if t is not None):
            try:
                channel: discord.abc.Messageable = (
                    client.get_partial_messageable(target)
                    if admin
                    else await self._dm_channel(target)
                )
                async with self._delivery(f"channel {target}"):
                    kwargs: dict[str, Any] = {"view": view} if view is not None else {}
                    message = await channel.send(content, **kwargs)
            except DeliveryFailed as exc:
                log.info("card not posted for %s: %s", target, exc.reason)
                continue
            posted.append((str(message.channel.id), str(message.id)))
        return posted

    async def edit_posts(self, posts: Sequence[tuple[str, str]], content: str) -> None:
        """Show ``content`` without buttons on cards posted by post_to_managers."""
        client = await self._client.ready()
        for channel_id, message_id in posts:
            channel = client.get_partial_messageable(int(channel_id))
            message = channel.get_partial_message(int(message_id))
            try:
                async with self._delivery(f"card {message_id} in channel {channel_id}"):
                    await message.edit(content=content, view=None)
            except DeliveryFailed as exc:
                log.info("card %s not edited: %s", message_id, exc.reason)

    async def tell(self, user_id: int, content: str) -> bool:
        """A plain direct message now (not through the outbox); False if it failed."""
        try:
            channel = await self._dm_channel(user_id)
            async with self._delivery(f"the DMs of user {user_id}"):
                await channel.send(content)
        except DeliveryFailed as exc:
            log.info("user %s not told: %s", user_id, exc.reason)
            return False
        return True

    def shown_by_hand(
        self, message: discord.Message, payload: EventPayload, kind: EventKind
    ) -> None:
        """A button handler has just shown the request on this card as ``kind`` left it:
        the outbox need not."""
        self._shown[(message.channel.id, message.id)] = fingerprint(**card(payload, kind))

    async def _note_failure(self, channel: discord.abc.Messageable, payload: EventPayload) -> None:
        """A failure: a reply to the request's card in that channel (whose edit shows Retry),
        or a new card if it has none."""
        posts = await chat.posts_for(self._services, payload.request_id, PLATFORM)
        here = [
            p for p in posts if p.chat_id == str(getattr(channel, "id", "")) and not is_digest(p)
        ]
        if not here:
            await self.post_card(channel, payload, EventKind.FAILED)
            return
        reference = discord.MessageReference(
            message_id=int(here[-1].message_id),
            channel_id=int(here[-1].chat_id),
            fail_if_not_exists=False,
        )
        async with self._delivery(f"channel {here[-1].chat_id}"):
            await channel.send(render.failure_note(payload), reference=reference)

    async def _dm_channel(self, user_id: int) -> discord.abc.Messageable:
        client = await self._client.ready()
        async with self._delivery(f"user {user_id}"):
            user = client.get_user(user_id) or await client.fetch_user(user_id)
            return user.dm_channel or await user.create_dm()
        raise AssertionError("unreachable")  # pragma: no cover

    @contextlib.asynccontextmanager
    async def _delivery(self, where: str) -> AsyncIterator[None]:
        """Discord's errors as the outbox understands them."""
        try:
            yield
        except discord.RateLimited as exc:
            raise DeliveryFailed("Discord rate limit", retry_after=exc.retry_after) from exc
        except discord.HTTPException as exc:
            if exc.status == 429:
                raise DeliveryFailed("Discord rate limit", retry_after=RATE_LIMITED_AGAIN) from exc
            if exc.status >= 500:
                raise DeliveryFailed(f"Discord is having trouble ({exc.status})") from exc
            level = logging.INFO if exc.code == DM_CLOSED else logging.WARNING
            log.log(
                level, "Discord refused a message to %s: %s (code %s)", where, exc.text, exc.code
            )
            raise DeliveryFailed(f"{exc.text} (code {exc.code})", permanent=True) from exc
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise DeliveryFailed(f"Discord is not reachable: {exc}") from exc


def _dm_closed(failure: DeliveryFailed) -> bool:
    cause = failure.__cause__
    return isinstance(cause, discord.HTTPException) and cause.code == DM_CLOSED
