"""Telegram webhook mode: Telegram POSTs each update to ``telegram.webhook_url``.

The endpoint is a sub-application of the console's aiohttp server (``web.listen``), at
:data:`bot.config.settings.WEBHOOK_PATH`. Every request must carry the secret token given to
``setWebhook`` (header ``X-Telegram-Bot-Api-Secret-Token``); anything else is refused with 403 and
nothing is stored. The update is stored in the inbox before the 200 goes back, so an instance that
dies right after answering loses nothing; Telegram's repeat of an update already stored changes
nothing. While the database is away the answer is 503 and Telegram sends the update again later.
"""

from __future__ import annotations

import hmac
import logging
from typing import TYPE_CHECKING, Any

from aiohttp import web
from telegram import Update
from telegram.error import TelegramError

from bot.adapters.tg.context import DeskApplication
from bot.adapters.tg.processor import DATABASE_ERRORS
from bot.config.settings import WEBHOOK_PATH, TelegramSettings

if TYPE_CHECKING:
    from bot.adapters.tg.intake import Intake

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
PREFIX, _, ROUTE = WEBHOOK_PATH.rpartition("/")  # "/telegram", "webhook"
MAX_UPDATE_BYTES = 1024 * 1024  # an update is JSON text; files stay at Telegram


class WebhookEndpoint:
    """The HTTP side of webhook mode; it takes updates once an intake is attached."""

    def __init__(self, settings: TelegramSettings) -> None:
        assert settings.webhook_secret is not None, "webhook mode needs TELEGRAM_WEBHOOK_SECRET"
        self.settings = settings
        self._secret = settings.webhook_secret.get_secret_value().encode()
        self._intake: Intake | None = None

    def app(self) -> web.Application:
        """The sub-application to mount at :data:`PREFIX`."""
        app = web.Application(client_max_size=MAX_UPDATE_BYTES)
        app.router.add_post(f"/{ROUTE}", self.receive)
        return app

    def attach(self, intake: Intake | None) -> None:
        """Start (an intake) or stop (None) taking updates."""
        self._intake = intake

    async def receive(self, request: web.Request) -> web.Response:
        """Check the secret, store the update, answer 200."""
        sent = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(sent, self._secret):
            log.warning("webhook request without the right secret token refused")
            raise web.HTTPForbidden()
        intake = self._intake
        if intake is None:  # starting or stopping: Telegram tries again shortly
            raise web.HTTPServiceUnavailable()
        try:
            payload: Any = await request.json()
        except ValueError:
            raise web.HTTPBadRequest(text="not JSON") from None
        if not isinstance(payload, dict) or type(payload.get("update_id")) is not int:
            raise web.HTTPBadRequest(text="not a Telegram update")
        try:
            await intake.accept(payload)
        except DATABASE_ERRORS as exc:
            log.warning("cannot store a webhook update (%r); Telegram will send it again", exc)
            raise web.HTTPServiceUnavailable() from None
        return web.Response(status=200)


async def register(application: DeskApplication, settings: TelegramSettings) -> None:
    """setWebhook with the secret token and every update type the desk handles."""
    assert settings.webhook_url is not None and settings.webhook_secret is not None
    await application.bot.set_webhook(
        settings.webhook_url,
        secret_token=settings.webhook_secret.get_secret_value(),
        allowed_updates=Update.ALL_TYPES,
    )
    log.info("Telegram webhook set")  # the URL is not logged: it may be secret too


async def unregister(application: DeskApplication) -> None:
    """deleteWebhook (``telegram.delete_webhook``); a failure is logged, not fatal."""
    try:
        await application.bot.delete_webhook()
        log.info("Telegram webhook deleted")
    except TelegramError as exc:
        log.warning("deleteWebhook failed: %s", exc)
