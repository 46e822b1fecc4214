"""Handlers for advisers and office staff. The use cases check roles; these only translate."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from functools import wraps
from typing import Any

from telegram import Message, Update
from telegram.constants import ParseMode

from bot.adapters.tg.buttons import acknowledge
from bot.adapters.tg.context import DeskContext
from bot.adapters.tg.errors import explain
from bot.core import staff_texts
from bot.core.errors import DeskError
from bot.core.ports import Media, SentBatch
from bot.core.staff_commands import case_number

Handler = Callable[[Update, DeskContext], Coroutine[Any, Any, None]]


def explains(handler: Handler) -> Handler:
    """Turn an expected failure of a use case into a polite reply to the sender."""

    @wraps(handler)
    async def wrapper(update: Update, context: DeskContext) -> None:
        try:
            await handler(update, context)
        except DeskError as error:
            if update.callback_query is not None:
                await acknowledge(update.callback_query, explain(error), alert=True)
            elif update.effective_message is not None:
                await update.effective_message.reply_text(explain(error))

    return wrapper


async def _case_arg(
    update: Update, context: DeskContext, action: str, usage: str, *, adviser_only: bool = True
) -> int:
    """The case number argument, read only after the sender's role is checked (so residents
    are refused, and logged, instead of being taught staff commands)."""
    await context.services.staff.member(_sender(update), action, adviser_only=adviser_only)
    return case_number(context.args, usage)


async def _deliver(context: DeskContext, batch: SentBatch) -> None:
    await context.services.courier.deliver(batch)


async def _reply(update: Update, text: str) -> None:
    if update.effective_message is not None:
        await update.effective_message.reply_text(text, parse_mode=ParseMode.HTML)


def _sender(update: Update) -> int:
    assert update.effective_user is not None
    return update.effective_user.id


@explains
async def claim(update: Update, context: DeskContext) -> None:
    """Claim a case: /claim 17."""
    case_id = await _case_arg(update, context, "claim", staff_texts.claim_usage())
    await _deliver(context, await context.services.staff.claim(_sender(update), case_id))


@explains
async def claim_button(update: Update, context: DeskContext) -> None:
    """Claim a case from its 「认领 #N」 button."""
    query = update.callback_query
    assert query is not None and query.data is not None
    case_id = int(query.data.removeprefix("claim:"))
    batch = await context.services.staff.claim(_sender(update), case_id)
    await acknowledge(query)
    await _deliver(context, batch)


@explains
async def answer(update: Update, context: DeskContext) -> None:
    """Answer a case: /answer 17 text."""
    case_id = await _case_arg(update, context, "answer", staff_texts.answer_usage())
    message = update.effective_message
    assert message is not None and message.text is not None
    body = message.text.split(maxsplit=2)[2] if len(context.args or []) > 1 else ""
    await _deliver(context, await context.services.staff.answer(_sender(update), case_id, body))


@explains
async def reply(update: Update, context: DeskContext) -> None:
    """Answer a case by replying to its notification (text, photo or document)."""
    message = update.effective_message
    assert message is not None and message.reply_to_message is not None
    batch = await context.services.staff.answer_reply(
        _sender(update),
        message.chat_id,
        message.reply_to_message.message_id,
        message.text or message.caption or "",
        _media(message),
    )
    await _deliver(context, batch)


@explains
async def close(update: Update, context: DeskContext) -> None:
    """Close a case: /close 17."""
    case_id = await _case_arg(update, context, "close", staff_texts.close_usage())
    await _deliver(context, await context.services.staff.close(_sender(update), case_id))


@explains
async def queue(update: Update, context: DeskContext) -> None:
    """List open and claimed cases, oldest first."""
    await _reply(update, await context.services.staff.queue(_sender(update)))


@explains
async def case(update: Update, context: DeskContext) -> None:
    """Show a case's thread: /case 17."""
    case_id = await _case_arg(update, context, "case", staff_texts.case_usage(), adviser_only=False)
    await _reply(update, await context.services.staff.show(_sender(update), case_id))


@explains
async def duty(update: Update, context: DeskContext) -> None:
    """Show who is on duty, or /duty on | /duty off."""
    switch = context.args[0].lower() if context.args else None
    await _reply(update, await context.services.staff.duty(_sender(update), switch))


@explains
async def console(update: Update, context: DeskContext) -> None:
    """A one-time sign-in link for the web console, sent to the staff member's own chat."""
    await _deliver(context, await context.services.console.request_link(_sender(update)))


async def hint(update: Update, context: DeskContext) -> None:
    """Remind staff how to answer when they write without replying to a case."""
    await _reply(update, staff_texts.adviser_hint())


def _media(message: Message) -> Media | None:
    if message.photo:
        return Media("photo", file_id=message.photo[-1].file_id)
    if message.document:
        return Media("document", file_id=message.document.file_id)
    if message.voice:
        return Media("voice", file_id=message.voice.file_id)
    return None
