"""Run long-lived components in one event loop until SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from bot.memory import give_back

log = logging.getLogger(__name__)

# docker stop sends SIGTERM and kills the process 10 s later; stopping must end well before.
STOP_BUDGET = 5.0


@dataclass(frozen=True, slots=True)
class Component:
    """Something that runs until cancelled: an adapter, the dispatcher, a job."""

    name: str
    run: Callable[[], Awaitable[None]]


async def serve(
    components: Sequence[Component],
    *,
    stop: asyncio.Event | None = None,
    signals: Sequence[signal.Signals] = (signal.SIGINT, signal.SIGTERM),
    budget: float = STOP_BUDGET,
) -> int:
    """Run every component; stop them all, the last started first, on a signal (exit 0) or
    when one fails (exit 1). Stopping takes at most ``budget`` seconds: a component still
    stopping then is left behind with a warning."""
    _freeze_startup()
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    installed = []
    for sig in signals:
        try:
            loop.add_signal_handler(sig, stop.set)
            installed.append(sig)
        except (NotImplementedError, RuntimeError):  # Windows, or not the main thread
            log.debug("cannot handle %s here", sig.name)
    tasks = [asyncio.create_task(_guard(c), name=c.name) for c in components]
    stopper = asyncio.create_task(stop.wait(), name="stop")
    try:
        done, _ = await asyncio.wait({*tasks, stopper}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)
    failed = [t for t in done if t is not stopper]
    if failed:
        log.error("%s stopped unexpectedly; shutting down", ", ".join(t.get_name() for t in failed))
    else:
        log.info("stop requested; shutting down")
    stopper.cancel()
    # Last started, first stopped: the dispatcher (started after the chat adapters) finishes
    # the message it is sending while the adapter it sends through is still up.
    deadline = loop.time() + budget
    late = []
    for task in reversed(tasks):
        task.cancel()
        # Past the budget each still gets a moment, to run its own clean-up of a cancel.
        await asyncio.wait({task}, timeout=max(0.1, deadline - loop.time()))
        if task.done():
            await asyncio.gather(task, return_exceptions=True)
        else:
            late.append(task.get_name())
    await asyncio.gather(stopper, return_exceptions=True)
    if late:
        log.warning("%s did not stop within %.0f s; leaving it", ", ".join(late), budget)
    else:
        log.info("stopped cleanly")
    return 1 if failed else 0


async def _guard(component: Component) -> None:
    try:
        await component.run()
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("%s crashed", component.name)
        raise


_frozen = False


def _freeze_startup() -> None:
    """Once per process, before serving: move what start-up made (modules, classes, the
    chat libraries, the migration's leftovers) out of the cyclic garbage collector's way.
    A full collection then scans only what the running bot allocates; otherwise one falls
    in the middle of a burst and holds every pending interaction (50 Discord commands at
    once were acknowledged after 150 ms instead of 40 ms). What the collection and
    start-up freed goes back to the system."""
    global _frozen
    if not _frozen:
        _frozen = True
        gc.collect()
        gc.freeze()
        give_back()
