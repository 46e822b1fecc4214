"""Serving until asked to stop: the stop signals, and the main loop of a desk without Telegram.

``legaldesk run`` serves until SIGTERM or SIGINT (Ctrl-C); the first stops gracefully, a second
stops at once. With Telegram, its long-polling loop is the main loop (bot.adapters.tg.serving);
without it (a WeChat-only desk), :func:`serve_jobs` is: the channels answer from their own HTTP
servers, and the periodic jobs run here.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING

from bot.adapters.jobs import JobRunner, desk_jobs

if TYPE_CHECKING:
    from bot.app import Services

log = logging.getLogger(__name__)

SIGNALS = (signal.SIGTERM, signal.SIGINT)


@contextlib.asynccontextmanager
async def stop_signals() -> AsyncIterator[asyncio.Event]:
    """An event set by the first SIGTERM or SIGINT; a second one cancels the current task."""
    loop, stop, main = asyncio.get_running_loop(), asyncio.Event(), asyncio.current_task()

    def on_signal(signum: signal.Signals) -> None:
        if stop.is_set():
            log.warning("%s again: stopping at once", signum.name)
            if main is not None:
                main.cancel()
            return
        log.info("%s: stopping after the messages in flight", signum.name)
        stop.set()

    for signum in SIGNALS:
        loop.add_signal_handler(signum, on_signal, signum)
    try:
        yield stop
    finally:
        for signum in SIGNALS:
            loop.remove_signal_handler(signum)


async def serve_jobs(
    services: Services, before_stop: Callable[[], Awaitable[None]] | None = None
) -> int:
    """Deliver what the outbox holds, run the periodic jobs until SIGTERM or SIGINT, then
    ``before_stop()`` (the channels stop taking messages and finish those in hand), and stop the
    jobs and the broadcasts (what is unsent waits in the outbox for the next start)."""
    async with stop_signals() as stop:
        sent = await services.courier.flush()
        if sent:
            log.info("delivered %d messages left in the outbox", sent)
        jobs = JobRunner(services, desk_jobs(services.clock.now(), services.settings.desk))
        jobs.start()
        try:
            await stop.wait()
            if before_stop is not None:
                await before_stop()
        finally:
            await jobs.stop()
            await services.pump.stop()
    return 0
