"""The storage ports of outreach: subscriptions, and broadcasts with their outbox messages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.core.ports import Button, ChatRef, PendingMessage, SubscriptionRepository, UnitOfWork


@dataclass(frozen=True, slots=True)
class BroadcastInfo:
    id: int
    theme: str
    queued_at: datetime
    recipients: int


class BroadcastRepository(Protocol):
    async def find(self, theme: str) -> BroadcastInfo | None: ...
    async def queue(
        self,
        theme: str,
        title: str,
        text: str,
        buttons: tuple[tuple[Button, ...], ...],
        at: datetime,
        origin: str,
    ) -> BroadcastInfo | None:
        """One broadcast row and one outbox message per reachable subscriber; None if the
        theme was queued already (also by a concurrent transaction)."""
        ...

    async def cancel_for_chat(self, chat_id: ChatRef, at: datetime) -> int:
        """Withdraw the broadcast messages still waiting for this chat; how many."""
        ...

    async def due(self, now: datetime, limit: int) -> list[int]:
        """Outbox ids of broadcast messages waiting to be sent, oldest first."""
        ...

    async def claim(self, outbox_id: int, at: datetime) -> PendingMessage | None:
        """Mark a waiting message as being sent (committed before sending: a message is never
        sent twice, even after a crash); None if it is no longer waiting."""
        ...

    async def sent(self, outbox_id: int, message_id: int | None, at: datetime) -> None:
        """Record the delivery (and log it against the resident, for the reports)."""
        ...

    async def retry(self, outbox_id: int, next_at: datetime, error: str) -> None: ...
    async def failed(self, outbox_id: int, error: str, at: datetime, *, blocked: bool) -> None:
        """Give up; ``blocked``: the resident blocked the bot (marked unreachable until they
        write again; their consent stays)."""
        ...


class OutreachUnitOfWork(UnitOfWork, Protocol):
    @property
    def subscriptions(self) -> SubscriptionRepository: ...
    @property
    def broadcasts(self) -> BroadcastRepository: ...


class OutreachUnitOfWorkFactory(Protocol):
    def __call__(self) -> OutreachUnitOfWork: ...


__all__ = [
    "BroadcastInfo",
    "BroadcastRepository",
    "OutreachUnitOfWork",
    "OutreachUnitOfWorkFactory",
    "SubscriptionRepository",
]
