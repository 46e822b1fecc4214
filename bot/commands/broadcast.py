"""``legaldesk broadcast preview|send THEME``: the office's monthly theme, to its subscribers.

``preview`` prints the message as residents will see it and how many subscribers it would reach
now; it sends and stores nothing. ``send`` queues it now (once: a repeat adds nothing); the
running bot delivers it within seconds, paced, and keeps answering residents meanwhile.
"""

from __future__ import annotations

import re
import sys
from html import unescape

from bot.commands.database import OUTDATED, OutdatedSchema, prepare_database
from bot.config import Settings
from bot.core.clock import SystemClock
from bot.core.errors import InvalidRequest
from bot.core.outreach.broadcasts import BroadcastDesk
from bot.resources import shipped_faq_dir
from bot.storage.faq_yaml import load_knowledge_base
from bot.storage.themes_yaml import load_themes
from bot.storage.uow import SqlUnitOfWorkFactory, create_engine

_TAG = re.compile(r"<[^>]+>")


def plain(html: str) -> str:
    """Telegram HTML as the terminal shows it."""
    return unescape(_TAG.sub("", html))


async def broadcast(settings: Settings, action: str, month: str) -> int:
    folder = settings.faq_dir or shipped_faq_dir()
    kb = load_knowledge_base(folder)
    themes = load_themes(folder, {e.id for e in kb}, settings.timezone)
    try:
        await prepare_database(settings)
    except OutdatedSchema:
        print(OUTDATED, file=sys.stderr)
        return 2
    engine = create_engine(settings.database_url)
    desk = BroadcastDesk(SqlUnitOfWorkFactory(engine), SystemClock(), themes)
    try:
        if action == "preview":
            return await _preview(desk, month, settings)
        return await _send(desk, month)
    except InvalidRequest as exc:
        print(f"legaldesk broadcast: {exc}", file=sys.stderr)
        return 2
    finally:
        await engine.dispose()


async def _preview(desk: BroadcastDesk, month: str, settings: Settings) -> int:
    preview = await desk.preview(month)
    theme = preview.theme
    local = theme.send_at.astimezone(settings.timezone)
    print(f"主题 {theme.month}：{theme.title}（{theme.source}）")
    print(f"定时发送：{local:%Y-%m-%d %H:%M}（{settings.timezone}）")
    if preview.queued is not None:
        queued = preview.queued.queued_at.astimezone(settings.timezone)
        print(f"已经发送过：{queued:%Y-%m-%d %H:%M}，{preview.queued.recipients} 位订阅者")
    print(f"现在的订阅者：{preview.subscribers} 位")
    print(f"了解更多：{'、'.join(theme.links)}")
    print("-" * 40)
    print(plain(preview.text))
    print("-" * 40)
    print("（预览，没有发送。发送：legaldesk broadcast send " + theme.month + "）")
    return 0


async def _send(desk: BroadcastDesk, month: str) -> int:
    queued = await desk.queue(month)
    if queued.new:
        print(
            f"已排队：{queued.theme.month}「{queued.theme.title}」，"
            f"{queued.broadcast.recipients} 位订阅者；运行中的机器人会陆续发出。"
        )
    else:
        print(
            f"{queued.theme.month} 已经发送过（{queued.broadcast.recipients} 位订阅者），"
            "不会重复发送。"
        )
    return 0
