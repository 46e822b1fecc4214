"""Every sentence the desk says, in Simplified Chinese, rendered as Telegram HTML.

Rendering lives in the core (not in the Telegram adapter) because messages are stored in the
outbox inside the use case's transaction, and the terminal shell shows the very same texts.
All interpolated values pass through :func:`esc`.
"""

from __future__ import annotations

from datetime import datetime
from html import escape

from bot.core.faq import FaqEntry
from bot.core.ports import Case, CaseMessage
from bot.core.roster import StaffMember

DISCLAIMER = "我是法律顾问服务台的自动回复机器人，回答是一般法律知识，仅供参考，不是正式法律意见。"
DISCLAIMER_SHORT = "（机器人自动回复，仅供参考，不是正式法律意见）"

HELPFUL = "👍 有帮助"
NOT_SOLVED = "🙋 没解决，找法律顾问"
NONE_OF_THESE = "都不是，找法律顾问"
BACK_TO_TOPICS = "« 返回分类"


def esc(value: object) -> str:
    """Escape any value for Telegram's HTML parse mode."""
    return escape(str(value), quote=False)


def welcome(name: str) -> str:
    return (
        f"您好，{esc(name)}！欢迎使用<b>法律顾问服务台</b>。\n\n"
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
        "· 也可以发语音、照片，会转给法律顾问。\n\n"
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
        f"没有找到「{esc(query)}」。请这样写：<code>/law 民法典 1077</code> 或 "
        "<code>/law 反家庭暴力法 23</code>。"
    )


def law_usage() -> str:
    return (
        "查法律条文，请这样发：\n<code>/law 民法典 1077</code>\n<code>/law 反家庭暴力法 23</code>\n"
        "也可以直接发「民法典第1077条」。"
    )


def privacy() -> str:
    return (
        "<b>隐私说明</b>\n"
        "· 我们保存：您的 Telegram 昵称和编号、您发来的问题和补充、法律顾问的回复，"
        "以及每次咨询的时间。\n"
        "· 用途：回答您的问题、让法律顾问看到您的情况，并统计服务次数（统计只有数字，没有姓名和内容）。\n"
        "· 只有镇法律顾问和服务台工作人员能看到您的问题。\n"
        "· 问题内容保存一段时间后会自动删除。\n"
        "· 想删除您的全部资料，发送 /forgetme 。"
    )


MEDIA_LABELS = {
    "voice": "语音", "audio": "录音", "photo": "照片", "document": "文件", "video": "视频",
    "video_note": "视频消息", "sticker": "表情", "location": "位置", "contact": "名片",
}


def media_label(kind: str) -> str:
    return MEDIA_LABELS.get(kind, "附件")


def waited(opened_at: datetime, now: datetime) -> str:
    minutes = max(0, int((now - opened_at).total_seconds() // 60))
    if minutes < 1:
        return "刚刚"
    if minutes < 60:
        return f"{minutes}分钟"
    hours, rest = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}小时{rest}分钟" if rest else f"{hours}小时"
    days, hours = divmod(hours, 24)
    return f"{days}天{hours}小时" if hours else f"{days}天"


def case_notice(case_id: int, name: str, question: str, opened_at: datetime, now: datetime) -> str:
    return (
        f"🆕 新问题 <b>#{case_id}</b>\n"
        f"居民：{esc(name)}\n"
        f"已等待：{waited(opened_at, now)}\n\n"
        f"{esc(question)}\n\n"
        f"点「认领 #{case_id}」，然后<b>回复这条消息</b>作答，或发 /answer {case_id} 回复内容"
    )


def case_follow_up(case_id: int, name: str, text: str | None) -> str:
    body = esc(text) if text else "（附件见下）"
    return f"💬 <b>#{case_id}</b> 居民 {esc(name)} 补充：\n{body}"


def answer_delivered(case_id: int) -> str:
    return f"✅ #{case_id} 的回复已送达居民。"


def delivery_failure_reason(outcome: str) -> str:
    return {
        "blocked": "居民已屏蔽机器人，无法送达",
        "rejected": "Telegram 拒收了这条消息",
        "retry": "多次重试仍未发出",
    }.get(outcome, "发送失败")


def answer_not_delivered(case_id: int, reason: str) -> str:
    return f"⚠️ #{case_id} 的回复没有送达：{esc(reason)}。已标记为无法送达，可考虑电话联系居民。"


# ---------------------------------------------------------------- advisers and office

STATUS_LABELS = {"open": "待认领", "claimed": "已认领", "answered": "已答复", "closed": "已结束"}


def claimed(case_id: int, name: str) -> str:
    return (
        f"✅ 您已认领 <b>#{case_id}</b>（居民：{esc(name)}）。\n"
        f"请<b>回复</b>该问题的消息作答，或发 /answer {case_id} 回复内容"
    )


def already_yours(case_id: int) -> str:
    return f"#{case_id} 已经是您认领的问题。"


def answer_usage() -> str:
    return "用法：/answer 编号 回复内容，例如：/answer 17 您好，关于赡养费……"


def answer_too_long(limit: int) -> str:
    return f"回复太长了（最多 {limit} 字），请分几条发送。"


def adviser_answer(case_id: int, text: str) -> str:
    body = esc(text) if text else "（见附件）"
    return (
        f"👩‍⚖️ <b>法律顾问回复（#{case_id}）</b>：\n{body}\n\n"
        "还有疑问可以直接回复补充，法律顾问会继续看到。"
    )


def not_a_case_message() -> str:
    return (
        "这条消息不是居民问题的通知，无法作答。请回复带「#编号」的新问题消息，"
        "或发 /answer 编号 回复内容。"
    )


def adviser_hint() -> str:
    return (
        "您是服务台工作人员。要回复居民，请<b>回复</b>对应的问题消息，或发 /answer 编号 内容。\n"
        "/queue 待处理问题 · /case 编号 查看详情 · /claim 编号 认领 · /close 编号 结束 · /duty 值班"
    )


def closed_confirm(case_id: int) -> str:
    return f"#{case_id} 已结束。"


def case_closed(case_id: int) -> str:
    return (
        f"您的问题 <b>#{case_id}</b> 已处理完毕。如果还有新的问题，直接发给我就行。"
    )


def queue(cases: list[Case], now: datetime) -> str:
    if not cases:
        return "目前没有待处理的问题。👍"
    lines = [f"<b>待处理问题（{len(cases)}）</b>，最早的在前："]
    for case in cases:
        holder = f"，{esc(case.claimed_by_name)}" if case.claimed_by_name else ""
        lines.append(
            f"#{case.id} [{STATUS_LABELS[case.status.value]}{holder}] 等待 {waited(case.opened_at, now)}"
            f"：{esc(_short(case.question))}"
        )
    return "\n".join(lines)


def case_thread(case: Case, name: str, messages: list[CaseMessage], now: datetime) -> str:
    lines = [
        f"<b>#{case.id}</b> [{STATUS_LABELS[case.status.value]}] 居民：{esc(name)}",
        f"提出于 {waited(case.opened_at, now)}前" + (
            f"，{esc(case.claimed_by_name)} 认领" if case.claimed_by_name else ""),
    ]
    if case.undeliverable:
        lines.append("⚠️ 回复无法送达（居民已屏蔽机器人）")
    for m in messages:
        who = "居民" if m.author == "resident" else "顾问"
        media = f"[{media_label(m.media_kind)}] " if m.media_kind else ""
        lines.append(f"— {who}（{waited(m.at, now)}前）：{media}{esc(m.text or '')}")
    return "\n".join(lines)


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def duty_usage() -> str:
    return "用法：/duty 查看值班；/duty on 开始值班；/duty off 结束值班（到下一个班次为止）。"


def duty_status(on_duty: tuple[StaffMember, ...], next_start: str | None) -> str:
    if on_duty:
        names = "、".join(esc(m.name) for m in on_duty)
        text = f"现在值班：{names}"
    else:
        text = "现在没有法律顾问值班。"
    if next_start:
        text += f"\n下一个班次：{esc(next_start)}"
    return text


def unclaimed_reminder(case_id: int, name: str, question: str, opened_at: datetime,
                       now: datetime) -> str:
    return "⏰ <b>还没有人认领</b>\n" + case_notice(case_id, name, question, opened_at, now)


def unanswered_reminder(case_id: int, holder: str, opened_at: datetime, now: datetime) -> str:
    return (
        f"⏰ <b>#{case_id}</b> 由 {esc(holder)} 认领后还没有答复，居民已等待 {waited(opened_at, now)}。"
        f"\n请尽快用 /answer {case_id} 回复，或 /case {case_id} 查看详情。"
    )


def shift_digest(cases: list[Case], now: datetime) -> str:
    lines = [f"☀️ 上班好！有 <b>{len(cases)}</b> 个问题在等待认领，最早的在前："]
    for case in cases:
        lines.append(f"#{case.id} 等待 {waited(case.opened_at, now)}：{esc(_short(case.question))}")
    return "\n".join(lines)
