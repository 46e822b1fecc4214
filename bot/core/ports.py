"""Ports: the small interfaces through which the core reaches storage, time and the messenger.

Values crossing the ports are frozen dataclasses defined here; storage maps its rows to them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol, Self

from bot.core.interactions import Interaction
from bot.core.roster import DutyOverride

# ---------------------------------------------------------------- values


@dataclass(frozen=True, slots=True)
class Person:
    """Who sent an update, as the messenger describes them."""

    user_id: int
    chat_id: int
    display_name: str


@dataclass(frozen=True, slots=True)
class Resident:
    id: int
    user_id: int | None
    chat_id: int | None
    display_name: str
    unreachable: bool = False
    last_off_duty_notice: date | None = None


class CaseStatus(StrEnum):
    OPEN = "open"  # waiting for an adviser to claim it
    CLAIMED = "claimed"  # an adviser holds it, no answer yet
    ANSWERED = "answered"  # answered; follow-ups reopen the conversation, /close ends it
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class Case:
    id: int
    resident_id: int
    status: CaseStatus
    question: str
    opened_at: datetime
    faq_id: str | None = None
    score: float | None = None
    claimed_by: int | None = None
    claimed_by_name: str | None = None
    claimed_at: datetime | None = None
    answered_at: datetime | None = None
    closed_at: datetime | None = None
    reminded_at: datetime | None = None
    undeliverable: bool = False

    @property
    def is_active(self) -> bool:
        return self.status is not CaseStatus.CLOSED


@dataclass(frozen=True, slots=True)
class CaseMessage:
    case_id: int
    author: str  # "resident" | "adviser"
    at: datetime
    text: str | None
    author_id: int | None = None
    media_kind: str | None = None
    file_id: str | None = None


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    data: str  # callback data, at most 64 bytes


@dataclass(frozen=True, slots=True)
class Media:
    kind: str  # "voice" | "photo" | "document" | "audio" | "video" | "xlsx"
    file_id: str | None = None  # a Telegram file id to send again
    filename: str | None = None  # for generated documents
    content: bytes | None = None


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A message the desk wants delivered; stored in the outbox in the use case's transaction."""

    chat_id: int
    text: str  # Telegram HTML, already escaped
    buttons: tuple[tuple[Button, ...], ...] = ()
    purpose: str = "reply"  # "reply" | "notify" | "adviser_answer" | "confirm" | "reminder" ...
    case_id: int | None = None
    media: Media | None = None
    id: int | None = None  # outbox id once stored


class DeliveryOutcome(StrEnum):
    SENT = "sent"
    RETRY = "retry"  # network, 429, 5xx: try again later
    BLOCKED = "blocked"  # 403: the person blocked the bot
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


# ---------------------------------------------------------------- ports


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware."""
        ...


class ResidentRepository(Protocol):
    async def get_or_create(self, person: Person, at: datetime) -> Resident: ...
    async def get(self, resident_id: int) -> Resident | None: ...
    async def mark_unreachable(self, resident_id: int, at: datetime) -> None: ...
    async def set_off_duty_notice(self, resident_id: int, day: date) -> None: ...


class InteractionRepository(Protocol):
    async def add(self, event: Interaction) -> int: ...
    async def question_text(self, event_id: int, resident_id: int) -> str | None:
        """The text of one of this resident's logged messages (None if not theirs)."""
        ...

    async def count_since(self, resident_id: int, kinds: Sequence[str], since: datetime) -> int: ...


class CaseRepository(Protocol):
    async def open(self, resident_id: int, question: str, at: datetime,
                   faq_id: str | None, score: float | None) -> Case: ...
    async def get(self, case_id: int) -> Case | None: ...
    async def active_for(self, resident_id: int) -> Case | None: ...
    async def claim(self, case_id: int, adviser_id: int, adviser_name: str, at: datetime) -> bool:
        """Atomically claim an open case; False if it was no longer open."""
        ...
    async def mark_answered(self, case_id: int, at: datetime) -> None: ...
    async def close(self, case_id: int, at: datetime) -> bool: ...
    async def mark_undeliverable(self, case_id: int) -> None: ...
    async def mark_reminded(self, case_id: int, at: datetime) -> None: ...
    async def list_active(self) -> list[Case]: ...
    async def add_message(self, message: CaseMessage) -> None: ...
    async def messages(self, case_id: int) -> list[CaseMessage]: ...


class Outbox(Protocol):
    async def put(self, message: Outgoing, at: datetime) -> int: ...
    async def pending(self, now: datetime, limit: int = 100) -> list[PendingMessage]: ...
    async def get(self, outbox_id: int) -> PendingMessage | None: ...
    async def mark_sent(self, outbox_id: int, message_id: int | None, at: datetime) -> None: ...
    async def mark_retry(self, outbox_id: int, next_at: datetime, error: str) -> None: ...
    async def mark_failed(self, outbox_id: int, error: str, at: datetime) -> None: ...
    async def case_for_message(self, chat_id: int, message_id: int) -> int | None:
        """The case a sent notification belongs to (for adviser replies)."""
        ...


class DutyRepository(Protocol):
    async def overrides(self, now: datetime) -> dict[int, DutyOverride]: ...
    async def set(self, override: DutyOverride) -> None: ...


class UnitOfWork(Protocol):
    """One transaction. Leaving the block without ``commit()`` rolls everything back."""

    residents: ResidentRepository
    interactions: InteractionRepository
    cases: CaseRepository
    outbox: Outbox
    duty: DutyRepository

    async def __aenter__(self) -> Self: ...
    async def __aexit__(self, *exc: object) -> None: ...
    async def commit(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...


class Transport(Protocol):
    """Sends one stored message to its chat (Telegram, or the terminal)."""

    async def send(self, message: Outgoing) -> Delivery: ...




@dataclass(frozen=True, slots=True)
class SentBatch:
    """Outbox ids a use case stored; the adapter delivers them after commit."""

    ids: tuple[int, ...] = field(default_factory=tuple)
