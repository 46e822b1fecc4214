"""Delivering the outbox: send each stored message, then record the outcome in its own transaction.

A message is in the outbox before anything is sent, so a crash or a Telegram error never loses it:
failed sends are retried with back-off (also after a restart), a blocked resident is marked
unreachable, and an adviser always hears whether their answer arrived.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from datetime import timedelta

from bot.core import staff_texts
from bot.core.interactions import EventKind, case_event
from bot.core.ports import (
    Clock,
    Delivery,
    DeliveryOutcome,
    Outgoing,
    PendingMessage,
    Transport,
    UnitOfWork,
    UnitOfWorkFactory,
)

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
BACKOFF_CAP = timedelta(minutes=30)


def backoff(attempts: int, retry_after: float | None) -> timedelta:
    """How long to wait before the next try: Telegram's hint, else 2, 4, 8 ... seconds, capped."""
    if retry_after is not None:
        return timedelta(seconds=max(retry_after, 1))
    return min(timedelta(seconds=2 ** min(attempts + 1, 11)), BACKOFF_CAP)


class Courier:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, transport: Transport) -> None:
        self._uow, self._clock, self._transport = uow, clock, transport
        self._in_flight: set[int] = set()
        self._chat_locks: dict[int, asyncio.Lock] = {}

    async def deliver(self, ids: Iterable[int]) -> None:
        """Send the given outbox messages (in order), and whatever their outcomes enqueue."""
        queue = list(ids)
        while queue:
            outbox_id = queue.pop(0)
            if outbox_id in self._in_flight:
                continue
            self._in_flight.add(outbox_id)
            try:
                queue.extend(await self._deliver_one(outbox_id))
            finally:
                self._in_flight.discard(outbox_id)

    async def flush(self) -> int:
        """Send every pending message that is due (start-up, and periodically). Returns how many."""
        async with self._uow() as uow:
            due = await uow.outbox.pending(self._clock.now(), limit=500)
        ids = [p.outgoing.id for p in due if p.outgoing.id is not None]
        await self.deliver(ids)
        return len(ids)

    async def _deliver_one(self, outbox_id: int) -> list[int]:
        async with self._uow() as uow:
            pending = await uow.outbox.get(outbox_id)
        if pending is None:  # already sent or given up
            return []
        lock = self._chat_locks.setdefault(pending.outgoing.chat_id, asyncio.Lock())
        async with lock:
            delivery = await self._transport.send(pending.outgoing)
        return await self._record(pending, delivery)

    async def _record(self, pending: PendingMessage, delivery: Delivery) -> list[int]:
        message = pending.outgoing
        assert message.id is not None
        now = self._clock.now()
        follow: list[Outgoing] = []
        async with self._uow() as uow:
            if delivery.outcome is DeliveryOutcome.SENT:
                await uow.outbox.mark_sent(message.id, delivery.message_id, now)
                if message.purpose == "adviser_answer":
                    follow += await self._answer_delivered(uow, message)
            elif delivery.outcome is DeliveryOutcome.RETRY and pending.attempts + 1 < MAX_ATTEMPTS:
                wait = backoff(pending.attempts, delivery.retry_after)
                await uow.outbox.mark_retry(message.id, now + wait, delivery.error or "retry")
                log.warning(
                    "send to outbox %s failed (%s); retry in %s", message.id, delivery.error, wait
                )
            else:
                await uow.outbox.mark_failed(message.id, delivery.error or delivery.outcome, now)
                log.warning("outbox %s given up: %s", message.id, delivery.error)
                follow += await self._undeliverable(uow, message, delivery)
            ids = [await uow.outbox.put(m, now) for m in follow]
            await uow.commit()
        return ids

    async def _answer_delivered(self, uow: UnitOfWork, message: Outgoing) -> list[Outgoing]:
        case = await uow.cases.get(message.case_id) if message.case_id else None
        if case is None:
            return []
        await uow.interactions.add(
            case_event(EventKind.ANSWER_DELIVERED, case, self._clock.now(), holder=True)
        )
        if case.claimed_by is None:
            return []
        return [
            Outgoing(
                case.claimed_by,
                staff_texts.answer_delivered(case.id),
                purpose="confirm",
                case_id=case.id,
            )
        ]

    async def _undeliverable(
        self, uow: UnitOfWork, message: Outgoing, delivery: Delivery
    ) -> list[Outgoing]:
        case = await uow.cases.get(message.case_id) if message.case_id else None
        resident = None
        if case is not None:
            resident = await uow.residents.get(case.resident_id)
        if (
            delivery.outcome is DeliveryOutcome.BLOCKED
            and resident
            and resident.chat_id == message.chat_id
        ):
            await uow.residents.mark_unreachable(resident.id, self._clock.now())
        if message.purpose != "adviser_answer" or case is None:
            return []
        await uow.cases.mark_undeliverable(case.id)
        await uow.interactions.add(
            case_event(
                EventKind.ANSWER_UNDELIVERABLE,
                case,
                self._clock.now(),
                holder=True,
                detail=delivery.outcome.value,
            )
        )
        if case.claimed_by is None:
            return []
        reason = staff_texts.delivery_failure_reason(delivery.outcome.value)
        return [
            Outgoing(
                case.claimed_by,
                staff_texts.answer_not_delivered(case.id, reason),
                purpose="confirm",
                case_id=case.id,
            )
        ]
