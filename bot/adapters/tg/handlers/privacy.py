"""Handlers for /forgetme and its 「确认删除」/「取消」 buttons."""

from __future__ import annotations

from telegram import Update

from bot.adapters.tg.context import DeskContext, person_of
from bot.adapters.tg.handlers.resident import pressed


async def forgetme(update: Update, context: DeskContext) -> None:
    """Explain what deleting one's data means and ask for confirmation."""
    if person := person_of(update):
        batch = await context.services.privacy.offer(person)
        await context.services.courier.deliver(batch)


async def button(update: Update, context: DeskContext) -> None:
    """Delete the resident's data, or keep it, as they chose."""
    await pressed(update, context, context.services.privacy.press)
