"""The office's monthly and yearly report: figures, their shaping, the JSON contract, the use case.

Pure: the database work happens behind :class:`~bot.core.report_queries.ReportQueries`. Definitions,
taken from how the use cases log events:

- questions: QUESTION events plus HANDOFF events with detail "media" (a voice or photo that
  opened a case); residents: distinct residents over those same events.
- faq_answered: FAQ_ANSWER (also answers picked among the choices); clarified: CLARIFY;
  handed_off: HANDOFF (cases opened); undeliverable: ANSWER_UNDELIVERABLE; feedback: FEEDBACK_*.
- adviser_answered: distinct cases with a CASE_ANSWERED event in the period (by_adviser: the same
  per adviser name); open_at_end: cases opened before the end and neither answered nor closed
  before it; first_response_minutes: answered_at - opened_at over cases first answered in the
  period (median and 90th percentile, linear interpolation; None when there are none).
- scam_checks: SCAM_CHECK events (a forwarded or pasted message checked for a scam; not counted
  under questions); scam_checks_by_pattern: the same per detail, a pattern id or "unsure" (handed
  to the adviser flagged 疑似诈骗), every known pattern listed, zeros included.
- by_category: QUESTION events per category of the best-matching entry; those the matcher handed
  off, and media hand-offs, under 转法律顾问; uncategorised under 其他.
- outreach: broadcasts are monthly themes queued in the period (场次); residents_reached: distinct
  residents with a BROADCAST_DELIVERED event; learn_more: LEARN_MORE events (「了解更多」);
  subscribers_at_end: subscriptions begun before the end and not ended before it.
- by_channel: per channel of the residents (Telegram, 微信公众号), every figure above that counts
  residents' activity — all but the first-response times and broadcasts; each summed over the
  channels is the total (see :mod:`bot.core.reports.channels` for which channels are listed).
- Days and months are local calendar days and months in the configured time zone.

No resident names, ids or message texts ever enter a report.
"""

from bot.core.reports.export import figures_json, to_json
from bot.core.reports.figures import (
    ChannelFigures,
    Figures,
    MonthlyReport,
    ScamCount,
    TopEntry,
    YearlyReport,
)
from bot.core.reports.service import ReportService
from bot.core.reports.shaping import OTHER, TRANSFERRED

__all__ = [
    "OTHER",
    "TRANSFERRED",
    "ChannelFigures",
    "Figures",
    "MonthlyReport",
    "ReportService",
    "ScamCount",
    "TopEntry",
    "YearlyReport",
    "figures_json",
    "to_json",
]
