"""An in-process scheduler for the periodic jobs (library scans, download sync).

Each job runs in its own loop, so two runs of one job never overlap; a run that fails is
logged and the job simply runs again at its next turn. Each run's start and outcome are
stored (in the settings table), so that ``requestbot check`` in another process and the
chat adapters' ``status`` command can show them.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from core.errors import CoreError
from core.ports import UnitOfWork, UnitOfWorkFactory
from core.services import Services, in_transaction

log = logging.getLogger(__name__)

KEY = "job:{}"
MAX_RESULT = 500


@dataclass(frozen=True, slots=True)
class Job:
    """``work`` does one run and returns a one-line summary of what it did.

    A ``catch_up`` job (the daily full scan) runs at start-up only if its last run is
    older than its interval; the others run soon after start-up, then every interval.
    """

    name: str
    interval: float
    work: Callable[[], Awaitable[str]]
    catch_up: bool = False


@dataclass(frozen=True, slots=True)
class JobState:
    """A job's last run as stored: ``ok`` is None while it has never finished one."""

    name: str
    started_at: datetime | None = None
    finished_at: datetime | None = None
    ok: bool | None = None
    result: str = ""
    runs: int = 0
    failures: int = 0  # consecutive failed runs
    running: bool = False
    next_run_at: datetime | None = None
    last_ok_started_at: datetime | None = None  # when the last successful run began


async def job_states(services: Services, names: Sequence[str] | None = None) -> list[JobState]:
    """The stored state of each named job (default: the configured ones; an empty state
    for a job that never ran)."""
    return await load_job_states(services.uow, services.config.jobs if names is None else names)


async def load_job_states(uow: UnitOfWorkFactory, names: Sequence[str]) -> list[JobState]:
    """job_states, from the database alone (for a process that runs no core)."""
    async with uow(write=False) as unit:
        return [await _load(unit, name) for name in names]


async def _load(uow: UnitOfWork, name: str) -> JobState:
    raw = await uow.settings.get(KEY.format(name))
    if raw is None:
        return JobState(name)
    try:
        data = json.loads(raw)
        return JobState(
            name=name,
            started_at=_when(data.get("started_at")),
            finished_at=_when(data.get("finished_at")),
            ok=data.get("ok"),
            result=str(data.get("result", "")),
            runs=int(data.get("runs", 0)),
            failures=int(data.get("failures", 0)),
            running=bool(data.get("running", False)),
            next_run_at=_when(data.get("next_run_at")),
            last_ok_started_at=_when(data.get("last_ok_started_at")),
        )
    except (ValueError, TypeError, AttributeError):
        log.warning("stored state of job %s is unreadable; starting afresh", name)
        return JobState(name)


def _when(value: object) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def _dump(state: JobState) -> str:
    def iso(when: datetime | None) -> str | None:
        return when.isoformat() if when else None

    return json.dumps(
        {
            "started_at": iso(state.started_at),
            "finished_at": iso(state.finished_at),
            "ok": state.ok,
            "result": state.result,
            "runs": state.runs,
            "failures": state.failures,
            "running": state.running,
            "next_run_at": iso(state.next_run_at),
            "last_ok_started_at": iso(state.last_ok_started_at),
        }
    )


class Scheduler:
    """Runs ``jobs`` until cancelled; ``trigger`` asks for a run as soon as possible."""

    def __init__(self, services: Services, jobs: Sequence[Job], *, start_delay: float = 1.0):
        names = [job.name for job in jobs]
        if len(set(names)) != len(names):
            raise ValueError(f"job names must differ: {names}")
        self._services = services
        self._jobs = {job.name: job for job in jobs}
        self._start_delay = start_delay
        self._wanted = {name: asyncio.Event() for name in names}
        self._locks = {name: asyncio.Lock() for name in names}

    @property
    def names(self) -> list[str]:
        return list(self._jobs)

    def trigger(self, name: str) -> None:
        """Run ``name`` as soon as it is free (right after a run in progress)."""
        self._wanted[name].set()

    async def run(self) -> None:
        """Every job's loop, until cancelled."""
        async with asyncio.TaskGroup() as group:
            for job in self._jobs.values():
                group.create_task(self._loop(job), name=f"job {job.name}")

    async def run_now(self, name: str) -> JobState:
        """Run a job at once (waiting for a run in progress to end) and return its state."""
        return await self._run(self._jobs[name])

    async def _loop(self, job: Job) -> None:
        delay = await self.first_delay(job.name)
        while True:
            try:
                async with asyncio.timeout(delay):
                    await self._wanted[job.name].wait()
            except TimeoutError:
                pass
            self._wanted[job.name].clear()
            await self._run(job)
            delay = job.interval

    async def first_delay(self, name: str) -> float:
        """Seconds from the scheduler's start to the job's first run: soon, unless the job
        catches up and its last good run is more recent than its interval (a daily scan
        after a restart waits for its turn)."""
        job = self._jobs[name]
        if not job.catch_up:
            return self._start_delay
        try:
            (state,) = await job_states(self._services, [job.name])
        except Exception:
            log.exception("cannot read the state of job %s; running it soon", job.name)
            return self._start_delay
        if state.finished_at is None or state.ok is not True:
            return self._start_delay
        due = state.finished_at + timedelta(seconds=job.interval)
        wait = (due - self._services.clock.now()).total_seconds()
        return max(self._start_delay, wait)

    async def _run(self, job: Job) -> JobState:
        async with self._locks[job.name]:
            clock = self._services.clock
            try:
                (state,) = await job_states(self._services, [job.name])
            except Exception:
                # The database is away (a restart, a lock): the job's own work will say so
                # too; its bookkeeping starts afresh rather than ending the scheduler.
                log.exception("cannot read the state of job %s", job.name)
                state = JobState(job.name)
            state = replace(state, started_at=clock.now(), running=True)
            await self._save(job.name, state)
            try:
                result, ok = await job.work(), True
            except asyncio.CancelledError:
                await asyncio.shield(self._save(job.name, replace(state, running=False)))
                raise
            except CoreError as exc:
                log.warning("job %s failed: %s", job.name, exc)
                result, ok = f"{exc}", False
            except Exception as exc:
                log.exception("job %s failed", job.name)
                result, ok = f"{type(exc).__name__}: {exc}", False
            now = clock.now()
            state = replace(
                state,
                finished_at=now,
                ok=ok,
                result=result[:MAX_RESULT],
                runs=state.runs + 1,
                failures=0 if ok else state.failures + 1,
                running=False,
                next_run_at=now + timedelta(seconds=job.interval),
                last_ok_started_at=state.started_at if ok else state.last_ok_started_at,
            )
            await self._save(job.name, state)
            log.log(logging.INFO if ok else logging.WARNING, "job %s: %s", job.name, result)
            return state

    async def _save(self, name: str, state: JobState) -> None:
        async def work(uow: UnitOfWork) -> None:
            await uow.settings.set(KEY.format(name), _dump(state), self._services.clock.now())

        try:
            await in_transaction(self._services, work)
        except Exception:
            # The job's own work matters more than its bookkeeping.
            log.exception("could not store the state of job %s", name)
