"""What each button does, written into its callback data (at most 64 bytes).

Buttons that act on a request carry its id (``ap:12``): the request row is their state, so
they keep working after a restart, for ever. Buttons of a flow (a search being paged, a
season picker) carry a short key to state kept in the database (core.chat), so they also
survive a restart until that state expires. Everything is validated by the patterns below;
data that matches none (forged, or from an older version) gets a polite answer.
"""

from __future__ import annotations

import re

from core.media import MediaType

MAX_BYTES = 64  # Telegram's limit on callback_data

_ID = r"([1-9][0-9]{0,8})"  # ids beyond 999,999,999 are forged: keep them out of SQL
_SMALL = r"([0-9]{1,3})"
_USER = r"([1-9][0-9]{0,15})"  # Telegram user ids go up to 2**52
_KEY = r"([A-Za-z0-9_-]{8})"
_TITLE = r"([mt])([1-9][0-9]{0,8})"

SEARCH_PAGE = re.compile(rf"sr:{_KEY}:{_SMALL}:{_SMALL}\Z")  # page, index on the page
REQUEST = re.compile(rf"rq:{_KEY}:{_SMALL}:{_SMALL}:{_TITLE}\Z")  # movie: request; show: seasons
NOTIFY = re.compile(rf"nt:{_TITLE}\Z")
SEASONS = re.compile(
    rf"ss:{_KEY}:(t[0-9]{{1,3}}|i[0-9]{{1,3}}|p[0-9]{{1,2}}|all|none|ok[0-9]{{1,3}}|back)\Z"
)  # ok carries how many seasons the card showed as chosen
APPROVE = re.compile(rf"ap:{_ID}\Z")
DECLINE = re.compile(rf"dc:{_ID}\Z")  # ask for a reason
DECLINE_NOW = re.compile(rf"dn:{_ID}\Z")  # decline without a reason
KEEP = re.compile(rf"dk:{_ID}\Z")  # changed their mind: keep it pending
RETRY = re.compile(rf"rt:{_ID}\Z")
CANCEL = re.compile(rf"cx:{_USER}:{_ID}\Z")  # whose /cancel list, which request
MY_REQUESTS = re.compile(rf"mr:{_USER}:{_SMALL}\Z")  # whose list, page
MORE_PENDING = re.compile(rf"pd:{_SMALL}\Z")  # the page of /pending to show
CLAIM = re.compile(rf"lk:(ok|no):{_KEY}\Z")  # confirm or refuse an account claim
# Whose /notifications, which switch: an event's type on a channel (t4), or private cards.
NOTIFICATIONS = re.compile(rf"nf:{_USER}:([td][1-9][0-9]{{0,3}}|pc)\Z")
# Issues: Report a problem on a title's card (its media id), a title of whose /issue list,
# a step of a report's pickers (type, season, episode, their pages), an issue card's button,
# opening a card from /issues, and a page of whose /issues.
ISSUE_REPORT = re.compile(rf"ir:{_ID}\Z")
ISSUE_PICK = re.compile(rf"iw:{_USER}:{_ID}\Z")
ISSUE_STEP = re.compile(
    rf"if:{_KEY}:(t[1-4]|s[0-9]{{1,3}}|e[0-9]{{1,4}}|p[0-9]{{1,2}}|q[0-9]{{1,3}}|back|stop)\Z"
)  # s0: the whole show, e0: the whole season
ISSUE_ACTION = re.compile(rf"ia:(resolve|reopen|comment):{_ID}\Z")
ISSUE_OPEN = re.compile(rf"io:{_ID}\Z")
MY_ISSUES = re.compile(rf"ip:{_USER}:{_SMALL}\Z")
NOOP = "x"  # labels in a keyboard (page 2/5)


def _checked(data: str) -> str:
    if not 0 < len(data.encode()) <= MAX_BYTES:
        raise ValueError(f"callback data of {len(data.encode())} bytes: {data[:20]!r}")
    return data


def title_code(media_type: MediaType, tmdb_id: int) -> str:
    """``m603`` / ``t1396``."""
    return f"{'m' if media_type is MediaType.MOVIE else 't'}{tmdb_id}"


def parse_title(kind: str, number: str) -> tuple[int, MediaType]:
    """The (tmdb id, type) of a title code's two groups."""
    return int(number), MediaType.MOVIE if kind == "m" else MediaType.TV


def search_page(key: str, page: int, index: int) -> str:
    return _checked(f"sr:{key}:{page}:{index}")


def request(key: str, page: int, index: int, media_type: MediaType, tmdb_id: int) -> str:
    return _checked(f"rq:{key}:{page}:{index}:{title_code(media_type, tmdb_id)}")


def notify(media_type: MediaType, tmdb_id: int) -> str:
    return _checked(f"nt:{title_code(media_type, tmdb_id)}")


def seasons(key: str, op: str) -> str:
    return _checked(f"ss:{key}:{op}")


def approve(request_id: int) -> str:
    return _checked(f"ap:{request_id}")


def decline(request_id: int) -> str:
    return _checked(f"dc:{request_id}")


def decline_now(request_id: int) -> str:
    return _checked(f"dn:{request_id}")


def keep(request_id: int) -> str:
    return _checked(f"dk:{request_id}")


def retry(request_id: int) -> str:
    return _checked(f"rt:{request_id}")


def cancel(owner: int, request_id: int) -> str:
    return _checked(f"cx:{owner}:{request_id}")


def my_requests(owner: int, page: int) -> str:
    return _checked(f"mr:{owner}:{page}")


def more_pending(page: int) -> str:
    return _checked(f"pd:{page}")


def claim(confirm: bool, key: str) -> str:
    return _checked(f"lk:{'ok' if confirm else 'no'}:{key}")


def notifications(owner: int, switch: str) -> str:
    return _checked(f"nf:{owner}:{switch}")


def issue_report(media_id: int) -> str:
    return _checked(f"ir:{media_id}")


def issue_pick(owner: int, media_id: int) -> str:
    return _checked(f"iw:{owner}:{media_id}")


def issue_step(key: str, op: str) -> str:
    return _checked(f"if:{key}:{op}")


def issue_action(action: str, issue_id: int) -> str:
    return _checked(f"ia:{action}:{issue_id}")


def issue_open(issue_id: int) -> str:
    return _checked(f"io:{issue_id}")


def my_issues(owner: int, page: int) -> str:
    return _checked(f"ip:{owner}:{page}")
