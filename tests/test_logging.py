"""The log never shows a token or an API key."""

from __future__ import annotations

import io
import logging

from bot.cli import Redact


def test_the_log_masks_tokens_in_messages_arguments_and_tracebacks() -> None:
    token = "123456:AAE-secret-token"
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(Redact([token, "short"]))
    log = logging.getLogger("test.redact")
    log.addHandler(handler)
    try:
        log.warning("calling https://api.telegram.org/bot%s/getMe", token)
        try:
            raise ConnectionError(f"no route to https://api.telegram.org/bot{token}/getMe")
        except ConnectionError:
            log.exception("failed")
    finally:
        log.removeHandler(handler)

    written = stream.getvalue()
    assert token not in written
    assert written.count("bot***/getMe") == 2
    assert "ConnectionError" in written
