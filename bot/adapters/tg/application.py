"""Build the PTB Application: one ordered list of handlers, services wired in post_init."""

from __future__ import annotations

import functools
import logging
from typing import TYPE_CHECKING

from telegram import BotCommand, BotCommandScopeChat, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.adapters.tg import jobs
from bot.adapters.tg.context import SERVICES_KEY, DeskApplication, DeskContext
from bot.adapters.tg.errors import on_error
from bot.adapters.tg.files import TelegramFiles
from bot.adapters.tg.handlers import office, outreach, privacy, resident, staff
from bot.adapters.tg.http import AiohttpRequest
from bot.adapters.tg.intake import IntakePolicy
from bot.adapters.tg.processor import hold_for_retry
from bot.adapters.tg.transport import TelegramTransport

if TYPE_CHECKING:
    from bot.app import Services

log = logging.getLogger(__name__)

COMMANDS = [
    BotCommand("start", "开始使用 / 常见问题分类"),
    BotCommand("topics", "按分类浏览常见问题"),
    BotCommand("law", "查法律条文，如 /law 民法典 1077"),
    BotCommand("help", "使用说明"),
    BotCommand("subscribe", "订阅每月普法"),
    BotCommand("unsubscribe", "退订每月普法"),
    BotCommand("privacy", "隐私说明"),
    BotCommand("forgetme", "删除我的资料"),
]
STAFF_COMMANDS = [
    BotCommand("queue", "待处理问题（工作人员）"),
    BotCommand("claim", "认领问题：/claim 编号"),
    BotCommand("answer", "回复问题：/answer 编号 内容"),
    BotCommand("case", "查看问题详情：/case 编号"),
    BotCommand("close", "结束问题：/close 编号"),
    BotCommand("duty", "值班：/duty、/duty on、/duty off"),
    BotCommand("report", "服务台报告：/report、/report 2024-03、/report 2024"),
    BotCommand("console", "网页工作台登录链接"),
]

PRIVATE = filters.ChatType.PRIVATE
# Bot API connections beyond the chats served at once: scheduled jobs, the outbox flush.
JOB_CONNECTIONS = 4


def handlers(staff_ids: list[int]) -> list[BaseHandler[Update, DeskContext, None]]:
    """Every handler, in the order PTB tries them (the first match wins within group 0)."""
    is_staff = (
        filters.User(user_id=staff_ids, allow_empty=False)
        if staff_ids
        else filters.User(user_id=[0])
    )
    return [
        # Staff commands are open to everyone: the use case checks the role, refuses politely
        # and logs the attempt.
        CommandHandler("claim", staff.claim, filters=PRIVATE),
        CommandHandler("answer", staff.answer, filters=PRIVATE),
        CommandHandler("close", staff.close, filters=PRIVATE),
        CommandHandler("queue", staff.queue, filters=PRIVATE),
        CommandHandler("case", staff.case, filters=PRIVATE),
        CommandHandler("duty", staff.duty, filters=PRIVATE),
        CommandHandler("report", office.report, filters=PRIVATE),
        CommandHandler("console", staff.console, filters=PRIVATE),
        CallbackQueryHandler(staff.claim_button, pattern=r"^claim:\d{1,12}$"),
        # An adviser replying to a case notification answers the resident.
        MessageHandler(PRIVATE & is_staff & filters.REPLY & ~filters.COMMAND, staff.reply),
        # Staff writing anything else gets a reminder of how to answer.
        MessageHandler(
            PRIVATE & is_staff & ~filters.COMMAND & filters.UpdateType.MESSAGE, staff.hint
        ),
        # Residents' commands. Only private chats: in groups the bot stays silent.
        CommandHandler("start", resident.start, filters=PRIVATE),
        CommandHandler("help", resident.help_command, filters=PRIVATE),
        CommandHandler("privacy", resident.privacy, filters=PRIVATE),
        CommandHandler("topics", resident.topics, filters=PRIVATE),
        CommandHandler("law", resident.law, filters=PRIVATE),
        CommandHandler("forgetme", privacy.forgetme, filters=PRIVATE),
        CommandHandler("subscribe", outreach.subscribe, filters=PRIVATE),
        CommandHandler("unsubscribe", outreach.unsubscribe, filters=PRIVATE),
        # Free text, including unknown /commands, which the matcher treats as text.
        MessageHandler(PRIVATE & filters.TEXT & filters.UpdateType.MESSAGE, resident.text),
        MessageHandler(PRIVATE & filters.UpdateType.MESSAGE & ~filters.TEXT, resident.media),
        # A resident who corrects a message gets the corrected one answered (and logged).
        MessageHandler(
            PRIVATE & ~is_staff & filters.TEXT & filters.UpdateType.EDITED_MESSAGE, resident.text
        ),
        CallbackQueryHandler(privacy.button, pattern=r"^forget:"),
        CallbackQueryHandler(outreach.button, pattern=outreach.BUTTONS),
        # Buttons last: staff patterns (claim) are registered before the resident catch-all.
        CallbackQueryHandler(resident.button),
    ]


async def post_init(application: Application, services: Services) -> None:
    """Hand the services to the handlers, schedule the jobs, register commands, flush the outbox."""
    application.bot_data[SERVICES_KEY] = services
    services.attach_transport(TelegramTransport(application.bot, services.file_sources))
    services.attach_files(TelegramFiles(application.bot))
    if application.job_queue is not None:
        jobs.schedule(application.job_queue, services.clock.now(), services.settings.desk)
    await application.bot.set_my_commands(COMMANDS)
    for member in services.settings.roster.members:  # staff see their commands too
        if member.telegram_id is not None:
            await application.bot.set_my_commands(
                COMMANDS + STAFF_COMMANDS, scope=BotCommandScopeChat(member.telegram_id)
            )
    sent = await services.courier.flush()
    if sent:
        log.info("delivered %d messages left in the outbox", sent)


async def post_stop(application: Application, services: Services) -> None:
    """Stop delivering broadcasts; what is not sent yet waits in the outbox for the next start."""
    await services.pump.stop()


def bot_requests(concurrency: int) -> tuple[AiohttpRequest, AiohttpRequest]:
    """The HTTP clients of the bot: one for every Bot API method, one for getUpdates.

    Each chat being processed sends its replies one at a time, so ``concurrency`` connections
    carry them; a few more serve the scheduled jobs and the outbox flush (a send that waits
    longer than ``pool_timeout`` for a connection stays in the outbox and is sent again).
    Timeouts are PTB's defaults, written out so that they can be read. getUpdates has its own
    connection (as PTB's ``ApplicationBuilder`` gives it), so that a long poll never waits for a
    reply or the reverse.
    """
    replies = AiohttpRequest(
        connection_pool_size=concurrency + JOB_CONNECTIONS,
        connect_timeout=5.0,
        read_timeout=5.0,
        write_timeout=5.0,
        pool_timeout=1.0,
        media_write_timeout=20.0,
    )
    updates = AiohttpRequest(connection_pool_size=1, connect_timeout=5.0, read_timeout=5.0)
    return replies, updates


def build_application(services: Services, policy: IntakePolicy | None = None) -> DeskApplication:
    """The PTB application with the desk's handlers, talking to the configured Bot API."""
    settings = services.settings
    token = settings.telegram_bot_token
    if token is None:
        raise RuntimeError("TELEGRAM_BOT_TOKEN is not set")
    replies, updates = bot_requests((policy or IntakePolicy()).concurrency)
    application = (
        ApplicationBuilder()
        .token(token.get_secret_value())
        .base_url(settings.telegram_api_base_url)
        .base_file_url(settings.telegram_file_base_url)
        .request(replies)
        .get_updates_request(updates)
        .context_types(ContextTypes(context=DeskContext))
        .concurrent_updates(False)
        # Updates are fetched by our own loop (bot.adapters.tg.intake), stored before they are
        # confirmed, and processed from the inbox; PTB's Updater would confirm them unprocessed.
        .updater(None)
        .post_init(functools.partial(post_init, services=services))
        .post_stop(functools.partial(post_stop, services=services))
        .build()
    )
    staff = [m.telegram_id for m in settings.roster.members if m.telegram_id is not None]
    application.add_handlers(handlers(staff))
    # First: a failed inbox update that will be retried must not get on_error's apology.
    application.add_error_handler(hold_for_retry)
    application.add_error_handler(on_error)
    return application
