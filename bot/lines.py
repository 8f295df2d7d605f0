"""Read stdin line by line without blocking the event loop (a terminal or a piped script)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable
from typing import TextIO


async def read_lines(
    stream: TextIO, prompt: Callable[[], str] | None = None, out: TextIO | None = None
) -> AsyncIterator[str]:
    """Yield lines from ``stream`` until its end, printing ``prompt()`` before each when given.

    A daemon thread does the blocking reads, so Ctrl+C or the end of the program never waits
    for a pending ``readline``.
    """
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str | None] = asyncio.Queue()
    want = threading.Event()

    def reader() -> None:
        while True:
            want.wait()
            want.clear()
            try:
                line = stream.readline()
            except (OSError, ValueError):
                line = ""
            loop.call_soon_threadsafe(queue.put_nowait, line or None)
            if not line:
                return

    threading.Thread(target=reader, name="stdin-reader", daemon=True).start()
    while True:
        if prompt is not None and out is not None:
            out.write(prompt())
            out.flush()
        want.set()
        line = await queue.get()
        if line is None:
            if prompt is not None and out is not None:
                out.write("\n")
            return
        yield line
