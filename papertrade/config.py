"""Settings resolved in one place: command line > environment (`PAPERTRADE_*`) > defaults."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

ENV_PREFIX = "PAPERTRADE_"
LOG_LEVELS = ("debug", "info", "warning", "error", "critical")
PACKAGE_DIR = Path(__file__).resolve().parent


class SettingsError(ValueError):
    """A setting with a value of the wrong kind; the message names the setting."""


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8000
    database_url: str = "sqlite:///./papertrade.db"
    test_mode: bool = False
    tick_interval: float = 1.0
    seed: int = 42
    session_ttl: int = 28800
    log_level: str = "info"
    # The connection pool (see papertrade.db.PoolOptions); pre-ping None: on for a server, off for SQLite.
    db_pool_size: int = 20
    db_max_overflow: int = 20
    db_pool_timeout: float = 30.0
    db_pool_pre_ping: bool | None = None
    # The Server-Timing header with each response's queries and database time; None: in test mode only.
    server_timing: bool | None = None
    # Not on the command line: where pages and assets come from (tests point these elsewhere).
    templates_dir: Path = field(default=PACKAGE_DIR / "templates")
    static_dir: Path = field(default=PACKAGE_DIR / "static")
    max_body_bytes: int = 64 * 1024

    @property
    def server_timing_enabled(self) -> bool:
        return self.test_mode if self.server_timing is None else self.server_timing

    def with_overrides(self, **overrides: object) -> Settings:
        return replace(self, **{key: value for key, value in overrides.items() if value is not None})


def _parse_bool(name: str, text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise SettingsError(f"{name} must be true or false, got {text!r}")


def _convert(name: str, kind: str, text: str) -> object:
    kind = kind.removesuffix(" | None")
    if kind == "bool":
        return _parse_bool(name, text)
    try:
        if kind == "int":
            return int(text)
        if kind == "float":
            return float(text)
        if kind == "Path":
            return Path(text)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a{'n' if kind == 'int' else ''} {kind}, got {text!r}") from exc
    return text


def validate(settings: Settings) -> Settings:
    if not 0 <= settings.port <= 65535:
        raise SettingsError(f"port must be between 0 and 65535, got {settings.port}")
    if settings.tick_interval <= 0:
        raise SettingsError(f"tick interval must be greater than 0, got {settings.tick_interval}")
    if settings.session_ttl <= 0:
        raise SettingsError(f"session ttl must be greater than 0, got {settings.session_ttl}")
    if settings.db_pool_size < 1:
        raise SettingsError(f"database pool size must be at least 1, got {settings.db_pool_size}")
    if settings.db_max_overflow < 0:
        raise SettingsError(f"database pool overflow must be 0 or more, got {settings.db_max_overflow}")
    if settings.db_pool_timeout <= 0:
        raise SettingsError(f"database pool timeout must be greater than 0, got {settings.db_pool_timeout}")
    if settings.log_level not in LOG_LEVELS:
        raise SettingsError(f"log level must be one of {', '.join(LOG_LEVELS)}, got {settings.log_level!r}")
    return settings


def load_settings(cli: Mapping[str, object] | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Defaults, then `PAPERTRADE_<NAME>` variables, then command-line values that are not None."""
    env = os.environ if env is None else env
    values: dict[str, object] = {}
    for setting in fields(Settings):
        variable = ENV_PREFIX + setting.name.upper()
        if variable in env:
            kind = setting.type if isinstance(setting.type, str) else setting.type.__name__
            values[setting.name] = _convert(variable, kind, env[variable])
    settings = Settings(**values).with_overrides(**dict(cli or {}))
    return validate(settings)
