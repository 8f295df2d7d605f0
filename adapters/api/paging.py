"""The query parameters of Seerr's listings: ``take`` and ``skip``, which every one takes,
and the lenient choices (``filter``, ``sort``) of some."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from fastapi import Query

T = TypeVar("T")
D = TypeVar("D")

# No upper bound in Seerr (clients send 2**31 - 1 to get everything); this one keeps the
# numbers within the databases' 64-bit integers.
MAX_NUMBER = 2**62


@dataclass(frozen=True, slots=True)
class Paging:
    take: int
    skip: int


def paging(default_take: int) -> object:
    """A dependency reading ``take`` (``default_take`` when absent) and ``skip`` (a
    coroutine, so that FastAPI calls it on the event loop, not in its thread pool)."""

    async def read(
        take: int = Query(default_take, ge=1, le=MAX_NUMBER),
        skip: int = Query(0, ge=0, le=MAX_NUMBER),
    ) -> Paging:
        return Paging(take, skip)

    return read


def lenient_choice(value: str | None, kind: Callable[[str], T], default: D) -> T | D:
    """Seerr's lenient enums: an absent or unknown value means the default."""
    try:
        return kind(value) if value else default
    except ValueError:
        return default
