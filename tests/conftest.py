"""Fixtures shared by every test module."""

pytest_plugins = [
    "tests.storage_fixtures",
    "tests.fake_tmdb",
    "tests.fake_telegram",
    "tests.telegram_world",
    "tests.fake_discord",
    "tests.discord_world",
    "tests.fake_jellyfin",
    "tests.fake_arr",
    "tests.fake_home_assistant",
    "tests.media_stack",
    "tests.api_world",
]
