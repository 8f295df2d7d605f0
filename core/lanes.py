"""Ordered lanes: one queue per destination, so that different chats are written to at once
while each chat sees its messages in the order they were queued.

A piece of work names every destination it writes to and is queued in each of their lanes;
it may start once it is first in all of them. Work is queued in one global order, so the
first piece still queued is first in all its lanes: nothing can wait on itself.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Collection


class Ticket:
    """One piece of work's place in its lanes; ``turn`` is set when it may start."""

    __slots__ = ("keys", "started", "turn")

    def __init__(self, keys: tuple[str, ...]) -> None:
        self.keys = keys
        self.turn = asyncio.Event()
        self.started = False  # its work began (a send may be on the wire)


class Lanes:
    """FIFO lanes by destination key."""

    def __init__(self) -> None:
        self._lanes: dict[str, deque[Ticket]] = {}

    def join(self, keys: Collection[str]) -> Ticket:
        """Queue a piece of work in the lanes of ``keys`` (at least one)."""
        ticket = Ticket(tuple(sorted(set(keys))) or ("",))
        for key in ticket.keys:
            self._lanes.setdefault(key, deque()).append(ticket)
        self._check(ticket)
        return ticket

    def leave(self, ticket: Ticket) -> None:
        """Take the work out of its lanes (done, or given up); the next in each may start."""
        heads = []
        for key in ticket.keys:
            lane = self._lanes.get(key)
            if lane is None or ticket not in lane:
                continue
            first = lane[0] is ticket
            lane.remove(ticket)
            if not lane:
                del self._lanes[key]
            elif first:
                heads.append(lane[0])
        for head in heads:
            self._check(head)

    def waiting(self, key: str) -> int:
        """How many pieces of work are queued in one lane (the one running included)."""
        return len(self._lanes.get(key, ()))

    def __len__(self) -> int:
        return len(self._lanes)

    def _check(self, ticket: Ticket) -> None:
        if all(self._lanes[key][0] is ticket for key in ticket.keys):
            ticket.turn.set()
