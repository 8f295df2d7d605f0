"""The console adapter: a line-oriented shell over the whole core.

It reads commands from any line source (a terminal or a piped script), calls the core and
prints the outcome. Notifications are delivered through the outbox after every command, so
they appear right below the action that caused them.
"""

from __future__ import annotations

import dataclasses
import logging
import shlex
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TextIO

from adapters.claims import claimed_text, linked_text, press_answer
from adapters.console import render
from adapters.console.lines import MAX_LINE, Line, Overlong, console_lines, history_file
from adapters.text import (
    ASKED_ALREADY,
    count,
    describe_error,
    job_lines,
    quota_text,
    request_line,
)
from core import (
    availability,
    chat,
    claims,
    jobs,
    linking,
    queries,
    quotas,
    requests,
    search,
    user_admin,
    users,
)
from core.claims import ClaimOutcome
from core.errors import CoreError, InvalidInput
from core.identity import Identity, QuotaLimits, User
from core.media import MediaStatus, MediaType
from core.notifications import Dispatcher
from core.permissions import describe, parse_permissions
from core.search import SearchResults
from core.services import Services

log = logging.getLogger(__name__)

PAGE = 10
Handler = Callable[["ConsoleShell", list[str]], Awaitable[None]]


class Usage(Exception):
    """The command was typed wrong; the message says how to type it."""


@dataclass
class _Command:
    handler: Handler
    usage: str
    summary: str
    demo_only: bool = False


COMMANDS: dict[str, _Command] = {}
ALIASES: dict[str, str] = {}


def command(
    name: str, usage: str, summary: str, *, aliases: tuple[str, ...] = (), demo_only: bool = False
) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        COMMANDS[name] = _Command(fn, usage, summary, demo_only)
        for alias in aliases:
            ALIASES[alias] = name
        return fn

    return register


@dataclass
class ConsoleShell:
    """One terminal session; the acting user can change in the demo."""

    services: Services
    # Delivers notifications after each command in the demo. None on a shared database,
    # where `requestbot run` owns delivery and a console must not finish others' events.
    dispatcher: Dispatcher | None
    out: TextIO
    user_name: str
    demo: bool = False
    _results: SearchResults | None = None
    _query: tuple[str, MediaType | None] = ("", None)  # the last search, for next/prev
    _names: set[str] = field(default_factory=set)  # console users' names, for Tab

    # ----- the loop ------------------------------------------------------------------

    def lines(self, stdin: TextIO, history: Path | None = None) -> AsyncIterator[Line]:
        """What the user types: edited with readline on a terminal (history in
        ``history``, by default the user's state folder; Tab completes), else ``stdin``'s
        lines as they come."""
        return console_lines(
            stdin,
            self.out,
            lambda: render.printable(f"{self.user_name}> "),
            complete=self.completions,
            history=history or history_file(),
        )

    async def run(self, lines: AsyncIterable[Line], *, echo: bool = False) -> None:
        """Handle lines until "quit" or the end of input."""
        await self.deliver()
        await self._learn_names()
        async for raw in lines:
            if isinstance(raw, Overlong) or len(raw.rstrip("\n")) > MAX_LINE:
                self._refuse_long(raw, echo=echo)
                continue
            line = render.clean_line(raw)
            if render.printable(raw) != raw:
                log.debug("escape sequences or control characters dropped from a console line")
            if echo and line:
                self.say(f"{self.user_name}> {line}")
            if not line or line.startswith("#"):
                continue
            if not await self.handle(line):
                break
            await self.deliver()

    def _refuse_long(self, line: Line, *, echo: bool) -> None:
        head, length = (line.head, line.length) if isinstance(line, Overlong) else (line, len(line))
        log.info("console line of %d characters refused", length)
        if echo:
            self.say(f"{self.user_name}> {render.clean_line(head)[:40]}...")
        self.say(f"That line is too long ({length:,} characters; the limit is {MAX_LINE:,}).")

    def completions(self, before: str) -> list[str]:
        """Tab: command names for the first word, console users' names after "as" (and
        "quota", "requests"), command names after "help"."""
        words = before.split(" ")
        if len(words) == 1:
            names = [n for n, c in COMMANDS.items() if self.demo or not c.demo_only]
            return sorted({*names, *ALIASES, "quit"})
        if len(words) == 2 and ALIASES.get(words[0], words[0]) in ("as", "quota", "requests"):
            return sorted(self._names)
        if len(words) == 2 and words[0] == "help":
            return sorted(COMMANDS)
        return []

    async def _learn_names(self) -> None:
        """The console users' names, for Tab (one cheap read; a failure costs only that)."""
        try:
            self._names.update(await users.platform_ids(self.services, "console"))
        except Exception:
            log.debug("console user names not read", exc_info=True)
        self._names.add(self.user_name)

    async def handle(self, line: str) -> bool:
        """Run one command line; False means the user asked to quit."""
        try:
            words = shlex.split(line)
        except ValueError as exc:
            self.say(f"Could not read that line: {exc}.")
            return True
        name, args = words[0].lower(), words[1:]
        if name in ("quit", "exit", "q"):
            return False
        name = ALIASES.get(name, name)
        spec = COMMANDS.get(name)
        if spec is None or (spec.demo_only and not self.demo):
            self.say(f'Unknown command "{words[0]}". Type "help" for the list.')
            return True
        try:
            await spec.handler(self, args)
        except Usage as exc:
            self.say(f"{exc}\nUsage: {spec.usage}")
        except CoreError as exc:
            log.info("%s refused for %s: %r", name, self.user_name, exc)
            self.say(describe_error(exc, self.services.clock.now()))
        except Exception:
            log.exception("console command %r failed", name)
            self.say("Sorry, something went wrong. The details are in the log.")
        return True

    async def deliver(self) -> None:
        """Deliver pending notifications now, so they print below the command."""
        if self.dispatcher is None:
            return
        try:
            await self.dispatcher.deliver_due()
        except Exception:
            log.exception("notification delivery failed")

    def say(self, text: str) -> None:
        """Print ``text`` with nothing in it a terminal would obey (user or TMDb text may
        carry escape sequences)."""
        print(render.printable(text), file=self.out, flush=True)

    # ----- helpers ------------------------------------------------------------------

    async def me(self) -> User:
        identity = Identity("console", self.user_name)
        return await users.resolve_user(
            self.services, identity, self.user_name, username=self.user_name
        )

    async def find_user(self, me: User, who: str) -> User:
        if who.isdigit():
            return await user_admin.get_user(self.services, me.id, _number(who, "user number"))
        if who.lower() in ("me", "myself", self.user_name.lower()):
            return me
        found = await user_admin.find_users(self.services, me.id, who)
        exact = [u for u in found if u.display_name.lower() == who.lower()]
        if len(exact) == 1 or len(found) == 1:
            return (exact or found)[0]
        if not found:
            raise Usage(f'No user matches "{who}".')
        names = ", ".join(f"{u.display_name} (#{u.id})" for u in found[:5])
        raise Usage(f'"{who}" matches several users: {names}. Use the number.')

    def target(self, word: str) -> tuple[int, MediaType]:
        """A search result number, or ``movie:ID`` / ``tv:ID``."""
        if word.isdigit() and self._results is not None:
            index = int(word) - 1
            if not 0 <= index < len(self._results.results):
                raise Usage(f"There is no result {word} on this page.")
            item = self._results.results[index].item
            return item.tmdb_id, item.media_type
        kind, sep, number = word.partition(":")
        if sep and kind.lower() in ("movie", "tv") and number.isdigit():
            return _number(number, "TMDb id"), MediaType(kind.lower())
        if word.isdigit():
            raise Usage("Search first, then use a result number (or write movie:ID / tv:ID).")
        raise Usage(f'"{word}" is neither a result number nor movie:ID / tv:ID.')

    def page_arg(self, args: list[str]) -> int:
        if not args:
            return 1
        if _number(args[0], "page number") < 1:
            raise Usage("The page must be a number from 1.")
        return int(args[0])

    def request_id(self, args: list[str]) -> int:
        if not args or not args[0].lstrip("#").isdigit():
            raise Usage("Which request? Give its number, e.g. 3 or #3.")
        return _number(args[0].lstrip("#"), "request number")


def parse_seasons(words: list[str]) -> list[int] | Literal["all"] | None:
    """``all``, ``1,2,3``, ``1-3``, ``1 2 3`` or nothing (None: ask for all)."""
    text = " ".join(words).replace(",", " ").strip().lower()
    if not text:
        return None
    if text == "all":
        return "all"
    numbers: set[int] = set()
    for part in text.split():
        part = part.removeprefix("season").removeprefix("s")
        low, dash, high = part.partition("-")
        if not low.isdigit() or (dash and not high.isdigit()):
            raise Usage(f'"{part}" is not a season number or range.')
        first, last = int(low), int(high) if dash else int(low)
        if last < first or last - first > 200:
            raise Usage(f'"{part}" is not a sensible range.')
        numbers.update(range(first, last + 1))
    return sorted(numbers)


MAX_NUMBER = 2**31 - 1  # ids, pages and limits beyond this are typos, not requests


def _number(word: str, what: str) -> int:
    """A whole number from 0 to MAX_NUMBER, or Usage saying what was expected."""
    if not word.isdigit() or int(word) > MAX_NUMBER:
        raise Usage(f'"{word[:20]}" is not a {what}.')
    return int(word)


def _limit(word: str) -> int | None:
    if word.lower() in ("none", "unlimited", "-"):
        return None
    return _number(word, 'number (or "none")')


# ----- commands ------------------------------------------------------------------------


@command("help", "help [command]", "list the commands, or explain one", aliases=("?",))
async def _help(shell: ConsoleShell, args: list[str]) -> None:
    if args:
        spec = COMMANDS.get(ALIASES.get(args[0].lower(), args[0].lower()))
        shell.say(f"{spec.usage}\n  {spec.summary}" if spec else f'No command "{args[0]}".')
        return
    lines = ["Commands:"]
    for spec in COMMANDS.values():
        if spec.demo_only and not shell.demo:
            continue
        if len(spec.usage) <= 40:
            lines.append(f"  {spec.usage:<40} {spec.summary}")
        else:  # a long usage gets its own line, so the summaries stay in one column
            lines += [f"  {spec.usage}", f"  {'':<40} {spec.summary}"]
    lines.append(f"  {'quit':<40} leave")
    shell.say("\n".join(lines))


@command("whoami", "whoami", "who you are acting as, and your permissions")
async def _whoami(shell: ConsoleShell, args: list[str]) -> None:
    me = await shell.me()
    shell.say(
        f"You are {me.display_name} (user #{me.id}), permissions: {describe(me.permissions)}."
    )


@command("as", "as NAME", "act as another console user (created on first use)", demo_only=True)
async def _as(shell: ConsoleShell, args: list[str]) -> None:
    if len(args) != 1:
        raise Usage("Say who to act as.")
    name = " ".join(args[0].split())[: users.MAX_NAME]
    if not name:
        raise Usage("Say who to act as.")
    found = await users.identity_in_any_case(shell.services, Identity("console", name))
    shell.user_name = found.external_id
    shell._names.add(shell.user_name)
    await _whoami(shell, [])


@command("search", "search [movie|tv] TEXT", "search movies and shows", aliases=("s", "find"))
async def _search(shell: ConsoleShell, args: list[str]) -> None:
    media_type = None
    if args and args[0].lower() in ("movie", "movies", "tv", "show", "shows"):
        media_type = MediaType.MOVIE if args[0].lower().startswith("movie") else MediaType.TV
        args = args[1:]
    if not args:
        raise Usage("Search for what?")
    shell._query = (" ".join(args), media_type)
    await _show_page(shell, 1)


async def _show_page(shell: ConsoleShell, page: int, step: int = 1) -> None:
    query, media_type = shell._query
    results = await search.titles_page(shell.services, query, page, media_type, step)
    shell._results = results
    shell.say(render.search_results(results))


@command("next", "next", "the next page of results")
async def _next(shell: ConsoleShell, args: list[str]) -> None:
    if shell._results is None:
        raise Usage("Search first.")
    if shell._results.page >= shell._results.total_pages:
        shell.say("That was the last page.")
        return
    await _show_page(shell, shell._results.page + 1)


@command("prev", "prev", "the previous page of results")
async def _prev(shell: ConsoleShell, args: list[str]) -> None:
    if shell._results is None or shell._results.page <= 1:
        shell.say("This is the first page.")
        return
    await _show_page(shell, shell._results.page - 1, step=-1)


@command("info", "info N | movie:ID | tv:ID", "details, seasons and status of a title")
async def _info(shell: ConsoleShell, args: list[str]) -> None:
    if not args:
        raise Usage("Which title?")
    tmdb_id, media_type = shell.target(args[0])
    shell.say(render.title_card(await queries.title_state(shell.services, tmdb_id, media_type)))


@command(
    "request",
    "request N|movie:ID|tv:ID [all|1,2|1-3]",
    "request a movie, or seasons of a show (default: all)",
    aliases=("r", "req"),
)
async def _request(shell: ConsoleShell, args: list[str]) -> None:
    if not args:
        raise Usage("Request what?")
    tmdb_id, media_type = shell.target(args[0])
    seasons = parse_seasons(args[1:])
    if media_type is MediaType.MOVIE and seasons is not None:
        raise Usage("Movies have no seasons.")
    me = await shell.me()
    asked = await chat.request_title(shell.services, me.id, tmdb_id, media_type, seasons)
    if asked.again:
        shell.say("\n".join(ASKED_ALREADY.format(request_line(r)) for r in asked.again))
        return
    result = asked.result
    if result.request is None:
        if result.already_available:
            shell.say("That title is already available. Enjoy!")
            return
        taken = render.seasons_phrase(result.skipped_seasons)
        lines = [f"Nothing left to request{taken}: already requested or available."]
        lines += [
            f"  {request_line(r)} · by {r.requested_by.display_name}" for r in result.existing
        ]
        shell.say("\n".join(lines))
        return
    request = result.request
    if result.auto_approved:
        shell.say(f"Requested and approved automatically: {request_line(request)}.")
    else:
        shell.say(f"Requested: {request_line(request)}. An admin will review it.")
    if result.skipped_seasons:
        skipped = render.seasons_phrase(result.skipped_seasons)
        shell.say(f"Skipped{skipped}: already requested or available.")


@command(
    "requests",
    "requests [USER] [page]",
    "your requests and their status (managers: anyone's)",
    aliases=("mine",),
)
async def _mine(shell: ConsoleShell, args: list[str]) -> None:
    who = args[0] if args and not args[0].isdigit() else None
    page = shell.page_arg(args[1:] if who is not None else args)
    me = await shell.me()
    offset = (page - 1) * PAGE
    if who is None or who.lower() in ("me", "myself"):
        found, total = await queries.my_requests(shell.services, me.id, offset, PAGE)
        title = "Your requests"
    else:
        user, found, total = await queries.user_requests(shell.services, me.id, who, offset, PAGE)
        title = "Your requests" if user.id == me.id else f"Requests of {user.display_name}"
    shell.say(render.request_list(title, found, total, page, PAGE, show_requester=False))


@command("show", "show ID", "one request in detail")
async def _show(shell: ConsoleShell, args: list[str]) -> None:
    me = await shell.me()
    request = await queries.get_request(shell.services, me.id, shell.request_id(args))
    shell.say(render.request_detail(request))


@command("quota", "quota [USER]", "request quota: limits, use, when a slot frees up")
async def _quota(shell: ConsoleShell, args: list[str]) -> None:
    me = await shell.me()
    who = await shell.find_user(me, args[0]) if args else me
    report = await quotas.get_quota(shell.services, me.id, who.id)
    shell.say(f"Quota of {who.display_name}:\n" + quota_text(report, shell.services.clock.now()))


@command("pending", "pending [page]", "requests awaiting approval (managers)")
async def _pending(shell: ConsoleShell, args: list[str]) -> None:
    page = shell.page_arg(args)
    me = await shell.me()
    found, total = await queries.pending_requests(shell.services, me.id, (page - 1) * PAGE, PAGE)
    shell.say(render.request_list("Pending requests", found, total, page, PAGE))


@command("approve", "approve ID", "approve a pending request (managers)")
async def _approve(shell: ConsoleShell, args: list[str]) -> None:
    me = await shell.me()
    request = await requests.approve_request(shell.services, me.id, shell.request_id(args))
    shell.say(f"Approved {request_line(request)}.")


@command("decline", "decline ID [reason...]", "decline a pending request (managers)")
async def _decline(shell: ConsoleShell, args: list[str]) -> None:
    me = await shell.me()
    reason = " ".join(args[1:]) or None
    request = await requests.decline_request(shell.services, me.id, shell.request_id(args), reason)
    shell.say(f"Declined {request_line(request)}" + (f": {reason}" if reason else "."))


@command("cancel", "cancel ID", "withdraw your pending request (managers: any)")
async def _cancel(shell: ConsoleShell, args: list[str]) -> None:
    me = await shell.me()
    request = await requests.cancel_request(shell.services, me.id, shell.request_id(args))
    seasons = render.seasons_phrase(request.season_numbers)
    shell.say(f"Cancelled #{request.id}, the request for {request.media.label}{seasons}.")


@command("retry", "retry ID", "send a failed request again (managers)")
async def _retry(shell: ConsoleShell, args: list[str]) -> None:
    me = await shell.me()
    request = await requests.retry_request(shell.services, me.id, shell.request_id(args))
    shell.say(f"Retrying {request_line(request)}.")


@command("users", "users [page]", "every user with permissions (user managers)")
async def _users(shell: ConsoleShell, args: list[str]) -> None:
    page = shell.page_arg(args)
    me = await shell.me()
    found, total = await user_admin.list_users(shell.services, me.id, (page - 1) * PAGE, PAGE)
    shell.say(f"Users ({total}):\n" + "\n".join(render.user_line(u) for u in found))


@command(
    "permissions",
    "permissions USER ROLE|FLAGS",
    "set permissions: admin, moderator, user, guest or FLAG|FLAG",
    aliases=("perm", "role"),
)
async def _permissions(shell: ConsoleShell, args: list[str]) -> None:
    if len(args) < 2:
        raise Usage("Whose permissions, and to what?")
    me = await shell.me()
    target = await shell.find_user(me, args[0])
    try:
        perms = parse_permissions(" ".join(args[1:]))
    except ValueError as exc:
        raise Usage(str(exc)) from None
    updated = await user_admin.set_permissions(shell.services, me.id, target.id, perms)
    shell.say(f"{updated.display_name} now has: {describe(updated.permissions)}.")


def _changed_limits(current: QuotaLimits, args: list[str]) -> QuotaLimits:
    """``current`` with ``movie|tv LIMIT|none [DAYS]`` applied."""
    if len(args) < 2 or args[0].lower() not in ("movie", "tv"):
        raise Usage("Say movie or tv, then the limit (or none), then the days if you like.")
    kind = args[0].lower()
    days = _limit(args[2]) if len(args) > 2 else None
    changes = {f"{kind}_limit": _limit(args[1]), f"{kind}_days": days}
    return dataclasses.replace(current, **changes)


@command(
    "setquota",
    "setquota USER movie|tv LIMIT|none [DAYS]",
    "a user's own quota (user managers)",
)
async def _setquota(shell: ConsoleShell, args: list[str]) -> None:
    if not args:
        raise Usage("Whose quota?")
    me = await shell.me()
    target = await shell.find_user(me, args[0])
    limits = _changed_limits(target.quota, args[1:])
    await user_admin.set_user_quota(shell.services, me.id, target.id, limits)
    report = await quotas.get_quota(shell.services, me.id, target.id)
    shell.say(f"Quota of {target.display_name}:\n" + quota_text(report, shell.services.clock.now()))


@command(
    "defaults",
    "defaults [movie|tv LIMIT|none [DAYS]]",
    "show or set the global quota defaults (settings managers)",
)
async def _defaults(shell: ConsoleShell, args: list[str]) -> None:
    current = await quotas.get_defaults(shell.services)
    if args:
        current = _changed_limits(current, args)
        me = await shell.me()
        await quotas.set_defaults(shell.services, me.id, current)

    def part(limit: int | None, days: int | None) -> str:
        if not limit:
            return "unlimited"
        return f"{limit} per {count(days or quotas.DEFAULT_DAYS, 'day')}"

    movies = part(current.movie_limit, current.movie_days)
    seasons = part(current.tv_limit, current.tv_days)
    shell.say(f"Quota defaults: movies: {movies}; TV seasons: {seasons}.")


@command(
    "link",
    "link [ACCOUNT [USER]] | link USER PLATFORM:ID",
    "claim your media-server account (managers: link USER to it, or attach a chat identity)",
)
async def _link(shell: ConsoleShell, args: list[str]) -> None:
    me = await shell.me()
    if not args:
        linked = me.media_server_username
        shell.say(
            f"You are linked to the media-server account {linked}."
            if linked
            else "You are not linked to a media-server account. Say: link YOUR-ACCOUNT-NAME"
        )
        return
    if len(args) > 2:
        raise Usage("Say which account, or which user and which identity.")
    try:
        identity = Identity.parse(args[1]) if len(args) == 2 else None
    except ValueError:
        identity = None
    if identity is not None:
        target = await shell.find_user(me, args[0])
        updated = await user_admin.link_identity(shell.services, me.id, target.id, identity)
        shell.say(render.user_line(updated).strip())
        return
    if len(args) == 2:  # link ACCOUNT USER: a manager links someone else
        target = await shell.find_user(me, args[1])
        updated = await linking.link_user(shell.services, me.id, target.id, args[0])
        shell.say(linked_text(target.display_name, updated))
        return
    mine = Identity("console", shell.user_name, shell.user_name)
    claim = await claims.claim_account(shell.services, mine, args[0])
    shell.say(claimed_text(claim))
    if claim.outcome in (ClaimOutcome.PENDING, ClaimOutcome.WAITING):
        shell.say(f"A manager confirms it here with: confirm {claim.key}")


@command("confirm", "confirm KEY", "confirm a console user's claim of an account (managers)")
async def _confirm(shell: ConsoleShell, args: list[str]) -> None:
    await _decide(shell, args, confirm=True)


@command("refuse", "refuse KEY", "refuse a console user's claim of an account (managers)")
async def _refuse(shell: ConsoleShell, args: list[str]) -> None:
    await _decide(shell, args, confirm=False)


async def _decide(shell: ConsoleShell, args: list[str], *, confirm: bool) -> None:
    if len(args) != 1:
        raise Usage("Say which claim (the key its claimant was given).")
    me = await shell.me()
    decision = await claims.decide_claim(shell.services, me.id, "console", args[0], confirm=confirm)
    shell.say(press_answer(decision))


@command("status", "status", "the background jobs: last run, result, next run")
async def _status(shell: ConsoleShell, args: list[str]) -> None:
    states = await jobs.job_states(shell.services)
    if not states:
        shell.say("No background jobs: no media server or downloader is configured.")
        return
    now = shell.services.clock.now()
    shell.say("\n".join(["Jobs:", *(f"  {line}" for line in job_lines(states, now))]))


@command(
    "available",
    "available ID",
    "pretend the media server now has this request's title",
    demo_only=True,
)
async def _available(shell: ConsoleShell, args: list[str]) -> None:
    me = await shell.me()
    request = await queries.get_request(shell.services, me.id, shell.request_id(args))
    seasons = {n: MediaStatus.AVAILABLE for n in request.season_numbers} or None
    done = await availability.mark_available(
        shell.services, request.media.tmdb_id, request.media.media_type, seasons
    )
    shell.say(
        f"{request.media.label} is now on the media server; {count(len(done), 'request')} "
        "completed."
    )


@command("fail", "fail ID [reason...]", "pretend the downloader refused a request", demo_only=True)
async def _fail(shell: ConsoleShell, args: list[str]) -> None:
    reason = " ".join(args[1:]) or "the downloader did not answer"
    request = await requests.fail_request(shell.services, shell.request_id(args), reason)
    shell.say(f"Marked failed: {request_line(request)}.")


@command("browse", "browse", "every title in the demo catalogue", demo_only=True)
async def _browse(shell: ConsoleShell, args: list[str]) -> None:
    titles = getattr(shell.services.catalogue, "titles", None)
    if titles is None:
        raise InvalidInput("command", "browse", "only the offline catalogue can be browsed")
    lines = ["The demo catalogue:"]
    for item in titles():
        kind = "movie" if item.media_type is MediaType.MOVIE else "tv"
        year = f" ({item.year})" if item.year else ""
        lines.append(f"  {kind}:{item.tmdb_id:<7} {item.title}{year}")
    shell.say("\n".join(lines))


from adapters.console import issues as _issues  # noqa: E402, F401  (registers its commands)
