"""Settings from the environment and ``.env``: one section per service, validated together.

Nothing outside ``bot/`` reads settings; the core and the adapters receive plain values.
"""

from __future__ import annotations

import difflib
import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal, Self, TypeVar

from dotenv import dotenv_values
from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.agent_settings import AgentSettings, agent_settings, is_agent_setting
from core.identity import Identity, QuotaLimits
from core.notification_types import MEDIA_TYPES, NotificationType, parse_types
from core.permissions import DEFAULT_USER, Permission, parse_permissions
from core.webhook import DEFAULT_TEMPLATE, InvalidPayload, check, posted_form

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./data/requestbot.db"


def hide_password(url: str) -> str:
    """``scheme://user:***@host/db``: a database URL fit to print."""
    scheme, sep, rest = url.partition("://")
    credentials, at, host = rest.rpartition("@")
    if not sep or not at:
        return url
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}" if ":" in credentials else url


def _url(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise ValueError("must start with http:// or https://")
    return value.rstrip("/")


def _database_url(value: str) -> str:
    if not value.startswith(("sqlite+aiosqlite:///", "postgresql+asyncpg://")):
        raise ValueError(
            "must be sqlite+aiosqlite:///path/to/file.db or postgresql+asyncpg://user@host/db"
        )
    return value


def _blank_is_none(value: Any) -> Any:
    """A setting left blank (or only spaces) is not set."""
    return None if isinstance(value, str) and not value.strip() else value


T = TypeVar("T")
HttpUrl = Annotated[str, AfterValidator(_url)]
BlankIsNone = Annotated[T | None, BeforeValidator(_blank_is_none)]
QuotaLimit = Annotated[int | None, Field(ge=0, le=100_000)]
QuotaDays = Annotated[int | None, Field(ge=0, le=3650)]
# An admin chat's digest of pending requests, every N minutes (0 or blank: a card each).
DigestMinutes = Annotated[
    int, BeforeValidator(lambda value: _blank_is_none(value) or 0), Field(ge=0, le=10_080)
]


class _Section(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        env_ignore_empty=True,
        extra="ignore",
        case_sensitive=False,
    )


class GeneralSettings(_Section):
    """Database, users and quotas."""

    database_url: Annotated[str, AfterValidator(_database_url)] = DEFAULT_DATABASE_URL
    default_permissions: Annotated[Permission, NoDecode] = DEFAULT_USER
    bot_owners: Annotated[tuple[Identity, ...], NoDecode] = ()
    movie_quota_limit: QuotaLimit = None
    movie_quota_days: QuotaDays = None
    tv_quota_limit: QuotaLimit = None
    tv_quota_days: QuotaDays = None
    auto_link_by_name: bool = False
    log_level: str = "INFO"

    @field_validator("default_permissions", mode="before")
    @classmethod
    def _permissions(cls, value: Any) -> Permission:
        if isinstance(value, int):
            return Permission(value)
        return parse_permissions(str(value))

    @field_validator("bot_owners", mode="before")
    @classmethod
    def _owners(cls, value: Any) -> tuple[Identity, ...]:
        """In the order listed (the first is the admin account, user 1), each once."""
        if not isinstance(value, frozenset | set | list | tuple):
            value = [p for p in str(value).replace(";", ",").split(",") if p.strip()]
        found = (v if isinstance(v, Identity) else Identity.parse(v) for v in value)
        return tuple(dict.fromkeys(found))

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return level

    @property
    def quota_defaults(self) -> QuotaLimits:
        return QuotaLimits(
            self.movie_quota_limit, self.movie_quota_days, self.tv_quota_limit, self.tv_quota_days
        )


class TmdbSettings(_Section):
    """The Movie Database: a v3 API key or a v4 read access token."""

    model_config = SettingsConfigDict(env_prefix="TMDB_")

    api_key: BlankIsNone[SecretStr] = None
    base_url: HttpUrl = "https://api.themoviedb.org/3"
    language: str = "en-US"
    timeout: float = Field(default=5.0, gt=0, le=60)


def _chat(value: int | str) -> int | str:
    """A chat id (groups are negative) or a public ``@channelname``."""
    if isinstance(value, int):
        return value
    text = value.strip()
    if text.lstrip("-").isdigit():
        return int(text)
    if text.startswith("@") and len(text) > 5 and text[1:].replace("_", "").isalnum():
        return text
    raise ValueError("must be a chat id such as -1001234567890, or @channelname")


def _websocket(value: str) -> str:
    if not value.startswith(("ws://", "wss://")):
        raise ValueError("must start with wss:// or ws://")
    return value


def _bot_api(value: str) -> str:
    """The Bot API address ends in /bot: the library appends the token right after it."""
    if not value.endswith("/bot"):
        raise ValueError("must end with /bot, e.g. https://api.telegram.org/bot")
    return value


# @BotFather's tokens: the bot's id, a colon, 35 characters (letters, digits, - and _).
_TELEGRAM_TOKEN = re.compile(r"[0-9]{1,20}:[A-Za-z0-9_-]{30,60}")
# Discord's: three base64url parts joined by dots (user id, timestamp, signature).
_DISCORD_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{20,}")


def _token(value: Any, shape: re.Pattern[str], looks: str) -> Any:
    """A blank token is no token; one of the wrong shape is refused before any network call
    (a pasted client secret, a ``Bot `` prefix, quotes, a line cut short)."""
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    value = _blank_is_none(value)
    if value is None:
        return None
    if not shape.fullmatch(str(value).strip()):
        raise ValueError(f"does not look like a bot token ({looks})")
    return value


class TelegramSettings(_Section):
    """The Telegram bot: its token, its Bot API server, and the chats it posts to."""

    model_config = SettingsConfigDict(env_prefix="TELEGRAM_")

    bot_token: SecretStr | None = None
    base_url: Annotated[HttpUrl, AfterValidator(_bot_api)] = "https://api.telegram.org/bot"
    admin_chat_id: BlankIsNone[int] = None
    admin_digest_minutes: DigestMinutes = 0
    notify_chat_id: BlankIsNone[Annotated[int | str, AfterValidator(_chat)]] = None
    poll_timeout: int = Field(default=30, ge=1, le=60)

    @field_validator("bot_token", mode="before")
    @classmethod
    def _shape(cls, value: Any) -> Any:
        return _token(
            value, _TELEGRAM_TOKEN, "@BotFather gives digits, a colon and about 35 characters"
        )


def _role_permissions(value: Any) -> dict[int, Permission]:
    """``111=MANAGE_REQUESTS|AUTO_APPROVE;222=REQUEST`` (role id = permission names, a role
    name such as ``moderator``, or a number)."""
    if isinstance(value, dict):
        return {int(k): Permission(v) for k, v in value.items()}
    found: dict[int, Permission] = {}
    for part in str(value).replace("\n", ";").split(";"):
        if not part.strip():
            continue
        role, sep, perms = part.partition("=")
        if not sep or not role.strip().isdigit():
            raise ValueError(
                f"{part.strip()!r} is not role_id=PERMISSIONS, "
                "e.g. 111=MANAGE_REQUESTS|AUTO_APPROVE;222=REQUEST"
            )
        found[int(role)] = parse_permissions(perms)
    return found


class DiscordSettings(_Section):
    """The Discord bot: its token, its server, its channels and what each role may do."""

    model_config = SettingsConfigDict(env_prefix="DISCORD_")

    bot_token: SecretStr | None = None
    guild_id: BlankIsNone[int] = None
    admin_channel_id: BlankIsNone[int] = None
    admin_digest_minutes: DigestMinutes = 0
    notify_channel_id: BlankIsNone[int] = None
    role_permissions: Annotated[dict[int, Permission], NoDecode] = Field(default_factory=dict)
    api_base_url: HttpUrl = "https://discord.com/api/v10"
    gateway_url: Annotated[str, AfterValidator(_websocket)] = "wss://gateway.discord.gg/"

    @field_validator("bot_token", mode="before")
    @classmethod
    def _shape(cls, value: Any) -> Any:
        return _token(
            value,
            _DISCORD_TOKEN,
            "the Developer Portal's Bot page gives three parts joined by dots; "
            "not the client secret or the public key",
        )

    @field_validator("role_permissions", mode="before")
    @classmethod
    def _roles(cls, value: Any) -> dict[int, Permission]:
        return _role_permissions(value)


class MediaServerSettings(_Section):
    """The media server (Jellyfin, or Emby through the same client) and its API key."""

    jellyfin_url: BlankIsNone[HttpUrl] = None
    jellyfin_api_key: BlankIsNone[SecretStr] = None
    media_server_type: Literal["jellyfin", "emby"] = "jellyfin"

    @field_validator("media_server_type", mode="before")
    @classmethod
    def _kind(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _both_or_neither(self) -> Self:
        if (self.jellyfin_url is None) != (self.jellyfin_api_key is None):
            raise ValueError("set JELLYFIN_URL and JELLYFIN_API_KEY together")
        return self

    @property
    def configured(self) -> bool:
        return self.jellyfin_url is not None


class _ArrSettings(_Section):
    url: BlankIsNone[HttpUrl] = None
    api_key: BlankIsNone[SecretStr] = None
    quality_profile: BlankIsNone[str] = None
    root_folder: BlankIsNone[str] = None

    @model_validator(mode="after")
    def _complete(self) -> Self:
        if self.url is None and self.api_key is None:
            return self
        prefix = str(self.model_config.get("env_prefix", "")).upper()
        missing = [
            prefix + name.upper()
            for name in ("url", "api_key", "quality_profile", "root_folder")
            if getattr(self, name) is None
        ]
        if missing:
            raise ValueError(f"also set {', '.join(missing)}")
        return self

    @property
    def configured(self) -> bool:
        return self.url is not None


class RadarrSettings(_ArrSettings):
    """Radarr, for movies: quality profile and root folder by name or id."""

    model_config = SettingsConfigDict(env_prefix="RADARR_")

    minimum_availability: Literal["announced", "inCinemas", "released"] = "released"


class Radarr4kSettings(RadarrSettings):
    """A second Radarr for 4K requests."""

    model_config = SettingsConfigDict(env_prefix="RADARR_4K_")


class SonarrSettings(_ArrSettings):
    """Sonarr, for shows: quality profile, root folder and (Sonarr v3) language profile."""

    model_config = SettingsConfigDict(env_prefix="SONARR_")

    language_profile: BlankIsNone[str] = None


class Sonarr4kSettings(SonarrSettings):
    """A second Sonarr for 4K requests."""

    model_config = SettingsConfigDict(env_prefix="SONARR_4K_")


class JobsSettings(_Section):
    """How often the jobs run, in seconds (Seerr's defaults)."""

    model_config = SettingsConfigDict(env_prefix="JOBS_")

    recent_scan_interval: float = Field(default=300, ge=1, le=86_400)
    download_sync_interval: float = Field(default=60, ge=1, le=86_400)
    full_scan_interval: float = Field(default=86_400, ge=1, le=30 * 86_400)


# A key given in API_KEY: long enough not to be guessed, and fit for an HTTP header.
_API_KEY = re.compile(r"[!-~]{32,}")


def _listen_host(value: str) -> str:
    """An address to listen on: a host name, an IPv4 address, or an IPv6 one (brackets
    optional), without a scheme or a port."""
    host = value.strip()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if ":" in host:
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise ValueError(
                "must be an address to listen on, such as 127.0.0.1 or 0.0.0.0 "
                "(no http://, no port: the port is API_PORT)"
            ) from None
    elif not host or not re.fullmatch(r"[A-Za-z0-9.-]+", host):
        raise ValueError("must be an address to listen on, such as 127.0.0.1 or 0.0.0.0")
    return host


class ApiSettings(_Section):
    """The Seerr-compatible REST API: off unless enabled, its address, and a key of one's
    own (else requestbot generates one and keeps it in the database)."""

    model_config = SettingsConfigDict(env_prefix="API_")

    enabled: bool = False
    host: Annotated[str, AfterValidator(_listen_host)] = "127.0.0.1"
    # 0 takes any free port (the log's "API: listening on" line says which).
    port: int = Field(default=5055, ge=0, le=65535)
    key: SecretStr | None = None

    @field_validator("key", mode="before")
    @classmethod
    def _shape(cls, value: Any) -> Any:
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        value = _blank_is_none(value)
        if value is None:
            return None
        if not _API_KEY.fullmatch(str(value).strip()):
            raise ValueError(
                "must be at least 32 characters without spaces (e.g. `openssl rand -hex 32`), "
                "or empty to let requestbot generate one"
            )
        return value

    @property
    def url(self) -> str:
        """Where clients reach the API, e.g. ``http://127.0.0.1:5055/api/v1``."""
        return self.url_on(self.port)

    def url_on(self, port: int) -> str:
        """Where clients reach the API once it listens on ``port`` (API_PORT=0 takes any)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{port}/api/v1"


def _webhook_url(value: str) -> str:
    """A URL to POST to, kept as written (a trailing slash may matter to the server)."""
    url = value.strip()
    if not url.startswith(("http://", "https://")):
        raise ValueError("must start with http:// or https://")
    return url


class WebhookSettings(_Section):
    """Seerr's webhook agent set here (then the API shows it and cannot change it), else
    set through the API as in Seerr (Home Assistant does so) and kept in the database."""

    model_config = SettingsConfigDict(env_prefix="WEBHOOK_")

    url: BlankIsNone[Annotated[str, AfterValidator(_webhook_url)]] = None
    authorization: BlankIsNone[SecretStr] = None
    payload: BlankIsNone[str] = None
    events: Annotated[NotificationType, NoDecode] = MEDIA_TYPES

    @field_validator("payload")
    @classmethod
    def _template(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                check(posted_form(value))
            except InvalidPayload as exc:
                problem = str(exc).replace("The jsonPayload template", "the template")
                raise ValueError(problem) from None
        return value

    @field_validator("events", mode="before")
    @classmethod
    def _events(cls, value: Any) -> NotificationType:
        if isinstance(value, int):
            return NotificationType(value)
        return parse_types(str(value))

    @property
    def configured(self) -> bool:
        return self.url is not None

    @property
    def template(self) -> str:
        """The payload template: WEBHOOK_PAYLOAD, else Seerr's default."""
        return self.payload or DEFAULT_TEMPLATE


@dataclass(frozen=True, slots=True)
class Settings:
    """Every section; those after ``discord`` default to "not configured" (not read from
    the environment) when a caller builds Settings by hand."""

    general: GeneralSettings
    tmdb: TmdbSettings
    telegram: TelegramSettings
    discord: DiscordSettings
    media_server: MediaServerSettings = field(default_factory=MediaServerSettings.model_construct)
    radarr: RadarrSettings = field(default_factory=RadarrSettings.model_construct)
    radarr_4k: Radarr4kSettings = field(default_factory=Radarr4kSettings.model_construct)
    sonarr: SonarrSettings = field(default_factory=SonarrSettings.model_construct)
    sonarr_4k: Sonarr4kSettings = field(default_factory=Sonarr4kSettings.model_construct)
    jobs: JobsSettings = field(default_factory=JobsSettings.model_construct)
    api: ApiSettings = field(default_factory=ApiSettings.model_construct)
    agents: tuple[AgentSettings, ...] = ()  # NOTIFY_<KEY>_* (bot/agent_settings.py)
    webhook: WebhookSettings = field(default_factory=WebhookSettings.model_construct)
    warnings: tuple[str, ...] = ()  # names that are not settings but look like ones

    @property
    def platforms(self) -> list[str]:
        """The chat platforms with a token set."""
        found = []
        if self.telegram.bot_token is not None:
            found.append("telegram")
        if self.discord.bot_token is not None:
            found.append("discord")
        return found


class SettingsError(Exception):
    """Every problem found in the settings, one line each."""

    def __init__(self, problems: list[str], warnings: tuple[str, ...] = ()) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems
        self.warnings = warnings


def _problems(section: type[_Section], error: ValidationError) -> list[str]:
    prefix = str(section.model_config.get("env_prefix", "")).upper()
    lines = []
    for item in error.errors(include_url=False):
        name = prefix + "_".join(str(p) for p in item["loc"]).upper()
        if not item["loc"]:  # a rule about several settings of the section
            name = prefix.rstrip("_") or "JELLYFIN"
        message = str(item["msg"]).removeprefix("Value error, ")
        given = item.get("input")
        shown = "" if given is None or isinstance(given, dict) else f" (got {str(given)[:60]!r})"
        if "TOKEN" in name or "KEY" in name or name in ("WEBHOOK_URL", "WEBHOOK_AUTHORIZATION"):
            shown = ""  # never echo secrets
        elif name == "DATABASE_URL" and isinstance(given, str):
            shown = f" (got {hide_password(given)[:80]!r})"
        lines.append(f"{name}: {message}{shown}")
    return lines


SECTIONS: dict[str, type[_Section]] = {
    "general": GeneralSettings,
    "tmdb": TmdbSettings,
    "telegram": TelegramSettings,
    "discord": DiscordSettings,
    "media_server": MediaServerSettings,
    "radarr": RadarrSettings,
    "radarr_4k": Radarr4kSettings,
    "sonarr": SonarrSettings,
    "sonarr_4k": Sonarr4kSettings,
    "jobs": JobsSettings,
    "api": ApiSettings,
    "webhook": WebhookSettings,
}
# Environment variables with these beginnings are taken to be meant for requestbot; others
# (PATH, HOME, ...) are none of its business. Every name in the settings file is meant for it.
OUR_PREFIXES = (
    "TMDB_", "TELEGRAM_", "DISCORD_", "JELLYFIN_", "EMBY_", "MEDIA_SERVER", "RADARR", "SONARR",
    "JOBS_", "API_", "BOT_", "NOTIFY_", "REQUESTBOT_", "MOVIE_QUOTA", "TV_QUOTA",
    "DEFAULT_PERMISSION", "WEBHOOK_",
)  # fmt: skip


def setting_names() -> list[str]:
    """Every setting's name, as written in the environment or ``.env``."""
    names = []
    for section in SECTIONS.values():
        prefix = str(section.model_config.get("env_prefix", "")).upper()
        names += [prefix + name.upper() for name in section.model_fields]
    return names


def unknown_names(
    file_names: list[str], environ: Mapping[str, str] | None = None, file_label: str = ".env"
) -> tuple[str, ...]:
    """A warning for each name in the settings file, or ours-looking one in the environment,
    that is not a setting: with the closest setting when one is near (a typo, a missing
    ``_BOT``)."""
    known = set(setting_names())
    environ = os.environ if environ is None else environ
    candidates = [(n, f"in {file_label}") for n in file_names]
    candidates += [(n, "in the environment") for n in environ if n.upper().startswith(OUR_PREFIXES)]
    found: list[str] = []
    seen: set[str] = set()
    for name, where in candidates:
        upper = name.upper()
        if upper in known or upper in seen or is_agent_setting(upper):
            continue
        seen.add(upper)
        close = difflib.get_close_matches(upper, known, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]}?" if close else " and is ignored"
        found.append(f"{name} {where} is not a setting{hint}")
    return tuple(found)


def _file_names(env_file: str | Path | None) -> list[str]:
    if env_file is None or not Path(env_file).is_file():
        return []
    return [name for name in dotenv_values(env_file, encoding="utf-8") if name]


def load_settings(env_file: str | Path | None = ".env") -> Settings:
    """Read every section; raise SettingsError listing all problems at once."""
    problems: list[str] = []
    built: dict[str, Any] = {}
    label = Path(env_file).name if env_file is not None else ""
    warnings = unknown_names(_file_names(env_file), file_label=label)
    for key, section in SECTIONS.items():
        try:
            built[key] = section(_env_file=env_file)  # type: ignore[call-arg]
        except ValidationError as error:
            problems.extend(_problems(section, error))
    file_values = dotenv_values(env_file, encoding="utf-8") if _is_file(env_file) else {}
    agents, agent_problems = agent_settings(file_values)
    problems += agent_problems
    if problems:
        raise SettingsError(problems, warnings)
    return Settings(**built, agents=tuple(agents), warnings=warnings)


def _is_file(env_file: str | Path | None) -> bool:
    return env_file is not None and Path(env_file).is_file()
