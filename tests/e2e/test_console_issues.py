"""Issues in the console, through the real ``python -m bot demo``: reporting a problem with a
title on the server, the limits of a report, comments both ways, resolving and reopening,
and who hears of what."""

from __future__ import annotations

import pytest

from tests.e2e.test_cli import run_bot, section

SCRIPT = """\
report tv:1396 audio S1E3 no sound
request tv:1396 1-2
as ADMIN
approve 1
available 1
as alice
report tv:1396 audio S1E3 no sound after ten minutes
report tv:1396 video S9 blocky
report tv:1396 video S1E99 blocky
report tv:1396 noise S1E3 hiss
as bob
issue 1
comment 1 me too
as ADMIN
issues
comment 1 Which player do you use?
as alice
comment 1 The TV app
resolve 1
issues resolved
reopen 1
issue 1
"""


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> str:
    done = run_bot("demo", stdin=SCRIPT, cwd=tmp_path_factory.mktemp("issues"))
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    return done.stdout


def test_only_a_title_on_the_server_takes_a_report(run: str) -> None:
    assert section(run, "report tv:1396 audio S1E3 no sound") == (
        "That title is not on the server: problems can be reported once it is."
    )
    reported = section(run, "report tv:1396 audio S1E3 no sound after ten minutes")
    assert reported.startswith(
        "Thanks: 🔊 Audio issue #1 on Breaking Bad (2008), S1E3 is reported."
    )
    assert "[notification to admin (manager)] Issue Created: Breaking Bad (2008)" in reported


def test_a_season_or_episode_the_show_lacks_is_refused_in_words(run: str) -> None:
    assert section(run, "report tv:1396 video S9 blocky") == (
        "That season does not work: Breaking Bad (2008) has no season 9 here."
    )
    assert section(run, "report tv:1396 video S1E99 blocky") == (
        "That episode does not work: season 1 has 7 episodes."
    )
    assert "What kind of problem?" in section(run, "report tv:1396 noise S1E3 hiss")


def test_others_may_see_an_issue_but_not_comment_on_it(run: str) -> None:
    assert "Reported by alice: “no sound after ten minutes”" in section(run, "issue 1")
    assert section(run, "comment 1 me too") == (
        "You are not allowed to comment on other users' issues."
    )


def test_comments_reach_the_other_side_and_nobody_hears_of_their_own(run: str) -> None:
    asked = section(run, "comment 1 Which player do you use?")
    assert (
        "[notification to alice] Issue Comment: Breaking Bad (2008) - admin commented on "
        "your 🔊 Audio issue #1" in asked
    )
    assert "notification to admin" not in asked
    answered = section(run, "comment 1 The TV app")
    assert "[notification to admin (manager)] Issue Comment" in answered
    assert "notification to alice" not in answered


def test_the_reporter_resolves_and_reopens_their_own_issue(run: str) -> None:
    resolved = section(run, "resolve 1")
    assert "🔊 Audio issue #1 · 🟢 Resolved" in resolved
    assert "Resolved by alice." in resolved
    assert section(run, "issues resolved").splitlines() == [
        "Resolved issues (1):",
        "  #1 🔊 Audio · Breaking Bad (2008), S1E3 · 2 comments · alice · resolved",
    ]
    assert "[notification to admin (manager)] Issue Reopened" in section(run, "reopen 1")
    shown = section(run, "issue 1", last=True).splitlines()
    assert shown == [
        "🔊 Audio issue #1 · 🟠 Open",
        "  Breaking Bad (2008), S1E3",
        "  Reported by alice: “no sound after ten minutes”",
        "  💬 admin: Which player do you use?",
        "  💬 alice: The TV app",
        "Bye! The demo database is gone.",
    ]
