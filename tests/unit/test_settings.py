"""Settings: every problem reported at once, secrets never echoed, .env.example valid."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.app import core_config
from bot.settings import OUR_PREFIXES, SettingsError, load_settings
from bot.webhook import webhook_config
from core.identity import Identity
from core.permissions import DEFAULT_USER, Permission
from core.webhook import DEFAULT_TEMPLATE

ROOT = Path(__file__).resolve().parents[2]
TELEGRAM_TOKEN = "123456:ABCdefGHIjklMNOpqrSTUvwxYZ0123456789"
DISCORD_TOKEN = "MTM3MDAwMDAwMDAwMDAwMDAwMQ.GfAkE0.fake-discord-token-for-tests-only"
SETTING_NAMES = (
    "DATABASE_URL",
    "DEFAULT_PERMISSIONS",
    "BOT_OWNERS",
    "MOVIE_QUOTA_LIMIT",
    "MOVIE_QUOTA_DAYS",
    "TV_QUOTA_LIMIT",
    "TV_QUOTA_DAYS",
    "LOG_LEVEL",
    "TMDB_API_KEY",
    "TMDB_BASE_URL",
    "TMDB_LANGUAGE",
    "TMDB_TIMEOUT",
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_BASE_URL",
    "TELEGRAM_ADMIN_CHAT_ID",
    "TELEGRAM_NOTIFY_CHAT_ID",
    "TELEGRAM_POLL_TIMEOUT",
    "DISCORD_BOT_TOKEN",
    "DISCORD_GUILD_ID",
    "DISCORD_ADMIN_CHANNEL_ID",
    "DISCORD_NOTIFY_CHANNEL_ID",
    "DISCORD_ROLE_PERMISSIONS",
    "DISCORD_API_BASE_URL",
    "DISCORD_GATEWAY_URL",
    "JELLYFIN_URL",
    "JELLYFIN_API_KEY",
    "MEDIA_SERVER_TYPE",
    "RADARR_URL",
    "RADARR_API_KEY",
    "RADARR_QUALITY_PROFILE",
    "RADARR_ROOT_FOLDER",
    "RADARR_MINIMUM_AVAILABILITY",
    "RADARR_4K_URL",
    "RADARR_4K_API_KEY",
    "RADARR_4K_QUALITY_PROFILE",
    "RADARR_4K_ROOT_FOLDER",
    "RADARR_4K_MINIMUM_AVAILABILITY",
    "SONARR_URL",
    "SONARR_API_KEY",
    "SONARR_QUALITY_PROFILE",
    "SONARR_ROOT_FOLDER",
    "SONARR_LANGUAGE_PROFILE",
    "SONARR_4K_URL",
    "SONARR_4K_API_KEY",
    "SONARR_4K_QUALITY_PROFILE",
    "SONARR_4K_ROOT_FOLDER",
    "SONARR_4K_LANGUAGE_PROFILE",
    "JOBS_RECENT_SCAN_INTERVAL",
    "JOBS_DOWNLOAD_SYNC_INTERVAL",
    "JOBS_FULL_SCAN_INTERVAL",
    "API_ENABLED",
    "API_HOST",
    "API_PORT",
    "API_KEY",
    "WEBHOOK_URL",
    "WEBHOOK_AUTHORIZATION",
    "WEBHOOK_PAYLOAD",
    "WEBHOOK_EVENTS",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in SETTING_NAMES:
        monkeypatch.delenv(name, raising=False)
    for name in list(os.environ):
        if name.upper().startswith(OUR_PREFIXES):
            monkeypatch.delenv(name)


def test_defaults_need_no_setting_at_all() -> None:
    settings = load_settings(None)
    assert settings.general.database_url == "sqlite+aiosqlite:///./data/requestbot.db"
    assert settings.general.default_permissions == DEFAULT_USER
    assert settings.platforms == []
    assert settings.tmdb.api_key is None


def test_the_example_file_documents_every_setting_and_loads_as_is() -> None:
    example = ROOT / ".env.example"
    text = example.read_text()
    for name in SETTING_NAMES:
        assert f"\n{name}=" in text or f"\n# {name}=" in text, f"{name} is not in .env.example"
    settings = load_settings(example)
    assert settings.general.quota_defaults.movie_limit is None
    assert settings.general.default_permissions == DEFAULT_USER
    assert settings.general.database_url == "sqlite+aiosqlite:///./data/requestbot.db"
    assert settings.warnings == ()


def _image_env() -> dict[str, str]:
    """The ENV the Dockerfile sets (one ``ENV NAME=value`` a line)."""
    found = {}
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if line.startswith("ENV ") and "\\" not in line:
            name, _, value = line.removeprefix("ENV ").partition("=")
            found[name.strip()] = value.strip()
    return found


def _docker_env_file(path: Path) -> dict[str, str]:
    """What ``docker run --env-file`` makes of a file: ``NAME=value`` lines taken as they
    are (no quotes, no comments after a value), lines starting with # skipped."""
    found = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            found[name.strip()] = value
    return found


def test_the_image_keeps_its_database_in_its_volume_with_the_example_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    image = _image_env()
    assert image["DATABASE_URL"] == "sqlite+aiosqlite:////data/requestbot.db"
    # `docker run --env-file .env` with .env copied from the example: the file's values win
    # over the image's, so the example must not set DATABASE_URL.
    for name, value in {**image, **_docker_env_file(ROOT / ".env.example")}.items():
        monkeypatch.setenv(name, value)

    settings = load_settings(None)  # .dockerignore keeps .env out of the image

    assert settings.general.database_url == "sqlite+aiosqlite:////data/requestbot.db"
    assert settings.api.host == "0.0.0.0"  # the example must not take it back to loopback
    assert settings.warnings == ()


def test_the_image_exposes_the_api_on_seerrs_port() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert _image_env()["API_HOST"] == "0.0.0.0"
    assert "EXPOSE 5055" in dockerfile.splitlines()


def test_the_image_runs_requestbot_and_checks_its_health() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert 'ENTRYPOINT ["requestbot"]' in dockerfile
    assert 'CMD ["run"]' in dockerfile
    assert 'CMD ["requestbot", "health"]' in dockerfile
    assert "HEALTHCHECK" in dockerfile
    assert ".env" in (ROOT / ".dockerignore").read_text().splitlines()


@pytest.mark.parametrize(
    "token",
    [
        "123:abc",  # cut short
        "Bot 123456:ABCdefGHIjklMNOpqrSTUvwxYZ0123456789",  # a prefix pasted with it
        '"123456:ABCdefGHIjklMNOpqrSTUvwxYZ0123456789"',  # quotes from a shell
        "ABCdefGHIjklMNOpqrSTUvwxYZ0123456789",  # the id is missing
    ],
)
def test_a_telegram_token_of_the_wrong_shape_is_a_settings_error(
    monkeypatch: pytest.MonkeyPatch, token: str
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", token)
    with pytest.raises(SettingsError) as caught:
        load_settings(None)
    [problem] = caught.value.problems
    assert problem.startswith("TELEGRAM_BOT_TOKEN: does not look like a bot token (@BotFather")
    assert token not in problem


@pytest.mark.parametrize(
    "token",
    [
        "0123456789abcdef" * 4,  # the application's public key
        "kq3bXWv-Ux7_aZGTsTWSfMxZtT2yyf1n",  # the client secret
        "MTM3MDAwMDAwMDAwMDAwMDAwMQ.GfAkE0",  # cut short
    ],
)
def test_a_discord_token_of_the_wrong_shape_is_a_settings_error(
    monkeypatch: pytest.MonkeyPatch, token: str
) -> None:
    monkeypatch.setenv("DISCORD_BOT_TOKEN", token)
    with pytest.raises(SettingsError) as caught:
        load_settings(None)
    [problem] = caught.value.problems
    assert problem.startswith("DISCORD_BOT_TOKEN: does not look like a bot token")
    assert token not in problem


def test_well_shaped_tokens_are_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", f" {TELEGRAM_TOKEN} ")
    monkeypatch.setenv("DISCORD_BOT_TOKEN", DISCORD_TOKEN)
    assert load_settings(None).platforms == ["telegram", "discord"]


def test_misspelt_names_in_the_file_and_the_environment_are_pointed_out(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    env_file = tmp_path / "bot.env"
    env_file.write_text("TELEGRAM_TOKEN=x\nTMDB_KEY=y\nlog_level=debug\nFAVOURITE_COLOUR=blue\n")
    monkeypatch.setenv("DISCORD_BOTTOKEN", "z")
    monkeypatch.setenv("RADARR_APIKEY", "z")
    monkeypatch.setenv("EDITOR", "vi")  # not ours: nothing said

    settings = load_settings(env_file)

    assert settings.platforms == []
    assert settings.warnings == (
        "TELEGRAM_TOKEN in bot.env is not a setting; did you mean TELEGRAM_BOT_TOKEN?",
        "TMDB_KEY in bot.env is not a setting; did you mean TMDB_API_KEY?",
        "FAVOURITE_COLOUR in bot.env is not a setting and is ignored",
        "DISCORD_BOTTOKEN in the environment is not a setting; did you mean DISCORD_BOT_TOKEN?",
        "RADARR_APIKEY in the environment is not a setting; did you mean RADARR_API_KEY?",
    )


def test_a_setting_of_only_spaces_is_not_set(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TMDB_API_KEY", "TELEGRAM_BOT_TOKEN", "JELLYFIN_URL", "JELLYFIN_API_KEY"):
        monkeypatch.setenv(name, "  ")
    for part in ("URL", "API_KEY", "QUALITY_PROFILE", "ROOT_FOLDER", "LANGUAGE_PROFILE"):
        monkeypatch.setenv(f"SONARR_{part}", " ")
    for name in ("ADMIN_CHAT_ID", "NOTIFY_CHAT_ID"):
        monkeypatch.setenv(f"TELEGRAM_{name}", " ")
    for name in ("GUILD_ID", "ADMIN_CHANNEL_ID", "NOTIFY_CHANNEL_ID"):
        monkeypatch.setenv(f"DISCORD_{name}", " ")

    settings = load_settings(None)

    assert settings.tmdb.api_key is None
    assert settings.platforms == []
    assert not settings.media_server.configured
    assert not settings.sonarr.configured
    assert settings.sonarr.quality_profile is None
    assert settings.sonarr.root_folder is None
    assert settings.sonarr.language_profile is None
    assert (settings.telegram.admin_chat_id, settings.telegram.notify_chat_id) == (None, None)
    discord = settings.discord
    assert (discord.guild_id, discord.admin_channel_id, discord.notify_channel_id) == (None,) * 3


def test_owners_and_permissions_are_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_OWNERS", "telegram:456, discord:123; telegram:456")
    monkeypatch.setenv("DEFAULT_PERMISSIONS", "REQUEST|AUTO_APPROVE_MOVIE")
    general = load_settings(None).general
    # In the order listed, each once: the first is the admin account.
    assert general.bot_owners == (Identity("telegram", "456"), Identity("discord", "123"))
    assert general.auto_link_by_name is False
    assert general.default_permissions == Permission.REQUEST | Permission.AUTO_APPROVE_MOVIE


def test_names_link_by_themselves_only_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTO_LINK_BY_NAME", "true")
    monkeypatch.setenv("BOT_OWNERS", "discord:1,telegram:2")
    config = core_config(load_settings(None))
    assert config.auto_link_by_name is True
    assert config.owners == (Identity("discord", "1"), Identity("telegram", "2"))


def test_every_problem_is_listed_at_once_without_echoing_secrets(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("TMDB_TIMEOUT=soon\nMOVIE_QUOTA_LIMIT=-2\n")
    monkeypatch.setenv("BOT_OWNERS", "nobody")
    monkeypatch.setenv("DEFAULT_PERMISSIONS", "SUPERUSER")
    monkeypatch.setenv("DATABASE_URL", "mysql://root@db/requests")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "")
    with pytest.raises(SettingsError) as caught:
        load_settings(env_file)
    problems = "\n".join(caught.value.problems)
    for name in ("TMDB_TIMEOUT", "MOVIE_QUOTA_LIMIT", "BOT_OWNERS", "DEFAULT_PERMISSIONS"):
        assert name in problems
    assert "DATABASE_URL" in problems
    assert len(caught.value.problems) == 5


def test_a_platform_counts_as_configured_once_its_token_is_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TELEGRAM_TOKEN)
    settings = load_settings(None)
    assert settings.platforms == ["telegram"]
    assert TELEGRAM_TOKEN not in repr(settings.telegram)


def test_a_bad_database_url_is_shown_without_its_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://bob:S3cretPW@db/requestbot")
    with pytest.raises(SettingsError) as caught:
        load_settings(None)
    [problem] = caught.value.problems
    assert "S3cretPW" not in problem
    assert "bob:***@db/requestbot" in problem


def test_quota_windows_longer_than_ten_years_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOVIE_QUOTA_DAYS", "800000")
    with pytest.raises(SettingsError) as caught:
        load_settings(None)
    assert caught.value.problems[0].startswith("MOVIE_QUOTA_DAYS: Input should be less than")


def test_telegram_chats_are_ids_or_a_channel_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TELEGRAM_TOKEN)
    monkeypatch.setenv("TELEGRAM_ADMIN_CHAT_ID", "-1001234567890")
    monkeypatch.setenv("TELEGRAM_NOTIFY_CHAT_ID", "@new_on_plex")
    monkeypatch.setenv("TELEGRAM_BASE_URL", "http://localhost:8081/bot/")
    telegram = load_settings(None).telegram
    assert telegram.admin_chat_id == -1001234567890
    assert telegram.notify_chat_id == "@new_on_plex"
    assert telegram.base_url == "http://localhost:8081/bot"
    monkeypatch.setenv("TELEGRAM_NOTIFY_CHAT_ID", "-100987")
    assert load_settings(None).telegram.notify_chat_id == -100987


def test_bad_telegram_settings_are_listed_without_the_token(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TELEGRAM_TOKEN)
    monkeypatch.setenv("TELEGRAM_ADMIN_CHAT_ID", "the admins")
    monkeypatch.setenv("TELEGRAM_NOTIFY_CHAT_ID", "news channel")
    monkeypatch.setenv("TELEGRAM_BASE_URL", "http://localhost:8081/")
    with pytest.raises(SettingsError) as caught:
        load_settings(None)
    problems = "\n".join(caught.value.problems)
    for name in ("TELEGRAM_ADMIN_CHAT_ID", "TELEGRAM_NOTIFY_CHAT_ID", "TELEGRAM_BASE_URL"):
        assert name in problems
    assert TELEGRAM_TOKEN not in problems


def test_discord_role_permissions_map_role_ids_to_permissions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DISCORD_ROLE_PERMISSIONS", "111=MANAGE_REQUESTS|AUTO_APPROVE; 222=REQUEST")
    roles = load_settings(None).discord.role_permissions
    assert roles == {
        111: Permission.MANAGE_REQUESTS | Permission.AUTO_APPROVE,
        222: Permission.REQUEST,
    }


def test_a_bad_discord_role_mapping_is_reported_with_an_example(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DISCORD_ROLE_PERMISSIONS", "moderators=MANAGE_REQUESTS")
    monkeypatch.setenv("DISCORD_GATEWAY_URL", "https://gateway.discord.gg")
    with pytest.raises(SettingsError) as raised:
        load_settings(None)
    problems = "\n".join(raised.value.problems)
    assert "DISCORD_ROLE_PERMISSIONS: 'moderators=MANAGE_REQUESTS' is not role_id=" in problems
    assert "DISCORD_GATEWAY_URL: must start with wss:// or ws://" in problems


def test_the_media_stack_settings_are_checked_together(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JELLYFIN_URL", "http://jellyfin:8096")
    monkeypatch.setenv("RADARR_URL", "radarr:7878")
    monkeypatch.setenv("SONARR_URL", "http://sonarr:8989")
    monkeypatch.setenv("SONARR_API_KEY", "very-secret-sonarr-key")
    monkeypatch.setenv("RADARR_4K_URL", "http://radarr4k:7878")
    monkeypatch.setenv("JOBS_DOWNLOAD_SYNC_INTERVAL", "0")

    with pytest.raises(SettingsError) as caught:
        load_settings(None)

    problems = caught.value.problems
    assert "JELLYFIN: set JELLYFIN_URL and JELLYFIN_API_KEY together" in problems
    assert (
        "RADARR_4K: also set RADARR_4K_API_KEY, RADARR_4K_QUALITY_PROFILE, RADARR_4K_ROOT_FOLDER"
        in problems
    )
    assert any(p.startswith("RADARR_URL: must start with http:// or https://") for p in problems)
    assert "SONARR: also set SONARR_QUALITY_PROFILE, SONARR_ROOT_FOLDER" in problems
    assert any(p.startswith("JOBS_DOWNLOAD_SYNC_INTERVAL:") for p in problems)
    assert "very-secret-sonarr-key" not in "\n".join(problems)


def test_the_media_server_type_is_jellyfin_or_emby(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDIA_SERVER_TYPE", "plex")

    with pytest.raises(SettingsError) as caught:
        load_settings(None)

    assert caught.value.problems == [
        "MEDIA_SERVER_TYPE: Input should be 'jellyfin' or 'emby' (got 'plex')"
    ]


def test_a_complete_media_stack_is_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JELLYFIN_URL", "http://emby:8096/")
    monkeypatch.setenv("JELLYFIN_API_KEY", "k")
    monkeypatch.setenv("MEDIA_SERVER_TYPE", "Emby")
    monkeypatch.setenv("RADARR_URL", "http://radarr:7878")
    monkeypatch.setenv("RADARR_API_KEY", "k")
    monkeypatch.setenv("RADARR_QUALITY_PROFILE", "HD-1080p")
    monkeypatch.setenv("RADARR_ROOT_FOLDER", "/movies")

    settings = load_settings(None)

    assert settings.media_server.configured
    assert settings.media_server.media_server_type == "emby"
    assert settings.media_server.jellyfin_url == "http://emby:8096"
    assert settings.radarr.configured
    assert not settings.radarr_4k.configured
    assert not settings.sonarr.configured
    assert settings.jobs.download_sync_interval == 60


def test_the_api_is_off_on_loopback_and_seerrs_port_by_default() -> None:
    api = load_settings(None).api
    assert (api.enabled, api.host, api.port, api.key) == (False, "127.0.0.1", 5055, None)
    assert api.url == "http://127.0.0.1:5055/api/v1"


def test_the_api_settings_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    key = "k" * 40
    monkeypatch.setenv("API_ENABLED", "true")
    monkeypatch.setenv("API_HOST", "[::1]")
    monkeypatch.setenv("API_PORT", "8055")
    monkeypatch.setenv("API_KEY", f" {key} ")
    api = load_settings(None).api
    assert api.enabled
    assert api.url == "http://[::1]:8055/api/v1"
    assert api.key is not None
    assert api.key.get_secret_value().strip() == key
    assert key not in repr(api)


@pytest.mark.parametrize("key", ["short-key", "a key with spaces in it, long enough anyway"])
def test_an_api_key_too_short_or_with_spaces_is_refused_without_echoing_it(
    monkeypatch: pytest.MonkeyPatch, key: str
) -> None:
    monkeypatch.setenv("API_KEY", key)
    with pytest.raises(SettingsError) as caught:
        load_settings(None)
    [problem] = caught.value.problems
    assert problem.startswith("API_KEY: must be at least 32 characters without spaces")
    assert key not in problem


def test_bad_api_addresses_are_listed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("API_HOST", "http://0.0.0.0:5055")
    monkeypatch.setenv("API_PORT", "70000")
    monkeypatch.setenv("API_ENABLED", "sometimes")
    with pytest.raises(SettingsError) as caught:
        load_settings(None)
    problems = "\n".join(caught.value.problems)
    assert "API_HOST: must be an address to listen on" in problems
    assert "API_PORT: Input should be less than or equal to 65535" in problems
    assert "API_ENABLED:" in problems


def test_a_misspelt_api_setting_is_pointed_out(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("API_ENABLE", "true")
    assert load_settings(None).warnings == (
        "API_ENABLE in the environment is not a setting; did you mean API_ENABLED?",
    )


@pytest.mark.parametrize("name", ["TELEGRAM_ADMIN_DIGEST_MINUTES", "DISCORD_ADMIN_DIGEST_MINUTES"])
def test_an_admin_digest_is_every_n_minutes_and_off_when_zero_or_blank(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    section = "telegram" if name.startswith("TELEGRAM") else "discord"
    for value, minutes in (("", 0), ("0", 0), (" 15 ", 15)):
        monkeypatch.setenv(name, value)
        assert getattr(load_settings(None), section).admin_digest_minutes == minutes
    for value in ("-5", "soon", "2.5"):
        monkeypatch.setenv(name, value)
        with pytest.raises(SettingsError) as caught:
            load_settings(None)
        [problem] = caught.value.problems
        assert problem.startswith(f"{name}: "), problem


def test_the_webhook_is_set_through_the_api_unless_its_url_is_given() -> None:
    settings = load_settings(None)
    assert not settings.webhook.configured
    assert webhook_config(settings.webhook) is None


def test_a_webhook_in_the_settings_has_its_header_template_and_events(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WEBHOOK_URL", "https://ha.example/api/webhook/abc/")
    monkeypatch.setenv("WEBHOOK_AUTHORIZATION", " Bearer t0ken ")
    monkeypatch.setenv("WEBHOOK_PAYLOAD", '{"s": "{{subject}}"}')
    monkeypatch.setenv("WEBHOOK_EVENTS", "pending, declined")

    config = webhook_config(load_settings(None).webhook)

    assert config is not None
    assert config.webhook_url == "https://ha.example/api/webhook/abc/"  # as written
    assert config.auth_header == "Bearer t0ken"
    assert config.template == '{"s": "{{subject}}"}'
    assert config.types == 2 | 64
    monkeypatch.setenv("WEBHOOK_EVENTS", "222")
    monkeypatch.delenv("WEBHOOK_PAYLOAD")
    config = webhook_config(load_settings(None).webhook)
    assert config is not None
    assert config.types == 222
    assert config.template == DEFAULT_TEMPLATE


def test_bad_webhook_settings_are_named_without_echoing_the_url_or_the_header(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WEBHOOK_URL", "ha.example/api/webhook/s3cret-id")
    monkeypatch.setenv("WEBHOOK_PAYLOAD", '{"s": ')
    monkeypatch.setenv("WEBHOOK_EVENTS", "pending, sometimes")

    with pytest.raises(SettingsError) as raised:
        load_settings(None)

    problems = "\n".join(raised.value.problems)
    assert "WEBHOOK_URL: must start with http:// or https://" in problems
    assert "s3cret" not in problems
    assert "WEBHOOK_PAYLOAD: the template is not valid JSON" in problems
    assert "WEBHOOK_EVENTS: not an event type: sometimes" in problems
