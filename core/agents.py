"""Notification agents: the places outside the chats that hear of events (Slack, email,
ntfy, a webhook for Home Assistant...), as Seerr's admins set them up.

Each agent is a Broadcaster of the outbox with a lane of its own (see core/delivery.py): its
deliveries are logged, retried with backoff and sent after a crash like the chats' are, and
a slow or dead agent holds up nobody else. An agent that just failed is left alone for a
while: the events meanwhile fail at once (and are retried with the rest), so a dead server
costs one timeout, not one per event. An agent may take a digest instead: each event is
held (logged as such) and a job sends what was held every few minutes.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from core.agent_messages import AgentMessage, check_message, message_for
from core.errors import DeliveryFailed, DeliveryHeld, NotFound, OwnersOnly
from core.events import DeliveryAttempt, DeliveryStatus, Event, Notification
from core.identity import Identity, User
from core.notification_types import MEDIA_TYPES, NotificationType, of_event
from core.ports import Clock, UnitOfWorkFactory

log = logging.getLogger(__name__)

DEFAULT_TITLE = "{{event}}: {{subject}}"
DEFAULT_BODY = "{{message}}\n\n{{extra_text}}"
# The recipient id of an agent's rows in the delivery log (no user has id 0).
AGENT_RECIPIENT = 0
DIGEST_LINES = 50  # events listed in one digest message
FIRST_PAUSE = 5.0  # seconds an agent is left alone after a failure, doubling to
MAX_PAUSE = 300.0
_LOOSE_ENDS = re.compile(r"^[\s:|–-]+|[\s:|–-]+$")
_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")


def render(template: str, values: dict[str, str]) -> str:
    """``template`` with each ``{{name}}`` replaced by its value ("" for an unknown one)."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), ""), template)


@dataclass(frozen=True, slots=True)
class AgentSpec:
    """An agent as the admin set it up: which events it carries (Seerr's types), how it
    words them, and whether it sends each at once or a digest every ``digest_minutes``."""

    name: str
    types: NotificationType = MEDIA_TYPES
    title: str = DEFAULT_TITLE
    body: str = DEFAULT_BODY
    digest_minutes: int = 0

    def carries(self, kind: NotificationType) -> bool:
        return bool(kind) and bool(self.types & kind)

    def words(self, message: AgentMessage) -> tuple[str, str]:
        """(title, body) of one message, the templates filled in."""
        values = message.placeholders()
        # A placeholder with nothing to say leaves its separator behind (": Test ...").
        title = _LOOSE_ENDS.sub("", render(self.title, values)) or message.title
        return title, render(self.body, values).strip() or message.subject


class AgentTransport(Protocol):
    """How an agent's messages leave (Apprise, an HTTP POST)."""

    async def deliver(self, spec: AgentSpec, message: AgentMessage) -> None:
        """Send one message; raises DeliveryFailed with a reason fit to log (no secrets)."""
        ...


SpecSource = Callable[[], Awaitable[AgentSpec | None]]


def fixed(spec: AgentSpec) -> SpecSource:
    """The spec source of an agent set in the settings (the webhook set through the API
    reads its spec from the database on each event instead)."""

    async def source() -> AgentSpec | None:
        return spec

    return source


class Pause:
    """Leaves an agent alone for a while after it failed: ``first`` seconds (as long as the
    outbox waits before its first retry), doubling while it keeps failing."""

    def __init__(self, first: float = FIRST_PAUSE, most: float = MAX_PAUSE) -> None:
        self._first, self._most = first, most
        self._until = 0.0
        self._failures = 0
        self.reason = ""

    def check(self, name: str) -> None:
        """Raise DeliveryFailed at once while the agent is left alone."""
        left = self._until - time.monotonic()
        if left > 0:
            raise DeliveryFailed(f"{name} failed lately ({self.reason})", retry_after=left)

    def failed(self, reason: str) -> None:
        self._failures += 1
        self.reason = reason
        pause = min(self._most, self._first * 2 ** (self._failures - 1))
        self._until = time.monotonic() + pause

    def worked(self) -> None:
        self._failures, self._until, self.reason = 0, 0.0, ""


class Messages:
    """The agents' message of each recent event, read once for all of them (they publish
    one event side by side, each in its lane: the first to ask reads, the rest wait for
    that read). A read that failed is forgotten, so the retry reads again."""

    def __init__(self, uow: UnitOfWorkFactory, keep: int = 1024) -> None:
        self._uow = uow
        self._keep = keep
        self._found: OrderedDict[int, asyncio.Future[AgentMessage]] = OrderedDict()

    async def of(self, event: Event) -> AgentMessage:
        found = self._found.get(event.id)
        if found is None:
            found = asyncio.ensure_future(self._read(event))
            self._found[event.id] = found
            while len(self._found) > self._keep:
                self._found.popitem(last=False)
        try:
            # Shielded: an agent's send cut short must not cancel the others' read.
            return await asyncio.shield(found)
        except Exception:
            if self._found.get(event.id) is found:
                del self._found[event.id]
            raise

    async def _read(self, event: Event) -> AgentMessage:
        async with self._uow(write=False) as uow:
            return await message_for(uow, event)


class AgentNotifier:
    """core.ports.Notifier and Broadcaster for one agent: it reaches no user by themselves,
    and publishes every event its spec carries (or holds it for the digest)."""

    def __init__(
        self,
        name: str,
        spec: SpecSource,
        transport: AgentTransport,
        messages: Messages,
        pause: Pause | None = None,
    ) -> None:
        self.name = name
        self._spec = spec
        self._transport = transport
        self._messages = messages  # shared by the agents of a process
        self._pause = pause or Pause()

    async def spec(self) -> AgentSpec | None:
        """The agent as it is set up now (None: switched off)."""
        return await self._spec()

    def reaches(self, user: User) -> bool:
        return False

    async def send(self, notification: Notification) -> bool:
        return False  # reaches nobody: everything goes through publish

    async def publish(self, event: Event) -> bool:
        """Send (or hold for the digest) what the event says, if the agent carries it."""
        spec = await self._spec()
        if spec is None or not spec.carries(of_event(event.kind)):
            return False
        if spec.digest_minutes > 0:
            raise DeliveryHeld("held for the digest")
        await self.deliver(spec, await self._messages.of(event))
        return True

    async def deliver(self, spec: AgentSpec, message: AgentMessage) -> None:
        """One message through the transport, unless the agent failed lately."""
        self._pause.check(self.name)
        try:
            await self._transport.deliver(spec, message)
        except DeliveryFailed as exc:
            if not exc.permanent:
                self._pause.failed(exc.reason)
            raise
        self._pause.worked()

    async def test(self, message: AgentMessage) -> None:
        """Send a test message now, whatever the spec's events and the pause say."""
        spec = await self._spec()
        if spec is None:
            raise DeliveryFailed(f"{self.name} is not enabled", permanent=True)
        await self._transport.deliver(spec, message)
        self._pause.worked()


def digest_message(name: str, messages: Sequence[AgentMessage]) -> AgentMessage:
    """One message telling of several events, one line each, oldest first (the first
    DIGEST_LINES of them: services cut long messages, and nobody reads a thousand lines)."""
    lines = [
        f"• {m.title}" + (f" ({m.requested_by.username})" if m.requested_by else "")
        for m in messages[:DIGEST_LINES]
    ]
    if len(messages) > DIGEST_LINES:
        lines.append(f"…and {len(messages) - DIGEST_LINES} more")
    kinds = NotificationType.NONE
    for m in messages:
        kinds |= m.type
    count = len(messages)
    return AgentMessage(
        type=kinds,
        subject=f"{count} update{'s' * (count != 1)}",
        message="\n".join(lines),
        event="Digest",
    )


async def send_digest(agent: AgentNotifier, uow: UnitOfWorkFactory, clock: Clock) -> str:
    """The digest job: send what the agent held since its last digest, then log each event
    as sent (a crash in between sends it again: at least once)."""
    spec = await agent.spec()
    if spec is None:
        return "not enabled"
    async with uow(write=False) as reading:
        held = await reading.events.held(agent.name, AGENT_RECIPIENT)
        messages = [await message_for(reading, event) for event in held]
    if not held:
        return "nothing to send"
    await agent.deliver(spec, digest_message(agent.name, messages))
    now = clock.now()
    async with uow() as writing:
        for event in held:
            attempt = DeliveryAttempt(
                event.id, agent.name, AGENT_RECIPIENT, DeliveryStatus.SENT, "in a digest", now
            )
            await writing.events.log(attempt)
        await writing.commit()
    return f"sent a digest of {len(held)} event(s)"


@dataclass(frozen=True, slots=True)
class TestOutcome:
    """What a test notification through one agent came to."""

    agent: str
    sent: bool
    reason: str = ""


class Agents:
    """The agents this process runs (for notify-test, and for the digest jobs)."""

    def __init__(
        self, agents: Sequence[AgentNotifier] = (), messages: Messages | None = None
    ) -> None:
        # Shared by the agents built for this process (an agent added later may take it).
        self.messages = messages
        self._agents: dict[str, AgentNotifier] = {}
        for agent in agents:
            self.add(agent)

    def add(self, agent: AgentNotifier) -> None:
        self._agents[agent.name] = agent

    def __iter__(self) -> Iterator[AgentNotifier]:
        return iter(list(self._agents.values()))

    def __len__(self) -> int:
        return len(self._agents)

    @property
    def names(self) -> list[str]:
        return [short_name(name) for name in self._agents]

    def find(self, name: str) -> AgentNotifier:
        """The agent called ``name`` (with or without "agent:"); NotFound otherwise."""
        agent = self._agents.get(agent_name(name.strip().lower()))
        if agent is None:
            known = ", ".join(self.names) or "none is set up"
            raise NotFound("agent", f"called {name!r} (there are: {known})")
        return agent

    async def test(self, name: str | None = None, user: User | None = None) -> list[TestOutcome]:
        """Send Seerr's test notification through one agent, or each; say how each went."""
        chosen = [self.find(name)] if name else list(self)
        outcomes = []
        for agent in chosen:
            try:
                await agent.test(check_message(user))
            except DeliveryFailed as exc:
                log.info("test notification through %s failed: %s", agent.name, exc.reason)
                outcomes.append(TestOutcome(short_name(agent.name), False, exc.reason))
            else:
                outcomes.append(TestOutcome(short_name(agent.name), True))
        return outcomes


AGENT = "agent:"  # the prefix of an agent's notifier name (its rows in the delivery log)


def agent_name(name: str) -> str:
    """The notifier name of the agent called ``name``: ``agent:slack``."""
    return name if name.startswith(AGENT) else f"{AGENT}{name}"


def short_name(name: str) -> str:
    return name.removeprefix(AGENT)


async def owner_test(
    agents: Agents, owners: Sequence[Identity], identity: Identity, name: str | None = None
) -> list[TestOutcome]:
    """A bot owner's test of the agents from a chat; anyone else gets OwnersOnly."""
    if identity not in owners:
        raise OwnersOnly("send test notifications")
    return await agents.test(name)


def outcome_lines(outcomes: Sequence[TestOutcome]) -> list[str]:
    """One plain line per agent: whether the test went out, and if not, why."""
    if not outcomes:
        return ["No notification agent is set up (NOTIFY_<N>_URL, or the webhook)."]
    return [f"{o.agent}: sent" if o.sent else f"{o.agent}: not sent: {o.reason}" for o in outcomes]
