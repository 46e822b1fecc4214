"""The desk's periodic jobs (bot.adapters.jobs) on PTB's JobQueue, under the same names."""

from __future__ import annotations

import functools
from datetime import datetime

from telegram.ext import JobQueue

from bot.adapters.jobs import Job, desk_jobs
from bot.adapters.tg.context import DeskContext
from bot.config import DeskSettings


async def _run(job: Job, context: DeskContext) -> None:
    await job.run(context.services)


def schedule(job_queue: JobQueue, now: datetime, desk: DeskSettings) -> None:
    for job in desk_jobs(now, desk):
        job_queue.run_repeating(
            functools.partial(_run, job), interval=job.every, first=job.first, name=job.name
        )
