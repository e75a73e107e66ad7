"""Configuration, validated once at start-up.

Two sources: `Settings` from KEFU_* environment variables (deployment: token, database, chat
ids, time zone) and `BusinessConfig` from a TOML file (how the business works). Any problem
raises `ConfigError`, one line per problem, each naming the variable or key at fault:

    KEFU_TIMEZONE: unknown time zone 'Mars/Base'
    sla.policies.repair.urgent.first_response: '4 hours' is not a duration like 30m, 2h, 5d, 5wd
"""

import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_core import ErrorDetails
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from bot.business_config import BusinessConfig
from domain.sla.calendar import parse_time_zone
from storage.db import async_url

DEFAULT_CONFIG = Path(__file__).with_name("default_config.toml")
ENV_PREFIX = "KEFU_"
DEFAULT_LISTEN = "127.0.0.1:8080"
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")

__all__ = [
    "DEFAULT_CONFIG",
    "BusinessConfig",
    "ConfigError",
    "Settings",
    "load",
    "load_business_config",
    "load_settings",
]


class ConfigError(Exception):
    """Invalid configuration; `problems` holds one key-named line per problem."""

    def __init__(self, problems: list[str], source: Path | None = None) -> None:
        self.problems = problems
        self.source = source
        super().__init__("\n".join(problems))


class Settings(BaseSettings):
    """Deployment settings from KEFU_* environment variables."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_ignore_empty=True, frozen=True)

    bot_token: SecretStr | None = None
    database_url: str = "sqlite+aiosqlite:///kefu.db"  # a file in the working directory
    staff_chat_id: int | None = None
    admin_ids: Annotated[list[int], NoDecode] = []
    timezone: str = "Asia/Shanghai"
    config: Path | None = None  # the business configuration TOML; None: the shipped default
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    # A self-hosted Bot API server (or the offline sandbox) instead of api.telegram.org:
    # "http://127.0.0.1:8081" serves /bot<token>/<method> and /file/bot<token>/<path>.
    api_url: str | None = None
    # Kefu paces its own sends within Telegram's limits; off only for tests against a sandbox
    # whose flood control is off too (many short-lived processes cannot pace one another).
    rate_limit: bool = True
    # Webhook mode (`python -m bot run --webhook`): Telegram POSTs each update to this public
    # HTTPS address (your reverse proxy's), with this secret in a header; Kefu listens on
    # `listen` behind the proxy, with at most `webhook_max_connections` deliveries at once.
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_max_connections: int = Field(40, ge=1, le=100)
    # host:port of the webhook, /healthz and /metrics; in polling mode, set it to serve those two.
    listen: str | None = None
    # Redis (redis://host:6379/0), for one send budget shared by every instance: Telegram's
    # limits belong to the token. Unset, each instance paces itself. A URL may hold a password.
    redis_url: SecretStr | None = None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def listen_address(self) -> tuple[str, int]:
        """Where to listen: `listen`, or 127.0.0.1:8080."""
        host, _, port = (self.listen or DEFAULT_LISTEN).rpartition(":")
        return host.strip("[]") or "0.0.0.0", int(port)

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not re.match(r"^(rediss?|unix)://", value.get_secret_value()):
            raise ValueError("is not a Redis address like redis://127.0.0.1:6379/0")
        return value

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^/\s]+", value):
            raise ValueError(f"{value!r} is not an address like https://bot.example.com/telegram")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _webhook_secret(cls, value: SecretStr | None) -> SecretStr | None:
        # Telegram's own rule for secret_token; never echo the value back.
        if value is not None and not _SECRET.match(value.get_secret_value()):
            raise ValueError("use 1 to 256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    @field_validator("listen")
    @classmethod
    def _listen(cls, value: str | None) -> str | None:
        if value is None:
            return None
        _host, colon, port = value.rpartition(":")
        if not colon or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"{value!r} is not host:port, like 0.0.0.0:8080")
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        return async_url(value).render_as_string(hide_password=False)

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _admin_ids(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        # "1,2,3"; "[1, 2, 3]" (JSON, as pydantic-settings would expect) works too.
        ids = [part.strip() for part in value.strip().strip("[]").split(",") if part.strip()]
        for part in ids:
            if not part.lstrip("-").isdigit():
                raise ValueError(f"{part!r} is not a Telegram user id; write ids like 1,2,3")
        return [int(part) for part in ids]

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        parse_time_zone(value)  # ValueError: "unknown time zone 'Mars/Base': use ..."
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _log_level(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value


class _MappingEnvSource(EnvSettingsSource):
    """Environment variables from a given mapping instead of `os.environ` (for tests)."""

    def __init__(self, settings_cls: type[BaseSettings], env: Mapping[str, str]) -> None:
        self._env = env
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return {key.lower(): value for key, value in self._env.items() if value != ""}


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read KEFU_* settings from `env` (default: the process environment)."""
    settings_cls = Settings if env is None else _settings_reading(env)
    try:
        return settings_cls()
    except ValidationError as error:
        raise ConfigError(
            [f"{ENV_PREFIX}{str(e['loc'][0]).upper()}: {_describe(e)}" for e in error.errors()]
        ) from None


def _settings_reading(env: Mapping[str, str]) -> type[Settings]:
    class MappingSettings(Settings):
        @classmethod
        def settings_customise_sources(
            cls,
            settings_cls: type[BaseSettings],
            **sources: PydanticBaseSettingsSource,
        ) -> tuple[PydanticBaseSettingsSource, ...]:
            return (_MappingEnvSource(settings_cls, env),)

    return MappingSettings


def load_business_config(path: Path | None) -> BusinessConfig:
    """Read the business configuration from `path`, or the shipped default if None."""
    source = path or DEFAULT_CONFIG
    if path is not None and not path.is_file():
        raise ConfigError([f"KEFU_CONFIG: no such file: {path}"], source)
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ConfigError([f"KEFU_CONFIG: {source} is not valid TOML: {error}"], source) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError([f"KEFU_CONFIG: cannot read {source}: {error}"], source) from None
    try:
        return BusinessConfig.model_validate(data)
    except ValidationError as error:
        # A check across sections (a rule naming a product) names its key in its own message.
        problems = [
            f"{_toml_key(e['loc'])}: {_describe(e)}" if e["loc"] else _describe(e)
            for e in error.errors()
        ]
        raise ConfigError(problems, source) from None


def load(env: Mapping[str, str] | None = None) -> tuple[Settings, BusinessConfig]:
    """Settings, then the business configuration they point to."""
    settings = load_settings(env)
    return settings, load_business_config(settings.config)


def _toml_key(loc: tuple[int | str, ...]) -> str:
    key = ""
    for part in loc:
        if isinstance(part, int):
            key += f"[{part}]"
        elif part != "[key]":  # pydantic's marker for an invalid table key
            key += f".{part}" if key else str(part)
    return key or "(top level)"


_BOUNDS = {
    "greater_than_equal": ("≥", "ge"),
    "greater_than": (">", "gt"),
    "less_than_equal": ("≤", "le"),
    "less_than": ("<", "lt"),
}


def _describe(error: ErrorDetails) -> str:
    """A short human message for one pydantic error, without pydantic's phrasing."""
    kind, ctx, given = error["type"], error.get("ctx", {}), error.get("input")
    if kind in _BOUNDS:
        sign, name = _BOUNDS[kind]
        return f"must be {sign} {ctx[name]}"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "unknown key (misspelt, or in the wrong section?)"
    if kind in ("literal_error", "enum"):
        return f"must be {ctx['expected']}, not {given!r}"
    if kind.startswith("int_"):
        return f"must be a whole number, not {given!r}"
    if kind.startswith("date_"):
        return f"must be a date like 2026-10-01, not {given!r}"
    if kind.startswith("bool_"):
        return f"must be true or false, not {given!r}"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"must be a table, not {given!r}"
    if kind == "list_type":
        return f"must be a list [...], not {given!r}"
    if kind == "string_type":
        return f"must be text in quotes, not {given!r}"
    if kind == "string_too_short":
        return "must not be empty"
    return error["msg"][:1].lower() + error["msg"][1:]
