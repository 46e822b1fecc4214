"""What the report's figures count, as SQL conditions shared by the totals and the per-channel
breakdown (``queries.py``, ``channel_queries.py``), so that both count exactly the same rows."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_

from bot.core.interactions import EventKind
from bot.storage.models import CaseRow, InteractionRow

E, C = InteractionRow, CaseRow  # events, cases


def kind_is(kind: EventKind) -> ColumnElement[bool]:
    return E.kind == kind.value


def asked() -> ColumnElement[bool]:
    """A resident's question: a matched message, or a voice/photo that opened a case."""
    return or_(kind_is(EventKind.QUESTION), and_(kind_is(EventKind.HANDOFF), E.detail == "media"))


# BucketCounts field → the events it counts.
COUNTED: dict[str, tuple[ColumnElement[bool], ...]] = {
    "questions": (kind_is(EventKind.QUESTION),),
    "media_handoffs": (kind_is(EventKind.HANDOFF), E.detail == "media"),
    "faq_answered": (kind_is(EventKind.FAQ_ANSWER),),
    "clarified": (kind_is(EventKind.CLARIFY),),
    "handed_off": (kind_is(EventKind.HANDOFF),),
    "undeliverable": (kind_is(EventKind.ANSWER_UNDELIVERABLE),),
    "helpful": (kind_is(EventKind.FEEDBACK_HELPFUL),),
    "not_helpful": (kind_is(EventKind.FEEDBACK_NOT_HELPFUL),),
    "scam_checks": (kind_is(EventKind.SCAM_CHECK),),
}

# The kinds of COUNTED, for a WHERE the index on (kind, at) can serve.
COUNTED_KINDS = (
    EventKind.QUESTION,
    EventKind.HANDOFF,
    EventKind.FAQ_ANSWER,
    EventKind.CLARIFY,
    EventKind.ANSWER_UNDELIVERABLE,
    EventKind.FEEDBACK_HELPFUL,
    EventKind.FEEDBACK_NOT_HELPFUL,
    EventKind.SCAM_CHECK,
)


def still_open(at: datetime) -> ColumnElement[bool]:
    """A case opened before ``at`` and neither answered nor closed before it."""
    return and_(
        C.opened_at < at,
        or_(C.answered_at.is_(None), C.answered_at >= at),
        or_(C.closed_at.is_(None), C.closed_at >= at),
    )
