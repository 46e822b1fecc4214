"""What the report service reads: event counts per time bucket, and the queries that give them.

Implemented by the storage layer (``bot/storage/queries.py``); kept apart from ``ports`` so that
the unit-of-work ports stay short.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class BucketCounts:
    """Logged events of the reported kinds in one time bucket ``[bounds[i], bounds[i + 1])``."""

    questions: int = 0  # QUESTION events
    media_handoffs: int = 0  # HANDOFF events with detail "media" (a voice or photo opened a case)
    faq_answered: int = 0
    clarified: int = 0
    handed_off: int = 0
    undeliverable: int = 0
    helpful: int = 0
    not_helpful: int = 0
    scam_checks: int = 0  # SCAM_CHECK events


@dataclass(frozen=True, slots=True)
class CategoryCount:
    """QUESTION events of one category; ``handed_off``: the matcher passed them to the adviser."""

    category: str | None
    handed_off: bool
    count: int


@dataclass(frozen=True, slots=True)
class AdviserCount:
    """Distinct cases answered in bucket ``bucket``; ``adviser`` None means by anyone."""

    bucket: int
    adviser: str | None
    cases: int


@dataclass(frozen=True, slots=True)
class OutreachCounts:
    """Monthly themes in one bucket: broadcasts queued, distinct residents a broadcast reached,
    「了解更多」 presses, and subscribers at the bucket's end."""

    broadcasts: int = 0
    reached: int = 0
    learn_more: int = 0
    subscribers: int = 0


@dataclass(frozen=True, slots=True)
class ChannelCounts:
    """A period's per-resident aggregates for the residents of one channel.

    ``channel`` is the residents' channel ("telegram", "wechat"); None gathers the events that
    name no resident, so that each figure summed over the channels gives the period's total.
    ``outreach.broadcasts`` is always 0: a theme is queued once for every channel.
    """

    channel: str | None
    events: BucketCounts = BucketCounts()
    residents: int = 0  # distinct residents who asked
    answered: int = 0  # distinct cases answered by an adviser
    open_at_end: int = 0
    outreach: OutreachCounts = OutreachCounts()


class ReportQueries(Protocol):
    """Aggregates for one report, read inside one read-only unit of work.

    ``bounds`` are increasing UTC instants; bucket ``i`` is ``[bounds[i], bounds[i + 1])``.
    """

    async def event_counts(self, bounds: Sequence[datetime]) -> list[BucketCounts]:
        """One entry per bucket, in order."""
        ...

    async def residents(self, start: datetime, end: datetime) -> int:
        """Distinct residents who asked (a QUESTION or a media hand-off) in ``[start, end)``."""
        ...

    async def question_categories(self, start: datetime, end: datetime) -> list[CategoryCount]: ...

    async def top_entries(
        self, start: datetime, end: datetime, limit: int
    ) -> list[tuple[str, int]]:
        """The FAQ entries answered most: (faq_id, answers), most first, ties by id."""
        ...

    async def answered_cases(self, bounds: Sequence[datetime]) -> list[AdviserCount]: ...

    async def first_answers(self, bounds: Sequence[datetime]) -> list[int]:
        """How many cases were first answered (``answered_at``) in each bucket."""
        ...

    async def response_minutes(
        self, bounds: Sequence[datetime], ranks: Mapping[int, Sequence[int]]
    ) -> dict[tuple[int, int], float]:
        """For bucket ``b`` and each 0-based rank ``k`` in ``ranks[b]``: the k-th shortest time,
        in minutes, from opening to first answer among the cases first answered in ``b``."""
        ...

    async def open_cases(self, moments: Sequence[datetime]) -> list[int]:
        """Cases opened before each moment and neither answered nor closed before it."""
        ...

    async def scam_checks(self, start: datetime, end: datetime) -> list[tuple[str, int]]:
        """SCAM_CHECK events in ``[start, end)`` per detail (a pattern id, or "unsure")."""

    async def outreach(self, bounds: Sequence[datetime]) -> list[OutreachCounts]:
        """One entry per bucket, in order (see :class:`OutreachCounts`)."""
        ...

    async def by_channel(self, start: datetime, end: datetime) -> list[ChannelCounts]:
        """The figures of ``[start, end)`` per channel: one entry per channel with any of them
        (and None for events without a resident, if any), in no particular order."""
        ...


# ---------------------------------------------------------------- privacy
