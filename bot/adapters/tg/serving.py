"""Running the Telegram bot: start, serve until asked to stop, stop without losing anything."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from bot.adapters.serving import stop_signals
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
    application: DeskApplication,
    services: Services,
    before_stop: Callable[[], Awaitable[None]] | None = None,
    endpoint: WebhookEndpoint | None = None,
) -> int:
    """Run the bot (with ``endpoint``: in webhook mode) until SIGTERM or SIGINT, then stop
    gracefully: ``before_stop()`` (the channels served beside the bot stop while it can still
    deliver what they leave), stop fetching, finish the updates in flight, flush the outbox. A
    second signal stops at once. The caller closes the database. Returns 1 if fetching ended by
    itself (Telegram rejected the token)."""
    async with stop_signals() as stop, running(application, services, endpoint=endpoint) as intake:
        assert intake.poller is not None
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait({stopping, intake.poller}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        failed = not stop.is_set()
        if before_stop is not None:
            await before_stop()
    log.info("Telegram stopped")
    return 1 if failed else 0
