"""Handlers for /subscribe, /unsubscribe and the outreach buttons (订阅, 退订, 了解更多)."""

from __future__ import annotations

from telegram import Update

from bot.adapters.tg.context import DeskContext, person_of
from bot.adapters.tg.handlers.resident import pressed

# Callback data these buttons carry; anything else matching it (forged, or a theme that no
# longer exists) gets the use case's polite 「按钮已过期」.
BUTTONS = r"^(sub|unsub|more:.*)$"


async def subscribe(update: Update, context: DeskContext) -> None:
    """Opt in to the monthly themes."""
    if person := person_of(update):
        batch = await context.services.subscriptions.subscribe(person)
        await context.services.courier.deliver(batch)


async def unsubscribe(update: Update, context: DeskContext) -> None:
    """Opt out, at once (also for broadcasts already queued)."""
    if person := person_of(update):
        batch = await context.services.subscriptions.unsubscribe(person)
        await context.services.courier.deliver(batch)


async def button(update: Update, context: DeskContext) -> None:
    """订阅 under the welcome and answers; 了解更多 and 退订 under a broadcast."""
    await pressed(update, context, context.services.subscriptions.press)
