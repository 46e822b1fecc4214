"""The settings object and its parts: validated, frozen values with safe defaults."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.core.roster import Roster, StaffMember

DEFAULT_TIMEZONE = "Asia/Shanghai"
DEFAULT_TELEGRAM_API_BASE_URL = "https://api.telegram.org/bot"


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
    answer_threshold: float = 34
    clarify_threshold: float = 24
    clarify_margin: float = 6


@dataclass(frozen=True, slots=True)
class DeskSettings:
    unclaimed_reminder_minutes: float = 30
    unanswered_reminder_hours: float = 24
    flood_messages_per_minute: int = 20
    retention_months: int = 24
    outbox_retry_seconds: float = 15  # how often messages whose sending failed are tried again
    reminder_check_seconds: float = 60  # how often waiting cases and new shifts are looked at


@dataclass(frozen=True, slots=True)
class WebSettings:
    """The web console (bot/adapters/web); served by ``legaldesk run`` when ``listen`` is set."""

    listen: str | None = None  # "host:port", e.g. "127.0.0.1:8080"
    base_url: str | None = None  # how staff reach it, e.g. "https://desk.example.cn"
    secure_cookies: bool = True  # False only for local tests over plain HTTP

    @property
    def host_port(self) -> tuple[str, int]:
        assert self.listen is not None
        host, _, port = self.listen.rpartition(":")
        return host.strip("[]") or "127.0.0.1", int(port)


DEFAULT_WECHAT_API_BASE_URL = "https://api.weixin.qq.com/cgi-bin/"


@dataclass(frozen=True, slots=True)
class WeChatSettings:
    """The WeChat Official Account channel (bot/adapters/wechat); on when ``app_id`` is set.
    Its secrets come only from the environment and never show in ``repr`` or logs."""

    app_id: str | None = None
    listen: str | None = None  # "host:port" of the message server; None: beside the console
    api_base_url: str = DEFAULT_WECHAT_API_BASE_URL
    answer_template_id: str | None = None
    app_secret: Secret | None = None  # WECHAT_APP_SECRET
    token: Secret | None = None  # WECHAT_TOKEN
    encoding_aes_key: Secret | None = None  # WECHAT_ENCODING_AES_KEY (safe mode)

    @property
    def host_port(self) -> tuple[str, int]:
        assert self.listen is not None
        host, _, port = self.listen.rpartition(":")
        return host.strip("[]") or "127.0.0.1", int(port)


TELEGRAM_MODES = ("polling", "webhook")
WEBHOOK_PATH = "/telegram/webhook"  # where the console's server takes Telegram's webhook POSTs


@dataclass(frozen=True, slots=True)
class TelegramSettings:
    """How updates arrive: long polling (the default) or webhook POSTs to the console's server
    (``web.listen``) at :data:`WEBHOOK_PATH`, which ``webhook_url`` reaches from the internet.
    The secret token (TELEGRAM_WEBHOOK_SECRET) comes only from the environment."""

    mode: str = "polling"
    webhook_url: str | None = None  # the public HTTPS URL registered with setWebhook
    set_webhook: bool = True  # call setWebhook at start-up (every instance: it is idempotent)
    delete_webhook: bool = False  # call deleteWebhook at shutdown (never with several instances)
    webhook_secret: Secret | None = None  # TELEGRAM_WEBHOOK_SECRET

    @property
    def webhook(self) -> bool:
        return self.mode == "webhook"


@dataclass(frozen=True, slots=True)
class ClusterSettings:
    """Several instances on one PostgreSQL database (bot/storage/cluster.py)."""

    # An instance that stores a message owns its delivery this long; after that (it died) any
    # instance sends it. Longer than the slowest send (Bot API time-outs: about 11 s).
    outbox_lease_seconds: float = 30
    # How often an instance looks for chats with unprocessed updates that nobody holds.
    sweep_seconds: float = 1


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
    web: WebSettings = field(default_factory=WebSettings)
    wechat: WeChatSettings = field(default_factory=WeChatSettings)
    telegram: TelegramSettings = field(default_factory=TelegramSettings)
    cluster: ClusterSettings = field(default_factory=ClusterSettings)
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
        shown["database_url"] = mask_url(self.database_url)
        return f"Settings({', '.join(f'{k}={v!r}' for k, v in shown.items())})"


def mask_url(url: str) -> str:
    """``postgresql://user:secret@host/db`` → ``postgresql://user:***@host/db``."""
    return re.sub(r":[^:@/]*@", ":***@", url)
