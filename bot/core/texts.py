"""Every sentence the desk says, in Simplified Chinese, rendered as Telegram HTML.

Rendering lives in the core (not in the Telegram adapter) because messages are stored in the
outbox inside the use case's transaction, and the terminal shell shows the very same texts.
All interpolated values pass through :func:`esc`.
"""

from __future__ import annotations

from html import escape

from bot.core.faq import FaqEntry

DISCLAIMER = "我是法律顾问服务台的自动回复机器人，回答是一般法律知识，仅供参考，不是正式法律意见。"
DISCLAIMER_SHORT = "（机器人自动回复，仅供参考，不是正式法律意见）"

HELPFUL = "👍 有帮助"
NOT_SOLVED = "🙋 没解决，找法律顾问"
NONE_OF_THESE = "都不是，找法律顾问"
BACK_TO_TOPICS = "« 返回分类"
SUBSCRIBE = "📬 订阅每月普法"
SUBSCRIBE_DATA = "sub"  # callback data of the button (bot.core.outreach)


# Residents' words quoted in a message are cut so the whole message stays one Telegram message
# (4,096 characters): a long text split by the transport could cut through an HTML entity.
NAME_LIMIT = 200  # UTF-16 units of escaped HTML
QUOTE_LIMIT = 3000
THREAD_LIMIT = 3800


def esc(value: object) -> str:
    """Escape any value for Telegram's HTML parse mode."""
    return escape(str(value), quote=False)


def units(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def esc_clip(value: object, limit: int) -> str:
    """Escape ``value`` and cut it to at most ``limit`` UTF-16 units of HTML, never inside an
    entity; a cut text ends with 「…」."""
    text = esc(value)
    if units(text) <= limit:
        return text
    pieces, used = [], 1
    for char in str(value):
        piece = esc(char)
        used += units(piece)
        if used > limit:
            break
        pieces.append(piece)
    return "".join(pieces) + "…"


def welcome(name: str) -> str:
    return (
        f"您好，{esc_clip(name, NAME_LIMIT)}！欢迎使用<b>法律顾问服务台</b>。\n\n"
        "您可以直接打字（或用语音转文字）问法律问题，比如：\n"
        "· 「女儿出嫁了还能继承家里的房子吗」\n"
        "· 「有人打电话说我涉嫌洗钱，让我转账」\n"
        "我会马上回答常见问题；回答不了的，会转给值班的法律顾问，他们会在这里回复您。\n\n"
        f"{DISCLAIMER}\n\n"
        "🔒 隐私：我们只保存您发来的问题和回复，用于解答和统计服务次数，不会公开。"
        "发送 /privacy 了解详情。\n\n"
        "也可以点下面的分类，看看大家常问的问题："
    )


def help_text() -> str:
    return (
        "<b>怎么使用</b>\n"
        "· 直接发文字问题就行，说得越具体越好。\n"
        "· /topics 按分类浏览常见问题\n"
        "· /law 民法典 1077 查法律条文（也可以直接发「民法典第1077条」）\n"
        "· 回答下面点「没解决，找法律顾问」，法律顾问会亲自回复您。\n"
        "· 也可以发语音、照片，会转给法律顾问。\n"
        "· /subscribe 订阅每月普法（每月一条），/unsubscribe 退订。\n"
        "· 收到可疑的短信、电话、微信消息，直接转发给我（或复制过来），我帮您看看像不像骗局；"
        "拿不准的转给法律顾问。\n\n"
        "紧急情况（正在被打、被骗正在转账）请立即拨打 <b>110</b>；"
        "反诈劝阻电话 <b>96110</b>；法律援助热线 <b>12348</b>。\n\n"
        f"{DISCLAIMER}"
    )


def faq_answer(entry: FaqEntry) -> str:
    parts = [f"<b>{esc(entry.question)}</b>", "", esc(entry.answer)]
    if entry.basis:
        parts += ["", "📖 法律依据：" + "；".join(esc(b) for b in entry.basis)]
    parts += ["", DISCLAIMER_SHORT]
    return "\n".join(parts)


def clarify() -> str:
    return "我不太确定您问的是哪个问题，请点一下最接近的：\n（都不是的话，点最下面，转给法律顾问）"


def smalltalk(kind: str | None) -> str:
    replies = {
        "greeting": "您好！我是法律顾问服务台的机器人。有什么法律问题，直接打字问我就行。",
        "thanks": "不客气！还有问题随时问我。",
        "acknowledgement": "好的。还有别的问题随时发给我。",
        "bot_question": (
            "我是机器人，会自动回答常见法律问题。我回答不了的，会转给真人法律顾问，"
            "他们上班后在这里回复您。"
        ),
        "farewell": "再见！祝您生活顺心，有事随时来问。",
    }
    return replies.get(kind or "", replies["greeting"])


def not_understood() -> str:
    return "抱歉，我没看懂这条消息。请用文字说一说您遇到的问题，比如「儿子不给赡养费怎么办」。"


def handed_off(case_id: int, next_start: str | None) -> str:
    text = (
        f"您的问题已经记下，编号 <b>#{case_id}</b>，已转给法律顾问。\n"
        "法律顾问会在这里直接回复您，请留意消息。需要补充情况，直接发过来就行。"
    )
    if next_start:
        text += f"\n\n现在不是上班时间，法律顾问{esc(next_start)}上班后会回复您。"
    text += "\n\n紧急情况请拨打 110。"
    return text


def follow_up_added(case_id: int) -> str:
    return f"已补充到您的问题 <b>#{case_id}</b> 里，法律顾问会一起看到。"


def media_received(case_id: int) -> str:
    return f"收到，已转给法律顾问（问题编号 <b>#{case_id}</b>）。法律顾问会在这里回复您。"


def feedback_thanks() -> str:
    return "谢谢您的反馈！还有问题随时问我。"


def flood_notice() -> str:
    return "您发消息太快了，请稍等一分钟再发。您之前发的问题我们都已经收到。"


def unreadable_button() -> str:
    return "这个按钮已经过期了，请重新发您的问题。"


def topics_intro() -> str:
    return "请选择分类："


def category_intro(category: str) -> str:
    return f"<b>{esc(category)}</b>：请选择问题"


def law_article(heading: str, body: str) -> str:
    return f"<b>{esc(heading)}</b>\n\n{esc(body)}"


def law_not_found(query: str) -> str:
    return (
        f"没有找到「{esc_clip(query, 100)}」。请这样写：<code>/law 民法典 1077</code> 或 "
        "<code>/law 反家庭暴力法 23</code>。"
    )


def law_usage() -> str:
    return (
        "查法律条文，请这样发：\n<code>/law 民法典 1077</code>\n<code>/law 反家庭暴力法 23</code>\n"
        "也可以直接发「民法典第1077条」。"
    )


def privacy(retention_months: int) -> str:
    return (
        "<b>隐私说明</b>\n"
        "· 我们保存：您的 Telegram 昵称和编号、您发来的问题和补充、法律顾问的回复，"
        "以及每次咨询的时间。\n"
        "· 用途：回答您的问题、让法律顾问看到您的情况，"
        "并统计服务次数（统计只有数字，没有姓名和内容）。\n"
        "· 只有镇法律顾问和服务台工作人员能看到您的问题。\n"
        f"· 问题和回复的内容保存 {retention_months} 个月，之后自动删除，"
        "只留下不含内容的统计次数。\n"
        "· 每月普法：只有您自己订阅（/subscribe）才会收到，每月一条。"
        "我们只记下您订阅、退订的时间和是否送达，用于发送和统计人数。"
        "发 /unsubscribe 或点消息下的「退订」，马上生效，还没发出的也不再发。\n"
        "· 想删除您的全部资料，发送 /forgetme 。"
    )


MEDIA_LABELS = {
    "voice": "语音",
    "audio": "录音",
    "photo": "照片",
    "document": "文件",
    "video": "视频",
    "video_note": "视频消息",
    "sticker": "表情",
    "location": "位置",
    "contact": "名片",
}


def media_label(kind: str) -> str:
    return MEDIA_LABELS.get(kind, "附件")


# ---------------------------------------------------------------- privacy (/forgetme)

CONFIRM_FORGET = "确认删除"
CANCEL_FORGET = "取消"


def forget_confirm() -> str:
    return (
        "<b>确定要删除您在服务台的全部资料吗？</b>\n"
        "· 您发过的问题、补充和法律顾问的回复都会删除，昵称和 Telegram 编号也不再保存。\n"
        "· 还没处理完的问题会结束，法律顾问就不能再回复您了。\n"
        "· 统计里只留下不含姓名和内容的次数。\n"
        "删除以后不能恢复。"
    )


def forgotten() -> str:
    return "✅ 您的资料已经删除。以后有法律问题，还可以随时发消息问我。"


def forget_cancelled() -> str:
    return "好的，已取消，您的资料没有删除。"


def nothing_to_forget() -> str:
    return "我们这里没有您的资料（可能已经删除过了）。"


def resident_mentions(name: str) -> tuple[str, ...]:
    """How the texts above name a resident to staff (「居民：王大妈」), for /forgetme."""
    if not name:
        return ()
    shown = esc_clip(name, NAME_LIMIT)
    return (f"居民：{shown}", f"居民 {shown} ")


def case_withdrawn(case_id: int) -> str:
    return f"ℹ️ <b>#{case_id}</b> 的居民要求删除个人资料，这个问题已结束，不用再回复。"


def held_answers_note() -> str:
    return "📬 您之前的问题有了回复，因超过 48 小时未能及时送达，现在补发给您："


def answer_waiting(case_id: int) -> str:
    """A held answer's notice (on WeChat its template message, ``answer_waiting_fields``)."""
    return f"📬 您咨询的问题 #{case_id} 法律顾问已经回复。\n请在公众号里发送任意一条消息查看回复。"


def answer_waiting_fields(case_id: int) -> dict[str, str]:
    """The fields of the template message (模板消息) that tells a resident an answer waits:
    first / keyword1 (问题编号) / keyword2 (状态) / remark."""
    return {
        "first": "您咨询的问题法律顾问已经回复。",
        "keyword1": f"#{case_id}",
        "keyword2": "已回复，等待您查看",
        "remark": "请在公众号里发送任意一条消息查看回复。",
    }


def channel_unsupported() -> str:
    return "抱歉，暂时只能处理文字、语音、图片和文件。请直接用文字描述您的问题。"
