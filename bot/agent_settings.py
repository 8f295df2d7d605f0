"""The notification agents' settings: any number of them, each a group of NOTIFY_<KEY>_*
settings (``NOTIFY_1_URL``, ``NOTIFY_SLACK_EVENTS``...), validated with the others.

    NOTIFY_<KEY>_URL      the agent's Apprise URL (required)
    NOTIFY_<KEY>_EVENTS   Seerr's event names, comma-separated, or "all"/"media" (default media)
    NOTIFY_<KEY>_NAME     its name in logs and in notify-test (default from KEY and the URL)
    NOTIFY_<KEY>_TITLE    title template with Seerr's {{placeholders}}
    NOTIFY_<KEY>_BODY     body template
    NOTIFY_<KEY>_DIGEST   minutes between digests; 0 or unset sends each event at once
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import SecretStr

from core.agents import DEFAULT_BODY, DEFAULT_TITLE
from core.notification_types import MEDIA_TYPES, NotificationType, parse_types

PREFIX = "NOTIFY_"
FIELDS = ("URL", "EVENTS", "NAME", "TITLE", "BODY", "DIGEST")
_NAME = re.compile(rf"{PREFIX}([A-Z0-9]+)_({'|'.join(FIELDS)})")
_AGENT_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
MAX_DIGEST = 7 * 24 * 60  # minutes: a week


@dataclass(frozen=True, slots=True)
class AgentSettings:
    key: str
    name: str
    url: SecretStr
    types: NotificationType = MEDIA_TYPES
    title: str = DEFAULT_TITLE
    body: str = DEFAULT_BODY
    digest_minutes: int = 0


def is_agent_setting(name: str) -> bool:
    return _NAME.fullmatch(name.upper()) is not None


def _default_name(key: str, url: str) -> str:
    if not key.isdigit():
        return key.lower()
    scheme = url.partition("://")[0].lower() if "://" in url else "agent"
    return f"{re.sub(r'[^a-z0-9]', '', scheme) or 'agent'}{key}"


def agent_settings(
    file_values: Mapping[str, str | None], environ: Mapping[str, str] | None = None
) -> tuple[list[AgentSettings], list[str]]:
    """The agents set in the settings file and the environment (the environment wins), and
    a line for each problem found."""
    environ = os.environ if environ is None else environ
    values: dict[str, str] = {}
    for source in (file_values, environ):
        for name, value in source.items():
            if value is not None and value.strip() and is_agent_setting(name):
                values[name.upper()] = value.strip()
    keys = sorted({_NAME.fullmatch(n).group(1) for n in values}, key=_order)  # type: ignore[union-attr]
    agents: list[AgentSettings] = []
    problems: list[str] = []
    for key in keys:
        agent, found = _one(key, {f: values.get(f"{PREFIX}{key}_{f}") for f in FIELDS})
        problems += found
        if agent is not None:
            agents.append(agent)
    seen: dict[str, str] = {}
    for agent in agents:
        if agent.name in seen:
            problems.append(
                f"{PREFIX}{agent.key}_NAME: {agent.name!r} is also the name of "
                f"{PREFIX}{seen[agent.name]}: give each agent a name of its own"
            )
        seen[agent.name] = agent.key
    return agents, problems


def _order(key: str) -> tuple[int, int, str]:
    return (0, int(key), "") if key.isdigit() else (1, 0, key)


def _one(key: str, given: dict[str, str | None]) -> tuple[AgentSettings | None, list[str]]:
    def name_of(field: str) -> str:
        return f"{PREFIX}{key}_{field}"

    problems: list[str] = []
    url = given["URL"]
    if url is None:
        problems.append(f"{name_of('URL')}: missing: the agent's Apprise URL is required")
    elif not _known_service(url):
        problems.append(
            f"{name_of('URL')}: not an Apprise URL of a service it knows "
            "(e.g. slack://..., mailto://..., ntfy://..., json://host/path)"
        )
    types = MEDIA_TYPES
    if given["EVENTS"] is not None:
        try:
            types = parse_types(given["EVENTS"])
        except ValueError as exc:
            problems.append(f"{name_of('EVENTS')}: {exc}")
    name = (given["NAME"] or _default_name(key, url or "")).lower()
    if not _AGENT_NAME.fullmatch(name):
        problems.append(f"{name_of('NAME')}: use letters, digits, - and _ (got {name[:40]!r})")
    digest = 0
    if given["DIGEST"] is not None:
        text = given["DIGEST"]
        if not text.isdigit() or int(text) > MAX_DIGEST:
            problems.append(f"{name_of('DIGEST')}: minutes from 0 to {MAX_DIGEST} (got {text!r})")
        else:
            digest = int(text)
    if problems or url is None:
        return None, problems
    agent = AgentSettings(
        key=key,
        name=name,
        url=SecretStr(url),
        types=types,
        title=given["TITLE"] or DEFAULT_TITLE,
        body=(given["BODY"] or DEFAULT_BODY).replace("\\n", "\n"),
        digest_minutes=digest,
    )
    return agent, []


def _known_service(url: str) -> bool:
    # Apprise is loaded only when an agent is set: it is big, and most installs have none.
    from adapters.notify.apprise import is_apprise_url

    return is_apprise_url(url)
