"""The secrets in an agent's URL, to keep out of logs and delivery errors (light: no
Apprise import, so the settings and the log filter can use it)."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote, urlsplit

_MIN_SECRET = 4  # shorter parts of a URL are not worth hiding (and would hide ordinary words)


def secrets_of(url: str) -> list[str]:
    """The parts of an agent URL that may be credentials: each piece of the part before
    the path (user, password, and the host, where some services put their token), each
    path segment and each query value: tokens live in all of these, service by service."""
    parts = urlsplit(url)
    found = re.split(r"[@:]", unquote(parts.netloc))
    found += [unquote(p) for p in parts.path.split("/")]
    found += [value for _, value in parse_qsl(parts.query)]
    # A piece with a dot is a host name or an address (tokens have none): kept, so that a
    # reason still says which server failed.
    pieces = {s for s in found if len(s) >= _MIN_SECRET and "." not in s}
    return sorted(pieces, key=len, reverse=True)


def redact(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, "***")
    return text
