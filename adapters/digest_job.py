"""An admin chat's digest job, as both chats run it: on a scheduler of its own, posting
what core.digest says the next digest holds, laid out and sent by the chat's ``post``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from adapters.text import count
from core.digest import Entry, Posted, digest_posted, job_name, next_digest
from core.jobs import Job, JobState, Scheduler
from core.services import Services

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
