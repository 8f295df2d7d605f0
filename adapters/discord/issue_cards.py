"""An issue's card: an embed with the title's poster and issue_text.card_lines, and the
buttons issue_text.card_actions offers now (a deleted issue's card says so, without any).

IssueCards is the notifier's side of issues: it posts the managers' cards (in the admin
channel, else in each manager's DMs, as approval cards go), keeps every card of an issue
current whoever acted and wherever, and writes the notices of what happened to an issue
(to its reporter, and to managers: a comment or a reopening is news), each with a Comment
button. A reporter whose DMs are closed is told in the notify channel, as requesters are."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import discord

from adapters.attached import Attached
from adapters.discord import render
from adapters.discord.config import PLATFORM, DiscordConfig
from adapters.discord.controls import button
from adapters.discord.edits import Delivery, edit_card
from adapters.discord.replies import fingerprint, frozen
from adapters.issue_text import (
    ACTION_LABELS,
    IssueAction,
    card_actions,
    card_lines,
    event_sentence,
    gone_lines,
    is_reporters_news,
    notice,
)
from adapters.memory import KeyedLocks, Recent
from core import chat
from core.domain import ISSUE_POST, ChatPost
from core.events import Audience, Event, EventKind, EventPayload, Notification
from core.issue_queries import current_issue
from core.issue_values import Issue
from core.media import poster_url
from core.services import Services

ON_CARD, ON_NOTICE = "c", "n"  # where a Comment button is: its answer shows the card, or not
# What managers are told of besides their cards' edits, when the reporter did it: their
# answer, or a problem back again, needs one of them to look. (What managers do shows on
# the cards, and the reporter hears of it.)
ACTION_STYLES = {
    IssueAction.RESOLVE: discord.ButtonStyle.success,
    IssueAction.REOPEN: discord.ButtonStyle.secondary,
    IssueAction.COMMENT: discord.ButtonStyle.primary,
}

DmChannel = Callable[[int], Awaitable[discord.abc.Messageable]]
# A direct message to a user (DiscordNotifier.direct: a mention in the notify channel when
# their DMs are closed).
Direct = Callable[..., Awaitable[None]]


def _embed(lines: list[str], payload_url: str, poster: str | None, colour: int) -> discord.Embed:
    embed = discord.Embed(
        title=render.cut(lines[0], render.TITLE),
        description=render.cut("\n".join(lines[1:]), render.DESCRIPTION),
        colour=colour,
        url=payload_url,
    )
    if poster:
        embed.set_thumbnail(url=poster)
    return embed


def comment_button(issue_id: int, where: str) -> discord.ui.Item[Any]:
    label = ACTION_LABELS[IssueAction.COMMENT]
    return button(label, "ic", issue_id, where, style=ACTION_STYLES[IssueAction.COMMENT])


def card(issue: Issue, *, actions: bool = True) -> dict[str, Any]:
    """The card of an issue as it is now, with its buttons (``actions``: for someone who may
    press them)."""
    media = issue.media
    colour = render.ORANGE if issue.is_open else render.GREEN
    url = render.tmdb_page(media.media_type, media.tmdb_id)
    embed = _embed(card_lines(issue, render.esc), url, poster_url(media.poster_path), colour)
    embed.set_footer(text=f"Issue #{issue.id}")
    items = []
    for action in card_actions(issue) if actions else ():
        if action is IssueAction.COMMENT:
            items.append(comment_button(issue.id, ON_CARD))
        else:
            label, style = ACTION_LABELS[action], ACTION_STYLES[action]
            items.append(button(label, "ik", issue.id, action.value, style=style))
    return {"embed": embed, "view": frozen(*items)}


def gone_card(payload: EventPayload) -> dict[str, Any]:
    """The card of an issue that was deleted: what it was, no buttons."""
    assert payload.issue is not None, "an issue event carries its issue"
    lines = gone_lines(payload.issue, payload.label, render.esc)
    url = render.tmdb_page(payload.media_type, payload.tmdb_id)
    embed = _embed(lines, url, poster_url(payload.poster_path), render.GREY)
    embed.set_footer(text=f"Issue #{payload.issue.issue_id}")
    return {"embed": embed, "view": frozen()}


class IssueCards:
    """Issue events through Discord (DiscordNotifier hands them over), with its client and
    its way of turning Discord's errors into DeliveryFailed."""

    def __init__(
        self,
        services: Services,
        config: DiscordConfig,
        client: Attached[discord.Client],
        delivery: Delivery,
        dm_channel: DmChannel,
        direct: Direct,
    ) -> None:
        self._services = services
        self._config = config
        self._client = client
        self._delivery = delivery
        self._dm_channel = dm_channel
        self._direct = direct
        self._shown: Recent[tuple[int, int], str] = Recent()  # what each card shows now
        self._locks = KeyedLocks()  # one post or update of an issue's cards at a time

    async def publish(self, event: Event) -> bool:
        """Bring every card of the issue up to date; in the admin channel, post the card of
        a new issue, or note the reporter's news under its card."""
        done = await self.update(event.payload) > 0
        admin = self._config.admin_channel_id
        created = event.kind is EventKind.ISSUE_CREATED
        if admin is None or not (created or is_reporters_news(event)):
            return done
        channel = (await self._client.ready()).get_partial_messageable(admin)
        if created:
            return await self.post(channel, event.payload) or done
        await self._note(channel, event)
        return True

    async def send(self, notification: Notification, user_id: int, *, dm_card: bool) -> bool:
        """Tell one person: the reporter of what others did to their issue; a manager who
        gets cards in their DMs (``dm_card``) the card of a new issue, and the reporter's
        news; False when Discord has nothing to add for them."""
        event = notification.event
        if event.kind is EventKind.ISSUE_DELETED:
            return False  # nobody is told (core.issues.delete_issue): the cards say it
        if notification.audience is not Audience.MANAGER:
            assert event.payload.issue is not None, "an issue event carries its issue"
            button = comment_button(event.payload.issue.issue_id, ON_NOTICE)
            words = render.cut(notice(notification, render.esc), 2000)
            await self._direct(user_id, words, view=frozen(button))
            return True
        if not dm_card:
            return False
        if event.kind is EventKind.ISSUE_CREATED:
            return await self.post(await self._dm_channel(user_id), event.payload)
        if is_reporters_news(event):
            await self._note(await self._dm_channel(user_id), event)
            return True
        return False

    async def post(self, channel: discord.abc.Messageable, payload: EventPayload) -> bool:
        """Post the issue's card in ``channel`` and remember it, once: a delivery tried
        again (after a restart) finds it there. False when the issue is gone already."""
        assert payload.issue is not None, "an issue event carries its issue"
        issue_id, where = payload.issue.issue_id, str(getattr(channel, "id", ""))
        async with self._locks(str(issue_id)):
            posts = await chat.issue_posts(self._services, issue_id, PLATFORM)
            if any(post.chat_id == where for post in posts):
                return True
            issue = await current_issue(self._services, issue_id)
            if issue is None:
                return False
            shown = card(issue)
            async with self._delivery(f"channel {where}"):
                message = await channel.send(**shown)
            post = ChatPost(
                PLATFORM, str(message.channel.id), str(message.id), issue_id, ISSUE_POST
            )
            await chat.record_post(self._services, post)
            self._shown[(message.channel.id, message.id)] = fingerprint(**shown)
            return True

    async def update(self, payload: EventPayload) -> int:
        """Edit every card of the issue to show it as it is now (or gone); returns how many
        show it. Cards deleted meanwhile, or in channels the bot lost, are skipped."""
        assert payload.issue is not None, "an issue event carries its issue"
        issue_id = payload.issue.issue_id
        async with self._locks(str(issue_id)):
            posts = await chat.issue_posts(self._services, issue_id, PLATFORM)
            if not posts:
                return 0
            client = await self._client.ready()
            issue = await current_issue(self._services, issue_id)
            shown = card(issue) if issue is not None else gone_card(payload)
            edited = 0
            for post in posts:
                where = (int(post.chat_id), int(post.message_id))
                edited += await edit_card(client, where, shown, self._shown, self._delivery)
            return edited

    def shown_by_hand(self, message: discord.Message, shown: dict[str, Any]) -> None:
        """A button handler has just shown the issue as it is on this card."""
        self._shown[(message.channel.id, message.id)] = fingerprint(**shown)

    async def _note(self, channel: discord.abc.Messageable, event: Event) -> None:
        """The reporter's news for managers, in a sentence under the issue's card when the
        channel has one, with a Comment button."""
        payload = event.payload
        assert payload.issue is not None, "an issue event carries its issue"
        words = event_sentence(event.kind, payload, render.esc)
        kwargs: dict[str, Any] = {"view": frozen(comment_button(payload.issue.issue_id, ON_NOTICE))}
        where = str(getattr(channel, "id", ""))
        posts = await chat.issue_posts(self._services, payload.issue.issue_id, PLATFORM)
        here = [post for post in posts if post.chat_id == where]
        if here:
            kwargs["reference"] = discord.MessageReference(
                message_id=int(here[-1].message_id), channel_id=int(where), fail_if_not_exists=False
            )
        async with self._delivery(f"channel {where}"):
            await channel.send(render.cut(words, 2000), **kwargs)
