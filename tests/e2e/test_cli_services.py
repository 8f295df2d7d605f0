"""``requestbot check`` and ``requestbot console`` end to end, against the fake TMDb.

The bot runs as a real subprocess; the fake TMDb answers on 127.0.0.1 from this test's loop,
so the subprocess is driven with asyncio rather than a blocking call.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sqlite3
import sys
from pathlib import Path

from tests.fake_arr import FakeRadarr, FakeSonarr
from tests.fake_discord import FakeDiscord
from tests.fake_jellyfin import FakeJellyfin
from tests.fake_telegram import FakeTelegram
from tests.fake_tmdb import DEFAULT_API_KEY, FakeTmdb

ROOT = Path(__file__).resolve().parents[2]
SETTING_PREFIXES = (
    "TMDB_",
    "TELEGRAM_",
    "DISCORD_",
    "DATABASE_",
    "BOT_",
    "DEFAULT_",
    "LOG_",
    "JELLYFIN_",
    "MEDIA_SERVER_",
    "RADARR_",
    "SONARR_",
    "JOBS_",
    "API_",
)


async def start_bot(cwd: Path, *args: str, **env: str) -> asyncio.subprocess.Process:
    """Start ``python -m bot ARGS`` with only the settings given."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(SETTING_PREFIXES)}
    clean.update(PYTHONPATH=str(ROOT), **env)
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=cwd,
        env=clean,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def stop_bot(process: asyncio.subprocess.Process) -> tuple[str, str]:
    """Stop a started bot as a service manager does (SIGTERM); its stdout and stderr."""
    process.send_signal(signal.SIGTERM)
    out, err = await asyncio.wait_for(process.communicate(), 30)
    return out.decode(), err.decode()


def telegram_env(fake: FakeTelegram, **more: str) -> dict[str, str]:
    """The settings of a bot on the fake Telegram (long polls of 2 s, so that it stops at
    once), and ``more``."""
    return {
        "TELEGRAM_BOT_TOKEN": fake.token,
        "TELEGRAM_BASE_URL": fake.base_url,
        "TELEGRAM_POLL_TIMEOUT": "2",
        **more,
    }


async def bot(cwd: Path, *args: str, stdin: str = "", **env: str) -> tuple[int, str, str]:
    """Run ``python -m bot ARGS`` with only the settings given; return code, stdout, stderr."""
    process = await start_bot(cwd, *args, **env)
    out, err = await asyncio.wait_for(process.communicate(stdin.encode()), 60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_check_reports_one_line_per_service(fake_tmdb: FakeTmdb, tmp_path: Path) -> None:
    code, out, _ = await bot(
        tmp_path, "check", TMDB_API_KEY=DEFAULT_API_KEY, TMDB_BASE_URL=fake_tmdb.base_url
    )

    lines = out.splitlines()
    assert lines[0] == (
        "database: ok (sqlite+aiosqlite:///./data/requestbot.db, "
        "not created yet: `requestbot run` creates it)"
    )
    assert lines[1].startswith("TMDb: ok")
    assert lines[2] == "Telegram: not configured (set TELEGRAM_BOT_TOKEN)"
    assert lines[3] == "Discord: not configured (set DISCORD_BOT_TOKEN)"
    assert DEFAULT_API_KEY not in out
    # Every service that is configured works, but `run` would refuse without a platform.
    assert code == 2
    assert "`requestbot run` would refuse: no chat platform is configured." in out
    assert not (tmp_path / "data").exists()  # check creates no database


async def test_check_reads_an_existing_database_without_migrating_it(tmp_path: Path) -> None:
    code, _, err = await bot(tmp_path, "migrate")
    assert code == 0, err
    db = tmp_path / "data" / "requestbot.db"
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0003'")

    code, out, _ = await bot(tmp_path, "check")

    assert "revision 0003; `requestbot run` or `migrate` brings it to 0008)" in out.splitlines()[0]
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == ("0003",)


async def test_a_database_that_cannot_be_opened_is_one_line_in_check_and_run(
    fake_telegram: FakeTelegram, tmp_path: Path
) -> None:
    (tmp_path / "a-folder.db").mkdir()  # SQLite cannot open a folder as its file
    env = {
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'a-folder.db'}",
        "TELEGRAM_BOT_TOKEN": fake_telegram.token,
        "TELEGRAM_BASE_URL": fake_telegram.base_url,
        "TMDB_API_KEY": DEFAULT_API_KEY,
    }

    code, out, _ = await bot(tmp_path, "check", **env)

    assert code == 1
    (line,) = [line for line in out.splitlines() if line.startswith("database:")]
    assert line.endswith(": OperationalError: unable to open database file)")
    assert "sqlalche.me" not in out

    code, out, err = await bot(tmp_path, "run", **env)

    assert code == 1
    assert err.strip().splitlines()[-1] == (
        "requestbot: the database cannot be used (OperationalError: unable to open database file)."
    )
    assert "Traceback" not in err


async def test_check_fails_on_a_rejected_key_without_printing_it(
    fake_tmdb: FakeTmdb, tmp_path: Path
) -> None:
    wrong = "0123456789abcdef0123456789abcdef"
    code, out, err = await bot(
        tmp_path, "check", TMDB_API_KEY=wrong, TMDB_BASE_URL=fake_tmdb.base_url
    )

    assert code == 1
    assert "TMDb: FAILED" in out
    assert wrong not in out + err


async def test_check_says_when_tmdb_is_down(tmp_path: Path) -> None:
    code, out, _ = await bot(
        tmp_path,
        "check",
        TMDB_API_KEY=DEFAULT_API_KEY,
        TMDB_BASE_URL="http://127.0.0.1:9/3",
        TMDB_TIMEOUT="1",
    )

    assert code == 1
    assert "TMDb: FAILED (TMDb is not reachable" in out


async def test_the_console_searches_and_requests_on_the_configured_tmdb(
    fake_tmdb: FakeTmdb, tmp_path: Path
) -> None:
    script = "search matrix\nrequest 1\nrequests\ninfo tv:1396\nrequest tv:1396 1,2\n"
    env = {
        "TMDB_API_KEY": DEFAULT_API_KEY,
        "TMDB_BASE_URL": fake_tmdb.base_url,
        "BOT_OWNERS": "console:root",
    }

    code, out, err = await bot(tmp_path, "console", "--as", "alice", stdin=script, **env)

    assert code == 0, err
    assert "1. The Matrix (1999) · movie · not requested" in out
    assert "Requested: #1 The Matrix (1999) · pending approval" in out
    assert "#1 The Matrix (1999) · pending approval" in out.split("alice> requests", 1)[1]
    assert "Breaking Bad (2008) · TV show · TMDb 1396" in out
    assert "#2 Breaking Bad (2008) · seasons 1, 2 · pending approval" in out
    assert fake_tmdb.calls["/search/multi"] == 1
    # The requests stay in the configured database for the next start.
    assert (tmp_path / "data" / "requestbot.db").exists()
    code, out, _ = await bot(tmp_path, "console", "--as", "root", stdin="pending\n", **env)
    assert "Pending requests (page 1 of 1, 2 in all)" in out
    # Delivery belongs to `requestbot run`: the console left every event for it.
    with sqlite3.connect(tmp_path / "data" / "requestbot.db") as db:
        undelivered = db.execute("SELECT count(*) FROM events WHERE delivered_at IS NULL")
        assert undelivered.fetchone() == (2,)


async def test_the_console_says_plainly_when_tmdb_is_down(tmp_path: Path) -> None:
    env = {
        "TMDB_API_KEY": DEFAULT_API_KEY,
        "TMDB_BASE_URL": "http://127.0.0.1:9/3",
        "TMDB_TIMEOUT": "1",
    }

    code, out, err = await bot(tmp_path, "console", "--as", "alice", stdin="search matrix\n", **env)

    assert code == 0
    assert "TMDb is not reachable right now. Please try again in a moment." in out
    assert "Traceback" not in out + err


async def test_an_unreachable_database_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    code, out, err = await bot(
        tmp_path, "migrate", DATABASE_URL="postgresql+asyncpg://bob:S3cret@127.0.0.1:9/requests"
    )

    assert code == 1
    assert err.startswith("requestbot: the database cannot be used (")
    assert "Traceback" not in err
    assert "S3cret" not in out + err


async def test_check_reaches_telegram_without_printing_the_token(
    fake_telegram: FakeTelegram, fake_tmdb: FakeTmdb, tmp_path: Path
) -> None:
    env = {
        "TELEGRAM_BOT_TOKEN": fake_telegram.token,
        "TELEGRAM_BASE_URL": fake_telegram.base_url,
        "TMDB_API_KEY": DEFAULT_API_KEY,
        "TMDB_BASE_URL": fake_tmdb.base_url,
    }
    code, out, err = await bot(tmp_path, "check", **env)

    assert code == 0, out + err
    assert "Telegram: ok (@requestbot_test_bot (id 7000001))" in out.splitlines()
    assert fake_telegram.token not in out + err

    wrong = "999:" + "not-the-token-at-all" * 2
    code, out, err = await bot(tmp_path, "check", **{**env, "TELEGRAM_BOT_TOKEN": wrong})
    assert code == 1
    assert "Telegram: FAILED (Telegram refused the request (HTTP 401) Unauthorized" in out
    assert wrong not in out + err

    # No Bot API at that address answers 404, which is not a refused token.
    elsewhere = fake_telegram.base_url.removesuffix("/bot") + "/elsewhere/bot"
    code, out, err = await bot(tmp_path, "check", **{**env, "TELEGRAM_BASE_URL": elsewhere})
    assert code == 1
    assert "Telegram: FAILED (Telegram refused the request (HTTP 404) Not Found" in out


async def test_check_says_nothing_of_discord_intents_or_its_login(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    code, out, err = await bot(
        tmp_path,
        "check",
        DISCORD_BOT_TOKEN=fake_discord.token,
        DISCORD_API_BASE_URL=fake_discord.api_base,
        DISCORD_GATEWAY_URL=fake_discord.gateway_url,
    )

    assert "Discord: ok (requestbot (id 1370000000000000001))" in out.splitlines()
    assert code == 2  # no TMDb key: `run` would refuse
    assert err == ""  # no "Guilds intent seems to be disabled", no "logging in using static token"


async def test_run_with_a_token_telegram_refuses_is_one_line_and_exit_2(
    fake_telegram: FakeTelegram, tmp_path: Path
) -> None:
    wrong = "999:" + "x" * 35
    code, out, err = await bot(
        tmp_path,
        "run",
        TELEGRAM_BOT_TOKEN=wrong,
        TELEGRAM_BASE_URL=fake_telegram.base_url,
        TMDB_API_KEY=DEFAULT_API_KEY,
    )

    assert code == 2
    assert err.splitlines() == [
        "requestbot run: Telegram refused the bot token (HTTP 401 Unauthorized: the token is "
        "wrong or revoked); check TELEGRAM_BOT_TOKEN."
    ]
    assert wrong not in out + err


async def test_run_with_a_token_discord_refuses_is_one_line_and_exit_2(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    wrong = fake_discord.token[:-4] + "nope"
    code, out, err = await bot(
        tmp_path,
        "run",
        DISCORD_BOT_TOKEN=wrong,
        DISCORD_API_BASE_URL=fake_discord.api_base,
        DISCORD_GATEWAY_URL=fake_discord.gateway_url,
        TMDB_API_KEY=DEFAULT_API_KEY,
    )

    assert code == 2
    assert err.splitlines() == [
        "requestbot run: Discord refused the bot token (HTTP 401 Unauthorized: the token is "
        "wrong or revoked); check DISCORD_BOT_TOKEN."
    ]
    assert wrong not in out + err


async def test_run_tests_tmdb_at_start_and_tells_the_owner_in_a_direct_message(
    fake_telegram: FakeTelegram, fake_tmdb: FakeTmdb, tmp_path: Path
) -> None:
    fake_telegram.add_user(1001, "Owner")
    wrong = "0123456789abcdef0123456789abcdef"
    env = telegram_env(
        fake_telegram,
        TMDB_API_KEY=wrong,
        TMDB_BASE_URL=fake_tmdb.base_url,
        BOT_OWNERS="telegram:1001,console:root",
    )
    process = await start_bot(tmp_path, "run", **env)
    try:
        notice = await fake_telegram.wait_for_message(1001, timeout=30)
        code, health, _ = await bot(tmp_path, "health")
        assert code == 0, health
        assert health.startswith("requestbot health: ok")
    finally:
        out, err = await stop_bot(process)

    assert process.returncode == 0, err
    assert notice.text is not None
    assert notice.text.startswith("requestbot has started, but:\n- TMDb does not work: TMDb ")
    assert "(HTTP 401)" in notice.text
    assert "TMDB_API_KEY" in notice.text
    warning = [line for line in err.splitlines() if "at start-up: TMDb" in line]
    assert len(warning) == 1
    assert " WARNING " in warning[0]
    assert wrong not in out + err + notice.text
    code, _, err_text = await bot(tmp_path, "health")
    assert code == 1
    assert "`requestbot run` is not running here" in err_text


async def test_run_answers_on_telegram_and_stops_cleanly_on_sigterm(
    fake_telegram: FakeTelegram, fake_tmdb: FakeTmdb, tmp_path: Path
) -> None:
    fake_telegram.add_user(1001, "Alice")
    env = telegram_env(
        fake_telegram,
        TMDB_API_KEY=DEFAULT_API_KEY,
        TMDB_BASE_URL=fake_tmdb.base_url,
        LOG_LEVEL="DEBUG",
    )
    process = await start_bot(tmp_path, "run", **env)
    try:
        await fake_telegram.wait_for(lambda: fake_telegram.polling, timeout=30)
        fake_telegram.send_text(1001, "/request matrix")
        card = await fake_telegram.wait_for_message(1001, timeout=20)
        assert "The Matrix" in (card.caption or "")
    finally:
        out, err = await stop_bot(process)

    assert process.returncode == 0, err
    assert "stopped cleanly" in err
    assert "Processing update" in err  # the debug log was on...
    assert fake_telegram.token not in out + err  # ...without the token
    assert DEFAULT_API_KEY not in out + err


def media_stack_env(
    jellyfin: FakeJellyfin, radarr: FakeRadarr, sonarr: FakeSonarr, **more: str
) -> dict[str, str]:
    return {
        "JELLYFIN_URL": jellyfin.base_url,
        "JELLYFIN_API_KEY": jellyfin.api_key or "",
        "RADARR_URL": radarr.base_url,
        "RADARR_API_KEY": radarr.api_key or "",
        "RADARR_QUALITY_PROFILE": "hd-1080p",
        "RADARR_ROOT_FOLDER": "/movies",
        "SONARR_URL": sonarr.base_url,
        "SONARR_API_KEY": sonarr.api_key or "",
        "SONARR_QUALITY_PROFILE": "4",
        "SONARR_ROOT_FOLDER": "/tv",
        **more,
    }


async def test_check_validates_the_media_server_and_downloaders_and_shows_the_jobs(
    fake_jellyfin: FakeJellyfin, fake_radarr: FakeRadarr, fake_sonarr: FakeSonarr, tmp_path: Path
) -> None:
    env = media_stack_env(fake_jellyfin, fake_radarr, fake_sonarr)

    code, out, _ = await bot(tmp_path, "check", **env)

    assert code == 2, out  # every service works, but with no chat platform `run` would refuse
    lines = out.splitlines()
    assert "Jellyfin: ok (Home (Jellyfin Server 10.10.7), Movies, Shows)" in lines
    assert (
        "Radarr: ok (Radarr 5.14.0.9383, quality profile HD-1080p (4), root folder /movies, "
        "minimum availability released)" in lines
    )
    assert (
        "Sonarr: ok (Sonarr 4.0.10.2544, quality profile HD-1080p (4), root folder /tv, "
        "language profile 1)" in lines
    )
    jobs = lines[lines.index("Jobs (last run by `requestbot run`):") + 1 :][:4]
    assert [line.strip() for line in jobs] == [
        "recently added scan: not run yet",
        "full library scan: not run yet",
        "send approved: not run yet",
        "download sync: not run yet",
    ]
    for key in (fake_jellyfin.api_key, fake_radarr.api_key, fake_sonarr.api_key):
        assert key
        assert key not in out


async def test_check_names_what_is_wrong_with_a_downloaders_settings(
    fake_jellyfin: FakeJellyfin, fake_radarr: FakeRadarr, fake_sonarr: FakeSonarr, tmp_path: Path
) -> None:
    env = media_stack_env(
        fake_jellyfin,
        fake_radarr,
        fake_sonarr,
        RADARR_QUALITY_PROFILE="Best",
        SONARR_API_KEY="wrong-key",
    )
    await fake_jellyfin.outage()

    code, out, _ = await bot(tmp_path, "check", **env)

    assert code == 1
    assert "Jellyfin: FAILED (Jellyfin is not reachable (cannot connect))" in out
    assert "Radarr: FAILED (Radarr refused the request (HTTP 400) no quality profile 'Best'" in out
    assert "it has: Any (1)" in out
    assert "Sonarr: FAILED (Sonarr refused the request (HTTP 401) API key rejected)" in out
    assert "wrong-key" not in out


async def test_a_token_refused_after_an_outage_at_start_still_exits_2_without_a_traceback(
    fake_telegram: FakeTelegram, tmp_path: Path
) -> None:
    fake_telegram.fail(times=2, status=502, methods=["getMe"])  # the check, then the adapter
    process = await start_bot(
        tmp_path,
        "run",
        TELEGRAM_BOT_TOKEN=fake_telegram.token,
        TELEGRAM_BASE_URL=fake_telegram.base_url,
        TMDB_API_KEY=DEFAULT_API_KEY,
        TMDB_BASE_URL="http://127.0.0.1:9/3",
    )
    try:
        await fake_telegram.wait_for(lambda: len(fake_telegram.errors) >= 2, timeout=30)
        fake_telegram.token = "555:" + "r" * 35  # revoked while the bot waits to retry
        _, err = await asyncio.wait_for(process.communicate(), 30)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()

    assert process.returncode == 2, err.decode()
    text = err.decode()
    assert "Telegram refused the bot token: check TELEGRAM_BOT_TOKEN" in text
    assert "Traceback" not in text
    assert "crashed" not in text


async def test_run_tells_a_discord_owner_in_a_direct_message_what_does_not_work(
    fake_discord: FakeDiscord, fake_tmdb: FakeTmdb, tmp_path: Path
) -> None:
    owner = 4242
    fake_discord.add_user(owner, "owner")
    process = await start_bot(
        tmp_path,
        "run",
        DISCORD_BOT_TOKEN=fake_discord.token,
        DISCORD_API_BASE_URL=fake_discord.api_base,
        DISCORD_GATEWAY_URL=fake_discord.gateway_url,
        DISCORD_GUILD_ID=str(fake_discord.guild_id),
        TMDB_API_KEY="0123456789abcdef0123456789abcdef",
        TMDB_BASE_URL=fake_tmdb.base_url,
        BOT_OWNERS=f"discord:{owner}",
    )
    try:
        (notice,) = await fake_discord.wait_for(lambda: fake_discord.dms(owner), timeout=30)
    finally:
        _, err = await stop_bot(process)

    assert process.returncode == 0, err
    shown = re.sub(r"\\(.)", r"\1", notice.content)  # as Discord renders escaped markdown
    assert shown.startswith("requestbot has started, but:\n- TMDb does not work: ")
    assert "(HTTP 401)" in shown
    assert "TMDB_API_KEY" in shown
