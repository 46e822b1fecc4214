"""Durable intake: our own getUpdates loop, the inbox, and processing in per-chat order.

PTB's Updater confirms a batch (moves the getUpdates offset) as soon as it has fetched it, so a
crash loses every update fetched but not yet handled. Here each batch is stored in the inbox
first, and the offset moves past it only with the next getUpdates call::

    getUpdates ──store (insert-if-absent)──► inbox ──► ChatOrderedProcessor ──► process_update
        ▲ offset = last stored + 1                     (each chat in order, N chats at once)

A unit of work marks its update processed in the transaction of its effects (bot.storage.inbox);
processing, retries and giving up are in bot.adapters.tg.processor. At start-up the stored but
unprocessed updates are queued before anything new is fetched. While Telegram or the database is
away, fetching and storing are retried with back-off; nothing is confirmed that is not stored.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from telegram import Update
from telegram.error import InvalidToken, TelegramError

from bot.adapters.tg.claims import ClaimedChats
from bot.adapters.tg.context import DeskApplication
from bot.adapters.tg.intake_policy import IntakePolicy, IntakeStats, order_key
from bot.adapters.tg.processor import (
    DATABASE_ERRORS,
    ChatOrderedProcessor,
    UpdateRunner,
    backoff,
    retry_after,
)
from bot.storage.inbox import InboxItem, SqlInbox

if TYPE_CHECKING:
    from bot.app import Services

__all__ = ["Intake", "IntakePolicy", "IntakeStats", "order_key"]
log = logging.getLogger(__name__)
T = TypeVar("T")


class _Stopping(Exception):
    """Raised out of a wait when the intake is asked to stop."""


class Intake:
    """Fetches updates into the inbox and processes them from there."""

    def __init__(
        self, application: DeskApplication, services: Services, policy: IntakePolicy | None = None
    ) -> None:
        self.application, self.services = application, services
        self.policy = policy or IntakePolicy()
        self.inbox = SqlInbox(services.uow)
        self.stats = IntakeStats()
        self._processor = ChatOrderedProcessor(self.policy.concurrency)
        self._runner = UpdateRunner(
            application,
            self.inbox,
            services.clock,
            self.policy.retry,
            self.count,
            lambda: services.courier.flush(),
        )
        self._stopping = asyncio.Event()
        self._changed = asyncio.Condition()
        self._poller: asyncio.Task[None] | None = None
        self._sweeper: asyncio.Task[None] | None = None
        self.polling = not services.settings.telegram.webhook
        self._locks = services.instance.locks
        self._claims: ClaimedChats | None = None
        if services.instance.clustered:  # other instances may share the database
            self._claims = ClaimedChats(self._processor, self._runner, self.inbox, services)

    def now(self) -> datetime:
        return self.services.clock.now()

    # -- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        """Queue the stored but unprocessed updates, then start fetching new ones."""
        await self.services.warm_up(self.policy.concurrency)
        now = self.now()
        pruned = await self.inbox.prune(now - timedelta(days=self.policy.keep_days))
        if self._claims is not None:  # the sweep finds what is stored, here or anywhere
            coroutine = self._claims.sweep(self._stopping)
            self._sweeper = asyncio.create_task(coroutine, name="legaldesk:sweep")
        else:
            pending = await self.inbox.pending()
            for item in pending:
                self._submit(item)
            if pending or pruned:
                log.info(
                    "inbox: resuming %d unprocessed update(s), pruned %d", len(pending), pruned
                )
        work = self._poll() if self.polling else self._stopping.wait()
        self._poller = asyncio.create_task(work, name="legaldesk:intake")  # type: ignore[arg-type]

    async def stop(self) -> None:
        """Stop fetching, let the updates being processed finish, confirm the last batch."""
        self._stopping.set()
        if self._poller is not None:
            try:
                await self._poller
            except Exception:
                log.exception("fetching updates stopped by an error")
        if self._sweeper is not None:
            await self._sweeper
        await self._processor.close()
        log.info("intake stopped: %s", self.stats)

    @property
    def poller(self) -> asyncio.Task[None] | None:
        """The polling task (in webhook mode: a task that ends when the intake stops); it ends
        early only on a fatal error (a rejected token)."""
        return self._poller

    async def wait_until(
        self,
        predicate: Callable[[IntakeStats], bool],
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> None:
        """Until the counters satisfy ``predicate`` (for health checks, benchmarks and tests)."""
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(lambda: predicate(self.stats))

    async def idle(self) -> None:
        """Until every update stored so far is settled."""
        await self._processor.join()

    # -- fetching -----------------------------------------------------------------------------

    async def _poll(self) -> None:
        offset: int | None = None
        failures = 0
        policy = self.policy
        while not self._stopping.is_set():
            if not await self._locks.lead():  # another instance polls; this one stands by
                await self._pause(self.services.settings.cluster.sweep_seconds)
                continue
            try:
                await self._unless_stopped(self._processor.wait_for_room(policy.max_backlog))
                updates = await self._unless_stopped(
                    self.application.bot.get_updates(
                        offset=offset,
                        timeout=policy.poll_timeout,
                        read_timeout=policy.read_slack,
                        allowed_updates=Update.ALL_TYPES,
                    )
                )
            except _Stopping:
                break
            except InvalidToken:
                log.critical("Telegram rejected the bot token; stopping")
                raise
            except TelegramError as exc:  # network loss, timeouts, 5xx, 429, 409
                failures += 1
                await self.count("poll_errors")
                delay = max(
                    backoff(failures, policy.poll_backoff_base, policy.poll_backoff_cap),
                    retry_after(exc),
                )
                log.warning(
                    "getUpdates failed (%s, %d in a row); next try in %.1fs", exc, failures, delay
                )
                await self._pause(delay)
                continue
            if failures:
                log.info("Telegram reachable again after %d failed getUpdates", failures)
                failures = 0
            if updates and await self._store(updates):
                offset = max(u.update_id for u in updates) + 1
        await self._confirm(offset)

    async def _store(self, updates: tuple[Update, ...]) -> bool:
        """Store a fetched batch, retrying while the database is away. False if stopped first."""
        items = [InboxItem(u.update_id, order_key(u), u.to_dict()) for u in updates]
        failures = 0
        while True:
            try:
                fresh = await self._insert(items)
                break
            except DATABASE_ERRORS as exc:
                failures += 1
                await self.count("store_errors")
                log.warning("cannot store fetched updates (%r); retrying", exc)
                if self._stopping.is_set():
                    return False  # not stored, offset not moved: Telegram sends them again
                await self._pause(self.policy.retry.delay(failures))
        self.stats.fetched += len(items)
        self.stats.stored += len(fresh)
        for item, update in zip(items, updates, strict=True):
            if item.update_id in fresh:
                self._submit(item, update)
        await self.count()
        return True

    async def _insert(self, items: list[InboxItem]) -> set[int]:
        """Insert the batch. If the database refuses one update while it still takes others
        (a payload it cannot hold), that update is stored as a bare placeholder and logged, so
        that one odd update cannot stop the intake. While the database is away this raises."""
        try:
            return await self.inbox.store(items, self.now())
        except DATABASE_ERRORS:
            if len(items) > 1:  # find the refused update(s), one at a time
                return set().union(*[await self._insert([item]) for item in items])
        [item] = items
        try:
            return await self.inbox.store(items, self.now())  # the database may be back
        except DATABASE_ERRORS as exc:
            placeholder = InboxItem(item.update_id, item.chat_id, {"update_id": item.update_id})
            fresh = await self.inbox.store([placeholder], self.now())  # raises if it is away
            log.error(
                "update %s refused by the database (%r), kept as a placeholder: %.2000r",
                item.update_id,
                exc,
                item.payload,
            )
            return fresh

    async def _confirm(self, offset: int | None) -> None:
        """Tell Telegram the last stored batch arrived, so a restart does not fetch it again."""
        if offset is None:
            return
        with contextlib.suppress(TelegramError, TimeoutError):
            async with asyncio.timeout(self.policy.read_slack):
                await self.application.bot.get_updates(offset=offset, limit=1, timeout=0)

    async def accept(self, payload: dict[str, Any]) -> bool:
        """Store an update Telegram POSTed to the webhook, then process it; False if it was
        stored before (Telegram sent it again). Raises while the database is away."""
        try:
            update: Update | None = Update.de_json(payload, self.application.bot)
        except Exception:  # stored as it came; processing reports it unreadable
            update = None
        item = InboxItem(payload["update_id"], order_key(update) if update else None, payload)
        fresh = await self._insert([item])
        self.stats.fetched += 1
        self.stats.stored += len(fresh)
        if fresh:
            self._submit(item, update)
        await self.count()
        return bool(fresh)

    def _submit(self, item: InboxItem, update: Update | None = None) -> None:
        if self._claims is not None:
            self._claims.submit(item.chat_id, item.update_id)
            return
        key = item.chat_id if item.chat_id is not None else ("update", item.update_id)
        self._processor.submit(key, self._runner.job(item, update))

    # -- helpers ------------------------------------------------------------------------------

    async def count(self, name: str | None = None) -> None:
        """Add one to a counter (if named) and wake whoever waits on the counters."""
        if name is not None:
            setattr(self.stats, name, getattr(self.stats, name) + 1)
        async with self._changed:
            self._changed.notify_all()

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)

    async def _unless_stopped(self, awaitable: Awaitable[T]) -> T:
        """The awaitable's result; once stopping begins, it is cancelled and _Stopping raised."""
        work = asyncio.ensure_future(awaitable)
        stop = asyncio.ensure_future(self._stopping.wait())
        try:
            await asyncio.wait({work, stop}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop.cancel()
        if work.done():
            return work.result()
        work.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await work
        raise _Stopping
