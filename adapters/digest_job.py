"""An admin chat's digest job, as both chats run it: on a scheduler of its own, posting
what core.digest says the next digest holds, laid out and sent by the chat's ``post``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from adapters.cards import as_it_stands
from adapters.text import card_outcome, count, seasons_text, when
from core.digest import Entry, Posted, digest_posted, job_name, next_digest
from core.domain import MediaRequest
from core.jobs import Job, JobState, Scheduler
from core.services import Services


def details(request: MediaRequest, at: datetime, name: Callable[[str], str]) -> list[str]:
    """What a digest's line says of a request after its title: seasons, 4K, who asked
    (``name`` shortens and escapes it as the chat needs), how long before the digest."""
    parts = []
    if request.seasons:
        parts.append(seasons_text(request.season_numbers, ranges=True))
    if request.is_4k:
        parts.append("4K")
    parts.append(f"by {name(request.requested_by.display_name)}")
    parts.append(when(request.created_at, at))
    return parts


def outcome(entry: Entry, esc: Callable[[str], str], shorten: Callable[[str], str]) -> str:
    """What became of a listed request that no longer awaits a decision."""
    if entry.request is None:
        return "↩️ Withdrawn"
    payload, kind = as_it_stands(entry.request)
    return card_outcome(kind, payload, esc=esc, shorten=shorten)


# Lay out and post one digest in the chat; returns the id of the message posted.
PostDigest = Callable[[Posted], Awaitable[str]]


class DigestJob:
    """run() until cancelled (first run at start-up only if one is due), run_now() to post
    at once."""

    def __init__(
        self,
        services: Services,
        platform: str,
        chat_id: int | str,
        *,
        minutes: int,
        listed: int,
        start_delay: float,
        post: PostDigest,
    ) -> None:
        assert minutes > 0
        self._services = services
        self._platform = platform
        self._chat_id = str(chat_id)
        self._listed = listed
        self._post = post
        self._job = job_name(platform)
        job = Job(self._job, minutes * 60.0, self.post, catch_up=True)
        self._scheduler = Scheduler(services, [job], start_delay=start_delay)

    async def run(self) -> None:
        await self._scheduler.run()

    async def run_now(self) -> JobState:
        """Post the digest now (after a run in progress) and return how the run went."""
        return await self._scheduler.run_now(self._job)

    async def post(self) -> str:
        """One turn: post what became pending since the last digest, if anything did."""
        services, platform, chat_id = self._services, self._platform, self._chat_id
        digest = await next_digest(services, platform, chat_id, self._listed)
        if digest is None:
            return "nothing new is pending"
        entries = tuple(Entry(r.id, r.media.label, r) for r in digest.requests)
        message_id = await self._post(Posted(entries, digest.more, digest.at))
        await digest_posted(services, platform, chat_id, message_id, digest)
        return f"posted a digest of {count(len(entries) + digest.more, 'pending request')}"
