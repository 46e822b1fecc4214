"""What the desk says about subscriptions and broadcasts (Simplified Chinese, Telegram HTML)."""

from __future__ import annotations

from bot.core.texts import SUBSCRIBE, SUBSCRIBE_DATA, esc

__all__ = ["SUBSCRIBE", "SUBSCRIBE_DATA"]

LEARN_MORE = "📖 了解更多"
UNSUBSCRIBE = "🔕 退订"
UNSUBSCRIBE_DATA = "unsub"
LEARN_MORE_PREFIX = "more:"


def subscribed() -> str:
    return (
        "✅ 订阅成功！以后每个月给您发一条普法小知识"
        "（每月一个主题，比如防范诈骗、民法典里的婚姻家庭和继承）。\n"
        "不想再收，随时发 /unsubscribe ，或者点消息下面的「退订」，马上生效。"
    )


def already_subscribed() -> str:
    return "您已经订阅了每月普法，不用再订。不想再收，发 /unsubscribe 就行。"


def unsubscribed() -> str:
    return (
        "好的，已经退订，以后不再给您发每月普法，还没发出的也不会再发。"
        "想重新订阅，发 /subscribe 。有法律问题，照样可以随时问我。"
    )


def not_subscribed() -> str:
    return "您现在没有订阅每月普法，不会收到这类消息。想订阅，发 /subscribe 。"


def broadcast(month: str, title: str, message: str) -> str:
    year, _, number = month.partition("-")
    return (
        f"📢 <b>{esc(year)}年{int(number)}月普法：{esc(title)}</b>\n\n"
        f"{esc(message)}\n\n"
        "点「了解更多」看详细解答和法律依据。不想再收，点「退订」。"
    )
