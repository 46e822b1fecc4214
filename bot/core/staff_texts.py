"""What the desk says to advisers and office staff (Simplified Chinese, Telegram HTML).

Residents' texts live in :mod:`bot.core.texts`; both escape every interpolated value.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.core.errors import (
    AlreadyClaimed,
    CaseClosed,
    CaseNotFound,
    DeskError,
    InvalidRequest,
    NotAllowed,
)
from bot.core.ports import Case, CaseMessage
from bot.core.roster import StaffMember
from bot.core.texts import NAME_LIMIT, QUOTE_LIMIT, THREAD_LIMIT, esc, esc_clip, media_label, units


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


def case_notice(
    case_id: int,
    name: str,
    question: str,
    opened_at: datetime,
    now: datetime,
    flag: str | None = None,
) -> str:
    """A new case for the advisers; ``flag`` (HTML, e.g. 🚩 疑似诈骗) goes on its first line."""
    return (
        f"🆕 新问题 <b>#{case_id}</b>\n"
        + (f"{flag}\n" if flag else "")
        + f"居民：{esc_clip(name, NAME_LIMIT)}\n"
        f"已等待：{waited(opened_at, now)}\n\n"
        f"{_quote(question)}\n\n"
        f"点「认领 #{case_id}」，然后<b>回复这条消息</b>作答，或发 /answer {case_id} 回复内容"
    )


def case_follow_up(case_id: int, name: str, text: str | None, flag: str | None = None) -> str:
    body = _quote(text) if text else "（附件见下）"
    head = f"💬 <b>#{case_id}</b> 居民 {esc_clip(name, NAME_LIMIT)} 补充：\n"
    return head + (f"{flag}\n" if flag else "") + body


def _quote(text: str) -> str:
    """A resident's message for the adviser, cut if it would not fit in one message."""
    full = esc(text)
    if units(full) <= QUOTE_LIMIT:
        return full
    return esc_clip(text, QUOTE_LIMIT) + f"\n（共 {len(text)} 字，太长未全部显示）"


def _fit(head: list[str], lines: list[str], *, newest_last: bool, note: str) -> str:
    """``head`` and as many of ``lines`` as fit in one message; ``note`` (with {n}) says how
    many were left out. Keeps the last lines if ``newest_last``, else the first."""
    budget = THREAD_LIMIT - units("\n".join(head)) - units(note) - 8
    kept: list[str] = []
    for line in reversed(lines) if newest_last else lines:
        budget -= units(line) + 1
        if budget < 0:
            break
        kept.append(line)
    if newest_last:
        kept.reverse()
    hidden = len(lines) - len(kept)
    if hidden and newest_last:
        head = [*head, note.format(n=hidden)]
    elif hidden:
        kept.append(note.format(n=hidden))
    return "\n".join(head + kept)


def answer_delivered(case_id: int) -> str:
    return f"✅ #{case_id} 的回复已送达居民。"


def answer_held(case_id: int) -> str:
    return (
        f"⏳ #{case_id} 的居民超过 48 小时没有在微信上发消息，微信暂不允许主动发送。"
        "回复已保存，居民下次发消息时会立即送达。"
    )


def delivery_failure_reason(outcome: str) -> str:
    return {
        "blocked": "居民已屏蔽机器人，无法送达",
        "rejected": "Telegram 拒收了这条消息",
        "retry": "多次重试仍未发出",
    }.get(outcome, "发送失败")


def answer_not_delivered(case_id: int, reason: str) -> str:
    return f"⚠️ #{case_id} 的回复没有送达：{esc(reason)}。已标记为无法送达，可考虑电话联系居民。"


STATUS_LABELS = {"open": "待认领", "claimed": "已认领", "answered": "已答复", "closed": "已结束"}


def claimed(case_id: int, name: str) -> str:
    return (
        f"✅ 您已认领 <b>#{case_id}</b>（居民：{esc_clip(name, NAME_LIMIT)}）。\n"
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
    return f"您的问题 <b>#{case_id}</b> 已处理完毕。如果还有新的问题，直接发给我就行。"


def queue(cases: list[Case], now: datetime) -> str:
    if not cases:
        return "目前没有待处理的问题。👍"
    head = [f"<b>待处理问题（{len(cases)}）</b>，最早的在前："]
    lines = []
    for case in cases:
        holder = f"，{esc(case.claimed_by_name)}" if case.claimed_by_name else ""
        lines.append(
            f"#{case.id} [{STATUS_LABELS[case.status.value]}{holder}] "
            f"等待 {waited(case.opened_at, now)}：{esc(_short(case.question))}"
        )
    return _fit(head, lines, newest_last=False, note="……还有 {n} 个问题没有列出")


def case_thread(case: Case, name: str, messages: list[CaseMessage], now: datetime) -> str:
    head = [
        f"<b>#{case.id}</b> [{STATUS_LABELS[case.status.value]}] "
        f"居民：{esc_clip(name, NAME_LIMIT)}",
        f"提出于 {waited(case.opened_at, now)}前"
        + (f"，{esc(case.claimed_by_name)} 认领" if case.claimed_by_name else ""),
    ]
    if case.undeliverable:
        head.append("⚠️ 回复无法送达（居民已屏蔽机器人）")
    lines = []
    for m in messages:
        who = "居民" if m.author == "resident" else "顾问"
        media = f"[{media_label(m.media_kind)}] " if m.media_kind else ""
        lines.append(f"— {who}（{waited(m.at, now)}前）：{media}{esc_clip(m.text or '', 1500)}")
    return _fit(head, lines, newest_last=True, note="（较早的 {n} 条消息没有显示）")


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


def unclaimed_reminder(
    case_id: int, name: str, question: str, opened_at: datetime, now: datetime
) -> str:
    return "⏰ <b>还没有人认领</b>\n" + case_notice(case_id, name, question, opened_at, now)


def unanswered_reminder(case_id: int, holder: str, opened_at: datetime, now: datetime) -> str:
    return (
        f"⏰ <b>#{case_id}</b> 由 {esc(holder)} 认领后还没有答复，"
        f"居民已等待 {waited(opened_at, now)}。"
        f"\n请尽快用 /answer {case_id} 回复，或 /case {case_id} 查看详情。"
    )


def shift_digest(cases: list[Case], now: datetime) -> str:
    lines = [f"☀️ 上班好！有 <b>{len(cases)}</b> 个问题在等待认领，最早的在前："]
    for case in cases:
        lines.append(f"#{case.id} 等待 {waited(case.opened_at, now)}：{esc(_short(case.question))}")
    return "\n".join(lines)


def console_off() -> str:
    return "网页工作台还没有开启（需要在设置里填写 web.base_url），请联系管理员。"


def console_link(url: str, valid: timedelta) -> str:
    minutes = int(valid.total_seconds() // 60)
    return (
        "🔐 网页工作台登录链接（仅限本人使用，"
        f"{minutes} 分钟内有效，只能用一次，请勿转发）：\n{esc(url)}"
    )


def console_case_link(url: str) -> str:
    return f"\n🖥 网页处理：{esc(url)}"


def file_not_fetched(kind: str, reason: str) -> str:
    """Appended to a notice whose file (another channel's, such as a WeChat voice) could not be
    fetched for this chat: the case is there all the same."""
    label = media_label(kind)
    if reason == "expired":
        why = "微信只保存 3 天，已经过期"
    elif reason == "too_big":
        why = "文件太大"
    else:
        why = "暂时取不到"
    return f"\n⚠️ 居民发来的{label}没能转过来（{why}）。可以在网页控制台再试，或请居民重新发送。"


def claim_usage() -> str:
    return "用法：/claim 编号，例如 /claim 17"


def close_usage() -> str:
    return "用法：/close 编号，例如 /close 17"


def case_usage() -> str:
    return "用法：/case 编号，例如 /case 17"


def staff_hint() -> str:
    """For staff on a channel without replies to a message (WeChat): the commands."""
    return (
        "您是服务台工作人员，可以发送：\n"
        "/queue 待处理问题 · /case 编号 查看详情 · /claim 编号 认领\n"
        "/answer 编号 内容 回复居民 · /close 编号 结束 · /duty 值班（/duty on、/duty off）\n"
        "/console 网页工作台登录链接"
    )


def held_notices_note() -> str:
    return "📬 您超过 48 小时没有给公众号发消息，期间的服务台通知微信没有送出，现在补发给您："


def refusal(error: DeskError) -> str:
    """Friendly text for an expected failure of a staff action, on every channel."""
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
