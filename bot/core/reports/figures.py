"""What a report holds: the figures of a period, its breakdowns, and a year's months."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.core.periods import Period


@dataclass(frozen=True, slots=True)
class Figures:
    """The scalar figures of one period (names as in the JSON contract)."""

    questions: int = 0
    residents: int = 0
    faq_answered: int = 0
    clarified: int = 0
    handed_off: int = 0
    adviser_answered: int = 0
    open_at_end: int = 0
    undeliverable: int = 0
    helpful: int = 0
    not_helpful: int = 0
    response_median: float | None = None
    response_p90: float | None = None
    response_cases: int = 0  # how many answered cases the two times are taken over
    scam_checks: int = 0  # messages checked for a scam (warned, or handed to the adviser)
    broadcasts: int = 0  # monthly themes queued (场次)
    reached: int = 0  # distinct residents a theme was delivered to
    learn_more: int = 0  # 「了解更多」 presses under a theme
    subscribers: int = 0  # subscribed at the end of the period


@dataclass(frozen=True, slots=True)
class TopEntry:
    faq_id: str
    question: str
    category: str
    count: int


@dataclass(frozen=True, slots=True)
class ScamCount:
    """Scam checks of one pattern (``pattern`` is its id, or "unsure": handed to the adviser)."""

    pattern: str
    name: str
    count: int


@dataclass(frozen=True, slots=True)
class ChannelFigures:
    """One channel's share of the period's figures: those that count residents' activity.

    Each of them summed over a report's channels is the report's total. Not per channel (left
    at None or 0 in ``figures``): the first-response times, which measure the advisers, and
    ``broadcasts``, a theme being queued once for every channel.
    """

    channel: str  # "telegram", "wechat", ... or "unknown": events that name no resident
    name: str  # shown to the office: Telegram, 微信公众号
    figures: Figures


@dataclass(frozen=True, slots=True)
class MonthlyReport:
    """The figures of one period with their breakdowns (a month, or a year's totals)."""

    period: Period
    figures: Figures
    by_category: tuple[tuple[str, int], ...]
    by_day: tuple[tuple[date, int], ...]
    by_adviser: tuple[tuple[str, int], ...]
    top_entries: tuple[TopEntry, ...]
    scam_checks: tuple[ScamCount, ...]  # every known pattern (zeros too) and "unsure"
    by_channel: tuple[ChannelFigures, ...]  # every channel of the desk (zeros too), then others


@dataclass(frozen=True, slots=True)
class YearlyReport(MonthlyReport):
    """A year's totals and breakdowns, plus the figures of each of its twelve months."""

    by_month: tuple[tuple[Period, Figures], ...]
