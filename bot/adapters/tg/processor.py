"""Processing stored updates: concurrently, each chat in order, failures retried with back-off.

Why not a ``telegram.ext.BaseUpdateProcessor``: PTB takes its concurrency slot *before* calling
``do_process_update``, so a per-chat lock taken there makes one resident's burst of messages hold
every slot while they wait for each other, and nobody else is served (head-of-line blocking); and
``Application.process_update`` hands handler errors to the error handlers instead of raising them.
Here each chat has its own queue and takes a slot only when it is its turn; a failed update
pauses its chat (not a slot) until its retry; ``hold_for_retry`` tells the runner what failed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.exc import DataError, SQLAlchemyError
from telegram import Update
from telegram.error import BadRequest, Forbidden, InvalidToken, RetryAfter
from telegram.ext import ApplicationHandlerStop

from bot.adapters.tg.context import DeskApplication, DeskContext
from bot.core.errors import DeskError
from bot.core.ports import Clock
from bot.storage.inbox import AlreadyProcessed, InboxItem, SqlInbox, Ticket, current_update

log = logging.getLogger(__name__)
DATABASE_ERRORS = (SQLAlchemyError, OSError)

# A unit of work for one update. Returns None when finished, or the seconds to wait before the
# same job is run again (the chat's later jobs wait meanwhile).
Job = Callable[[], Awaitable[float | None]]


class ChatOrderedProcessor:
    """Runs jobs at most ``limit`` at a time; jobs with the same key run one by one, in order."""

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self.limit = limit
        self._slots = asyncio.Semaphore(limit)
        self._queues: dict[Hashable, deque[Job]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._closing = asyncio.Event()
        self._progress = asyncio.Condition()
        self._backlog = 0

    @property
    def backlog(self) -> int:
        """Jobs submitted and not finished (waiting, running or pausing before a retry)."""
        return self._backlog

    @property
    def closing(self) -> bool:
        return self._closing.is_set()

    def submit(self, key: Hashable, job: Job) -> None:
        """Queue a job behind the jobs already queued under the same key."""
        if self._closing.is_set():
            raise RuntimeError("the processor is closing")
        queue = self._queues.get(key)
        if queue is None:
            queue = self._queues[key] = deque()
            task = asyncio.create_task(self._drain(key, queue), name=f"legaldesk:chat:{key}")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        queue.append(job)
        self._backlog += 1

    async def wait_for_room(self, limit: int) -> None:
        """Until fewer than ``limit`` jobs are in the backlog."""
        async with self._progress:
            await self._progress.wait_for(lambda: self._backlog < limit)

    async def join(self) -> None:
        """Until every submitted job has finished."""
        await self.wait_for_room(1)

    async def close(self) -> None:
        """Start no more jobs; wait for the running ones. Queued and pausing jobs are dropped
        (the caller keeps them durable and runs them again on the next start)."""
        self._closing.set()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _drain(self, key: Hashable, queue: deque[Job]) -> None:
        try:
            while queue and not self._closing.is_set():
                async with self._slots:
                    if self._closing.is_set():
                        break
                    delay = await self._run(queue[0])
                if delay is None:
                    queue.popleft()
                    await self._finished(1)
                    continue
                with contextlib.suppress(TimeoutError):  # a pause, cut short by close()
                    await asyncio.wait_for(self._closing.wait(), delay)
        finally:
            if self._queues.get(key) is queue:
                del self._queues[key]
            await self._finished(len(queue))

    @staticmethod
    async def _run(job: Job) -> float | None:
        try:
            return await job()
        except Exception:  # a job must settle its own failures; never let one stop the chat
            log.exception("update job crashed; it stays stored and is retried at the next start")
            return None

    async def _finished(self, count: int) -> None:
        if count == 0:
            return
        self._backlog -= count
        async with self._progress:
            self._progress.notify_all()


# -- retries ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Tries per update, the back-off between them (base, 2·base, 4·base ... up to cap), and how
    long one try may take before it counts as failed (a hung connection must not hold a chat)."""

    max_attempts: int = 8
    base: float = 1.0
    cap: float = 60.0
    timeout: float = 120.0

    def delay(self, failures: int, error: BaseException | None = None) -> float:
        return max(backoff(failures, self.base, self.cap), retry_after(error))


def backoff(failures: int, base: float, cap: float) -> float:
    """base, 2·base, 4·base ... after the 1st, 2nd, 3rd ... failure in a row, at most cap."""
    return min(cap, base * 2 ** min(max(failures - 1, 0), 30))


def retry_after(error: BaseException | None) -> float:
    """Telegram's 429 hint in seconds (0 for any other error)."""
    if not isinstance(error, RetryAfter):
        return 0.0
    wait = error.retry_after
    return wait.total_seconds() if isinstance(wait, timedelta) else float(wait)


def is_permanent(error: BaseException | None) -> bool:
    """Failures that a retry cannot cure: Telegram refused the request, the domain did, or the
    database refused the data itself."""
    return isinstance(error, BadRequest | Forbidden | InvalidToken | DeskError | DataError)


async def hold_for_retry(update: object, context: DeskContext) -> None:
    """Error handler, registered before ``on_error``: record the failure on the ticket; a failed
    update that will be retried, or whose effects were already committed, gets no apology."""
    ticket = current_update.get()
    if ticket is None or not isinstance(update, Update) or update.update_id != ticket.update_id:
        return
    ticket.error = context.error
    if isinstance(context.error, AlreadyProcessed):
        raise ApplicationHandlerStop
    if ticket.committed:
        log.warning(
            "update %s failed after its effects were committed; replies stay in the outbox",
            ticket.update_id,
            exc_info=context.error,
        )
        raise ApplicationHandlerStop
    if not ticket.last_try and not is_permanent(context.error):
        log.warning("update %s failed (%r); it will be retried", ticket.update_id, context.error)
        raise ApplicationHandlerStop


Counter = Callable[[str], Awaitable[None]]
Settlement = tuple[Callable[[], Awaitable[None]], float | None]  # a database write, then a pause


class UpdateRunner:
    """Runs the PTB handlers on stored updates and settles their inbox rows."""

    def __init__(
        self,
        application: DeskApplication,
        inbox: SqlInbox,
        clock: Clock,
        retry: RetryPolicy,
        count: Counter,
        flush_outbox: Callable[[], Awaitable[object]],
    ) -> None:
        self.application, self.inbox, self.clock, self.retry = application, inbox, clock, retry
        self.count, self._flush_outbox = count, flush_outbox

    def job(self, item: InboxItem, update: Update | None = None) -> Job:
        """The job for a stored update; ``update``: the same update as fetched, if at hand (it
        saves parsing the stored JSON again)."""
        return _Work(self, item, update)

    async def process(
        self, item: InboxItem, update: Update | None = None, *, last_try: bool
    ) -> Ticket:
        """Run the handlers on a stored update; the ticket tells what happened."""
        ticket = Ticket(item.update_id, self.clock.now(), last_try=last_try)
        if update is None:
            try:
                update = Update.de_json(item.payload, self.application.bot)
            except Exception as exc:  # stored, but not an update PTB can read: never will be
                log.exception("update %s is unreadable", item.update_id)
                ticket.error = BadRequest(f"unreadable update: {exc!r}")
                return ticket
        token = current_update.set(ticket)
        try:  # handler errors reach hold_for_retry, which notes them on the ticket
            async with asyncio.timeout(self.retry.timeout):
                await self.application.process_update(update)
        except TimeoutError as exc:
            log.warning("update %s took over %.0fs; cancelled", item.update_id, self.retry.timeout)
            ticket.error = ticket.error or exc
        finally:
            current_update.reset(token)
        if ticket.committed and ticket.error is not None:
            with contextlib.suppress(*DATABASE_ERRORS):  # the handler failed before delivering
                await self._flush_outbox()
        return ticket


class _Work:
    """One stored update on its way through: process it, then settle its inbox row. If the
    database is away while settling, only the settling is tried again, not the handlers."""

    def __init__(self, runner: UpdateRunner, item: InboxItem, update: Update | None) -> None:
        self.runner, self.item, self.update, self.attempts = runner, item, update, item.attempts
        self.owed: Settlement | None = None
        self.write_failures = 0

    async def __call__(self) -> float | None:
        runner = self.runner
        if self.owed is None:
            last_try = self.attempts + 1 >= runner.retry.max_attempts
            ticket = await runner.process(self.item, self.update, last_try=last_try)
            if ticket.committed or isinstance(ticket.error, AlreadyProcessed):
                await runner.count("processed")
                return None
            self.owed = await self._settlement(ticket)
        write, then = self.owed
        try:
            await write()
        except DATABASE_ERRORS as exc:
            self.write_failures += 1
            log.warning("update %s: cannot record its outcome (%r)", self.item.update_id, exc)
            return runner.retry.delay(self.write_failures)
        self.owed, self.write_failures = None, 0
        return then

    async def _settlement(self, ticket: Ticket) -> Settlement:
        """What to write about this try, and how long to wait before the next one (None: no
        next one). Counted at once: the database may be the very thing that failed."""
        runner, update_id, now = self.runner, self.item.update_id, self.runner.clock.now()
        if ticket.error is None:  # nothing was committed because nothing changed

            async def done() -> None:
                await runner.inbox.mark_done(update_id, now)
                await runner.count("processed")

            return done, None
        self.attempts += 1
        attempts, error = self.attempts, ticket.error
        give_up = ticket.last_try or is_permanent(error)
        await runner.count("failed" if give_up else "retried")

        async def failed() -> None:
            await runner.inbox.record_failure(update_id, repr(error), now, give_up=give_up)
            if give_up:
                log.error("update %s given up after %d attempt(s): %r", update_id, attempts, error)

        return failed, None if give_up else runner.retry.delay(attempts, error)
