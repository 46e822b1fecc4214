"""Handlers for office staff (and advisers): the report as an XLSX document plus a short summary."""

from __future__ import annotations

from telegram import Update

from bot.adapters import exports
from bot.adapters.tg.context import DeskContext
from bot.adapters.tg.handlers.staff import explains


@explains
async def report(update: Update, context: DeskContext) -> None:
    """Send the report: /report (last complete month), /report 2024-03 or /report 2024."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    services = context.services
    await services.staff.member(user.id, "report")  # residents: NotAllowed, logged
    period = services.reports.period(" ".join(context.args or []) or None)
    built = await services.reports.build(period)
    await message.reply_document(
        document=exports.to_xlsx(built), filename=f"legaldesk-report-{period.label}.xlsx"
    )
    await message.reply_text(exports.summary(built))
