"""Is `requestbot run` alive here? A heartbeat file that the running bot touches, and the
check that Docker's HEALTHCHECK runs (``requestbot health``), which loads no chat library,
no database driver and no migration tool."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import sys
import tempfile
import time
from pathlib import Path

BEAT_SECONDS = 30.0
STALE_AFTER = 3 * BEAT_SECONDS  # three missed beats: the event loop is stuck or gone


def heartbeat_path(database_url: str) -> Path:
    """The heartbeat file of the bot on this database (two bots on one machine, each on its
    own database, do not vouch for each other)."""
    scheme, sep, path = database_url.partition(":///")
    if scheme.startswith("sqlite") and sep:  # ./data/requestbot.db in two folders: two bots
        database_url = f"{scheme}{sep}{Path(path).absolute()}"
    key = hashlib.sha256(database_url.encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"requestbot-{key}.alive"


async def beat(path: Path, every: float = BEAT_SECONDS) -> None:
    """Touch ``path`` now and every ``every`` seconds until cancelled; remove it then, so that
    a bot that stopped is not taken for a live one."""
    try:
        while True:
            await asyncio.to_thread(path.write_text, f"{time.time():.0f}\n", "ascii")
            await asyncio.sleep(every)
    finally:
        with contextlib.suppress(OSError):
            path.unlink()  # noqa: ASYNC240 - on the way out, cancelled: no await here


def health_line(path: Path, now: float | None = None) -> tuple[bool, str]:
    """(alive, what to print) from the heartbeat file."""
    try:
        age = (time.time() if now is None else now) - path.stat().st_mtime
    except FileNotFoundError:
        return False, "requestbot health: FAILED (`requestbot run` is not running here)"
    except OSError as exc:
        return False, f"requestbot health: FAILED (cannot read the heartbeat: {exc.strerror})"
    if age > STALE_AFTER:
        return False, (
            f"requestbot health: FAILED (no heartbeat for {age:.0f} s: the bot is stuck)"
        )
    return True, f"requestbot health: ok (heartbeat {max(age, 0):.0f} s ago)"


def health(database_url: str) -> int:
    """`requestbot health`: exit 0 while `requestbot run` on this database is alive (its
    heartbeat is fresh), 1 otherwise, with one line saying which."""
    alive, line = health_line(heartbeat_path(database_url))
    print(line, file=sys.stdout if alive else sys.stderr)
    return 0 if alive else 1
