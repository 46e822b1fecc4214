"""A report as JSON-ready data: the contract with the office's tools."""

from __future__ import annotations

from typing import Any

from bot.core.reports.figures import ChannelFigures, Figures, MonthlyReport, YearlyReport


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
        "scam_checks": f.scam_checks,
        "outreach": {
            "broadcasts": f.broadcasts,
            "residents_reached": f.reached,
            "learn_more": f.learn_more,
            "subscribers_at_end": f.subscribers,
        },
    }


def channel_json(c: ChannelFigures) -> dict[str, Any]:
    """A channel's figures under the same keys as the totals, without those that are not per
    channel (response times measure the advisers; a theme goes to every channel)."""
    data = figures_json(c.figures)
    del data["first_response_minutes"]
    del data["outreach"]["broadcasts"]
    return {"name": c.name, **data}


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
        "scam_checks_by_pattern": {s.pattern: s.count for s in report.scam_checks},
        "by_channel": {c.channel: channel_json(c) for c in report.by_channel},
    }
    if isinstance(report, YearlyReport):
        data["by_month"] = [{"month": p.label, **figures_json(f)} for p, f in report.by_month]
    return data
