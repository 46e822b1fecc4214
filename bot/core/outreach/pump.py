"""Delivering broadcasts: paced, a few at a time, behind the residents' answers.

Residents' answers never wait for a broadcast: the courier sends them as soon as their use case
commits, while broadcast messages (outbox rows with a broadcast id, which the courier leaves
alone) go out here, at most ``rate`` a second overall (Telegram allows about 30 a second to
different chats; the rest is headroom for answers) and ``concurrency`` at a time (so the HTTP
connections stay free for answers); each send first waits, briefly, until no resident's message
is being handled, so that a broadcast fills the gaps between answers instead of competing with
them for the event loop, the database and the connections.

Each message is claimed (``sending``, committed) before it is sent, and its outcome recorded
after: a crash or a restart never sends a message twice. Failed sends go back to waiting with
back-off (Telegram's ``retry_after`` also pauses the whole pump), a resident who blocked the bot
is marked unreachable (until they write again), and a message withdrawn meanwhile (the resident
unsubscribed) is not claimed. The one message that can be missed is one claimed whose request
never left the machine before a crash (a few milliseconds per message); it stays ``sending``
and is not counted as delivered.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.core.courier import MAX_ATTEMPTS, backoff
from bot.core.outreach.ports import OutreachUnitOfWorkFactory
from bot.core.ports import Clock, Delivery, DeliveryOutcome, PendingMessage, Transport

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PumpPolicy:
    rate: float = 25.0  # broadcast messages a second, overall
    concurrency: int = 4  # broadcast sends in flight at once
    batch: int = 100  # waiting messages read at a time
    # Before each send, wait (up to this long) until no resident's message is being handled:
    # answers go first, and a broadcast fills the gaps between them.
    give_way: float = 0.25


class BroadcastPump:
    def __init__(
        self,
        uow: OutreachUnitOfWorkFactory,
        clock: Clock,
        transport: Transport,
        policy: PumpPolicy | None = None,
    ) -> None:
        self._uow, self._clock, self._transport = uow, clock, transport
        self.policy = policy or PumpPolicy()  # read at every send: may be replaced
        self._task: asyncio.Task[int] | None = None
        self._next_slot = 0.0  # time.monotonic() of the next send
        self._paused_until = 0.0
        self._idle: Callable[[], Awaitable[None]] | None = None

    def give_way_to(self, idle: Callable[[], Awaitable[None]]) -> None:
        """``idle()`` returns once no resident's message is being handled (the adapter's
        intake); each broadcast send waits for it first, up to ``PumpPolicy.give_way``."""
        self._idle = idle

    def kick(self) -> None:
        """Start draining in the background unless a drain is running."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self.drain(), name="broadcast-pump")

    async def stop(self) -> None:
        """Stop draining (at shutdown); sends in flight finish, the rest waits for next time."""
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def drain(self) -> int:
        """Send every broadcast message that is due; how many were delivered."""
        delivered = 0
        slots = asyncio.Semaphore(self.policy.concurrency)
        while True:
            async with self._uow() as uow:
                ids = await uow.broadcasts.due(self._clock.now(), self.policy.batch)
            if not ids:
                return delivered
            sends: list[asyncio.Task[bool]] = []
            try:
                for outbox_id in ids:
                    await self._pace()
                    await slots.acquire()
                    task = asyncio.create_task(self._send(outbox_id))
                    task.add_done_callback(lambda _: slots.release())
                    sends.append(task)
            finally:  # also when stopped: let the sends in flight record their outcome
                results = await asyncio.gather(*sends, return_exceptions=True)
            for result in results:
                if isinstance(result, BaseException):
                    log.error("broadcast send failed: %r", result)
            delivered += sum(r is True for r in results)

    async def _pace(self) -> None:
        now = time.monotonic()
        start = max(now, self._next_slot, self._paused_until)
        self._next_slot = start + 1 / self.policy.rate
        if start > now:
            await asyncio.sleep(start - now)
        if self._idle is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._idle(), self.policy.give_way)

    async def _send(self, outbox_id: int) -> bool:
        async with self._uow() as uow:
            pending = await uow.broadcasts.claim(outbox_id, self._clock.now())
            if pending is None:  # withdrawn, or another drain got it
                return False
            await uow.commit()
        try:
            delivery = await self._transport.send(pending.outgoing)
        except Exception as error:  # recorded as a failed try, never left claimed
            delivery = Delivery(DeliveryOutcome.RETRY, error=repr(error)[:200])
        await self._record(outbox_id, pending, delivery)
        return delivery.outcome is DeliveryOutcome.SENT

    async def _record(self, outbox_id: int, pending: PendingMessage, delivery: Delivery) -> None:
        now = self._clock.now()
        async with self._uow() as uow:
            if delivery.outcome is DeliveryOutcome.SENT:
                await uow.broadcasts.sent(outbox_id, delivery.message_id, now)
            elif delivery.outcome is DeliveryOutcome.RETRY and pending.attempts + 1 < MAX_ATTEMPTS:
                wait = backoff(pending.attempts, delivery.retry_after)
                await uow.broadcasts.retry(outbox_id, now + wait, delivery.error or "retry")
                if delivery.retry_after is not None:  # Telegram asks everyone to slow down
                    self._paused_until = time.monotonic() + delivery.retry_after
            else:
                blocked = delivery.outcome is DeliveryOutcome.BLOCKED
                await uow.broadcasts.failed(
                    outbox_id, delivery.error or delivery.outcome.value, now, blocked=blocked
                )
                log.warning("broadcast message %s given up: %s", outbox_id, delivery.error)
            await uow.commit()
