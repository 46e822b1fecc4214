"""Outgoing messages: what the desk wants delivered, and what became of each delivery."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

TELEGRAM = "telegram"
WECHAT = "wechat"


@dataclass(frozen=True, slots=True)
class Address:
    """Where a person is reached: a channel and their id on it (a WeChat openid, a string)."""

    channel: str
    id: str


# A chat as the core passes it around: a bare int is a Telegram chat (the desk's first channel),
# any other channel's chat is an ``Address``.
ChatRef = int | Address


def address_of(chat: ChatRef) -> Address:
    """The (channel, external id) of a chat reference."""
    return chat if isinstance(chat, Address) else Address(TELEGRAM, str(chat))


def telegram_id(chat: ChatRef | None) -> int | None:
    """A Telegram user or chat id; None for other channels."""
    return chat if isinstance(chat, int) else None


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    data: str  # callback data, at most 64 bytes


@dataclass(frozen=True, slots=True)
class Media:
    kind: str  # "voice" | "photo" | "document" | "audio" | "video" | "xlsx"
    file_id: str | None = None  # a file id of ``channel`` to send again (WeChat: a MediaId)
    filename: str | None = None  # for generated documents; a resident's document's own name
    content: bytes | None = field(default=None, repr=False)  # a file to upload (console)
    channel: str = TELEGRAM  # the channel whose file id ``file_id`` is

    @property
    def file_channel(self) -> str | None:
        """The channel the file is fetched from; None when there is no file id."""
        return self.channel if self.file_id else None


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A message the desk wants delivered; stored in the outbox in the use case's transaction."""

    chat_id: ChatRef
    text: str  # Telegram HTML, already escaped (other channels render it their own way)
    buttons: tuple[tuple[Button, ...], ...] = ()
    purpose: str = "reply"  # "reply" | "notify" | "adviser_answer" | "confirm" | "reminder" ...
    case_id: int | None = None
    media: Media | None = None
    id: int | None = None  # outbox id once stored

    @property
    def channel(self) -> str:
        return address_of(self.chat_id).channel


class DeliveryOutcome(StrEnum):
    SENT = "sent"
    RETRY = "retry"  # network, 429, 5xx: try again later
    BLOCKED = "blocked"  # 403: the person blocked the bot (WeChat: unsubscribed)
    HELD = "held"  # the channel will not take it now (WeChat's 48 h window): kept until they write
    REJECTED = "rejected"  # 400 that no retry will fix


@dataclass(frozen=True, slots=True)
class Delivery:
    outcome: DeliveryOutcome
    message_id: int | None = None
    retry_after: float | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class PendingMessage:
    outgoing: Outgoing
    attempts: int


@dataclass(frozen=True, slots=True)
class SentBatch:
    """The messages a use case stored in the outbox (ids set); the adapter delivers them after
    commit, without reading them back."""

    messages: tuple[Outgoing, ...] = ()

    @property
    def ids(self) -> tuple[int, ...]:
        return tuple(m.id for m in self.messages if m.id is not None)
