"""The report's SQL: aggregates over the interaction log and the cases, in SQLAlchemy Core.

Each figure group is one statement (a year's residents: one per month), and all of a report's
statements run on the connection of one unit of work that is never committed (on PostgreSQL a
REPEATABLE READ, READ ONLY transaction, so the figures agree with each other). Time buckets are
half-open ``[bounds[i], bounds[i + 1])`` UTC ranges computed by the core (local midnights), so
days and months are exact in any time zone on both engines without SQL time-zone functions.

Measured choices (benchmarks/report_bench.py): counting per day is one correlated ``count(*)``
per day and kind, an index-only range count over ``ix_interactions_report`` (kind, at, ...);
grouping by a computed UTC hour makes SQLite sort every row (0.77 s against 0.12 s for 1M).
Percentiles: the database ranks the times and returns only the values the percentiles need.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from itertools import pairwise
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Executable,
    Float,
    Integer,
    and_,
    case,
    cast,
    column,
    desc,
    distinct,
    exists,
    func,
    literal_column,
    or_,
    select,
    union_all,
    values,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.core.interactions import EventKind
from bot.core.ports import UnitOfWork
from bot.core.report_queries import (
    AdviserCount,
    BucketCounts,
    CategoryCount,
    ChannelCounts,
    OutreachCounts,
)
from bot.storage.channel_queries import channel_counts
from bot.storage.models import BroadcastRow, ResidentRow, SubscriptionRow, UtcDateTime
from bot.storage.report_events import COUNTED, C, E, asked, kind_is, still_open
from bot.storage.uow import SqlUnitOfWork


def _bucket(at: Any, bounds: Sequence[datetime]) -> ColumnElement[int]:
    """The index of the bucket ``at`` falls in (rows outside the bounds must be filtered out)."""
    inner = bounds[1:-1]
    if not inner:
        return literal_column("0", Integer)
    return case(*((at < edge, i) for i, edge in enumerate(inner)), else_=len(inner))


def _within(at: Any, bounds: Sequence[datetime]) -> ColumnElement[bool]:
    return and_(at >= bounds[0], at < bounds[-1])


class SqlReportQueries:
    """:class:`~bot.core.report_queries.ReportQueries` on one connection."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._s = connection
        self._started = False

    async def _run(self, statement: Executable) -> Any:
        """Execute in the report's transaction (read-only and one snapshot on PostgreSQL)."""
        if not self._started:
            self._started = True
            if self._dialect == "postgresql" and not self._s.in_transaction():
                await self._s.execution_options(
                    isolation_level="REPEATABLE READ", postgresql_readonly=True
                )
        return await self._s.execute(statement)

    @property
    def _dialect(self) -> str:
        return self._s.dialect.name

    async def event_counts(self, bounds: Sequence[datetime]) -> list[BucketCounts]:
        days = (
            values(
                column("i", Integer),
                column("lo", UtcDateTime()),
                column("hi", UtcDateTime()),
                name="b",
            )
            .data([(i, lo, hi) for i, (lo, hi) in enumerate(pairwise(bounds))])
            .cte("b")
        )

        def count(*conditions: ColumnElement[bool]) -> Any:
            return (
                select(func.count())
                .select_from(E)
                .where(*conditions, E.at >= days.c.lo, E.at < days.c.hi)
                .scalar_subquery()
            )

        statement = select(
            days.c.i, *(count(*conds).label(name) for name, conds in COUNTED.items())
        ).order_by(days.c.i)
        rows = (await self._run(statement)).all()
        return [BucketCounts(**{name: int(getattr(r, name)) for name in COUNTED}) for r in rows]

    async def residents(self, start: datetime, end: datetime) -> int:
        who_asked = exists().where(
            E.resident_id == ResidentRow.id, E.at >= start, E.at < end, asked()
        )
        statement = select(func.count()).select_from(ResidentRow).where(who_asked)
        return int((await self._run(statement)).scalar_one())

    async def question_categories(self, start: datetime, end: datetime) -> list[CategoryCount]:
        inner = (
            select(
                E.category.label("category"),
                case((E.detail == "handoff", 1), else_=0).label("handed_off"),
            )
            .where(kind_is(EventKind.QUESTION), E.at >= start, E.at < end)
            .subquery()
        )
        statement = select(inner.c.category, inner.c.handed_off, func.count()).group_by(
            inner.c.category, inner.c.handed_off
        )
        rows = (await self._run(statement)).all()
        return [CategoryCount(category, bool(handed), int(n)) for category, handed, n in rows]

    async def top_entries(
        self, start: datetime, end: datetime, limit: int
    ) -> list[tuple[str, int]]:
        answers = func.count().label("answers")
        statement = (
            select(E.faq_id, answers)
            .where(kind_is(EventKind.FAQ_ANSWER), E.at >= start, E.at < end, E.faq_id.is_not(None))
            .group_by(E.faq_id)
            .order_by(desc(answers), E.faq_id)
            .limit(limit)
        )
        return [(str(faq_id), int(n)) for faq_id, n in (await self._run(statement)).all()]

    async def answered_cases(self, bounds: Sequence[datetime]) -> list[AdviserCount]:
        inner = (
            select(
                _bucket(E.at, bounds).label("bucket"),
                func.coalesce(E.actor_name, "").label("adviser"),
                E.case_id.label("case_id"),
            )
            .where(kind_is(EventKind.CASE_ANSWERED), _within(E.at, bounds))
            .subquery()
        )
        cases = func.count(distinct(inner.c.case_id))
        per_adviser = select(
            inner.c.bucket, literal_column("0", Integer).label("total"), inner.c.adviser, cases
        ).group_by(inner.c.bucket, inner.c.adviser)
        overall = select(
            inner.c.bucket, literal_column("1", Integer), literal_column("''"), cases
        ).group_by(inner.c.bucket)
        rows = (await self._run(union_all(per_adviser, overall))).all()
        return [
            AdviserCount(int(bucket), None if is_total else str(adviser), int(n))
            for bucket, is_total, adviser, n in rows
        ]

    async def first_answers(self, bounds: Sequence[datetime]) -> list[int]:
        inner = (
            select(_bucket(C.answered_at, bounds).label("bucket"))
            .where(_within(C.answered_at, bounds))
            .subquery()
        )
        statement = select(inner.c.bucket, func.count()).group_by(inner.c.bucket)
        counts = dict((await self._run(statement)).all())
        return [int(counts.get(i, 0)) for i in range(len(bounds) - 1)]

    async def response_minutes(
        self, bounds: Sequence[datetime], ranks: Mapping[int, Sequence[int]]
    ) -> dict[tuple[int, int], float]:
        # The database numbers each bucket's times in order (one sort); only the few values
        # the percentiles need cross the wire.
        if not any(ranks.values()):
            return {}
        if self._dialect == "sqlite":
            minutes: Any = (func.julianday(C.answered_at) - func.julianday(C.opened_at)) * 1440.0
        else:
            minutes = cast(func.extract("epoch", C.answered_at - C.opened_at), Float) / 60.0
        # Materialised first: SQLite would otherwise compute the expression in every comparison.
        times = (
            select(_bucket(C.answered_at, bounds).label("bucket"), minutes.label("minutes"))
            .where(_within(C.answered_at, bounds))
            .cte("times")
            .prefix_with("MATERIALIZED")
        )
        number = func.row_number().over(partition_by=times.c.bucket, order_by=times.c.minutes)
        ranked = select(times.c.bucket, times.c.minutes, (number - 1).label("rank")).subquery()
        wanted = or_(
            *(
                and_(ranked.c.bucket == b, ranked.c.rank.in_(list(wanted_ranks)))
                for b, wanted_ranks in ranks.items()
                if wanted_ranks
            )
        )
        statement = select(ranked.c.bucket, ranked.c.rank, ranked.c.minutes).where(wanted)
        return {
            (int(b), int(rank)): round(float(value), 4)
            for b, rank, value in (await self._run(statement)).all()
        }

    async def open_cases(self, moments: Sequence[datetime]) -> list[int]:
        first, last = min(moments), max(moments)
        statement = select(
            *(func.coalesce(func.sum(case((still_open(m), 1), else_=0)), 0) for m in moments)
        ).where(
            C.opened_at < last,
            or_(C.answered_at.is_(None), C.answered_at >= first),
            or_(C.closed_at.is_(None), C.closed_at >= first),
        )
        return [int(n) for n in (await self._run(statement)).one()]

    async def scam_checks(self, start: datetime, end: datetime) -> list[tuple[str, int]]:
        statement = (
            select(E.detail, func.count())
            .where(kind_is(EventKind.SCAM_CHECK), E.at >= start, E.at < end)
            .group_by(E.detail)
        )
        return [(str(detail or ""), int(n)) for detail, n in (await self._run(statement)).all()]

    async def outreach(self, bounds: Sequence[datetime]) -> list[OutreachCounts]:
        out = []
        for lo, hi in pairwise(bounds):
            sub = SubscriptionRow
            statement = select(
                select(func.count())
                .select_from(BroadcastRow)
                .where(BroadcastRow.queued_at >= lo, BroadcastRow.queued_at < hi)
                .scalar_subquery(),
                select(func.count(distinct(E.resident_id)))
                .where(kind_is(EventKind.BROADCAST_DELIVERED), E.at >= lo, E.at < hi)
                .scalar_subquery(),
                select(func.count())
                .select_from(E)
                .where(kind_is(EventKind.LEARN_MORE), E.at >= lo, E.at < hi)
                .scalar_subquery(),
                select(func.count(distinct(sub.resident_id)))
                .where(sub.started_at < hi, or_(sub.ended_at.is_(None), sub.ended_at >= hi))
                .scalar_subquery(),
            )
            row = (await self._run(statement)).one()
            out.append(OutreachCounts(*(int(n or 0) for n in row)))
        return out

    async def by_channel(self, start: datetime, end: datetime) -> list[ChannelCounts]:
        return await channel_counts(self._run, start, end)


def report_queries(uow: UnitOfWork) -> SqlReportQueries:
    """The report queries on the connection of a SQL unit of work (wired in ``bot.app``)."""
    if not isinstance(uow, SqlUnitOfWork):
        raise TypeError(f"report queries need a SqlUnitOfWork, got {type(uow).__name__}")
    return SqlReportQueries(uow.connection)
