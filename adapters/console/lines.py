"""Where the console's lines come from: a terminal with line editing, history and Tab
completion (the standard library's readline), or a piped script read as it is.

Lines are bounded: one longer than MAX_LINE is never held whole, only its start and its
length (an ``Overlong``), so a runaway paste or a file without newlines costs no memory.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import os
import sys
import threading
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, TextIO

log = logging.getLogger(__name__)

MAX_LINE = 1000  # characters; a decline reason (500) and its command fit with room to spare
HISTORY_LENGTH = 1000  # lines kept in the history file
HEAD = 60  # characters of an overlong line kept, to show where it began

Prompt = Callable[[], str]
Completer = Callable[[str], Sequence[str]]  # the line up to the cursor -> candidates


@dataclass(frozen=True, slots=True)
class Overlong:
    """A line longer than MAX_LINE: its first characters and its whole length."""

    head: str
    length: int


Line = str | Overlong


def history_file(environ: Mapping[str, str] = os.environ) -> Path:
    """Where the console keeps its history: ``$XDG_STATE_HOME/requestbot/console_history``
    (``~/.local/state`` when unset), as the XDG base directory convention says."""
    state = environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "requestbot" / "console_history"


def console_lines(
    stdin: TextIO,
    out: TextIO,
    prompt: Prompt,
    *,
    complete: Completer | None = None,
    history: Path | None = None,
) -> AsyncIterator[Line]:
    """Lines typed at a prompt on a terminal (edited with readline when the standard
    library has it); lines of the piped script otherwise, without a prompt."""
    if not _is_tty(stdin):
        return read_lines(stdin)
    readline = _readline() if stdin is sys.stdin and _is_tty(out) else None
    if readline is None:
        return read_lines(stdin, prompt, out)
    return edited_lines(readline, prompt, out, complete=complete, history=history)


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _readline() -> ModuleType | None:
    try:
        return importlib.import_module("readline")
    except ImportError:  # Windows, or a Python built without it
        log.debug("no readline module: plain line input")
        return None


async def read_lines(
    stream: TextIO, prompt: Prompt | None = None, out: TextIO | None = None
) -> AsyncIterator[Line]:
    """Yield lines from ``stream`` until its end, printing ``prompt()`` before each when given.

    A daemon thread does the blocking reads, so Ctrl+C or the end of the program never waits
    for a pending ``readline``.
    """

    def read() -> Line | None:
        try:
            return _bounded_line(stream)
        except (OSError, ValueError):
            return None

    async for line in _threaded(read, prompt, out):
        yield line


def _bounded_line(stream: TextIO) -> Line | None:
    """The next line of ``stream`` (None at its end), read MAX_LINE characters at a time."""
    line = stream.readline(MAX_LINE + 1)
    if not line:
        return None
    if len(line) <= MAX_LINE or line.endswith("\n"):
        return line
    head, length = line[:HEAD], len(line)
    while not line.endswith("\n"):
        line = stream.readline(MAX_LINE + 1)
        if not line:
            break
        length += len(line)
    return Overlong(head, length - 1 if line.endswith("\n") else length)


async def edited_lines(
    readline: ModuleType,
    prompt: Prompt,
    out: TextIO,
    *,
    complete: Completer | None = None,
    history: Path | None = None,
) -> AsyncIterator[Line]:
    """Lines typed with readline: arrow keys edit the line and recall earlier ones (kept in
    ``history`` across sessions), Tab completes what ``complete`` offers."""
    _load_history(readline, history)
    if complete is not None:
        _install_completer(readline, complete)
    saved = _terminal_state()
    shown = [""]

    def read() -> Line | None:
        try:
            line = input(shown[0])
        except (EOFError, OSError, ValueError):
            return None
        if len(line) > MAX_LINE:
            _forget_last(readline)  # a runaway paste is not worth recalling
            return Overlong(line[:HEAD], len(line))
        return line

    def ask() -> str:
        shown[0] = prompt()
        return ""  # input() prints the prompt itself, so readline can redraw it

    try:
        async for line in _threaded(read, ask, out):
            yield line
    finally:
        _save_history(readline, history)
        _restore_terminal(saved)


async def _threaded(
    read: Callable[[], Line | None], prompt: Prompt | None, out: TextIO | None
) -> AsyncIterator[Line]:
    """Call ``read`` in a daemon thread once per line wanted, prompting first."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[Line | None] = asyncio.Queue()
    want = threading.Event()

    def reader() -> None:
        while True:
            want.wait()
            want.clear()
            line = read()
            loop.call_soon_threadsafe(queue.put_nowait, line)
            if line is None:
                return

    threading.Thread(target=reader, name="stdin-reader", daemon=True).start()
    while True:
        if prompt is not None:
            text = prompt()
            if text and out is not None:
                out.write(text)
                out.flush()
        want.set()
        line = await queue.get()
        if line is None:
            if prompt is not None and out is not None:
                out.write("\n")
                out.flush()
            return
        yield line


def _load_history(readline: ModuleType, history: Path | None) -> None:
    readline.set_history_length(HISTORY_LENGTH)
    if history is None:
        return
    try:
        readline.read_history_file(str(history))
    except FileNotFoundError:
        pass
    except OSError as exc:
        log.debug("console history %s not read: %s", history, exc)


def _save_history(readline: ModuleType, history: Path | None) -> None:
    if history is None:
        return
    try:
        history.parent.mkdir(parents=True, exist_ok=True)
        readline.write_history_file(str(history))
    except OSError as exc:
        log.debug("console history %s not written: %s", history, exc)


def _forget_last(readline: ModuleType) -> None:
    length = readline.get_current_history_length()
    if length > 0:
        readline.remove_history_item(length - 1)


def _install_completer(readline: ModuleType, complete: Completer) -> None:
    matches: list[str] = []

    def completer(text: str, state: int) -> str | None:
        if state == 0:
            before = readline.get_line_buffer()[: readline.get_endidx()]
            matches[:] = [m for m in complete(before) if m.startswith(text)]
        return matches[state] if state < len(matches) else None

    readline.set_completer(completer)
    readline.set_completer_delims(" \t")
    if "libedit" in (readline.__doc__ or ""):  # macOS's readline is libedit underneath
        readline.parse_and_bind("bind ^I rl_complete")
    else:
        readline.parse_and_bind("tab: complete")


def _terminal_state() -> list[Any] | None:
    """The terminal's settings, to put back if the program ends while readline reads."""
    try:
        import termios

        return termios.tcgetattr(sys.stdin.fileno())
    except (ImportError, OSError, ValueError):
        return None


def _restore_terminal(saved: list[Any] | None) -> None:
    if saved is None:
        return
    try:
        import termios

        termios.tcsetattr(sys.stdin.fileno(), termios.TCSADRAIN, saved)
    except (ImportError, OSError, ValueError):
        pass
