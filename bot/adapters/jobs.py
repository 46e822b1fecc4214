"""The desk's periodic jobs, for every channel: reminders, the shift-start digest, retrying the
outbox, the daily purge, the monthly themes and the broadcast pump.

:data:`JOBS` names each job and its timing once. With Telegram, PTB's JobQueue runs them
(bot.adapters.tg.jobs); a desk without Telegram (WeChat only) runs them with :class:`JobRunner`,
plain asyncio tasks. Every instance schedules them; with several instances on one database only
the leader runs reminders, digests, the purge, themes and the broadcast pump (bot.core.instance).
Retrying the outbox runs everywhere: each instance claims the rows it sends.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.app import Services
    from bot.config import DeskSettings

log = logging.getLogger(__name__)

PURGE_EVERY_SECONDS = 24 * 60 * 60
PURGE_FIRST_SECONDS = 10 * 60  # a while after start-up, then daily
THEMES_EVERY_SECONDS = 60  # how often due monthly themes are looked for
BROADCAST_EVERY_SECONDS = 5  # how often the broadcast pump is woken (it drains, paced)


async def leads(services: Services) -> bool:
    """Whether this instance runs the once-across-instances jobs now."""
    return await services.instance.locks.lead()


async def remind(services: Services) -> None:
    """Re-announce waiting cases and remind advisers of unanswered ones."""
    if not await leads(services):
        return
    await services.courier.deliver(await services.reminders.remind())


class Digest:
    """Greets advisers whose shift just started with the cases waiting for them; remembers its
    last run (shifts that started since then are greeted)."""

    def __init__(self, since: datetime | None = None) -> None:
        self.since = since

    async def __call__(self, services: Services) -> None:
        now = services.clock.now()
        # A follower moves on too: on taking the lead it greets no old shift.
        since, self.since = self.since or now, now
        if not await leads(services):
            return
        await services.courier.deliver(await services.reminders.digest(since, now))


async def retry_outbox(services: Services) -> None:
    """Send outbox messages whose retry time has come (rate limits, server errors, network)."""
    sent = await services.courier.flush()
    if sent:
        log.info("retried %d outbox message(s)", sent)


async def purge(services: Services) -> None:
    """Redact message texts older than the retention period (desk.retention_months)."""
    if not await leads(services):
        return
    await services.privacy.purge()


async def queue_themes(services: Services) -> None:
    """Queue each monthly theme whose send time has come (once), then start delivering it."""
    if not await leads(services):
        return
    for queued in await services.broadcasts.queue_due():
        log.info(
            "theme %s queued for %d subscriber(s)", queued.theme.month, queued.broadcast.recipients
        )
    services.pump.kick()


async def pump_broadcasts(services: Services) -> None:
    """Deliver queued broadcast messages (also those queued by ``legaldesk broadcast send``)."""
    if not await leads(services):
        return
    services.pump.kick()


@dataclass(frozen=True, slots=True)
class Job:
    name: str
    every: float  # seconds between runs
    first: float  # seconds from start-up to the first run
    run: Callable[[Services], Awaitable[None]]


def desk_jobs(now: datetime, desk: DeskSettings) -> tuple[Job, ...]:
    """Every periodic job of a desk started at ``now``; ``desk`` sets how often reminders are
    looked for and the outbox is retried."""
    check, retry = desk.reminder_check_seconds, desk.outbox_retry_seconds
    return (
        Job("remind", check, check, remind),
        Job("digest", check, check, Digest(now)),
        Job("outbox", retry, retry, retry_outbox),
        Job("purge", PURGE_EVERY_SECONDS, PURGE_FIRST_SECONDS, purge),
        Job("themes", THEMES_EVERY_SECONDS, 1, queue_themes),
        Job("broadcasts", BROADCAST_EVERY_SECONDS, 2, pump_broadcasts),
    )


class JobRunner:
    """Runs jobs as asyncio tasks, each at its interval; a failed run is logged and the job runs
    again at its next time."""

    def __init__(self, services: Services, jobs: tuple[Job, ...]) -> None:
        self._services, self._jobs = services, jobs
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._repeat(job), name=f"job-{job.name}") for job in self._jobs
        ]

    async def stop(self) -> None:
        """Cancel the jobs (a run in progress stops at its next await)."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    async def _repeat(self, job: Job) -> None:
        await asyncio.sleep(job.first)
        while True:
            try:
                await job.run(self._services)
            except Exception:
                log.exception("job %s failed", job.name)
            await asyncio.sleep(job.every)
