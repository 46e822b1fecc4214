"""The periodic jobs without Telegram's JobQueue (a WeChat-only desk): every job of the desk is
run, at its interval, and one failing run does not stop its job."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from bot.adapters.jobs import Job, JobRunner, desk_jobs
from bot.config import DeskSettings
from tests.conftest import WEDNESDAY_MORNING


async def until(condition: Any, timeout: float = 5.0) -> None:  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


def test_the_desk_has_the_jobs_the_telegram_tests_run_by_name() -> None:
    desk = DeskSettings(outbox_retry_seconds=15, reminder_check_seconds=20)
    jobs = {job.name: job for job in desk_jobs(WEDNESDAY_MORNING, desk)}
    assert set(jobs) == {"remind", "digest", "outbox", "purge", "themes", "broadcasts"}
    assert jobs["outbox"].every == 15 and jobs["purge"].every == 24 * 60 * 60
    assert (jobs["remind"].every, jobs["remind"].first, jobs["digest"].every) == (20, 20, 20)


async def test_a_failing_run_is_logged_and_the_job_runs_again_until_stopped() -> None:
    runs: list[object] = []

    async def flaky(services: object) -> None:
        runs.append(services)
        if len(runs) == 1:
            raise RuntimeError("database away")

    services: Any = object()
    runner = JobRunner(services, (Job("flaky", every=0.01, first=0, run=flaky),))
    runner.start()
    await until(lambda: len(runs) >= 3)
    await runner.stop()
    stopped_at = len(runs)
    assert runs[0] is services
    await asyncio.sleep(0.05)  # five intervals: a stopped job does not run again
    assert len(runs) == stopped_at
