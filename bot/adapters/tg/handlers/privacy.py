"""Handlers for /forgetme and its 「确认删除」/「取消」 buttons."""

from __future__ import annotations

from telegram import Update

from bot.adapters.tg.context import DeskContext, person_of


async def forgetme(update: Update, context: DeskContext) -> None:
    """Explain what deleting one's data means and ask for confirmation."""
    if person := person_of(update):
        batch = await context.services.privacy.offer(person)
        await context.services.courier.deliver(batch.ids)


async def button(update: Update, context: DeskContext) -> None:
    """Delete the resident's data, or keep it, as they chose."""
    query, person = update.callback_query, person_of(update)
    if query is None:
        return
    await query.answer()
    if person is None or not query.data:
        return
    batch = await context.services.privacy.press(person, query.data)
    await context.services.courier.deliver(batch.ids)
