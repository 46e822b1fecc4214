"""Report shaping: pure functions that turn the database's aggregates into a report's figures."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date

from bot.core.faq import KnowledgeBase
from bot.core.periods import Period
from bot.core.report_queries import BucketCounts, CategoryCount, OutreachCounts
from bot.core.reports.figures import Figures, ScamCount, TopEntry
from bot.core.scams import UNSURE_DETAIL

TRANSFERRED = "转法律顾问"
OTHER = "其他"
SCAM_UNSURE = "拿不准，转法律顾问"  # scam checks no pattern was named for
QUANTILES = (0.5, 0.9)  # first-response time: median and 90th percentile


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
    outreach: OutreachCounts | None = None,
) -> Figures:
    outreach = outreach or OutreachCounts()
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
        scam_checks=counts.scam_checks,
        broadcasts=outreach.broadcasts,
        reached=outreach.reached,
        learn_more=outreach.learn_more,
        subscribers=outreach.subscribers,
    )


def top_entries(rows: Iterable[tuple[str, int]], kb: KnowledgeBase) -> tuple[TopEntry, ...]:
    entries = []
    for faq_id, count in rows:
        entry = kb.get(faq_id)
        question = entry.question if entry else f"（已删除的条目 {faq_id}）"
        entries.append(TopEntry(faq_id, question, entry.category if entry else OTHER, count))
    return tuple(entries)


def scam_checks(
    rows: Iterable[tuple[str, int]], patterns: Sequence[tuple[str, str]]
) -> tuple[ScamCount, ...]:
    """Scam checks per pattern: every known pattern (``(id, name)``, zeros included), those
    handed to the adviser, and patterns no longer in the data (by id); most first."""
    tally = {pattern_id: 0 for pattern_id, _ in patterns} | {UNSURE_DETAIL: 0}
    names = dict(patterns) | {UNSURE_DETAIL: SCAM_UNSURE}
    for pattern_id, count in rows:
        tally[pattern_id] = tally.get(pattern_id, 0) + count
    ordered = sorted(tally.items(), key=lambda item: -item[1])  # stable: the data's order
    return tuple(ScamCount(p, names.get(p, p), n) for p, n in ordered)
