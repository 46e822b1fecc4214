"""Settings: one validated, frozen object built once in ``main()`` by :func:`load_settings`.

Sources, later wins: built-in defaults < the YAML file < environment variables. The file is
``--config PATH`` if given, else ``$LEGALDESK_CONFIG``, else ``./legaldesk.yaml`` if it exists, else
none. Secrets (the bot token, the Bot API address) come from the environment only. Empty
environment variables count as unset. Every problem raises :class:`ConfigError` with one line that
names the file (or variable), the key and what is wrong. See ``legaldesk.example.yaml``.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import yaml

from bot.core.roster import Role, Roster, ShiftSpecError, StaffMember, WeeklyShift, parse_shift

CONFIG_FILE_NAME = "legaldesk.yaml"
DEFAULT_TIMEZONE = "Asia/Shanghai"
DEFAULT_TELEGRAM_API_BASE_URL = "https://api.telegram.org/bot"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_TOP_KEYS = ("database_url", "faq_dir", "timezone", "matcher", "desk", "advisers", "log_level")
_ENV_ONLY = {
    "telegram_bot_token": "TELEGRAM_BOT_TOKEN",
    "telegram_api_base_url": "TELEGRAM_API_BASE_URL",
}
_MEMBER_KEYS = ("telegram_id", "name", "role", "shifts")


class ConfigError(Exception):
    """The configuration is unusable; the message is one line naming the key and the problem."""


@dataclass(frozen=True, slots=True, repr=False)
class Secret:
    """A secret string that never shows itself in ``repr``, ``str``, f-strings or logs."""

    _value: str

    def get_secret_value(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__


@dataclass(frozen=True, slots=True)
class MatcherSettings:
    answer_threshold: float = 30
    clarify_threshold: float = 24
    clarify_margin: float = 10


@dataclass(frozen=True, slots=True)
class DeskSettings:
    unclaimed_reminder_minutes: float = 30
    unanswered_reminder_hours: float = 24
    flood_messages_per_minute: int = 20
    retention_months: int = 24


def default_database_url(cwd: Path) -> str:
    return f"sqlite+aiosqlite:///{cwd.resolve() / 'data' / 'legaldesk.sqlite3'}"


@dataclass(frozen=True)
class Settings:
    """Everything legaldesk is configured with. ``staff`` is the file's ``advisers`` list."""

    config_path: Path | None = None
    database_url: str = field(default_factory=lambda: default_database_url(Path.cwd()))
    faq_dir: Path | None = None  # None: the knowledge base shipped with legaldesk
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo(DEFAULT_TIMEZONE))
    matcher: MatcherSettings = field(default_factory=MatcherSettings)
    desk: DeskSettings = field(default_factory=DeskSettings)
    staff: tuple[StaffMember, ...] = ()
    log_level: str = "INFO"
    telegram_bot_token: Secret | None = None
    telegram_api_base_url: str = DEFAULT_TELEGRAM_API_BASE_URL
    roster: Roster = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "roster", Roster(self.staff, self.timezone))

    @property
    def telegram_file_base_url(self) -> str:
        """Where files are downloaded: the API base with its trailing ``/bot`` as ``/file/bot``."""
        return self.telegram_api_base_url.removesuffix("/bot") + "/file/bot"

    def __repr__(self) -> str:
        shown = {f.name: getattr(self, f.name) for f in fields(self) if f.repr}
        shown["database_url"] = _mask_url(self.database_url)
        return f"Settings({', '.join(f'{k}={v!r}' for k, v in shown.items())})"


def load_settings(
    path: Path | None, environ: Mapping[str, str], *, cwd: Path | None = None
) -> Settings:
    """Build the settings from ``path`` (or the usual places) and ``environ``."""
    cwd = (cwd or Path.cwd()).resolve()
    env = {k: v.strip() for k, v in environ.items() if isinstance(v, str) and v.strip()}
    config_path, label = _locate(path, env, cwd)
    raw = _read_yaml(config_path, label) if config_path else {}
    _reject_unknown(raw, _TOP_KEYS, "", label)

    def pick(key: str, env_name: str) -> tuple[Any, str | None, str]:
        """(value, file label or None, key name) with the environment winning over the file."""
        if env_name in env:
            return env[env_name], None, env_name
        return raw.get(key), label, key

    base = config_path.parent if config_path else cwd
    timezone = _timezone(*pick("timezone", "LEGALDESK_TIMEZONE"))
    return Settings(
        config_path=config_path,
        database_url=_database_url(*pick("database_url", "DATABASE_URL"), cwd),
        faq_dir=_faq_dir(
            *pick("faq_dir", "LEGALDESK_FAQ_DIR"), cwd if "LEGALDESK_FAQ_DIR" in env else base
        ),
        timezone=timezone,
        matcher=_matcher(raw.get("matcher"), label),
        desk=_desk(raw.get("desk"), label),
        staff=_staff(raw.get("advisers"), label),
        log_level=_log_level(*pick("log_level", "LEGALDESK_LOG_LEVEL")),
        telegram_bot_token=_token(env.get("TELEGRAM_BOT_TOKEN")),
        telegram_api_base_url=_api_base_url(env.get("TELEGRAM_API_BASE_URL")),
    )


# -- the file ------------------------------------------------------------------------------------


def _locate(path: Path | None, env: Mapping[str, str], cwd: Path) -> tuple[Path | None, str]:
    if path is not None:
        origin = ""
    elif "LEGALDESK_CONFIG" in env:
        path, origin = Path(env["LEGALDESK_CONFIG"]), " (named by LEGALDESK_CONFIG)"
    elif (cwd / CONFIG_FILE_NAME).is_file():
        return cwd / CONFIG_FILE_NAME, CONFIG_FILE_NAME
    else:
        return None, ""
    full = path if path.is_absolute() else cwd / path
    if not full.is_file():
        raise ConfigError(f"{path}: config file not found{origin}")
    return full, str(path)


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that rejects a key given twice in one mapping (PyYAML keeps the last silently)."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    seen: set[object] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if isinstance(key, str | int) and key in seen:
            problem = f"duplicate key '{key}'"
            raise yaml.constructor.ConstructorError(None, None, problem, key_node.start_mark)
        seen.add(key if isinstance(key, str | int) else id(key_node))
    return loader.construct_mapping(node)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _read_yaml(path: Path, label: str) -> dict[str, Any]:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_StrictLoader)
    except OSError as exc:
        raise ConfigError(f"{label}: cannot read the file: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{label}: not UTF-8 text") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = " ".join(str(getattr(exc, "problem", None) or exc).split())
        raise ConfigError(f"{label}: {where}invalid YAML: {problem}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{label}: the file must be a mapping of keys, got {_kind(data)}")
    return data


def _reject_unknown(
    raw: Mapping[Any, Any], known: tuple[str, ...], prefix: str, label: str
) -> None:
    for key in raw:
        if key in known:
            continue
        if not prefix and key in _ENV_ONLY:
            raise _error(label, key, f"secrets come from the environment only: {_ENV_ONLY[key]}")
        close = difflib.get_close_matches(str(key), known, n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"known keys: {', '.join(known)}"
        raise _error(label, f"{prefix}{key}", f"unknown key; {hint}")


# -- values --------------------------------------------------------------------------------------


def _error(label: str | None, key: str, problem: str) -> ConfigError:
    return ConfigError(f"{label}: {key}: {problem}" if label else f"{key}: {problem}")


def _text(value: Any, label: str | None, key: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _error(label, key, f"must be a non-empty text, got {_kind(value)}")
    return value.strip()


def _timezone(value: Any, label: str | None, key: str) -> ZoneInfo:
    name = DEFAULT_TIMEZONE if value is None else _text(value, label, key)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        close = difflib.get_close_matches(name, sorted(available_timezones()), n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"e.g. {DEFAULT_TIMEZONE}"
        raise _error(label, key, f"'{name}' is not an IANA time zone; {hint}") from None


def _database_url(value: Any, label: str | None, key: str, cwd: Path) -> str:
    if value is None:
        return default_database_url(cwd)
    url = _text(value, label, key)
    if not re.match(r"[a-z][a-z0-9+]*://", url):
        example = "sqlite+aiosqlite:///data/x.sqlite3 or postgresql+asyncpg://user:pw@host/db"
        raise _error(label, key, f"'{_mask_url(url)}' is not a database URL; e.g. {example}")
    return url


def _faq_dir(value: Any, label: str | None, key: str, base: Path) -> Path | None:
    if value is None:
        return None
    directory = Path(_text(value, label, key)).expanduser()
    directory = directory if directory.is_absolute() else base / directory
    if not directory.is_dir():
        raise _error(label, key, f"'{value}' is not a directory (looked at {directory})")
    return directory.resolve()


def _log_level(value: Any, label: str | None, key: str) -> str:
    level = "INFO" if value is None else _text(value, label, key).upper()
    if level not in LOG_LEVELS:
        raise _error(label, key, f"'{value}' is not a log level; use {', '.join(LOG_LEVELS)}")
    return level


def _token(value: str | None) -> Secret | None:
    if value is None:
        return None
    if not re.fullmatch(r"\d+:[A-Za-z0-9_-]+", value):  # never echo the value itself
        raise ConfigError(
            "TELEGRAM_BOT_TOKEN: does not look like a bot token ('<digits>:<letters>')"
        )
    return Secret(value)


def _api_base_url(value: str | None) -> str:
    url = DEFAULT_TELEGRAM_API_BASE_URL if value is None else value.rstrip("/")
    if not re.fullmatch(r"https?://\S+/bot", url):
        example = DEFAULT_TELEGRAM_API_BASE_URL
        raise ConfigError(f"TELEGRAM_API_BASE_URL: '{url}' must end in '/bot', e.g. {example}")
    return url


def _number(
    value: Any, label: str, key: str, *, lo: float, hi: float | None = None, whole: bool = False
) -> Any:
    number = isinstance(value, int if whole else int | float) and not isinstance(value, bool)
    if not number or not (lo <= value <= hi if hi is not None else value > lo):
        wanted = "a whole number" if whole else "a number"
        bounds = f"from {lo} to {hi}" if hi is not None else f"above {lo}"
        raise _error(label, key, f"must be {wanted} {bounds}, got {value!r}")
    return value


def _section(raw: Any, name: str, label: str, known: tuple[str, ...]) -> dict[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise _error(label, name, f"must be a mapping of keys, got {_kind(raw)}")
    _reject_unknown(raw, known, f"{name}.", label)
    return raw


def _matcher(raw: Any, label: str) -> MatcherSettings:
    section = _section(raw, "matcher", label, tuple(f.name for f in fields(MatcherSettings)))
    values = {k: _number(v, label, f"matcher.{k}", lo=0, hi=100) for k, v in section.items()}
    matcher = MatcherSettings(**values)
    if matcher.clarify_threshold >= matcher.answer_threshold:
        problem = f"must be below answer_threshold ({matcher.answer_threshold})"
        raise _error(label, "matcher.clarify_threshold", problem)
    return matcher


def _desk(raw: Any, label: str) -> DeskSettings:
    section = _section(raw, "desk", label, tuple(f.name for f in fields(DeskSettings)))
    whole = {"flood_messages_per_minute", "retention_months"}
    return DeskSettings(
        **{k: _number(v, label, f"desk.{k}", lo=0, whole=k in whole) for k, v in section.items()}
    )


def _staff(raw: Any, label: str) -> tuple[StaffMember, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise _error(label, "advisers", f"must be a list of staff entries, got {_kind(raw)}")
    members: list[StaffMember] = []
    for i, item in enumerate(raw):
        key = f"advisers[{i}]"
        if not isinstance(item, dict):
            raise _error(label, key, f"must be a mapping of {', '.join(_MEMBER_KEYS)}")
        _reject_unknown(item, _MEMBER_KEYS, f"{key}.", label)
        for required in ("telegram_id", "name"):
            if required not in item:
                raise _error(label, f"{key}.{required}", "missing")
        telegram_id = _number(item["telegram_id"], label, f"{key}.telegram_id", lo=0, whole=True)
        for j, other in enumerate(members):
            if other.telegram_id == telegram_id:
                problem = f"{telegram_id} is already used by advisers[{j}] ({other.name})"
                raise _error(label, f"{key}.telegram_id", problem)
        role = item.get("role", Role.ADVISER.value)
        if role not in tuple(Role):
            raise _error(label, f"{key}.role", f"must be adviser or office, got {role!r}")
        name = _text(item["name"], label, f"{key}.name")
        shifts = _shifts(item.get("shifts"), label, f"{key}.shifts")
        members.append(StaffMember(telegram_id, name, Role(role), shifts))
    return tuple(members)


def _shifts(raw: Any, label: str, key: str) -> tuple[WeeklyShift, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise _error(label, key, f"must be a list like ['mon-fri 10:00-19:30'], got {_kind(raw)}")
    shifts = []
    for j, spec in enumerate(raw):
        try:
            shifts.append(parse_shift(spec))
        except ShiftSpecError as exc:
            raise _error(label, f"{key}[{j}]", str(exc)) from None
    return tuple(shifts)


def _kind(value: Any) -> str:
    if isinstance(value, str):
        return f"'{value}'" if value.strip() else "an empty text"
    names = {dict: "a mapping", list: "a list", type(None): "nothing"}
    return names.get(type(value), f"{type(value).__name__} {value!r}")


def _mask_url(url: str) -> str:
    """``postgresql://user:secret@host/db`` → ``postgresql://user:***@host/db``."""
    return re.sub(r":[^:@/]*@", ":***@", url)
