"""The console: its line input (a terminal with readline, or a piped script), what it
echoes, and its answers, through the real ``python -m bot demo``."""

from __future__ import annotations

import importlib.util
import io
import os
import pty
import select
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pytest

from adapters.console.lines import MAX_LINE, Overlong, read_lines
from adapters.console.render import clean_line, printable
from adapters.console.shell import ConsoleShell
from adapters.text import describe_error, number_ranges
from core.errors import InvalidSeasons, QuotaExceeded
from core.media import MediaType
from tests.e2e.test_cli import ROOT, run_bot, section

ESC = "\x1b"
NOW = datetime(2026, 1, 1, tzinfo=UTC)

# ----- what the console reads and prints -----------------------------------------------


def test_escape_sequences_and_control_characters_are_never_printed() -> None:
    typed = "frob\x1b[Anic\x1bOBate\x9b2J\r\x00\x07 \x1b]0;pwned\x07now"
    assert printable(typed) == "frobnicate now"
    assert clean_line("\tsearch\tthe matrix\x1b[D ") == "search the matrix"
    assert printable("two\nlines, ünïcode 日本") == "two\nlines, ünïcode 日本"


def test_what_the_console_prints_carries_no_escape_sequence_whatever_its_source() -> None:
    out = io.StringIO()
    shell = ConsoleShell(cast(Any, None), None, out, "alice")

    shell.say("Requested by \x1b[2J\x1b]8;;http://x\x07Mallory\x1b[0m: #1")

    assert out.getvalue() == "Requested by Mallory: #1\n"


async def test_a_line_too_long_is_read_as_its_length_never_whole() -> None:
    stream = io.StringIO("search " + "x" * 200_000 + "\nwhoami\n" + "y" * MAX_LINE + "\n")

    lines = [line async for line in read_lines(stream)]

    assert lines[0] == Overlong(head="search " + "x" * 53, length=200_007)
    assert lines[1:] == ["whoami\n", "y" * MAX_LINE + "\n"]


async def test_a_long_line_without_a_newline_at_the_end_is_counted_whole() -> None:
    lines = [line async for line in read_lines(io.StringIO("z" * 5000))]

    assert lines == [Overlong(head="z" * 60, length=5000)]


# ----- the texts the chat adapters share -------------------------------------------------


def test_a_tv_request_over_the_quota_says_how_many_seasons_are_left() -> None:
    error = QuotaExceeded(MediaType.TV, 10, 8, 7, 5, NOW + timedelta(days=3))

    assert describe_error(error, NOW) == (
        "Your series quota has 2 of 10 seasons left (8 used in the last 7 days), and this "
        "request asks for 5. Ask for fewer, or wait: the next slot frees up in 3 days."
    )


def test_a_quota_used_up_still_says_so() -> None:
    error = QuotaExceeded(MediaType.MOVIE, 5, 5, 7, 1, NOW + timedelta(hours=5))

    assert describe_error(error, NOW) == (
        "Your movie quota is used up: 5 of 5 movies in the last 7 days. "
        "The next slot frees up in 5 hours."
    )


def test_seasons_the_show_lacks_are_told_as_ranges_with_those_it_has() -> None:
    error = InvalidSeasons(tuple(range(6, 100)), (1, 2, 3, 4, 5), specials=True)

    assert describe_error(error, NOW) == (
        "There are no seasons 6–99: the show has seasons 1–5 and specials (season 0)."
    )
    assert describe_error(InvalidSeasons((9,), (1,)), NOW) == (
        "There is no season 9: the show has season 1."
    )
    assert number_ranges([7, 1, 2, 3, 5, 8, 9, 11, 12]) == "1–3, 5, 7–9, 11, 12"


# ----- the demo, through its real entry point ------------------------------------------

SLIPS = f"""\
info tv:1396
request tv:1396 0
info tv:1396
request tv:1396 1-99
request tv:1396 1-3
request tv:1396 0
request tv:1399 all
frob\x1b[Anicate
\x1b[A
search {"x" * 200_000}
# {"z" * 998}
as ADMIN
requests alice
available 1
cancel 2
defaults
help
as bob
requests alice
requests
"""


@pytest.fixture(scope="module")
def slips(tmp_path_factory: pytest.TempPathFactory) -> str:
    done = run_bot("demo", stdin=SLIPS, cwd=tmp_path_factory.mktemp("slips"))
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    return done.stdout


def test_the_specials_can_be_asked_for_and_info_shows_where_they_stand(slips: str) -> None:
    before = section(slips, "info tv:1396")
    assert 'Specials (season 0, not part of "all"): 9 episodes · not requested' in before
    assert "#1 Breaking Bad (2008) · season 0 · pending approval" in section(
        slips, "request tv:1396 0"
    )
    after = section(slips, "info tv:1396", last=True)
    assert 'Specials (season 0, not part of "all"): 9 episodes · requested, pending' in after


def test_asking_again_for_one_s_own_seasons_tells_where_that_request_stands(slips: str) -> None:
    assert section(slips, "request tv:1396 0", last=True) == (
        "You asked for this already: #1 Breaking Bad (2008) · season 0 · pending approval."
    )


def test_seasons_beyond_the_show_are_refused_with_those_it_has(slips: str) -> None:
    assert section(slips, "request tv:1396 1-99") == (
        "There are no seasons 6–99: the show has seasons 1–5 and specials (season 0)."
    )


def test_the_quota_refusal_says_how_many_seasons_are_left(slips: str) -> None:
    refused = section(slips, "request tv:1399 all")
    assert "Your series quota has 6 of 10 seasons left (4 used in the last 7 days)" in refused
    assert "this request asks for 8" in refused


def test_typed_escape_sequences_are_neither_run_nor_echoed(slips: str) -> None:
    assert ESC not in slips
    assert 'Unknown command "frobnicate".' in section(slips, "frobnicate")
    assert "> [A" not in slips


def test_a_line_just_at_the_limit_is_taken(slips: str) -> None:
    assert slips.count("That line is too long") == 1  # the 200,007 one only


def test_a_line_too_long_is_refused_with_its_length_and_not_echoed(slips: str) -> None:
    assert "x" * 100 not in slips
    assert "That line is too long (200,007 characters; the limit is 1,000)." in slips


def test_names_match_existing_console_users_in_any_case(slips: str) -> None:
    assert "You are admin (user #1), permissions: admin." in section(slips, "as ADMIN")


def test_a_manager_lists_another_users_requests_and_others_see_only_their_own(
    slips: str,
) -> None:
    theirs = section(slips, "requests alice")
    assert "Requests of alice (page 1 of 1, 2 in all):" in theirs
    assert "#2 Breaking Bad (2008) · seasons 1, 2, 3 · pending approval" in theirs
    assert section(slips, "requests alice", last=True) == (
        "You are not allowed to see another user's requests; you may only see your own."
    )
    assert "Your requests: none." in section(slips, "requests", last=True)


def test_cancel_names_the_request_it_removed(slips: str) -> None:
    assert section(slips, "cancel 2").startswith(
        "Cancelled #2, the request for Breaking Bad (2008) (seasons 1, 2, 3)."
    )


def test_counts_and_quotas_read_as_english(slips: str) -> None:
    assert "is now on the media server; 0 requests completed." in section(slips, "available 1")
    assert section(slips, "defaults") == (
        "Quota defaults: movies: 5 per 7 days; TV seasons: 10 per 7 days."
    )


def test_help_lists_linking_someone_else_to_an_account(slips: str) -> None:
    assert "link [ACCOUNT [USER]] | link USER PLATFORM:ID" in section(slips, "help")


# ----- a real terminal ---------------------------------------------------------------------


class Terminal:
    """``python -m bot demo`` on a pseudo-terminal: type keys, wait for what it prints."""

    def __init__(self, cwd: Path, state: Path) -> None:
        self.master, slave = pty.openpty()
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("TMDB_", "TELEGRAM_", "DISCORD_", "DATABASE_", "BOT_"))
        }
        env.update(PYTHONPATH=str(ROOT), XDG_STATE_HOME=str(state), TERM="dumb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "demo"],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            cwd=cwd,
            env=env,
            close_fds=True,
        )
        os.close(slave)
        self.seen = b""
        self.mark = 0

    def wait_for(self, text: str, timeout: float = 30) -> str:
        """What was printed since the last wait, up to and including ``text``."""
        wanted = text.encode()
        deadline = time.monotonic() + timeout
        while (found := self.seen.find(wanted, self.mark)) < 0:
            ready, _, _ = select.select([self.master], [], [], deadline - time.monotonic())
            if not ready:
                raise AssertionError(f"no {text!r} in {self.seen[self.mark :]!r}")
            try:
                self.seen += os.read(self.master, 65536)
            except OSError as exc:  # the program ended
                raise AssertionError(f"ended before {text!r}: {self.seen!r}") from exc
        end = found + len(wanted)
        printed, self.mark = self.seen[self.mark : end], end
        return printed.decode(errors="replace")

    def type(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def close(self) -> None:
        """End the program if it still runs (a failed test), and the terminal."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        os.close(self.master)


UP, DOWN, LEFT = "\x1b[A", "\x1b[B", "\x1b[D"


@pytest.mark.skipif(importlib.util.find_spec("readline") is None, reason="no readline here")
def test_a_terminal_gets_line_editing_history_and_completion(tmp_path: Path) -> None:
    history = tmp_path / "state" / "requestbot" / "console_history"
    history.parent.mkdir(parents=True)
    history.write_text("whoami\n")  # an earlier session's
    terminal = Terminal(tmp_path, tmp_path / "state")
    try:
        terminal.wait_for("alice> ")
        terminal.type(UP + "\r")  # the earlier session's last line
        assert "You are alice" in terminal.wait_for("permissions: user.")
        terminal.wait_for("alice> ")
        # Edit the line, look at an earlier one and come back to it (readline redraws the
        # prompt then, so wait for the answer rather than the next prompt).
        terminal.type("frobnicate" + LEFT + LEFT + "xx" + UP + DOWN + "\r")
        reply = terminal.wait_for("for the list.").splitlines()[-1]
        assert reply == 'Unknown command "frobnicaxxte". Type "help" for the list.'
        terminal.wait_for("alice> ")
        terminal.type("as ad\t\r")  # Tab completes a console user's name
        assert "You are admin (user #1)" in terminal.wait_for("permissions: admin.")
        terminal.wait_for("admin> ")
        terminal.type("who\t\r")  # and a command's
        assert "You are admin" in terminal.wait_for("permissions: admin.")
        terminal.wait_for("admin> ")
        terminal.type("search " + "y" * 1500 + "\r")
        assert terminal.wait_for("limit is 1,000).").endswith(
            "\nThat line is too long (1,507 characters; the limit is 1,000)."
        )
        terminal.wait_for("admin> ")
        terminal.type("quit\r")
        terminal.wait_for("Bye!")
        assert terminal.process.wait(timeout=30) == 0
    finally:
        terminal.close()
    assert history.read_text().splitlines()[-4:] == [
        "frobnicaxxte",
        "as admin",
        "whoami",
        "quit",
    ]
