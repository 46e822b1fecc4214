"""Checks of single settings: each turns a raw value into a typed one, or raises a ConfigError
that names the file (or variable), the key and what is wrong."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import fields
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.config.settings import (
    DEFAULT_TELEGRAM_API_BASE_URL,
    DEFAULT_TIMEZONE,
    DEFAULT_WECHAT_API_BASE_URL,
    ConfigError,
    DeskSettings,
    MatcherSettings,
    Secret,
    WebSettings,
    WeChatSettings,
    default_database_url,
    mask_url,
)

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_ENV_ONLY = {
    "telegram_bot_token": "TELEGRAM_BOT_TOKEN",
    "telegram_api_base_url": "TELEGRAM_API_BASE_URL",
}


def reject_unknown(raw: Mapping[Any, Any], known: tuple[str, ...], prefix: str, label: str) -> None:
    for key in raw:
        if key in known:
            continue
        if not prefix and key in _ENV_ONLY:
            raise config_error(
                label, key, f"secrets come from the environment only: {_ENV_ONLY[key]}"
            )
        close = difflib.get_close_matches(str(key), known, n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"known keys: {', '.join(known)}"
        raise config_error(label, f"{prefix}{key}", f"unknown key; {hint}")


def config_error(label: str | None, key: str, problem: str) -> ConfigError:
    return ConfigError(f"{label}: {key}: {problem}" if label else f"{key}: {problem}")


def nonempty_text(value: Any, label: str | None, key: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise config_error(label, key, f"must be a non-empty text, got {kind(value)}")
    return value.strip()


def timezone(value: Any, label: str | None, key: str) -> ZoneInfo:
    name = DEFAULT_TIMEZONE if value is None else nonempty_text(value, label, key)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        close = difflib.get_close_matches(name, sorted(available_timezones()), n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"e.g. {DEFAULT_TIMEZONE}"
        raise config_error(label, key, f"'{name}' is not an IANA time zone; {hint}") from None


def database_url(value: Any, label: str | None, key: str, cwd: Path) -> str:
    if value is None:
        return default_database_url(cwd)
    url = nonempty_text(value, label, key)
    if not re.match(r"[a-z][a-z0-9+]*://", url):
        example = "sqlite+aiosqlite:///data/x.sqlite3 or postgresql+asyncpg://user:pw@host/db"
        raise config_error(label, key, f"'{mask_url(url)}' is not a database URL; e.g. {example}")
    return url


def faq_dir(value: Any, label: str | None, key: str, base: Path) -> Path | None:
    if value is None:
        return None
    directory = Path(nonempty_text(value, label, key)).expanduser()
    directory = directory if directory.is_absolute() else base / directory
    if not directory.is_dir():
        raise config_error(label, key, f"'{value}' is not a directory (looked at {directory})")
    return directory.resolve()


def log_level(value: Any, label: str | None, key: str) -> str:
    level = "INFO" if value is None else nonempty_text(value, label, key).upper()
    if level not in LOG_LEVELS:
        raise config_error(label, key, f"'{value}' is not a log level; use {', '.join(LOG_LEVELS)}")
    return level


def token(value: str | None) -> Secret | None:
    if value is None:
        return None
    if not re.fullmatch(r"\d+:[A-Za-z0-9_-]+", value):  # never echo the value itself
        raise ConfigError(
            "TELEGRAM_BOT_TOKEN: does not look like a bot token ('<digits>:<letters>')"
        )
    return Secret(value)


def api_base_url(value: str | None) -> str:
    url = DEFAULT_TELEGRAM_API_BASE_URL if value is None else value.rstrip("/")
    if not re.fullmatch(r"https?://\S+/bot", url):
        example = DEFAULT_TELEGRAM_API_BASE_URL
        raise ConfigError(f"TELEGRAM_API_BASE_URL: '{url}' must end in '/bot', e.g. {example}")
    return url


def bounded_number(
    value: Any, label: str, key: str, *, lo: float, hi: float | None = None, whole: bool = False
) -> Any:
    number = isinstance(value, int if whole else int | float) and not isinstance(value, bool)
    if not number or not (lo <= value <= hi if hi is not None else value > lo):
        wanted = "a whole number" if whole else "a number"
        bounds = f"from {lo} to {hi}" if hi is not None else f"above {lo}"
        raise config_error(label, key, f"must be {wanted} {bounds}, got {value!r}")
    return value


def section_of(raw: Any, name: str, label: str, known: tuple[str, ...]) -> dict[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise config_error(label, name, f"must be a mapping of keys, got {kind(raw)}")
    reject_unknown(raw, known, f"{name}.", label)
    return raw


def matcher_settings(raw: Any, label: str) -> MatcherSettings:
    section = section_of(raw, "matcher", label, tuple(f.name for f in fields(MatcherSettings)))
    values = {k: bounded_number(v, label, f"matcher.{k}", lo=0, hi=100) for k, v in section.items()}
    matcher = MatcherSettings(**values)
    if matcher.clarify_threshold >= matcher.answer_threshold:
        problem = f"must be below answer_threshold ({matcher.answer_threshold})"
        raise config_error(label, "matcher.clarify_threshold", problem)
    return matcher


def desk_settings(raw: Any, label: str) -> DeskSettings:
    section = section_of(raw, "desk", label, tuple(f.name for f in fields(DeskSettings)))
    whole = {"flood_messages_per_minute", "retention_months"}
    return DeskSettings(
        **{
            k: bounded_number(v, label, f"desk.{k}", lo=0, whole=k in whole)
            for k, v in section.items()
        }
    )


def web_settings(raw: Any, label: str) -> WebSettings:
    section = section_of(raw, "web", label, tuple(f.name for f in fields(WebSettings)))
    listen = section.get("listen")
    if listen is not None:
        listen = nonempty_text(listen, label, "web.listen")
        _, sep, port = listen.rpartition(":")
        if not sep or not port.isdigit() or not 0 < int(port) < 65536:
            raise config_error(
                label, "web.listen", f"'{listen}' must be host:port, e.g. 127.0.0.1:8080"
            )
    base_url = section.get("base_url")
    if base_url is not None:
        base_url = nonempty_text(base_url, label, "web.base_url").rstrip("/")
        if not re.fullmatch(r"https?://[^\s/]+(/\S*)?", base_url):
            raise config_error(
                label, "web.base_url", f"'{base_url}' must be a URL, e.g. https://desk.example.cn"
            )
    secure = section.get("secure_cookies", True)
    if not isinstance(secure, bool):
        raise config_error(
            label, "web.secure_cookies", f"must be true or false, got {kind(secure)}"
        )
    return WebSettings(listen, base_url, secure)


_WECHAT_KEYS = ("app_id", "listen", "api_base_url", "answer_template_id")


def wechat_settings(raw: Any, label: str, env: Mapping[str, str]) -> WeChatSettings:
    section = section_of(raw, "wechat", label, _WECHAT_KEYS)
    values = {k: nonempty_text(v, label, f"wechat.{k}") for k, v in section.items()}
    listen = values.get("listen")
    if listen is not None:
        _, sep, port = listen.rpartition(":")
        if not sep or not port.isdigit() or not 0 < int(port) < 65536:
            raise config_error(
                label, "wechat.listen", f"'{listen}' must be host:port, e.g. 127.0.0.1:8081"
            )
    url = values.get("api_base_url", DEFAULT_WECHAT_API_BASE_URL)
    if not re.fullmatch(r"https?://\S+/", url):
        raise config_error(
            label,
            "wechat.api_base_url",
            f"'{url}' must be a URL ending in '/', e.g. {DEFAULT_WECHAT_API_BASE_URL}",
        )
    secrets = {
        name: Secret(env[variable]) if env.get(variable) else None
        for name, variable in (
            ("app_secret", "WECHAT_APP_SECRET"),
            ("token", "WECHAT_TOKEN"),
            ("encoding_aes_key", "WECHAT_ENCODING_AES_KEY"),
        )
    }
    settings = WeChatSettings(
        app_id=values.get("app_id"),
        listen=listen,
        api_base_url=url,
        answer_template_id=values.get("answer_template_id"),
        **secrets,
    )
    if settings.app_id and not (settings.app_secret and settings.token):
        raise ConfigError("wechat.app_id is set: WECHAT_APP_SECRET and WECHAT_TOKEN are needed")
    if settings.app_id and not settings.listen:
        raise config_error(label, "wechat.listen", "needed with app_id, e.g. 127.0.0.1:8081")
    key = settings.encoding_aes_key
    if key is not None and len(key.get_secret_value()) != 43:  # never echo the value itself
        raise ConfigError("WECHAT_ENCODING_AES_KEY: must be the 43 characters WeChat shows")
    return settings


def kind(value: Any) -> str:
    if isinstance(value, str):
        return f"'{value}'" if value.strip() else "an empty text"
    names = {dict: "a mapping", list: "a list", type(None): "nothing"}
    return names.get(type(value), f"{type(value).__name__} {value!r}")
