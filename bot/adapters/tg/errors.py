"""The one PTB error handler, and the one place where domain errors become friendly text."""

from __future__ import annotations

import logging

from telegram import Update

from bot.adapters.tg.context import DeskContext
from bot.core import staff_texts
from bot.core.errors import DeskError

log = logging.getLogger(__name__)

SORRY = "抱歉，系统出了点问题，您的消息已经收到，请稍后再试。"


def explain(error: DeskError) -> str:
    """Friendly Chinese text for an expected failure of a use case (the same on every channel)."""
    return staff_texts.refusal(error)


async def on_error(update: object, context: DeskContext) -> None:
    """Log the failure with its traceback and tell the sender politely."""
    log.error("error while handling an update", exc_info=context.error)
    if (
        isinstance(update, Update)
        and update.effective_chat
        and update.effective_chat.type == "private"
    ):
        try:
            await context.bot.send_message(update.effective_chat.id, SORRY)
        except Exception:  # the apology itself failed; the log above has the cause
            log.warning("could not send the apology", exc_info=True)
