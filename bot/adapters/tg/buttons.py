"""Acknowledging button presses (``answerCallbackQuery``)."""

from __future__ import annotations

import logging

from telegram import CallbackQuery
from telegram.error import BadRequest

log = logging.getLogger(__name__)

_EXPIRED = ("query is too old", "query id is invalid")


async def acknowledge(
    query: CallbackQuery, text: str | None = None, *, alert: bool = False
) -> None:
    """Answer a button press. A press answered late (replayed after a crash, caught up after a
    network loss) gets 400 "query is too old": the resident's spinner is long gone, so that
    counts as done and the update goes on to do what the button asked."""
    try:
        await query.answer(text, show_alert=alert)
    except BadRequest as exc:
        if not any(phrase in exc.message.lower() for phrase in _EXPIRED):
            raise
        log.info("button press too old to acknowledge; the update is processed anyway")
