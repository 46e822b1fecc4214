"""The report's per-channel SQL: each figure of a period grouped by the channel of the resident.

The conditions are the totals' own (``report_events``); an event is attributed through its
``resident_id`` to that resident's channel (an outer join: events naming no resident form the
NULL group), a case through its resident. Five statements, run in the report's transaction: the
logged events (sums), those counted by distinct values (cases answered, residents reached), the
residents who asked, the cases open at the end, the subscribers at the end.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Executable, and_, case, distinct, exists, func, or_, select

from bot.core.interactions import EventKind
from bot.core.report_queries import BucketCounts, ChannelCounts, OutreachCounts
from bot.storage.models import ResidentRow, SubscriptionRow
from bot.storage.report_events import COUNTED, COUNTED_KINDS, C, E, asked, kind_is, still_open

R = ResidentRow
Run = Callable[[Executable], Awaitable[Any]]

# Besides COUNTED's kinds: 「了解更多」 presses; then the kinds counted by distinct values.
_SUMMED_KINDS = [k.value for k in (*COUNTED_KINDS, EventKind.LEARN_MORE)]
_DISTINCT_KINDS = [EventKind.CASE_ANSWERED.value, EventKind.BROADCAST_DELIVERED.value]


def _tally(*conditions: ColumnElement[bool]) -> Any:
    return func.sum(case((and_(*conditions), 1), else_=0))


async def channel_counts(run: Run, start: datetime, end: datetime) -> list[ChannelCounts]:
    """:meth:`~bot.core.report_queries.ReportQueries.by_channel` with ``run`` executing."""
    # Sums only, so PostgreSQL can hash-aggregate the many rows; the distinct counts below sort
    # just the rows of their two kinds.
    events = (
        select(
            R.channel.label("channel"),
            *(_tally(*conditions).label(name) for name, conditions in COUNTED.items()),
            _tally(kind_is(EventKind.LEARN_MORE)).label("learn_more"),
        )
        .select_from(E)
        .outerjoin(R, R.id == E.resident_id)
        .where(E.kind.in_(_SUMMED_KINDS), E.at >= start, E.at < end)
        .group_by(R.channel)
    )
    distinct_counts = (
        select(
            R.channel.label("channel"),
            func.count(distinct(case((kind_is(EventKind.CASE_ANSWERED), E.case_id)))).label(
                "answered"
            ),
            func.count(
                distinct(case((kind_is(EventKind.BROADCAST_DELIVERED), E.resident_id)))
            ).label("reached"),
        )
        .select_from(E)
        .outerjoin(R, R.id == E.resident_id)
        .where(E.kind.in_(_DISTINCT_KINDS), E.at >= start, E.at < end)
        .group_by(R.channel)
    )
    who_asked = exists().where(E.resident_id == R.id, E.at >= start, E.at < end, asked())
    residents = select(R.channel, func.count()).where(who_asked).group_by(R.channel)
    still_open_cases = (
        select(R.channel, func.count())
        .select_from(C)
        .join(R, R.id == C.resident_id)
        .where(still_open(end))
        .group_by(R.channel)
    )
    sub = SubscriptionRow
    subscribers = (
        select(R.channel, func.count(distinct(sub.resident_id)))
        .select_from(sub)
        .join(R, R.id == sub.resident_id)
        .where(sub.started_at < end, or_(sub.ended_at.is_(None), sub.ended_at >= end))
        .group_by(R.channel)
    )

    found: dict[str | None, dict[str, Any]] = defaultdict(dict)
    for row in (await run(events)).all():
        found[row.channel] |= {
            "events": BucketCounts(**{name: int(row._mapping[name]) for name in COUNTED}),
            "learn_more": int(row.learn_more),
        }
    for row in (await run(distinct_counts)).all():
        found[row.channel] |= {"answered": int(row.answered), "reached": int(row.reached)}
    for name, statement in (
        ("residents", residents),
        ("open_at_end", still_open_cases),
        ("subscribers", subscribers),
    ):
        for channel, n in (await run(statement)).all():
            found[channel][name] = int(n)
    return [
        ChannelCounts(
            channel,
            events=values.get("events", BucketCounts()),
            residents=values.get("residents", 0),
            answered=values.get("answered", 0),
            open_at_end=values.get("open_at_end", 0),
            outreach=OutreachCounts(
                reached=values.get("reached", 0),
                learn_more=values.get("learn_more", 0),
                subscribers=values.get("subscribers", 0),
            ),
        )
        for channel, values in found.items()
    ]
