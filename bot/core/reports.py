"""The office's monthly and yearly report: periods, figures, their shaping, and the use case.

Pure: the database work happens behind :class:`~bot.core.ports.ReportQueries`. Definitions,
taken from how the use cases log events:

- questions: QUESTION events plus HANDOFF events with detail "media" (a voice or photo that
  opened a case); residents: distinct residents over those same events.
- faq_answered: FAQ_ANSWER (also answers picked among the choices); clarified: CLARIFY;
  handed_off: HANDOFF (cases opened); undeliverable: ANSWER_UNDELIVERABLE; feedback: FEEDBACK_*.
- adviser_answered: distinct cases with a CASE_ANSWERED event in the period (by_adviser: the same
  per adviser name); open_at_end: cases opened before the end and neither answered nor closed
  before it; first_response_minutes: answered_at - opened_at over cases first answered in the
  period (median and 90th percentile, linear interpolation; None when there are none).
- by_category: QUESTION events per category of the best-matching entry; those the matcher handed
  off, and media hand-offs, under 转法律顾问; uncategorised under 其他.
- Days and months are local calendar days and months in the configured time zone.

No resident names, ids or message texts ever enter a report.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime, tzinfo
from typing import Any

from bot.core.faq import KnowledgeBase
from bot.core.periods import Period, last_complete_month, parse_period
from bot.core.ports import (
    AdviserCount,
    BucketCounts,
    CategoryCount,
    Clock,
    ReportQueries,
    UnitOfWork,
    UnitOfWorkFactory,
)

TRANSFERRED = "转法律顾问"
OTHER = "其他"
TOP_LIMIT = 10
QUANTILES = (0.5, 0.9)  # first-response time: median and 90th percentile


# ---------------------------------------------------------------- values


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


@dataclass(frozen=True, slots=True)
class TopEntry:
    faq_id: str
    question: str
    category: str
    count: int


@dataclass(frozen=True, slots=True)
class MonthlyReport:
    """The figures of one period with their breakdowns (a month, or a year's totals)."""

    period: Period
    figures: Figures
    by_category: tuple[tuple[str, int], ...]
    by_day: tuple[tuple[date, int], ...]
    by_adviser: tuple[tuple[str, int], ...]
    top_entries: tuple[TopEntry, ...]


@dataclass(frozen=True, slots=True)
class YearlyReport(MonthlyReport):
    """A year's totals and breakdowns, plus the figures of each of its twelve months."""

    by_month: tuple[tuple[Period, Figures], ...]


# ---------------------------------------------------------------- shaping


@dataclass(frozen=True, slots=True)
class ResponseTimes:
    """First-response times of the cases first answered in one period, in minutes."""

    cases: int = 0
    median: float | None = None
    p90: float | None = None


def quantile_ranks(count: int, q: float) -> tuple[int, int]:
    """The 0-based ranks of the two sorted values a ``q``-quantile of ``count`` lies between."""
    position = (count - 1) * q
    return math.floor(position), math.ceil(position)


def percentile_of(count: int, q: float, value_at: Callable[[int], float]) -> float | None:
    """The ``q``-quantile (0..1) of ``count`` values, ``value_at(k)`` the k-th smallest, with
    linear interpolation between ranks (PostgreSQL's percentile_cont); None when empty."""
    if count == 0:
        return None
    low, high = quantile_ranks(count, q)
    fraction = (count - 1) * q - low
    return value_at(low) + (value_at(high) - value_at(low)) * fraction


def percentile(values: Iterable[float], q: float) -> float | None:
    ordered = sorted(values)
    return percentile_of(len(ordered), q, ordered.__getitem__)


def response_ranks(counts: Sequence[int]) -> dict[int, list[int]]:
    """Per bucket with answered cases, the ranks the median and the 90th percentile need."""
    return {
        bucket: sorted({rank for q in QUANTILES for rank in quantile_ranks(count, q)})
        for bucket, count in enumerate(counts)
        if count
    }


def response_times(
    counts: Sequence[int], values: Mapping[tuple[int, int], float]
) -> list[ResponseTimes]:
    """Each bucket's median and 90th percentile (rounded to 0.1 minute) from the ranked values."""
    out = []
    for bucket, count in enumerate(counts):
        ranked = {rank: value for (b, rank), value in values.items() if b == bucket}
        median, p90 = (_round(percentile_of(count, q, ranked.__getitem__)) for q in QUANTILES)
        out.append(ResponseTimes(count, median, p90))
    return out


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def total(counts: Iterable[BucketCounts]) -> BucketCounts:
    names = [f.name for f in fields(BucketCounts)]
    sums = dict.fromkeys(names, 0)
    for bucket in counts:
        for name in names:
            sums[name] += getattr(bucket, name)
    return BucketCounts(**sums)


def questions_by_day(
    period: Period, counts: Sequence[BucketCounts]
) -> tuple[tuple[date, int], ...]:
    """Every local day of the period, zeros included, with the questions received that day."""
    days = period.days()
    if len(counts) != len(days):
        raise ValueError(f"{len(counts)} day counts for {len(days)} days")
    return tuple((day, c.questions + c.media_handoffs) for day, c in zip(days, counts, strict=True))


def counts_by_month(period: Period, counts: Sequence[BucketCounts]) -> list[BucketCounts]:
    """Daily counts summed into the period's months."""
    months: dict[tuple[int, int], list[BucketCounts]] = {
        (m.year, m.month or 1): [] for m in period.months()
    }
    for day, bucket in zip(period.days(), counts, strict=True):
        months[(day.year, day.month)].append(bucket)
    return [total(days) for days in months.values()]


def by_category(
    rows: Iterable[CategoryCount], media_handoffs: int, known: Sequence[str]
) -> tuple[tuple[str, int], ...]:
    """Questions per category (every known one, zeros included), most asked first."""
    tally: dict[str, int] = dict.fromkeys(known, 0)
    tally[TRANSFERRED] = media_handoffs
    for row in rows:
        key = TRANSFERRED if row.handed_off else (row.category or OTHER)
        tally[key] = tally.get(key, 0) + row.count
    return tuple(sorted(tally.items(), key=lambda item: -item[1]))


def figures(
    counts: BucketCounts,
    *,
    residents: int,
    answered: int,
    open_at_end: int,
    response: ResponseTimes,
) -> Figures:
    return Figures(
        questions=counts.questions + counts.media_handoffs,
        residents=residents,
        faq_answered=counts.faq_answered,
        clarified=counts.clarified,
        handed_off=counts.handed_off,
        adviser_answered=answered,
        open_at_end=open_at_end,
        undeliverable=counts.undeliverable,
        helpful=counts.helpful,
        not_helpful=counts.not_helpful,
        response_median=response.median,
        response_p90=response.p90,
        response_cases=response.cases,
    )


def top_entries(rows: Iterable[tuple[str, int]], kb: KnowledgeBase) -> tuple[TopEntry, ...]:
    entries = []
    for faq_id, count in rows:
        entry = kb.get(faq_id)
        question = entry.question if entry else f"（已删除的条目 {faq_id}）"
        entries.append(TopEntry(faq_id, question, entry.category if entry else OTHER, count))
    return tuple(entries)


def figures_json(f: Figures) -> dict[str, Any]:
    return {
        "questions": f.questions,
        "residents": f.residents,
        "faq_answered": f.faq_answered,
        "clarified": f.clarified,
        "handed_off": f.handed_off,
        "adviser_answered": f.adviser_answered,
        "open_at_end": f.open_at_end,
        "undeliverable": f.undeliverable,
        "feedback": {"helpful": f.helpful, "not_helpful": f.not_helpful},
        "first_response_minutes": {
            "median": f.response_median,
            "p90": f.response_p90,
            "cases": f.response_cases,
        },
    }


def to_json(report: MonthlyReport) -> dict[str, Any]:
    """The report as JSON-ready data; the keys are a contract with the office's tools."""
    period = report.period
    data: dict[str, Any] = {"year" if period.is_year else "month": period.label}
    data |= {
        "timezone": period.timezone_name,
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        **figures_json(report.figures),
        "by_category": dict(report.by_category),
        "by_day": {day.isoformat(): n for day, n in report.by_day},
        "by_adviser": dict(report.by_adviser),
        "top_entries": [
            {"faq_id": e.faq_id, "question": e.question, "category": e.category, "count": e.count}
            for e in report.top_entries
        ],
    }
    if isinstance(report, YearlyReport):
        data["by_month"] = [{"month": p.label, **figures_json(f)} for p, f in report.by_month]
    return data


# ---------------------------------------------------------------- the use case


class ReportService:
    """Build reports from the log: all queries in one unit of work that is never committed."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        queries: Callable[[UnitOfWork], ReportQueries],
        clock: Clock,
        kb: KnowledgeBase,
        timezone: tzinfo,
    ) -> None:
        self._uow, self._queries, self._clock = uow, queries, clock
        self._kb, self.timezone = kb, timezone

    def period(self, text: str | None) -> Period:
        """What ``/report [arg]`` asks for: the last complete month, ``YYYY-MM`` or ``YYYY``."""
        if text is None or not text.strip():
            return last_complete_month(self._clock.now(), self.timezone)
        return parse_period(text, self.timezone)

    async def build(self, period: Period) -> MonthlyReport:
        """The report of a month (a MonthlyReport) or of a year (a YearlyReport)."""
        months = period.months()
        month_bounds = (*(m.start for m in months), period.end)
        async with self._uow() as uow:
            q = self._queries(uow)
            days = await q.event_counts(period.day_bounds())
            residents = await q.residents(period.start, period.end)
            categories = await q.question_categories(period.start, period.end)
            top = await q.top_entries(period.start, period.end, TOP_LIMIT)
            answered = await q.answered_cases(month_bounds)
            first = await q.first_answers(month_bounds)
            times = await _response(q, month_bounds, first)
            still_open = await q.open_cases(month_bounds[1:])
            if period.is_year:
                monthly_residents = [await q.residents(m.start, m.end) for m in months]
                period_answered = await q.answered_cases((period.start, period.end))
                [period_times] = await _response(q, (period.start, period.end), [sum(first)])
            else:
                monthly_residents, period_answered, [period_times] = [residents], answered, times
        sums = total(days)
        report = MonthlyReport(
            period,
            figures(
                sums,
                residents=residents,
                answered=_cases(period_answered, 0),
                open_at_end=still_open[-1],
                response=period_times,
            ),
            by_category(categories, sums.media_handoffs, self._kb.categories),
            questions_by_day(period, days),
            _by_adviser(period_answered),
            top_entries(top, self._kb),
        )
        if not period.is_year:
            return report
        by_month = tuple(
            (
                month,
                figures(
                    counts,
                    residents=monthly_residents[i],
                    answered=_cases(answered, i),
                    open_at_end=still_open[i],
                    response=times[i],
                ),
            )
            for i, (month, counts) in enumerate(
                zip(months, counts_by_month(period, days), strict=True)
            )
        )
        return YearlyReport(
            report.period,
            report.figures,
            report.by_category,
            report.by_day,
            report.by_adviser,
            report.top_entries,
            by_month,
        )


async def _response(
    q: ReportQueries, bounds: Sequence[datetime], counts: Sequence[int]
) -> list[ResponseTimes]:
    ranks = response_ranks(counts)
    values = await q.response_minutes(bounds, ranks) if ranks else {}
    return response_times(counts, values)


def _cases(rows: Iterable[AdviserCount], bucket: int) -> int:
    return sum(r.cases for r in rows if r.bucket == bucket and r.adviser is None)


def _by_adviser(rows: Iterable[AdviserCount]) -> tuple[tuple[str, int], ...]:
    named = [(r.adviser, r.cases) for r in rows if r.adviser is not None]
    return tuple(sorted(named, key=lambda item: (-item[1], item[0])))
