"""Running the Telegram bot: start, serve until asked to stop, stop without losing anything."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from bot.adapters.tg.context import DeskApplication
from bot.adapters.tg.intake import Intake, IntakePolicy
from bot.adapters.tg.processor import DATABASE_ERRORS
from bot.adapters.tg.webhook import WebhookEndpoint, register, unregister

if TYPE_CHECKING:
    from bot.app import Services

log = logging.getLogger(__name__)


@asynccontextmanager
async def running(
    application: DeskApplication,
    services: Services,
    policy: IntakePolicy | None = None,
    endpoint: WebhookEndpoint | None = None,
) -> AsyncIterator[Intake]:
    """Run the bot as production does (with ``endpoint``: in webhook mode); on exit stop taking
    updates, finish in-flight updates, flush the outbox and shut PTB down. The caller closes the
    database (``services.close()``)."""
    instance, telegram = services.instance, services.settings.telegram
    instance.expect("telegram")
    await application.initialize()
    try:
        if application.post_init is not None:
            await application.post_init(application)
        await application.start()
        intake = Intake(application, services, policy)
        services.pump.give_way_to(intake.idle)  # broadcasts wait for residents' answers
        try:
            await intake.start()
            if endpoint is not None:
                endpoint.attach(intake)
                if telegram.set_webhook:
                    await register(application, telegram)
            instance.mark_started("telegram")
            yield intake
        finally:
            instance.mark_stopping("telegram")  # /readyz: 503, the balancer moves traffic off
            if endpoint is not None:
                endpoint.attach(None)  # Telegram retries what arrives now (at another instance)
                if telegram.delete_webhook:
                    await unregister(application)
            await intake.stop()
            await application.stop()
            with contextlib.suppress(*DATABASE_ERRORS, RuntimeError):
                sent = await services.courier.flush()
                if sent:
                    log.info("flushed %d outbox message(s) at shutdown", sent)
            if application.post_stop is not None:
                await application.post_stop(application)
    finally:
        await application.shutdown()
        if application.post_shutdown is not None:
            await application.post_shutdown(application)


async def serve(
    application: DeskApplication, services: Services, endpoint: WebhookEndpoint | None = None
) -> int:
    """Run the bot until SIGTERM or SIGINT, then stop gracefully: stop fetching, finish the
    updates in flight, flush the outbox, close the database. A second signal stops at once.
    Returns 1 if fetching ended by itself (Telegram rejected the token)."""
    loop, stop, main = asyncio.get_running_loop(), asyncio.Event(), asyncio.current_task()

    def on_signal(signum: signal.Signals) -> None:
        if stop.is_set():
            log.warning("%s again: stopping at once", signum.name)
            if main is not None:
                main.cancel()
            return
        log.info("%s: stopping after the updates in flight", signum.name)
        stop.set()

    signals = (signal.SIGTERM, signal.SIGINT)
    for signum in signals:
        loop.add_signal_handler(signum, on_signal, signum)
    try:
        async with running(application, services, endpoint=endpoint) as intake:
            assert intake.poller is not None
            stopping = asyncio.ensure_future(stop.wait())
            await asyncio.wait({stopping, intake.poller}, return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
            failed = not stop.is_set()
    finally:
        for signum in signals:
            loop.remove_signal_handler(signum)
        await services.close()
    log.info("legaldesk stopped")
    return 1 if failed else 0
