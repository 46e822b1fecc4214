"""Delivering the outbox: send each stored message, then record the outcome.

A message is in the outbox before anything is sent, so a crash or a Telegram error never loses it:
failed sends are retried with back-off (also after a restart), a blocked resident is marked
unreachable, and an adviser always hears whether their answer arrived.

A use case hands over the messages it just committed (``SentBatch``): they are sent without
reading them back. Messages found in the table (start-up, retries) are re-read one by one first,
so that one already sent meanwhile is not sent again. Within this process a message is sent by one
task at a time: ``deliver`` claims all of its messages (``_in_flight``) before its first await,
and adapters hand a use case's batch over as soon as it returns, so a concurrent ``flush`` either
claimed a fresh message first (and sends it) or finds it claimed. Plain "sent" outcomes of
concurrent deliveries are recorded together, in one transaction (group commit, waiting up to
``GROUP_COMMIT_WINDOW`` for deliveries in progress): one reply per resident message would
otherwise cost a transaction of its own.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection, Iterable
from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.core import staff_texts, texts
from bot.core.interactions import EventKind, case_event
from bot.core.messages import ChatRef
from bot.core.ports import (
    Clock,
    Delivery,
    DeliveryOutcome,
    Outgoing,
    PendingMessage,
    SentBatch,
    Transport,
    UnitOfWork,
    UnitOfWorkFactory,
)
from bot.core.roster import Roster

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
# How long a "sent" waits for those of other deliveries in progress, to share their transaction
# (PostgreSQL's commit_delay, in the application): a resident's next message waits that much more.
GROUP_COMMIT_WINDOW = 0.005
BACKOFF_CAP = timedelta(minutes=30)
# The purpose of a note telling a resident that an answer held for them is waiting.
ANSWER_WAITING = "answer_waiting"


def _id(item: Outgoing | int) -> int:
    """The outbox id of a stored message (given as the message, or as its id)."""
    if isinstance(item, int):
        return item
    assert item.id is not None, "only stored messages are delivered"
    return item.id


def backoff(attempts: int, retry_after: float | None) -> timedelta:
    """How long to wait before the next try: Telegram's hint, else 2, 4, 8 ... seconds, capped."""
    if retry_after is not None:
        return timedelta(seconds=max(retry_after, 1))
    return min(timedelta(seconds=2 ** min(attempts + 1, 11)), BACKOFF_CAP)


class Courier:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        transport: Transport,
        roster: Roster | None = None,
        held_notice: Collection[str] = (),
    ) -> None:
        """``roster``: where an adviser is told about their answers (every chat they have);
        ``held_notice``: channels that tell a resident by other means (a WeChat template
        message) that an answer held for them is waiting."""
        self._uow, self._clock, self._transport = uow, clock, transport
        self._roster = roster or Roster((), ZoneInfo("UTC"))
        self._held_notice = frozenset(held_notice)
        self._in_flight: set[int] = set()
        self._chat_locks: dict[ChatRef, asyncio.Lock] = {}
        self._sent: list[tuple[int, int | None, asyncio.Future[None]]] = []
        self._recorder: asyncio.Task[None] | None = None

    async def deliver(self, batch: SentBatch | Iterable[int]) -> None:
        """Send a use case's messages (a ``SentBatch``, as stored) or stored messages by id, in
        order, and whatever their outcomes enqueue."""
        queue = self._claim(batch.messages if isinstance(batch, SentBatch) else batch)
        try:
            while queue:
                item = queue[0]
                queue.extend(self._claim(await self._deliver_one(item)))
                queue.pop(0)
                self._in_flight.discard(_id(item))
        finally:
            self._in_flight.difference_update(_id(item) for item in queue)

    def _claim(self, items: Iterable[Outgoing | int]) -> list[Outgoing | int]:
        """The items no other task of this process is sending, now marked as ours."""
        mine = [i for i in items if _id(i) not in self._in_flight]
        self._in_flight.update(_id(i) for i in mine)
        return mine

    async def flush(self) -> int:
        """Send every pending message that is due (start-up, and periodically). Returns how many."""
        async with self._uow() as uow:
            due = await uow.outbox.claim_due(self._clock.now(), limit=500)
            await uow.commit()  # other instances leave these to us for a while
        ids = [p.outgoing.id for p in due if p.outgoing.id is not None]
        await self.deliver(ids)
        return len(ids)

    async def _deliver_one(self, item: Outgoing | int) -> list[int]:
        if isinstance(item, int):
            async with self._uow() as uow:
                pending = await uow.outbox.get(item)
            if pending is None:  # already sent or given up
                return []
        else:
            pending = PendingMessage(item, attempts=0)
        message = pending.outgoing
        lock = self._chat_locks.setdefault(message.chat_id, asyncio.Lock())
        async with lock:
            delivery = await self._transport.send(message)
        if delivery.outcome is DeliveryOutcome.SENT and message.purpose != "adviser_answer":
            assert message.id is not None
            await self._record_sent(message.id, delivery.message_id)
            return []
        return await self._record(pending, delivery)

    async def _record_sent(self, outbox_id: int, message_id: int | None) -> None:
        """Record a plain "sent" together with those of concurrent deliveries; returns once it
        is committed (raises if it could not be)."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._sent.append((outbox_id, message_id, done))
        if self._recorder is None or self._recorder.done():
            self._recorder = asyncio.create_task(self._write_sent())
        await done

    async def _write_sent(self) -> None:
        while self._sent:
            if len(self._in_flight) > len(self._sent):  # more deliveries on their way
                await asyncio.sleep(GROUP_COMMIT_WINDOW)  # let them join this transaction
            batch, self._sent = self._sent, []
            try:
                async with self._uow() as uow:
                    await uow.outbox.mark_all_sent([(i, m) for i, m, _ in batch], self._clock.now())
                    await uow.commit()
            except Exception as error:  # each waiting delivery sees the failure
                for *_, done in batch:
                    if not done.done():
                        done.set_exception(error)
                continue
            for *_, done in batch:
                if not done.done():
                    done.set_result(None)

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
            elif delivery.outcome is DeliveryOutcome.HELD:
                await uow.outbox.mark_held(message.id, delivery.error or "held")
                follow += await self._held(uow, message)
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
        return self._to_holder(case.claimed_by, staff_texts.answer_delivered(case.id), case.id)

    async def _held(self, uow: UnitOfWork, message: Outgoing) -> list[Outgoing]:
        """Tell the adviser their answer waits for the resident's next message, and the
        resident (where their channel can, by template message) that an answer waits."""
        case = await uow.cases.get(message.case_id) if message.case_id else None
        if message.purpose != "adviser_answer" or case is None:
            return []
        out = self._to_holder(case.claimed_by, staff_texts.answer_held(case.id), case.id)
        if message.channel in self._held_notice:
            out.append(
                Outgoing(
                    message.chat_id,
                    texts.answer_waiting(case.id),
                    purpose=ANSWER_WAITING,
                    case_id=case.id,
                )
            )
        return out

    def _to_holder(self, staff_id: int | None, text: str, case_id: int) -> list[Outgoing]:
        """``text`` to every chat of the adviser holding a case (none if nobody holds it)."""
        if staff_id is None:
            return []
        return [
            Outgoing(chat, text, purpose="confirm", case_id=case_id)
            for chat in self._roster.addresses(staff_id)
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
        reason = staff_texts.delivery_failure_reason(delivery.outcome.value)
        return self._to_holder(
            case.claimed_by, staff_texts.answer_not_delivered(case.id, reason), case.id
        )
