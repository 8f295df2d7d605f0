"""Giving the C heap's free memory back: after a job's run, and what it changes."""

from __future__ import annotations

import os

import pytest

from bot.memory import _malloc_trim, give_back, giving_back
from core.jobs import Job


def resident_kib() -> int:
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


@pytest.mark.skipif(_malloc_trim() is None, reason="a C library without malloc_trim")
def test_the_free_heap_goes_back_to_the_system() -> None:
    # 40 MiB in blocks too big for Python's own allocator, so in malloc's heap; the last
    # one kept, so that the heap's top stays in use and only malloc_trim can give back.
    blocks = [bytes(4000) for _ in range(10_000)]
    kept = blocks.pop()
    del blocks
    before = resident_kib()
    give_back()
    assert before - resident_kib() > 20 * 1024
    assert len(kept) == 4000


async def test_a_job_keeps_its_summary_and_its_failure() -> None:
    async def works() -> str:
        return "scanned 3"

    async def fails() -> str:
        raise RuntimeError("down")

    job = giving_back(Job("scan", 60.0, works, catch_up=True))
    assert (job.name, job.interval, job.catch_up) == ("scan", 60.0, True)
    assert await job.work() == "scanned 3"
    with pytest.raises(RuntimeError, match="down"):
        await giving_back(Job("sync", 60.0, fails)).work()
