"""The query behind ``legaldesk faq misses``: hand-offs and 「没解决」 of a period, with texts.

One statement. For each miss it also reads the case question of a hand-off, the event the same
use case logged right after a 「没解决」 (the hand-off or follow-up that carries the question) and
the resident's preceding question; :func:`bot.core.misses.miss_text` picks among them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import aliased

from bot.core.interactions import EventKind
from bot.core.misses import HANDOFF, NOT_HELPFUL, MissEvent, miss_text
from bot.core.scam_steps import HANDOFF_REASON
from bot.storage.models import CaseRow, InteractionRow

# Hand-offs that are not FAQ misses: a voice or photo, the 「没解决」 press (counted once, as its
# FEEDBACK_NOT_HELPFUL event), and a scam check the checker could not place (a message, not a
# question for the FAQ).
NOT_MISSES = ("media", "not_solved", HANDOFF_REASON)


async def miss_events(
    connection: AsyncConnection, start: datetime, end: datetime
) -> list[MissEvent]:
    """Misses logged in ``[start, end)`` (UTC), oldest first."""
    event, later, nxt = InteractionRow, aliased(InteractionRow), aliased(InteractionRow)
    asked, case, next_case = aliased(InteractionRow), aliased(CaseRow), aliased(CaseRow)
    next_id = (
        select(func.min(later.id))
        .where(later.resident_id == event.resident_id, later.id > event.id)
        .correlate(event)
        .scalar_subquery()
    )
    previous_question = (
        select(asked.text)
        .where(
            asked.resident_id == event.resident_id,
            asked.id < event.id,
            asked.kind == EventKind.QUESTION.value,
        )
        .order_by(asked.id.desc())
        .limit(1)
        .correlate(event)
        .scalar_subquery()
    )
    handoff = and_(
        event.kind == EventKind.HANDOFF.value,
        or_(event.detail.is_(None), event.detail.not_in(NOT_MISSES)),
    )
    statement = (
        select(
            event.at,
            event.kind,
            event.detail,
            case.question,
            nxt.kind,
            nxt.text,
            next_case.question,
            previous_question,
        )
        .select_from(event)
        .outerjoin(case, case.id == event.case_id)
        .outerjoin(nxt, nxt.id == next_id)
        .outerjoin(next_case, next_case.id == nxt.case_id)
        .where(
            event.at >= start,
            event.at < end,
            or_(handoff, event.kind == EventKind.FEEDBACK_NOT_HELPFUL.value),
        )
        .order_by(event.at, event.id)
    )
    misses = []
    for (
        at,
        kind,
        detail,
        question,
        next_kind,
        next_text,
        next_question,
        previous,
    ) in await connection.execute(statement):
        source = HANDOFF if kind == EventKind.HANDOFF.value else NOT_HELPFUL
        text = miss_text(
            source,
            case_question=question,
            next_kind=next_kind,
            next_text=next_text,
            next_case_question=next_question,
            previous_question=previous,
        )
        misses.append(MissEvent(at, source, detail if source == HANDOFF else None, text))
    return misses
