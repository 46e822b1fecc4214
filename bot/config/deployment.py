"""Checks of the deployment settings: how Telegram reaches the desk (``telegram``) and how several
instances share one PostgreSQL database (``cluster``)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import fields
from typing import Any

from bot.config.settings import (
    TELEGRAM_MODES,
    ClusterSettings,
    ConfigError,
    Secret,
    TelegramSettings,
)
from bot.config.values import bounded_number, config_error, kind, nonempty_text, section_of

# Telegram accepts 1-256 characters A-Z, a-z, 0-9, _ and - as a webhook's secret_token.
SECRET_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,256}")
_TELEGRAM_KEYS = ("mode", "webhook_url", "set_webhook", "delete_webhook")


def telegram_settings(
    raw: Any, label: str, env: Mapping[str, str], web_listen: str | None
) -> TelegramSettings:
    section = section_of(raw, "telegram", label, _TELEGRAM_KEYS)
    mode = section.get("mode", "polling")
    if mode not in TELEGRAM_MODES:
        raise config_error(label, "telegram.mode", f"must be polling or webhook, got {mode!r}")
    url = section.get("webhook_url")
    if url is not None:
        url = nonempty_text(url, label, "telegram.webhook_url")
        if not re.fullmatch(r"https?://[^\s/]+/\S*", url):
            raise config_error(
                label,
                "telegram.webhook_url",
                f"'{url}' must be a URL, e.g. https://desk.example.cn/telegram/webhook",
            )
    flags = {}
    for key in ("set_webhook", "delete_webhook"):
        value = section.get(key, key == "set_webhook")
        if not isinstance(value, bool):
            raise config_error(
                label, f"telegram.{key}", f"must be true or false, got {kind(value)}"
            )
        flags[key] = value
    secret = env.get("TELEGRAM_WEBHOOK_SECRET")
    if secret is not None and not SECRET_PATTERN.fullmatch(secret):  # never echo the value
        raise ConfigError(
            "TELEGRAM_WEBHOOK_SECRET: 1-256 characters from A-Z, a-z, 0-9, _ and - only"
        )
    settings = TelegramSettings(
        mode, url, webhook_secret=Secret(secret) if secret else None, **flags
    )
    if settings.webhook:
        if settings.webhook_url is None:
            raise config_error(label, "telegram.webhook_url", "needed with mode: webhook")
        if web_listen is None:
            raise config_error(
                label, "web.listen", "needed with telegram.mode: webhook (it serves the webhook)"
            )
    return settings


def cluster_settings(raw: Any, label: str) -> ClusterSettings:
    section = section_of(raw, "cluster", label, tuple(f.name for f in fields(ClusterSettings)))
    return ClusterSettings(
        **{k: bounded_number(v, label, f"cluster.{k}", lo=0) for k, v in section.items()}
    )
