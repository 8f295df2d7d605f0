"""``requestbot api-key [--rotate]`` and the API's line in ``requestbot check`` (``requestbot
api`` is ``run`` without the chat adapters: bot.commands.run)."""

from __future__ import annotations

import sys

from adapters.api.keys import FixedApiKeys
from adapters.clock import SystemClock
from adapters.text import describe_error
from bot.app import api_keys
from bot.settings import Settings
from core import api_keys as keys
from core.errors import ApiKeyFixed
from storage import SqlUnitOfWorkFactory, create_engine, upgrade

ROTATED = "The old key no longer works, in a running requestbot too: give the tools this one."


async def api_key(settings: Settings, *, rotate: bool) -> int:
    """Print the API key on stdout, generating and keeping it if there is none yet; with
    ``rotate``, replace it first. A key from API_KEY is printed as it is, never rotated."""
    try:
        key = await _key(settings, rotate)
    except ApiKeyFixed as exc:
        print(f"requestbot api-key: {describe_error(exc, SystemClock().now())}", file=sys.stderr)
        return 2
    print(key)
    if rotate:
        print(ROTATED, file=sys.stderr)
    return 0


async def _key(settings: Settings, rotate: bool) -> str:
    """The key in force, or a new one; the database is opened (and migrated) only for a
    key kept there."""
    if settings.api.key is not None:
        fixed = FixedApiKeys(settings.api.key.get_secret_value().strip())
        return await (fixed.rotate() if rotate else fixed.current())
    url = settings.general.database_url
    await upgrade(url)  # the table the key is kept in
    engine = create_engine(url)
    try:
        found = api_keys(settings.api, url, SqlUnitOfWorkFactory(engine), SystemClock())
        return await (found.rotate() if rotate else found.current())
    finally:
        await engine.dispose()


async def api_line(settings: Settings, database_exists: bool) -> None:
    """``API: ...``: where it listens and where its key comes from, or that it is off;
    nothing is created or migrated (no key is generated)."""
    api = settings.api
    if not api.enabled:
        print("API: disabled (set API_ENABLED=true to serve the Seerr-compatible API)")
        return
    if api.key is not None:
        source = "key from API_KEY"
    else:
        source = await _stored_source(settings.general.database_url, database_exists)
    print(f"API: listening on {api.url} when running, {source}")


async def _stored_source(url: str, database_exists: bool) -> str:
    generated = "key generated at the first start (`requestbot api-key` shows it)"
    if not database_exists:
        return generated
    engine = create_engine(url)
    try:
        stored = await keys.stored_key(SqlUnitOfWorkFactory(engine))
    except Exception:  # no schema yet: `run` migrates it first
        return generated
    finally:
        await engine.dispose()
    return "key from the database" if stored is not None else generated
