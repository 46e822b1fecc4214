"""Loading the settings: find the file, read its YAML strictly, let the environment win."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from bot.config import deployment
from bot.config import values as check
from bot.config.settings import ConfigError, Settings
from bot.config.staff import staff as roster_entries

CONFIG_FILE_NAME = "legaldesk.yaml"
_TOP_KEYS = (
    "database_url",
    "faq_dir",
    "timezone",
    "matcher",
    "desk",
    "advisers",
    "log_level",
    "web",
    "wechat",
    "telegram",
    "cluster",
)


def load_settings(
    path: Path | None, environ: Mapping[str, str], *, cwd: Path | None = None
) -> Settings:
    """Build the settings from ``path`` (or the usual places) and ``environ``."""
    cwd = (cwd or Path.cwd()).resolve()
    env = {k: v.strip() for k, v in environ.items() if isinstance(v, str) and v.strip()}
    config_path, label = _locate(path, env, cwd)
    raw = _read_yaml(config_path, label) if config_path else {}
    check.reject_unknown(raw, _TOP_KEYS, "", label)

    def pick(key: str, env_name: str) -> tuple[Any, str | None, str]:
        """(value, file label or None, key name) with the environment winning over the file."""
        if env_name in env:
            return env[env_name], None, env_name
        return raw.get(key), label, key

    base = config_path.parent if config_path else cwd
    timezone = check.timezone(*pick("timezone", "LEGALDESK_TIMEZONE"))
    web = check.web_settings(raw.get("web"), label)
    return Settings(
        config_path=config_path,
        database_url=check.database_url(*pick("database_url", "DATABASE_URL"), cwd),
        faq_dir=check.faq_dir(
            *pick("faq_dir", "LEGALDESK_FAQ_DIR"), cwd if "LEGALDESK_FAQ_DIR" in env else base
        ),
        timezone=timezone,
        matcher=check.matcher_settings(raw.get("matcher"), label),
        desk=check.desk_settings(raw.get("desk"), label),
        web=web,
        wechat=check.wechat_settings(raw.get("wechat"), label, env),
        telegram=deployment.telegram_settings(raw.get("telegram"), label, env, web.listen),
        cluster=deployment.cluster_settings(raw.get("cluster"), label),
        staff=roster_entries(raw.get("advisers"), label),
        log_level=check.log_level(*pick("log_level", "LEGALDESK_LOG_LEVEL")),
        telegram_bot_token=check.token(env.get("TELEGRAM_BOT_TOKEN")),
        telegram_api_base_url=check.api_base_url(env.get("TELEGRAM_API_BASE_URL")),
    )


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
        raise ConfigError(f"{label}: the file must be a mapping of keys, got {check.kind(data)}")
    return data
