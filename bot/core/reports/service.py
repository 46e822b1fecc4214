"""The report use case: read every aggregate in one unit of work and shape the report."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, tzinfo

from bot.core.faq import KnowledgeBase
from bot.core.periods import Period, last_complete_month, parse_period
from bot.core.ports import Clock, UnitOfWork, UnitOfWorkFactory
from bot.core.report_queries import AdviserCount, ReportQueries
from bot.core.reports.channels import by_channel
from bot.core.reports.figures import MonthlyReport, YearlyReport
from bot.core.reports.shaping import (
    ResponseTimes,
    by_category,
    counts_by_month,
    figures,
    questions_by_day,
    response_ranks,
    response_times,
    scam_checks,
    top_entries,
    total,
)

TOP_LIMIT = 10


class ReportService:
    """Build reports from the log: all queries in one unit of work that is never committed."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        queries: Callable[[UnitOfWork], ReportQueries],
        clock: Clock,
        kb: KnowledgeBase,
        timezone: tzinfo,
        scam_patterns: Sequence[tuple[str, str]] = (),
    ) -> None:
        """``scam_patterns``: (id, name) of every scam pattern, listed in reports with zeros."""
        self._uow, self._queries, self._clock = uow, queries, clock
        self._kb, self.timezone = kb, timezone
        self._scam_patterns = tuple(scam_patterns)

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
            scams = await q.scam_checks(period.start, period.end)
            answered = await q.answered_cases(month_bounds)
            first = await q.first_answers(month_bounds)
            times = await _response(q, month_bounds, first)
            still_open = await q.open_cases(month_bounds[1:])
            [outreach] = await q.outreach((period.start, period.end))
            channels = await q.by_channel(period.start, period.end)
            monthly_outreach = await q.outreach(month_bounds) if period.is_year else [outreach]
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
                outreach=outreach,
            ),
            by_category(categories, sums.media_handoffs, self._kb.categories),
            questions_by_day(period, days),
            _by_adviser(period_answered),
            top_entries(top, self._kb),
            scam_checks(scams, self._scam_patterns),
            by_channel(channels),
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
                    outreach=monthly_outreach[i],
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
            report.scam_checks,
            report.by_channel,
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
