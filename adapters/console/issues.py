"""The console's issue commands: report a problem with a title on the server, list, show,
comment on, resolve and reopen issues, each in one line (the chats' flows, typed)."""

from __future__ import annotations

import re

from adapters.console.shell import ConsoleShell, Usage, command
from adapters.issue_text import (
    CARD_COMMENTS,
    card_lines,
    issues_heading,
    list_line,
    reported_text,
)
from core import issue_queries, issues
from core.errors import IssueRefused
from core.issue_values import Issue, IssueStatus, IssueType

TYPES = {
    "video": IssueType.VIDEO,
    "audio": IssueType.AUDIO,
    "sound": IssueType.AUDIO,
    "subtitles": IssueType.SUBTITLES,
    "subs": IssueType.SUBTITLES,
    "other": IssueType.OTHER,
}
_PLACE = re.compile(r"s(\d{1,4})(?:e(\d{1,5}))?", re.IGNORECASE)
_LISTS = {"open": IssueStatus.OPEN, "resolved": IssueStatus.RESOLVED, "all": None}


def _place(words: list[str]) -> tuple[int, int, list[str]]:
    """``S2E5`` or ``S2`` in front of the message: (season, episode, the rest)."""
    found = _PLACE.fullmatch(words[0]) if words else None
    if found is None:
        return 0, 0, words
    return int(found[1]), int(found[2] or 0), words[1:]


def _issue_id(args: list[str]) -> int:
    if not args or not args[0].lstrip("#").isdigit():
        raise Usage("Which issue? Give its number, e.g. 3 or #3.")
    return int(args[0].lstrip("#")[:9])


def _card(issue: Issue, *, every_comment: bool = False) -> str:
    shown = len(issue.comments) if every_comment else CARD_COMMENTS
    lines = card_lines(issue, str, comments=shown)
    return "\n".join([lines[0], *(f"  {line}" for line in lines[1:])])


@command(
    "report",
    "report N|movie:ID|tv:ID video|audio|subtitles|other [S2|S2E5] what is wrong...",
    "report a problem with a title on the server",
)
async def _report(shell: ConsoleShell, args: list[str]) -> None:
    if len(args) < 2:
        raise Usage("Report what? e.g. report tv:1396 audio S1E3 no sound after ten minutes")
    tmdb_id, media_type = shell.target(args[0])
    kind = TYPES.get(args[1].lower())
    if kind is None:
        raise Usage(f"What kind of problem? One of: {', '.join(TYPES)}.")
    season, episode, words = _place(args[2:])
    media = await issue_queries.title_media(shell.services, tmdb_id, media_type)
    if media is None:
        raise IssueRefused("That title is not on the server: problems can be reported once it is.")
    me = await shell.me()
    issue = await issues.report_issue(
        shell.services, me.id, media.id, kind, " ".join(words), season, episode
    )
    shell.say(reported_text(issue))


@command(
    "issues",
    "issues [open|resolved|all] [page]",
    "your open issues (with VIEW_ISSUES: everyone's)",
)
async def _issues(shell: ConsoleShell, args: list[str]) -> None:
    status: IssueStatus | None = IssueStatus.OPEN
    if args and args[0].lower() in _LISTS:
        status = _LISTS[args.pop(0).lower()]
    page = shell.page_arg(args)
    me = await shell.me()
    size = 10
    found = await issue_queries.list_issues(
        shell.services, me.id, status=status, offset=(page - 1) * size, limit=size
    )
    if status is IssueStatus.OPEN:
        heading = issues_heading(found.total, everyone=found.everyone)
    else:
        which = "Resolved issues" if status else "Issues"
        whose = "" if found.everyone else " of yours"
        heading = f"{which}{whose} ({found.total}):" if found.total else f"{which}{whose}: none."
    lines = [heading]
    lines += [f"  {list_line(i, str, with_reporter=found.everyone)}" for i in found.issues]
    if page * size < found.total:
        lines.append(f"  ... more on page {page + 1}")
    shell.say("\n".join(lines))


@command("issue", "issue ID", "one issue with all its comments")
async def _issue(shell: ConsoleShell, args: list[str]) -> None:
    me = await shell.me()
    issue = await issue_queries.get_issue(shell.services, me.id, _issue_id(args))
    shell.say(_card(issue, every_comment=True))


@command("comment", "comment ID words...", "add a comment to an issue")
async def _comment(shell: ConsoleShell, args: list[str]) -> None:
    issue_id = _issue_id(args)
    me = await shell.me()
    issue, _ = await issues.comment_on_issue(shell.services, me.id, issue_id, " ".join(args[1:]))
    shell.say(f"Comment added.\n{_card(issue)}")


@command("resolve", "resolve ID", "mark an issue resolved (managers, or its reporter)")
async def _resolve(shell: ConsoleShell, args: list[str]) -> None:
    await _set(shell, args, IssueStatus.RESOLVED)


@command("reopen", "reopen ID", "open a resolved issue again (managers, or its reporter)")
async def _reopen(shell: ConsoleShell, args: list[str]) -> None:
    await _set(shell, args, IssueStatus.OPEN)


async def _set(shell: ConsoleShell, args: list[str], status: IssueStatus) -> None:
    me = await shell.me()
    issue = await issues.set_issue_status(shell.services, me.id, _issue_id(args), status)
    shell.say(_card(issue))
