"""Giving the C heap's free memory back to the system once a burst of work is over.

glibc's malloc keeps what Python, SQLite and OpenSSL free in its heap for later, and gives
back only a free stretch at the very top of it: after start-up (imports, migrations, the
start-up checks' clients) and after a job's run (a library scan's thousand rows, the
downloaders' queues) a few MiB stay resident that nothing uses. ``malloc_trim(0)`` returns
every free page of the heap. It costs a few milliseconds, so it runs once after start-up
and once after each job's run, never per request. Other C libraries (musl, macOS) have no
such function and are left as they are.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from dataclasses import replace

from core.jobs import Job


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None where the C library has none."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        trim: Callable[[int], int] = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):  # not glibc (musl, an unusual libc)
        return None
    return trim


def give_back() -> None:
    """Return the C heap's free pages to the system, where the C library can."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


def giving_back(job: Job) -> Job:
    """``job``, whose work gives back the memory its run freed once it is done."""
    work = job.work

    async def working() -> str:
        try:
            return await work()
        finally:
            give_back()

    return replace(job, work=working)
