"""Handlers for residents' private messages and buttons."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Update

from bot.adapters.tg.buttons import acknowledge
from bot.adapters.tg.context import DeskContext, person_of
from bot.core.ports import Person, SentBatch

MEDIA_KINDS = (
    "voice",
    "audio",
    "photo",
    "document",
    "video",
    "video_note",
    "sticker",
    "location",
    "contact",
    "animation",
    "poll",
    "dice",
    "venue",
)


async def _deliver(context: DeskContext, batch: SentBatch) -> None:
    await context.services.courier.deliver(batch)


async def start(update: Update, context: DeskContext) -> None:
    """Greet a resident and show the topic buttons."""
    if person := person_of(update):
        await _deliver(context, await context.services.desk.start(person, "start"))


async def help_command(update: Update, context: DeskContext) -> None:
    """Explain how to use the desk."""
    if person := person_of(update):
        await _deliver(context, await context.services.desk.start(person, "help"))


async def privacy(update: Update, context: DeskContext) -> None:
    """Explain what is stored and why."""
    if person := person_of(update):
        await _deliver(context, await context.services.desk.start(person, "privacy"))


async def topics(update: Update, context: DeskContext) -> None:
    """Show the FAQ categories."""
    if person := person_of(update):
        await _deliver(context, await context.services.desk.topics(person))


async def law(update: Update, context: DeskContext) -> None:
    """Look up a law article: /law 民法典 1077."""
    if person := person_of(update):
        query = " ".join(context.args or [])
        await _deliver(context, await context.services.desk.lookup_law(person, query))


async def text(update: Update, context: DeskContext) -> None:
    """Answer a resident's free-text message (a forwarded one may be a scam check)."""
    person, message = person_of(update), update.effective_message
    if person and message and message.text is not None:
        forwarded = message.forward_origin is not None
        batch = await context.services.desk.ask(person, message.text, forwarded=forwarded)
        await _deliver(context, batch)


async def media(update: Update, context: DeskContext) -> None:
    """Forward voice, photos and documents to the adviser; politely decline the rest."""
    person, message = person_of(update), update.effective_message
    if not (person and message):
        return
    kind = next((k for k in MEDIA_KINDS if getattr(message, k, None)), "other")
    attachment = message.effective_attachment
    if isinstance(attachment, tuple):  # photos come in several sizes: take the largest
        attachment = attachment[-1] if attachment else None
    file_id = getattr(attachment, "file_id", None)
    batch = await context.services.desk.media(person, kind, file_id, message.caption or "")
    await _deliver(context, batch)


async def button(update: Update, context: DeskContext) -> None:
    """Route a resident's button press (callback data is untrusted input)."""
    await pressed(update, context, context.services.desk.press)


async def pressed(
    update: Update, context: DeskContext, press: Callable[[Person, str], Awaitable[SentBatch]]
) -> None:
    """Acknowledge a button, hand its data to ``press`` and deliver what that stores."""
    query, person = update.callback_query, person_of(update)
    if query is None:
        return
    await acknowledge(query)
    if person is None or not query.data:
        return
    await _deliver(context, await press(person, query.data))
