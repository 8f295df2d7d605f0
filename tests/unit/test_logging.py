"""The log never shows a token or an API key."""

from __future__ import annotations

import io
import logging

import pytest

from bot.cli import Redact, keep_out_of_log, secrets
from bot.settings import load_settings


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


def test_every_api_key_of_the_settings_is_masked(monkeypatch: pytest.MonkeyPatch) -> None:
    keys = {
        "TMDB_API_KEY": "tmdb-secret-0001",
        "JELLYFIN_API_KEY": "jellyfin-secret-0002",
        "RADARR_API_KEY": "radarr-secret-0003",
        "RADARR_4K_API_KEY": "radarr4k-secret-0004",
        "SONARR_API_KEY": "sonarr-secret-0005",
        "SONARR_4K_API_KEY": "sonarr4k-secret-0006",
        "API_KEY": "requestbot-api-secret-0007-0123456789",
    }
    for name, value in keys.items():
        monkeypatch.setenv(name, value)
    for prefix in ("RADARR", "RADARR_4K", "SONARR", "SONARR_4K"):
        monkeypatch.setenv(f"{prefix}_URL", "http://127.0.0.1:1")
        monkeypatch.setenv(f"{prefix}_QUALITY_PROFILE", "HD")
        monkeypatch.setenv(f"{prefix}_ROOT_FOLDER", "/media")
    monkeypatch.setenv("JELLYFIN_URL", "http://127.0.0.1:2")

    assert set(secrets(load_settings(None))) == set(keys.values())


def test_a_key_learnt_while_running_is_masked_from_then_on() -> None:
    key = "0123456789abcdef" * 4
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(Redact([]))
    root = logging.getLogger()
    root.addHandler(handler)
    log = logging.getLogger("test.redact.later")
    try:
        keep_out_of_log(key)
        log.warning("the key is %s", key)
    finally:
        root.removeHandler(handler)

    assert stream.getvalue() == "the key is ***\n"
