"""Settings: one validated, frozen object built once in ``main()`` by :func:`load_settings`.

Sources, later wins: built-in defaults < the YAML file < environment variables. The file is
``--config PATH`` if given, else ``$LEGALDESK_CONFIG``, else ``./legaldesk.yaml`` if it exists, else
none. Secrets (the bot token, the Bot API address) come from the environment only. Empty
environment variables count as unset. Every problem raises :class:`ConfigError` with one line that
names the file (or variable), the key and what is wrong. See ``legaldesk.example.yaml``.
"""

from bot.config.loading import CONFIG_FILE_NAME, load_settings
from bot.config.settings import (
    DEFAULT_TELEGRAM_API_BASE_URL,
    DEFAULT_TIMEZONE,
    ConfigError,
    DeskSettings,
    MatcherSettings,
    Secret,
    Settings,
    default_database_url,
)

__all__ = [
    "CONFIG_FILE_NAME",
    "DEFAULT_TELEGRAM_API_BASE_URL",
    "DEFAULT_TIMEZONE",
    "ConfigError",
    "DeskSettings",
    "MatcherSettings",
    "Secret",
    "Settings",
    "default_database_url",
    "load_settings",
]
