"""The one PTB error handler, and the one place where domain errors become friendly text."""

from __future__ import annotations

import logging

from telegram import Update

from bot.adapters.tg.context import DeskContext
from bot.core.errors import (
    AlreadyClaimed,
    CaseClosed,
    CaseNotFound,
    DeskError,
    InvalidRequest,
    NotAllowed,
)

log = logging.getLogger(__name__)

SORRY = "抱歉，系统出了点问题，您的消息已经收到，请稍后再试。"


def explain(error: DeskError) -> str:
    """Friendly Chinese text for an expected failure of a use case."""
    if isinstance(error, NotAllowed):
        return "抱歉，这个功能只有法律顾问和服务台工作人员可以使用。"
    if isinstance(error, CaseNotFound):
        return f"没有编号为 #{error.case_id} 的问题，请检查编号。"
    if isinstance(error, CaseClosed):
        return f"问题 #{error.case_id} 已经结束，不能再操作。"
    if isinstance(error, AlreadyClaimed):
        return f"问题 #{error.case_id} 已由 {error.holder} 认领。"
    if isinstance(error, InvalidRequest):
        return str(error)
    return "抱歉，操作没有成功。"


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
