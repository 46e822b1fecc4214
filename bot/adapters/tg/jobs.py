"""JobQueue jobs: reminders, the shift-start digest, retrying the outbox, the daily purge.

Every instance schedules them; with several instances on one database only the leader runs
reminders, digests, the purge, themes and the broadcast pump (bot.core.instance). Retrying the
outbox runs everywhere: each instance claims the rows it sends (``Outbox.claim_due``)."""

from __future__ import annotations

import logging
from datetime import datetime

from telegram.ext import JobQueue

from bot.adapters.tg.context import DeskContext

log = logging.getLogger(__name__)

TICK_SECONDS = 60
OUTBOX_RETRY_SECONDS = 15
PURGE_EVERY_SECONDS = 24 * 60 * 60
PURGE_FIRST_SECONDS = 10 * 60  # a while after start-up, then daily
THEMES_EVERY_SECONDS = 60  # how often due monthly themes are looked for
BROADCAST_EVERY_SECONDS = 5  # how often the broadcast pump is woken (it drains, paced)


async def leads(context: DeskContext) -> bool:
    """Whether this instance runs the once-across-instances jobs now."""
    return await context.services.instance.locks.lead()


async def remind(context: DeskContext) -> None:
    """Re-announce waiting cases and remind advisers of unanswered ones."""
    services = context.services
    if not await leads(context):
        return
    await services.courier.deliver(await services.reminders.remind())


async def digest(context: DeskContext) -> None:
    """Greet advisers whose shift just started with the cases waiting for them."""
    services = context.services
    job = context.job
    assert job is not None
    now = services.clock.now()
    since: datetime = job.data or now  # type: ignore[assignment]
    job.data = now  # a follower moves on too: on taking the lead it greets no old shift
    if not await leads(context):
        return
    await services.courier.deliver(await services.reminders.digest(since, now))


async def retry_outbox(context: DeskContext) -> None:
    """Send outbox messages whose retry time has come (429, 5xx, network loss)."""
    sent = await context.services.courier.flush()
    if sent:
        log.info("retried %d outbox message(s)", sent)


async def purge(context: DeskContext) -> None:
    """Redact message texts older than the retention period (desk.retention_months)."""
    if not await leads(context):
        return
    await context.services.privacy.purge()


async def queue_themes(context: DeskContext) -> None:
    """Queue each monthly theme whose send time has come (once), then start delivering it."""
    services = context.services
    if not await leads(context):
        return
    for queued in await services.broadcasts.queue_due():
        log.info(
            "theme %s queued for %d subscriber(s)", queued.theme.month, queued.broadcast.recipients
        )
    services.pump.kick()


async def pump_broadcasts(context: DeskContext) -> None:
    """Deliver queued broadcast messages (also those queued by ``legaldesk broadcast send``)."""
    if not await leads(context):
        return
    context.services.pump.kick()


def schedule(job_queue: JobQueue, now: datetime) -> None:
    job_queue.run_repeating(remind, interval=TICK_SECONDS, first=TICK_SECONDS, name="remind")
    job_queue.run_repeating(
        digest, interval=TICK_SECONDS, first=TICK_SECONDS, data=now, name="digest"
    )
    job_queue.run_repeating(
        retry_outbox, interval=OUTBOX_RETRY_SECONDS, first=OUTBOX_RETRY_SECONDS, name="outbox"
    )
    job_queue.run_repeating(
        purge, interval=PURGE_EVERY_SECONDS, first=PURGE_FIRST_SECONDS, name="purge"
    )
    job_queue.run_repeating(queue_themes, interval=THEMES_EVERY_SECONDS, first=1, name="themes")
    job_queue.run_repeating(
        pump_broadcasts, interval=BROADCAST_EVERY_SECONDS, first=2, name="broadcasts"
    )
