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
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, TypeVar

from telegram import Update
from telegram.error import InvalidToken, TelegramError

from bot.adapters.tg.context import DeskApplication
from bot.adapters.tg.processor import (
    DATABASE_ERRORS,
    ChatOrderedProcessor,
    RetryPolicy,
    UpdateRunner,
    backoff,
    retry_after,
)
from bot.storage.inbox import InboxItem, SqlInbox

if TYPE_CHECKING:
    from bot.app import Services

log = logging.getLogger(__name__)
T = TypeVar("T")


class _Stopping(Exception):
    """Raised out of a wait when the intake is asked to stop."""


@dataclass(frozen=True, slots=True)
class IntakePolicy:
    """Timings and limits of the intake (seconds). Tests shorten the back-offs."""

    poll_timeout: int = 10  # long polling: Telegram answers at once when updates arrive
    read_slack: float = 5.0  # added to poll_timeout for the HTTP read timeout
    # Chats processed at the same time. A chat holds its slot while its reply travels (a Bot API
    # round trip, 50-200 ms), so the slots, not the CPU, decide how soon the last of many
    # residents writing at once is answered: 100 of them take ceil(100 / concurrency) trips.
    concurrency: int = 64
    max_backlog: int = 1000  # stop fetching while this many updates wait for processing
    retry: RetryPolicy = field(default_factory=RetryPolicy)  # a failed update's tries
    poll_backoff_base: float = 0.5  # getUpdates back-off while Telegram is unreachable
    poll_backoff_cap: float = 30.0
    keep_days: int = 7  # settled inbox rows are deleted after this many days


@dataclass
class IntakeStats:
    fetched: int = 0
    stored: int = 0  # new rows; fetched - stored = updates fetched again
    processed: int = 0
    retried: int = 0
    failed: int = 0
    poll_errors: int = 0
    store_errors: int = 0

    def __str__(self) -> str:
        return ", ".join(f"{f.name} {getattr(self, f.name)}" for f in fields(self))


def order_key(update: Update) -> int | None:
    """What orders an update: its chat, else its sender; None runs it on its own."""
    if update.effective_chat is not None:
        return update.effective_chat.id
    return update.effective_user.id if update.effective_user is not None else None


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

    def now(self) -> datetime:
        return self.services.clock.now()

    # -- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        """Queue the stored but unprocessed updates, then start fetching new ones."""
        await self.services.warm_up(self.policy.concurrency)
        now = self.now()
        pruned = await self.inbox.prune(now - timedelta(days=self.policy.keep_days))
        pending = await self.inbox.pending()
        for item in pending:
            self._submit(item)
        if pending or pruned:
            log.info("inbox: resuming %d unprocessed update(s), pruned %d", len(pending), pruned)
        self._poller = asyncio.create_task(self._poll(), name="legaldesk:getUpdates")

    async def stop(self) -> None:
        """Stop fetching, let the updates being processed finish, confirm the last batch."""
        self._stopping.set()
        if self._poller is not None:
            try:
                await self._poller
            except Exception:
                log.exception("fetching updates stopped by an error")
        await self._processor.close()
        log.info("intake stopped: %s", self.stats)

    @property
    def poller(self) -> asyncio.Task[None] | None:
        """The polling task; it ends early only on a fatal error (a rejected token)."""
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

    def _submit(self, item: InboxItem, update: Update | None = None) -> None:
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
