"""Reviewing what the FAQ missed, so the office can add alternates or new entries.

A miss is a question the desk handed to the adviser because nothing matched well enough
(a HANDOFF event; voice and photos excepted, and the 「没解决」 hand-offs, which are counted once
as not helpful) or an answer the resident marked 「没解决」 (FEEDBACK_NOT_HELPFUL). Each miss is
matched again against today's FAQ and grouped under its nearest entry with the score, most
frequent entries first: a group of near misses asks for alternates, the group without any close
entry for new entries. Pure: storage reads the events, the caller passes the matcher.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo

from bot.core.desk import is_blank
from bot.core.matching.matcher import Matcher
from bot.core.privacy import REDACTED

HANDOFF, NOT_HELPFUL = "handoff", "not_helpful"
SOURCE_LABELS = {HANDOFF: "转人工", NOT_HELPFUL: "没解决"}
REASON_LABELS = {
    "no_match": "没匹配上",
    "case_specific": "个案请求",
    "empty": "看不懂",
    "uncovered": "FAQ没有的主题",
}
NO_ENTRY = "（没有接近的条目）"
_TEXT_WIDTH = 100  # terminal columns for a question in the table


@dataclass(frozen=True, slots=True)
class MissEvent:
    """One logged miss as storage reads it: when, which kind, why, and the question's text."""

    at: datetime
    source: str  # HANDOFF | NOT_HELPFUL
    reason: str | None  # the hand-off's reason: no_match, case_specific, empty, not_solved ...
    text: str | None


@dataclass(frozen=True, slots=True)
class Nearest:
    faq_id: str
    question: str
    score: float


@dataclass(frozen=True, slots=True)
class Miss:
    at: datetime  # local time
    source: str
    reason: str | None
    text: str
    score: float | None  # against the group's entry; None when nothing was close


@dataclass(frozen=True, slots=True)
class MissGroup:
    faq_id: str | None
    question: str | None
    misses: tuple[Miss, ...]


def miss_text(
    source: str,
    *,
    case_question: str | None,
    next_kind: str | None,
    next_text: str | None,
    next_case_question: str | None,
    previous_question: str | None,
) -> str | None:
    """The question a logged miss is about.

    A hand-off: its case's question. 「没解决」: what the same use case logged right after it —
    the case it opened (a HANDOFF) or the follow-up it added to an open case (a FOLLOW_UP with
    the text); failing those, the resident's preceding question.
    """
    if source == HANDOFF:
        return case_question or previous_question
    if next_kind == "handoff" and next_case_question:
        return next_case_question
    if next_kind == "follow_up" and next_text:
        return next_text
    return previous_question


def nearest_with(matcher: Matcher) -> Callable[[str], Nearest | None]:
    """The nearest FAQ entry of a text, by the desk's own matcher."""

    def nearest(text: str) -> Nearest | None:
        result = matcher.match(text)
        best = result.candidates[0] if result.candidates else result.best
        return Nearest(best.faq_id, best.question, round(best.score, 1)) if best else None

    return nearest


def review(
    events: Iterable[MissEvent], nearest: Callable[[str], Nearest | None], timezone: tzinfo
) -> list[MissGroup]:
    """Group the misses by nearest entry: biggest groups first, best scores first within."""
    groups: dict[str | None, tuple[str | None, list[Miss]]] = {}
    for event in events:
        text = (event.text or "").strip()
        if not text or text == REDACTED or is_blank(text):
            continue  # deleted on request, past the retention period, or nothing to read
        near = nearest(text)
        key = near.faq_id if near else None
        question = near.question if near else None
        miss = Miss(
            event.at.astimezone(timezone),
            event.source,
            event.reason,
            text,
            near.score if near else None,
        )
        groups.setdefault(key, (question, []))[1].append(miss)
    shaped = [
        MissGroup(key, question, tuple(sorted(misses, key=lambda m: (-(m.score or 0), m.at))))
        for key, (question, misses) in groups.items()
    ]
    return sorted(
        shaped,
        key=lambda g: (g.faq_id is None, -len(g.misses), -(g.misses[0].score or 0), g.faq_id or ""),
    )


def total(groups: Sequence[MissGroup]) -> int:
    return sum(len(g.misses) for g in groups)


# ---------------------------------------------------------------- rendering

CSV_HEADER = ["月份", "最接近的条目", "条目问题", "分数", "来源", "原因", "时间", "居民的问题"]


def to_csv(groups: Sequence[MissGroup], label: str) -> bytes:
    """One row per miss, grouped as in :func:`review`; UTF-8 with BOM so Excel shows Chinese."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    for group in groups:
        for miss in group.misses:
            writer.writerow(
                [
                    label,
                    group.faq_id or "",
                    group.question or NO_ENTRY,
                    "" if miss.score is None else f"{miss.score:.1f}",
                    SOURCE_LABELS.get(miss.source, miss.source),
                    _reason(miss),
                    miss.at.strftime("%Y-%m-%d %H:%M"),
                    miss.text,
                ]
            )
    return buffer.getvalue().encode("utf-8-sig")


def to_table(groups: Sequence[MissGroup], label: str) -> str:
    """A plain-text review list for the terminal."""
    count = total(groups)
    lines = [f"FAQ 没答上的问题 · {label}（共 {count} 条，按最接近的条目分组）"]
    if not count:
        return lines[0] + "\n\n  （本月没有转人工或「没解决」的问题）"
    for group in groups:
        head = f"{group.faq_id}  {group.question}" if group.faq_id else NO_ENTRY
        lines += ["", f"▶ {head}（{len(group.misses)} 条）"]
        for miss in group.misses:
            score = "   -" if miss.score is None else f"{miss.score:4.0f}"
            source = SOURCE_LABELS.get(miss.source, miss.source)
            if miss.reason:
                source += f"·{_reason(miss)}"
            when = miss.at.strftime("%m-%d %H:%M")
            lines.append(f"  {score}  {source}  {when}  {_clip(miss.text)}")
    return "\n".join(lines)


def _reason(miss: Miss) -> str:
    return REASON_LABELS.get(miss.reason or "", miss.reason or "")


def _clip(text: str) -> str:
    """One line of at most _TEXT_WIDTH columns (CJK characters count two)."""
    flat = " ".join(text.split())
    out: list[str] = []
    width = 0
    for char in flat:
        width += 2 if unicodedata.east_asian_width(char) in "WF" else 1
        if width > _TEXT_WIDTH:
            return "".join(out) + "…"
        out.append(char)
    return "".join(out)
