"""The rules of issues: Seerr's permissions (CREATE_ISSUES to report and comment on one's
own, VIEW_ISSUES to see others', MANAGE_ISSUES for everything), and the bounds on what may
be reported (a title on the server, a season and episode it has, a message of bounded
length, a few open issues per person and title)."""

from __future__ import annotations

from core.errors import InvalidInput, IssueRefused, PermissionDenied
from core.identity import User
from core.issue_values import Issue, IssueComment, IssueType
from core.media import Media, MediaStatus, MediaType, SeasonInfo
from core.permissions import Permission, has_any

MAX_MESSAGE = 2000  # characters: a Telegram message (4096) and a Discord modal (4000) hold it
MAX_OPEN_PER_TITLE = 5  # open issues of one person on one title
ON_SERVER = frozenset({MediaStatus.AVAILABLE, MediaStatus.PARTIALLY_AVAILABLE})

_CREATE = (Permission.CREATE_ISSUES, Permission.MANAGE_ISSUES)
_VIEW = (Permission.VIEW_ISSUES, Permission.MANAGE_ISSUES)


def manages_issues(user: User) -> bool:
    return has_any(user.permissions, Permission.MANAGE_ISSUES)


def sees_all_issues(user: User) -> bool:
    """Whether the user may see others' issues (VIEW_ISSUES or MANAGE_ISSUES)."""
    return has_any(user.permissions, *_VIEW)


def may_report(user: User) -> bool:
    return has_any(user.permissions, *_CREATE)


def check_may_report(user: User) -> None:
    if not may_report(user):
        raise PermissionDenied("report problems with titles", _CREATE, any_of=True)


def check_may_edit(user: User, comment: IssueComment) -> None:
    """One's own comment, while one may still report or manage issues (as Seerr)."""
    if not may_report(user):
        raise PermissionDenied("edit comments on issues", _CREATE, any_of=True)
    if comment.user.id != user.id:
        raise PermissionDenied("edit another user's comment", ())


def check_may_see(user: User, issue: Issue) -> None:
    """Their own issue (with CREATE_ISSUES) or anyone's with VIEW_ISSUES or MANAGE_ISSUES."""
    if sees_all_issues(user):
        return
    if issue.created_by.id != user.id or not may_report(user):
        raise PermissionDenied("see other users' issues", _VIEW, any_of=True)


def check_may_comment(user: User, issue: Issue, *, own: bool = True) -> None:
    """A manager on any issue; the reporter (with CREATE_ISSUES) on their own (and, for a
    comment, only their own comment: ``own``)."""
    if manages_issues(user):
        return
    if issue.created_by.id != user.id or not may_report(user) or not own:
        raise PermissionDenied("comment on other users' issues", (Permission.MANAGE_ISSUES,))


def check_may_resolve(user: User, issue: Issue) -> None:
    """A manager any issue, the reporter their own (Seerr lets them close what they opened)."""
    if manages_issues(user):
        return
    if issue.created_by.id != user.id or not may_report(user):
        raise PermissionDenied("resolve or reopen other users' issues", (Permission.MANAGE_ISSUES,))


def check_may_delete(user: User, issue: Issue) -> None:
    """A manager any issue; the reporter their own while it has only the report."""
    if manages_issues(user):
        return
    if issue.created_by.id != user.id or not may_report(user) or len(issue.comments) > 1:
        raise PermissionDenied("delete this issue", (Permission.MANAGE_ISSUES,))


def check_type(value: IssueType | int) -> IssueType:
    try:
        return IssueType(value)
    except ValueError:
        raise InvalidInput(
            "issueType", value, "use 1 (video), 2 (audio), 3 (subtitles) or 4 (other)"
        ) from None


def clean_message(text: str) -> str:
    """The message without surrounding blanks; it must say something, in at most
    MAX_MESSAGE characters."""
    words = text.strip()
    if not words:
        raise InvalidInput("message", text, "say what the problem is")
    if len(words) > MAX_MESSAGE:
        raise InvalidInput(
            "message", f"{len(words)} characters", f"keep it under {MAX_MESSAGE} characters"
        )
    return words


def on_server(media: Media) -> bool:
    return media.status in ON_SERVER or media.status_4k in ON_SERVER


def check_on_server(media: Media) -> None:
    if not on_server(media):
        raise IssueRefused(
            f"{media.label} is not on the server yet: problems can be reported once it is."
        )


def check_open_limit(user: User, media: Media, open_now: int) -> None:
    """At most MAX_OPEN_PER_TITLE open issues of one person on a title. Issue managers are
    not held to it: they flood nobody but themselves, and a tool that reports with the API
    key alone (Requestrr) reports every household member's problem as the admin."""
    if open_now >= MAX_OPEN_PER_TITLE and not manages_issues(user):
        raise IssueRefused(
            f"You already have {open_now} open issues on {media.label}: add a comment to "
            "one of them instead."
        )


def reportable_seasons(media: Media, seasons: tuple[SeasonInfo, ...] | None) -> list[int]:
    """The seasons a problem may be reported on: those the server has (all or in part);
    when it is not known which, every season the catalogue lists. Never the specials:
    season 0 in a report means the whole show (as in Seerr), so none of theirs can be named."""
    held = [n for n, status in sorted(media.season_statuses.items()) if status in ON_SERVER]
    if held:
        return [n for n in held if n > 0]
    if seasons:
        return [s.season_number for s in seasons if s.season_number > 0]
    return [n for n in sorted(media.season_statuses) if n > 0]


def check_episode(
    media: Media, seasons: tuple[SeasonInfo, ...] | None, season: int, episode: int
) -> None:
    """A movie has no season or episode; a show's season must be one the server has, its
    episode one the season has (``seasons`` from the catalogue; None when it could not be
    asked, and then the episode is taken on trust)."""
    if season < 0 or episode < 0:
        raise InvalidInput("problemSeason", season, "season and episode cannot be negative")
    if media.media_type is MediaType.MOVIE:
        if season or episode:
            raise InvalidInput("problemSeason", season, "a movie has no seasons")
        return
    if not season:
        if episode:
            raise InvalidInput("problemEpisode", episode, "name the season of the episode")
        return
    if season not in reportable_seasons(media, seasons):
        raise InvalidInput("problemSeason", season, f"{media.label} has no season {season} here")
    info = next((s for s in seasons or () if s.season_number == season), None)
    if episode and info is not None and info.episode_count and episode > info.episode_count:
        raise InvalidInput(
            "problemEpisode",
            episode,
            f"season {season} has {info.episode_count} episodes",
        )
