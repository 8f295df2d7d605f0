"""An admin chat's digest of pending requests: instead of a card per request, one message
every few minutes lists the requests that became pending since the last one and are still
pending, each with its decisions.

Which requests the next digest holds is decided here, for every chat platform alike: the
PENDING requests newer than the chat's mark, the id of the newest request the last digest
covered (a request becomes pending only when it is made, and ids grow). The mark is kept in
the settings table and moves only once a digest was posted, in the transaction that also
records the digest (so a digest that failed, or was cut short by a restart, is posted at
the next turn, and one that was posted is not posted again). Without a mark (the first
digest of a chat) every pending request is held.

A posted digest is remembered as one chat post per request it lists (kind DIGEST), so that
whatever moves one of them edits the digest as it edits a card, and with what it showed
(which requests, when, how many more), so that the edit can lay out the whole message again.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.domain import ChatPost, MediaRequest, RequestStatus
from core.ports import UnitOfWork
from core.services import Services, in_transaction

log = logging.getLogger(__name__)

DIGEST = "digest"  # the kind of a digest's chat posts
KEPT = timedelta(days=30)  # how long a digest's layout is kept, to edit it
_MARK = "digest:{platform}:{chat_id}"


def job_name(platform: str) -> str:
    """The name of a platform's digest job (its key in the stored job states)."""
    return f"{platform} admin digest"


@dataclass(frozen=True, slots=True)
class Digest:
    """What the next digest of a chat holds: the oldest requests that became pending since
    the last one (those with buttons), how many more did, the id the chat's mark moves to
    once it is posted, and when it was put together."""

    requests: tuple[MediaRequest, ...]
    more: int
    up_to: int
    at: datetime


@dataclass(frozen=True, slots=True)
class Entry:
    """A request a posted digest lists: as it is now, or None once it was withdrawn."""

    request_id: int
    label: str
    request: MediaRequest | None

    @property
    def pending(self) -> bool:
        """Still awaiting a decision (it keeps its buttons)."""
        return self.request is not None and self.request.status is RequestStatus.PENDING


@dataclass(frozen=True, slots=True)
class Posted:
    """A posted digest as it stands now, to edit it."""

    entries: tuple[Entry, ...]
    more: int
    at: datetime

    @property
    def waiting(self) -> int:
        """How many of its requests still await a decision (those not listed included)."""
        return sum(entry.pending for entry in self.entries) + self.more


def is_digest(post: ChatPost) -> bool:
    """Whether a chat post is a digest's (not a request's own card)."""
    return post.kind == DIGEST


async def next_digest(services: Services, platform: str, chat_id: str, limit: int) -> Digest | None:
    """What the chat's next digest holds (up to ``limit`` requests listed), or None when
    nothing became pending since its last digest that still is."""

    async def work(uow: UnitOfWork) -> Digest | None:
        mark = await _mark(uow, platform, chat_id)
        found = await uow.requests.pending_after(mark, limit)
        if not found.requests:
            return None
        more = found.total - len(found.requests)
        return Digest(found.requests, more, found.last_id, services.clock.now())

    return await in_transaction(services, work, write=False)


async def digest_posted(
    services: Services, platform: str, chat_id: str, message_id: str, digest: Digest
) -> None:
    """The digest is in the chat as ``message_id``: move the chat's mark past what it
    covered, and remember the message, in one transaction."""
    shown = {
        "r": [[r.id, r.media.label] for r in digest.requests],
        "more": digest.more,
        "at": digest.at.isoformat(),
    }

    async def work(uow: UnitOfWork) -> None:
        now = services.clock.now()
        for request in digest.requests:
            post = ChatPost(platform, chat_id, message_id, request.id, DIGEST)
            await uow.chat_posts.add(post, now)
        key = _layout_key(chat_id, message_id)
        await uow.chat_states.put(platform, key, json.dumps(shown), now, now + KEPT)
        # Never back: a digest put together before a newer one was posted moves nothing.
        up_to = max(digest.up_to, await _mark(uow, platform, chat_id))
        await uow.settings.set(_MARK.format(platform=platform, chat_id=chat_id), str(up_to), now)

    await in_transaction(services, work)


async def posted_digest(
    services: Services, platform: str, chat_id: str, message_id: str
) -> Posted | None:
    """A posted digest with its requests as they are now; None once its layout is no
    longer kept (older than KEPT), when it is left as it is."""

    async def work(uow: UnitOfWork) -> Posted | None:
        now = services.clock.now()
        raw = await uow.chat_states.get(platform, _layout_key(chat_id, message_id), now)
        if raw is None:
            return None
        try:
            shown = json.loads(raw)
            listed = [(int(i), str(label)) for i, label in shown["r"]]
            more, at = int(shown["more"]), datetime.fromisoformat(shown["at"])
        except (ValueError, TypeError, KeyError):
            log.warning("the layout of digest %s in chat %s is unreadable", message_id, chat_id)
            return None
        entries = [Entry(i, label, await uow.requests.get(i)) for i, label in listed]
        return Posted(tuple(entries), more, at)

    return await in_transaction(services, work, write=False)


async def _mark(uow: UnitOfWork, platform: str, chat_id: str) -> int:
    raw = await uow.settings.get(_MARK.format(platform=platform, chat_id=chat_id))
    if raw is None:
        return 0
    try:
        return int(raw)
    except ValueError:
        log.warning(
            "the digest mark of %s chat %s is unreadable: starting afresh", platform, chat_id
        )
        return 0


def _layout_key(chat_id: str, message_id: str) -> str:
    """A short key (chat states keep keys of at most 40 characters; Discord's ids are long)."""
    digest = hashlib.sha256(f"{chat_id}:{message_id}".encode()).hexdigest()[:24]
    return f"dg:{digest}"
