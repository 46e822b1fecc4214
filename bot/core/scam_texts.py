"""What the desk says to a resident after a scam check, in Simplified Chinese (Telegram HTML).

Every text stays short (about 300 characters): an elderly reader with a suspicious message in hand
needs the three things not to do and a number to call, not a lecture.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.scams import ScamPattern, ScamVerdict
from bot.core.texts import esc

SUSPECTED_FRAUD = "疑似诈骗"  # the flag on a case handed to the adviser
NEVER_DO = "千万不要转账、不要说验证码、不要点链接。拿不准就打 96110 反诈专线或 110。"
ASK_ADVISER = "🙋 还是拿不准，找法律顾问"  # the button under a warning
NO_GUARANTEE = "机器人只能提醒，不能保证一条消息安全；拿不准的请找法律顾问。"


def scam_warning(pattern: ScamPattern, basis: Sequence[str] = ()) -> str:
    """The warning for a message that looks like ``pattern``; ``basis`` is its entry's basis."""
    parts = [f"⚠️ 这很像「{esc(pattern.name)}」骗局。"]
    parts += [esc(line) for line in pattern.advice]
    parts.append(f"<b>{NEVER_DO}</b>")
    if basis:
        parts.append("📖 法律依据：" + "；".join(esc(b) for b in basis))
    parts.append(NO_GUARANTEE)
    return "\n".join(parts)


def scam_unsure(case_id: int | None = None, next_start: str | None = None) -> str:
    """What the resident reads when the message goes to the adviser (never "it is safe").

    ``case_id``: the case it went into; ``next_start``: when advisers start work, if they are off.
    """
    numbered = f"（编号 <b>#{case_id}</b>）" if case_id is not None else ""
    text = f"⚠️ 这条消息我拿不准是不是骗局，已经转给法律顾问帮您看{numbered}，请等回复。\n"
    if next_start:
        text += f"现在不是上班时间，法律顾问{esc(next_start)}上班后会回复您。\n"
    return text + f"<b>在这之前：{NEVER_DO}</b>\n{NO_GUARANTEE}"


def adviser_flag(verdict: ScamVerdict) -> str:
    """The line that marks a handed-off case as a scam check, with the pattern it looks like (if
    any) and the cues found."""
    cues = "、".join(r for r in verdict.reasons if not r.startswith("-"))[:120]
    named = f"：像「{esc(verdict.pattern.name)}」" if verdict.pattern is not None else ""
    return f"🚩 {SUSPECTED_FRAUD}{named}" + (f"（线索：{esc(cues)}）" if cues else "")
