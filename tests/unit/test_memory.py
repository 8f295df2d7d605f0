"""What keeps the running bot small: modules kept out, the free C heap given back."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.memory import _malloc_trim, give_back, giving_back
from core.jobs import Job

ROOT = Path(__file__).resolve().parents[2]

FASTAPI_WITHOUT_V1 = """\
import sys
import bot
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel

class Shape(BaseModel):
    name: str

app = FastAPI()

@app.get("/shape/{name}", response_model=Shape)
async def shape(name: str, take: int = 20) -> Shape:
    return Shape(name=name * take)

with TestClient(app) as client:
    print(client.get("/shape/a?take=2").json(), "/shape/{name}" in app.openapi()["paths"])
print(sys.modules["pydantic.v1"])
"""


def test_fastapi_makes_models_and_its_document_without_pydantic_v1() -> None:
    done = subprocess.run(
        [sys.executable, "-c", FASTAPI_WITHOUT_V1],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=60,
        check=True,
    )
    assert done.stdout.split("\n")[:2] == ["{'name': 'aa'} True", "None"]


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
