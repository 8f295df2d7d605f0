"""Small in-process memories the chat adapters share."""

from __future__ import annotations

import asyncio
import weakref
from collections import OrderedDict
from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")


class Recent(OrderedDict[K, V]):
    """A mapping that keeps only its latest few thousand entries (for what a process
    remembers about chats: answered presses, picker versions, what cards show)."""

    SIZE = 4096

    def __setitem__(self, key: K, value: V) -> None:
        super().__setitem__(key, value)
        self.move_to_end(key)
        while len(self) > self.SIZE:
            self.popitem(last=False)


class KeyedLocks:
    """One asyncio.Lock per key, alive while someone holds or waits for it."""

    def __init__(self) -> None:
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    def __call__(self, key: str) -> asyncio.Lock:
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        return lock
