"""Ports: the small interfaces through which the core reaches storage, time and the messenger.

Values crossing the ports are frozen dataclasses; storage maps its rows to them. The domain values
live with their feature (:mod:`bot.core.cases`, :mod:`bot.core.people`, :mod:`bot.core.messages`)
and are re-exported here, so an adapter can take everything it implements from this one module.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol, Self

from bot.core.cases import Case, CaseMessage, CaseStatus
from bot.core.interactions import Interaction
from bot.core.messages import (
    Address,
    Button,
    ChatRef,
    Delivery,
    DeliveryOutcome,
    Media,
    Outgoing,
    PendingMessage,
    SentBatch,
)
from bot.core.people import Arrival, Person, Resident
from bot.core.roster import DutyOverride

__all__ = [
    "Address",
    "Arrival",
    "Button",
    "Case",
    "CaseMessage",
    "CaseRepository",
    "CaseStatus",
    "ChatRef",
    "Clock",
    "Delivery",
    "DeliveryOutcome",
    "DutyRepository",
    "InteractionRepository",
    "Media",
    "Outbox",
    "Outgoing",
    "PendingMessage",
    "Person",
    "PrivacyRepository",
    "PrivacyUnitOfWork",
    "PrivacyUnitOfWorkFactory",
    "Redaction",
    "Resident",
    "ResidentRepository",
    "SentBatch",
    "SubscriptionRepository",
    "Transport",
    "Transports",
    "UnitOfWork",
    "UnitOfWorkFactory",
]

# ---------------------------------------------------------------- ports


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware."""
        ...


class ResidentRepository(Protocol):
    async def get_or_create(self, person: Person, at: datetime) -> Resident: ...
    async def arrive(
        self, person: Person, at: datetime, kinds: Sequence[str], since: datetime
    ) -> Arrival:
        """``get_or_create``, plus their recent messages of ``kinds`` and active case."""
        ...

    async def get(self, resident_id: int) -> Resident | None: ...
    async def mark_unreachable(self, resident_id: int, at: datetime) -> None: ...
    async def set_off_duty_notice(self, resident_id: int, day: date) -> None: ...


class InteractionRepository(Protocol):
    async def add(self, event: Interaction) -> int: ...
    async def add_all(self, events: Sequence[Interaction]) -> list[int]:
        """Log several events; their ids, in order."""
        ...

    async def add_question(self, question: Interaction, reply: Interaction) -> int:
        """Log a resident's question and the desk's reply to it (an event of another kind) in
        one statement; the question's id."""
        ...

    async def question_text(self, event_id: int, resident_id: int) -> str | None:
        """The text of one of this resident's logged messages (None if not theirs)."""
        ...

    async def count_since(self, resident_id: int, kinds: Sequence[str], since: datetime) -> int: ...


class CaseRepository(Protocol):
    async def open(
        self, resident_id: int, question: str, at: datetime, faq_id: str | None, score: float | None
    ) -> Case: ...
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
    async def claim_due(self, now: datetime, limit: int = 100) -> list[PendingMessage]:
        """The pending messages due now, claimed for this instance for a while (commit it)."""
        ...

    async def get(self, outbox_id: int) -> PendingMessage | None: ...
    async def mark_sent(self, outbox_id: int, message_id: int | None, at: datetime) -> None: ...
    async def mark_all_sent(self, sent: Sequence[tuple[int, int | None]], at: datetime) -> None:
        """``mark_sent`` for many (outbox id, Telegram message id) pairs in one statement."""
        ...

    async def mark_retry(self, outbox_id: int, next_at: datetime, error: str) -> None: ...
    async def mark_failed(self, outbox_id: int, error: str, at: datetime) -> None: ...
    async def mark_held(self, outbox_id: int, error: str) -> None:
        """Keep a message the channel will not take now until the person writes again."""
        ...

    async def release_held(self, chat: Address, at: datetime) -> list[PendingMessage]:
        """Make the messages held for ``chat`` pending again (they wrote); returns them."""
        ...

    async def case_for_message(self, chat_id: int, message_id: int) -> int | None:
        """The case a sent notification belongs to (for adviser replies)."""
        ...


class SubscriptionRepository(Protocol):
    """Residents' consent to the monthly themes (bot.core.outreach)."""

    async def is_active(self, resident_id: int) -> bool: ...
    async def start(self, resident_id: int, at: datetime) -> None: ...
    async def end(self, resident_id: int, at: datetime) -> bool:
        """End the resident's subscription; False if there was none."""
        ...

    async def count_reachable(self) -> int:
        """Subscribers a broadcast would go to now (with a chat, not unreachable)."""
        ...


class DutyRepository(Protocol):
    async def overrides(self, now: datetime) -> dict[int, DutyOverride]: ...
    async def set(self, override: DutyOverride) -> None: ...


class UnitOfWork(Protocol):
    """One transaction. Leaving the block without ``commit()`` rolls everything back."""

    @property
    def residents(self) -> ResidentRepository: ...
    @property
    def interactions(self) -> InteractionRepository: ...
    @property
    def cases(self) -> CaseRepository: ...
    @property
    def outbox(self) -> Outbox: ...
    @property
    def duty(self) -> DutyRepository: ...

    async def __aenter__(self) -> Self: ...
    async def __aexit__(self, *exc: object) -> None: ...
    async def commit(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...


class Transport(Protocol):
    """Sends one stored message to its chat (Telegram, WeChat, or the terminal)."""

    async def send(self, message: Outgoing) -> Delivery: ...


class Transports:
    """One transport per channel, as one ``Transport``: each message goes to its channel's."""

    def __init__(self, by_channel: Mapping[str, Transport] | None = None) -> None:
        self._by_channel = dict(by_channel or {})

    def attach(self, channel: str, transport: Transport) -> None:
        """Send the channel's messages through ``transport`` from now on."""
        self._by_channel[channel] = transport

    def __getitem__(self, channel: str) -> Transport:
        """The channel's transport (KeyError if none is attached)."""
        return self._by_channel[channel]

    async def send(self, message: Outgoing) -> Delivery:
        transport = self._by_channel.get(message.channel)
        if transport is None:  # a channel this process does not run: keep it for one that does
            return Delivery(DeliveryOutcome.RETRY, error=f"no {message.channel} transport")
        return await transport.send(message)


@dataclass(frozen=True, slots=True)
class Redaction:
    """How many stored rows lost their texts (or were dropped), per table."""

    interactions: int = 0
    case_messages: int = 0
    cases: int = 0
    outbox: int = 0

    @property
    def total(self) -> int:
        return self.interactions + self.case_messages + self.cases + self.outbox


class PrivacyRepository(Protocol):
    async def find_resident(self, user_id: ChatRef) -> Resident | None:
        """The resident with this Telegram id (or other channel's address), not creating one."""
        ...

    async def forget_resident(
        self, resident: Resident, marker: str, mentions: Sequence[str] = ()
    ) -> Redaction:
        """Replace every stored text of this resident by ``marker``, drop what is still to be sent
        to them, and clear their profile (the row stays, anonymous, so counts stay right). Sent
        messages containing one of ``mentions`` (how staff were told their name) lose their text
        too."""
        ...

    async def redact_before(self, cutoff: datetime, marker: str) -> Redaction:
        """Replace every stored message text older than ``cutoff`` by ``marker``."""
        ...


class PrivacyUnitOfWork(UnitOfWork, Protocol):
    @property
    def privacy(self) -> PrivacyRepository: ...
    # a forgotten resident's subscription ends
    @property
    def subscriptions(self) -> SubscriptionRepository: ...


class PrivacyUnitOfWorkFactory(Protocol):
    def __call__(self) -> PrivacyUnitOfWork: ...
