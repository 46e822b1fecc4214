"""The desk's ``Outgoing`` values as WeChat customer-service messages.

Texts are Telegram HTML; WeChat shows plain text, so tags are dropped (a link keeps its address)
and entities unescaped. Buttons become a ``msgmenu``: a tapped item comes back as a text message
whose ``bizmsgmenuid`` is the button's callback data, routed like a Telegram button press. A
photo (or an AMR/MP3 voice) follows as an image (voice) message; customer-service messages
cannot carry other files, so the text says to ask the adviser for them.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from bot.core.law import split_for_messages
from bot.core.ports import Outgoing

# 客服消息: text ≤ 2048 bytes, a msgmenu's head ≤ 1024 bytes and ≤ 10 items. Chinese text is
# three bytes a character in UTF-8.
TEXT_CHARS = 600
MENU_HEAD_CHARS = 300
MENU_ITEMS = 10
_LINK = re.compile(r'<a\s+href="([^"]*)"[^>]*>(.*?)</a>', re.S)
_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True, slots=True)
class WeChatMessage:
    text: str
    menu: tuple[tuple[str, str], ...] = field(default=())  # (id, content)


def plain(text: str) -> str:
    """Telegram HTML as plain text."""
    text = _LINK.sub(
        lambda m: m.group(2) if m.group(1) in m.group(2) else f"{m.group(2)}（{m.group(1)}）", text
    )
    return html.unescape(_TAG.sub("", text)).strip()


def render(message: Outgoing, attached: bool = False) -> list[WeChatMessage]:
    """The messages that show ``message`` in WeChat, in order; ``attached``: its file follows
    as a message of its own (else a short line says to ask the adviser for it)."""
    text = plain(message.text)
    if message.media is not None and not attached:
        text = f"{text}\n（附件请联系法律顾问获取）".strip()
    items = tuple((b.data, b.label) for row in message.buttons for b in row)[:MENU_ITEMS]
    parts = split_for_messages(text, limit=TEXT_CHARS) or [text]
    if not items:
        return [WeChatMessage(part) for part in parts]
    head = parts.pop() if len(parts[-1]) <= MENU_HEAD_CHARS else "请选择："
    return [*(WeChatMessage(part) for part in parts), WeChatMessage(head, items)]
