"""End to end through the real entry point: ``python -m bot`` in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.health import STALE_AFTER, health_line, heartbeat_path

ROOT = Path(__file__).resolve().parents[2]

DEMO_SCRIPT = """\
whoami
search matrix
request 1
request tv:1396 1-2
request tv:1396 all
request movie:603
approve 1
quota
as admin
pending
approve 1
approve 1
decline 2 not this week
as alice
requests
cancel 3
as admin
available 1
users
as bob
request movie:603
quit
this line is never read
"""


def run_bot(
    *args: str, stdin: str = "", cwd: Path, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m bot`` with a clean environment (no settings leak in from outside)."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(
            (
                "TMDB_",
                "TELEGRAM_",
                "DISCORD_",
                "DATABASE_",
                "BOT_",
                "DEFAULT_",
                "MOVIE_",
                "TV_",
                "LOG_",
                "API_",
                "NOTIFY_",
                "WEBHOOK_",
            )
        )
    }
    clean["PYTHONPATH"] = str(ROOT)
    clean.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=clean,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> subprocess.CompletedProcess[str]:
    return run_bot("demo", stdin=DEMO_SCRIPT, cwd=tmp_path_factory.mktemp("demo"))


def section(output: str, command: str, *, last: bool = False) -> str:
    """The output printed after ``command`` (its first or last use) up to the next command."""
    lines = output.splitlines()
    starts = [i for i, line in enumerate(lines) if line.endswith(f"> {command}")]
    start = starts[-1] if last else starts[0]
    end = next(
        (
            i
            for i in range(start + 1, len(lines))
            if "> " in lines[i] and lines[i].split("> ")[0] in ("alice", "bob", "admin")
        ),
        len(lines),
    )
    return "\n".join(lines[start + 1 : end])


def test_the_demo_runs_a_whole_request_flow_from_a_piped_script(
    demo_run: subprocess.CompletedProcess[str],
) -> None:
    assert demo_run.returncode == 0, demo_run.stderr
    assert "Traceback" not in demo_run.stderr
    out = demo_run.stdout
    assert "You are alice" in section(out, "whoami")
    assert "The Matrix (1999)" in section(out, "search matrix")
    assert "not requested" in section(out, "search matrix")


def test_a_new_request_is_pending_and_managers_are_told(
    demo_run: subprocess.CompletedProcess[str],
) -> None:
    after = section(demo_run.stdout, "request 1")
    assert "Requested: #1 The Matrix (1999) · pending approval" in after
    assert "[notification to admin (manager)] New Movie Request: The Matrix (1999)" in after


def test_tv_seasons_already_requested_are_skipped(
    demo_run: subprocess.CompletedProcess[str],
) -> None:
    first = section(demo_run.stdout, "request tv:1396 1-2")
    assert "#2 Breaking Bad (2008) · seasons 1, 2 · pending approval" in first
    rest = section(demo_run.stdout, "request tv:1396 all")
    assert "#3 Breaking Bad (2008) · seasons 3, 4, 5 · pending approval" in rest
    assert "Skipped (seasons 1, 2)" in rest


def test_duplicates_and_missing_permissions_get_plain_answers(
    demo_run: subprocess.CompletedProcess[str],
) -> None:
    out = demo_run.stdout
    # Asking again for one's own title is told where that request stands (as in the chats).
    assert "You asked for this already: #1 The Matrix (1999) · pending approval." in section(
        out, "request movie:603"
    )
    assert "You are not allowed to approve requests." in section(out, "approve 1")


def test_an_admin_approves_and_declines_and_the_requester_hears_of_it(
    demo_run: subprocess.CompletedProcess[str],
) -> None:
    out = demo_run.stdout
    pending = section(out, "pending")
    assert "Pending requests (page 1 of 1, 3 in all)" in pending
    approved = out.split("admin> approve 1", 1)[1]
    assert "Approved #1 The Matrix (1999) · approved." in approved
    assert "[notification to alice] Movie Request Approved: The Matrix (1999)" in approved
    assert "Request #1 is already approved (by admin" in approved
    declined = section(out, "decline 2 not this week")
    assert "[notification to alice] Series Request Declined: Breaking Bad (2008)" in declined
    assert "not this week" in declined


def test_the_requester_sees_statuses_cancels_and_hears_of_availability(
    demo_run: subprocess.CompletedProcess[str],
) -> None:
    out = demo_run.stdout
    mine = section(out, "requests")
    assert "#1 The Matrix (1999) · approved" in mine
    assert "#2 Breaking Bad (2008) · seasons 1, 2 · declined" in mine
    assert "Cancelled #3, the request for Breaking Bad (2008) (seasons 3, 4, 5)." in section(
        out, "cancel 3"
    )
    available = section(out, "available 1")
    assert "[notification to alice] Movie Now Available: The Matrix (1999)" in available
    assert "alice" in section(out, "users")
    assert "admin" in section(out, "users")
    assert "already available" in section(out, "request movie:603", last=True).lower()
    assert "this line is never read" not in out
    assert "Bye!" in out


def test_bare_requestbot_without_tokens_runs_the_demo(tmp_path: Path) -> None:
    done = run_bot(stdin="", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "offline demo" in done.stdout
    assert "requestbot demo" in done.stdout


def test_run_without_a_platform_says_what_to_set(tmp_path: Path) -> None:
    done = run_bot("run", cwd=tmp_path)
    assert done.returncode == 2
    assert "TELEGRAM_BOT_TOKEN" in done.stderr
    assert "DISCORD_BOT_TOKEN" in done.stderr
    assert "requestbot demo" in done.stderr


def test_invalid_settings_exit_2_with_every_problem_and_no_traceback(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("TMDB_TIMEOUT=never\nBOT_OWNERS=root\n")
    done = run_bot("check", cwd=tmp_path, env={"DATABASE_URL": "mysql://x"})
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    for name in ("TMDB_TIMEOUT", "BOT_OWNERS", "DATABASE_URL"):
        assert name in done.stderr


def test_migrate_creates_the_default_database_folder(tmp_path: Path) -> None:
    done = run_bot("migrate", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "data" / "requestbot.db").exists()
    assert "schema at revision" in done.stdout


def test_console_without_a_tmdb_key_points_to_the_demo(tmp_path: Path) -> None:
    done = run_bot("console", cwd=tmp_path)
    assert done.returncode == 2
    assert "TMDB_API_KEY" in done.stderr
    assert "requestbot demo" in done.stderr


ADMIN_SCRIPT = """\
as admin
permissions bob guest
setquota alice movie 1
defaults tv 2 30
as bob
request movie:550
as alice
request movie:550
request movie:27205
request tv:1399 all
fail 1 Radarr said no
as admin
approve 1
fail 1 Radarr said no
decline 1
retry 1
retry 1
permissions alice REQUEST|AUTO_APPROVE
permissions alice superpowers
link alice telegram:4242
as alice
request tv:87108
approve 99
decline abc
request 42
approve 99999999999999999999
as admin
defaults movie 5 800000
permissions bob 99999999999
frobnicate
help
"""


@pytest.fixture(scope="module")
def admin_run(tmp_path_factory: pytest.TempPathFactory) -> subprocess.CompletedProcess[str]:
    return run_bot("demo", stdin=ADMIN_SCRIPT, cwd=tmp_path_factory.mktemp("admin"))


def test_admins_set_permissions_and_quotas_and_users_feel_them(
    admin_run: subprocess.CompletedProcess[str],
) -> None:
    out = admin_run.stdout
    assert admin_run.returncode == 0, admin_run.stderr
    assert "bob now has: guest." in out
    assert "Movies: 0 of 1 used in the last 7 days" in section(out, "setquota alice movie 1")
    assert "TV seasons: 2 per 30 days." in section(out, "defaults tv 2 30")
    assert "You are not allowed to request a movie." in section(out, "request movie:550")
    assert "Requested: #1 Fight Club (1999)" in section(out, "request movie:550", last=True)
    refused = section(out, "request movie:27205")
    assert "Your movie quota is used up: 1 of 1 movies in the last 7 days" in refused
    assert "The next slot frees up in 7 days." in refused
    tv_refused = section(out, "request tv:1399 all")
    assert (
        "Your series quota has 2 of 2 seasons left (0 used in the last 30 days), "
        "and this request asks for 8. Ask for fewer." in tv_refused
    )


def test_a_failed_request_is_retried_once_by_a_manager(
    admin_run: subprocess.CompletedProcess[str],
) -> None:
    out = admin_run.stdout
    early = section(out, "fail 1 Radarr said no")
    assert "Request #1 is pending approval; it cannot be marked failed now." in early
    failed = section(out, "fail 1 Radarr said no", last=True)
    assert "Marked failed: #1 Fight Club (1999) · failed." in failed
    assert "[notification to admin (manager)] Movie Request Failed: Fight Club (1999)" in failed
    assert "[notification to alice] Movie Request Failed" in failed
    assert (
        "Request #1 was approved by admin but then failed to reach the downloader; "
        "a manager can retry it." in section(out, "decline 1")
    )
    retried = section(out, "retry 1")
    assert "Retrying #1 Fight Club (1999) · approved." in retried
    assert "is being sent again" in retried
    assert "Request #1 is approved; it cannot be retried now." in section(out, "retry 1", last=True)


def test_auto_approval_permissions_and_linked_identities_take_effect(
    admin_run: subprocess.CompletedProcess[str],
) -> None:
    out = admin_run.stdout
    assert "alice now has: REQUEST|AUTO_APPROVE." in out
    assert "unknown permission: 'superpowers'" in section(out, "permissions alice superpowers")
    assert "console:alice, telegram:4242" in section(out, "link alice telegram:4242")
    auto = section(out, "request tv:87108")
    assert (
        "Requested and approved automatically: #2 Chernobyl (2019) · season 1 · approved." in auto
    )
    assert "[notification to admin (manager)] Series Request Automatically Approved" in auto


def test_bad_input_gets_a_plain_answer(admin_run: subprocess.CompletedProcess[str]) -> None:
    out = admin_run.stdout
    assert "You are not allowed to approve requests." in section(out, "approve 99")
    assert "Which request? Give its number" in section(out, "decline abc")
    assert "Search first, then use a result number" in section(out, "request 42")
    assert "is not a request number" in section(out, "approve 99999999999999999999")
    assert "movie days does not work: must be between 0 and 3650" in section(
        out, "defaults movie 5 800000"
    )
    assert "not a combination of permission flags" in section(out, "permissions bob 99999999999")
    assert 'Unknown command "frobnicate"' in section(out, "frobnicate")
    assert "search [movie|tv] TEXT" in section(out, "help")
    assert "Traceback" not in out + admin_run.stderr


def python(script: str, *args: str, cwd: Path | None = None) -> str:
    """What ``script`` prints, run with ``args`` by a fresh interpreter on this tree (so
    what it imports is its own doing)."""
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=60,
        check=True,
    )
    return done.stdout


IMPORTED = """\
import sys
from bot.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
heavy = ("discord", "telegram", "sqlalchemy", "sqlmodel", "alembic", "mako", "pydantic", "httpx")
loaded = (m for m, module in sys.modules.items() if module is not None)  # None: kept out
print(" ".join(sorted(m for m in loaded if m.split(".")[0] in heavy)))
"""


@pytest.mark.parametrize("flag", ["--help", "--version"])
def test_help_and_version_load_no_chat_library_database_or_settings(
    flag: str, tmp_path: Path
) -> None:
    out = python(IMPORTED, flag, cwd=tmp_path)
    printed, loaded = out.rsplit("\n", 2)[:2]
    assert loaded == ""
    if flag == "--version":
        assert printed.startswith("requestbot 0.")
    else:
        assert "--version" in out


AT_HEAD = """\
import asyncio, sys
from storage.migrate import upgrade
print(asyncio.run(upgrade(sys.argv[1])), "alembic" in sys.modules, "mako" in sys.modules)
"""


def test_a_database_at_the_newest_revision_is_opened_without_alembic(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"

    def upgrade() -> str:
        return python(AT_HEAD, url).strip()

    assert upgrade() == "0008 True True"  # a new database: Alembic creates the schema
    assert upgrade() == "0008 False False"  # at the head already: one query, no Alembic


def test_check_with_nothing_configured_exits_2_and_creates_no_database(tmp_path: Path) -> None:
    done = run_bot("check", cwd=tmp_path)
    assert done.returncode == 2
    assert "`requestbot run` would refuse: no chat platform is configured." in done.stdout
    assert list(tmp_path.iterdir()) == []


def test_misspelt_settings_are_pointed_out_before_the_demo_starts(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("TELEGRAM_TOKEN=123456:abc\nTMDB_KEY=secret-key-value\n")

    done = run_bot(cwd=tmp_path, env={"DISCORD_TOKEN": "x"})

    assert done.returncode == 0
    assert "offline demo" in done.stdout
    warnings = done.stderr.splitlines()
    assert "requestbot: TELEGRAM_TOKEN in .env is not a setting; did you mean " in warnings[0]
    assert warnings[:3] == [
        "requestbot: TELEGRAM_TOKEN in .env is not a setting; did you mean TELEGRAM_BOT_TOKEN?",
        "requestbot: TMDB_KEY in .env is not a setting; did you mean TMDB_API_KEY?",
        "requestbot: DISCORD_TOKEN in the environment is not a setting; "
        "did you mean DISCORD_BOT_TOKEN?",
    ]
    assert "secret-key-value" not in done.stderr


def test_a_token_not_shaped_like_one_is_one_line_and_exit_2(tmp_path: Path) -> None:
    token = "Bot 123456:ABCdefGHIjklMNOpqrSTUvwxYZ0123456789"
    done = run_bot("run", cwd=tmp_path, env={"TELEGRAM_BOT_TOKEN": token, "TMDB_API_KEY": "k"})
    assert done.returncode == 2
    assert "TELEGRAM_BOT_TOKEN: does not look like a bot token" in done.stderr
    assert "Traceback" not in done.stderr
    assert "ABCdefGHIjkl" not in done.stderr


def test_health_tells_a_fresh_heartbeat_from_a_stale_or_missing_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    beat = tmp_path / "requestbot.alive"
    assert health_line(beat) == (
        False,
        "requestbot health: FAILED (`requestbot run` is not running here)",
    )
    beat.write_text("1\n")
    assert health_line(beat)[0]
    stale = beat.stat().st_mtime + STALE_AFTER + 5
    assert health_line(beat, now=stale) == (
        False,
        f"requestbot health: FAILED (no heartbeat for {STALE_AFTER + 5:.0f} s: the bot is stuck)",
    )
    assert heartbeat_path("sqlite+aiosqlite:///a.db") != heartbeat_path("sqlite+aiosqlite:///b.db")
    relative = "sqlite+aiosqlite:///./data/requestbot.db"
    here = heartbeat_path(relative)
    monkeypatch.chdir(tmp_path)
    assert heartbeat_path(relative) != here  # the same default in another folder: another bot
