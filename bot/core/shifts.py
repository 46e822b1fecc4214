"""Weekly shifts: the ``'mon-fri 10:00-19:30'`` specs of the roster, parsed and described.

Pure. A shift is wall-clock times on days of the week; :class:`~bot.core.roster.Roster` turns it
into moments in its time zone.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_MINUTES = 24 * 60
_ZH_DAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
_TIME = re.compile(r"(\d{1,2}):(\d{2})")
_Fail = Callable[[str], "ShiftSpecError"]  # builds the error for one spec from a problem text


class ShiftSpecError(ValueError):
    """A shift spec such as ``'mon-fri 10:00-19:30'`` cannot be parsed; the message says why."""


@dataclass(frozen=True, slots=True)
class WeeklyShift:
    """A shift repeated every week on ``days`` (0 = Monday) from ``start`` to ``end`` (minutes).

    ``end_minute`` may be 1440 (24:00). When ``end_minute < start_minute`` the shift is overnight:
    it ends on the following day.
    """

    days: frozenset[int]
    start_minute: int
    end_minute: int

    @property
    def overnight(self) -> bool:
        return self.end_minute < self.start_minute

    def __str__(self) -> str:
        """The canonical English spec, e.g. ``mon-fri 10:00-19:30``."""
        names = ",".join(
            DAYS[a] if a == b else f"{DAYS[a]}-{DAYS[b]}" for a, b in _day_runs(self.days)
        )
        return f"{names} {_hhmm(self.start_minute)}-{_hhmm(self.end_minute)}"


def parse_shift(spec: str) -> WeeklyShift:
    """Parse ``'<days> HH:MM-HH:MM'``; days are ``mon-fri``, ``sat`` or ``mon,wed,fri``."""
    if not isinstance(spec, str):
        raise ShiftSpecError(
            f"expected a string like 'mon-fri 10:00-19:30', got {type(spec).__name__} {spec!r}"
        )
    text = " ".join(spec.lower().split())
    match = re.fullmatch(r"([^\d]*?)\s*(\d.*)", text)

    def fail(problem: str) -> ShiftSpecError:
        return ShiftSpecError(f"'{spec}': {problem}")

    if not text:
        raise fail("empty shift; expected '<days> HH:MM-HH:MM', e.g. 'mon-fri 10:00-19:30'")
    if match is None:
        raise fail("missing the times; expected '<days> HH:MM-HH:MM', e.g. 'mon-fri 10:00-19:30'")
    day_part, time_part = match.group(1).replace(" ", ""), match.group(2).replace(" ", "")
    if not day_part:
        raise fail("missing the days before the times, e.g. 'mon-fri 10:00-19:30'")
    days = _parse_days(day_part, fail)
    times = time_part.split("-")
    if len(times) != 2:
        raise fail(f"expected the times as HH:MM-HH:MM, got '{time_part}'")
    start, end = (_parse_time(t, fail) for t in times)
    if start == DAY_MINUTES:
        raise fail("a shift cannot start at 24:00; use 00:00 of the next day")
    if start == end:
        raise fail(f"start and end are both {_hhmm(start)}; for a whole day use 00:00-24:00")
    return WeeklyShift(days=days, start_minute=start, end_minute=end)


def _parse_days(text: str, fail: _Fail) -> frozenset[int]:
    days: set[int] = set()
    for item in text.split(","):
        if not item:
            raise fail("empty day in the list; separate days with commas, e.g. 'mon,wed,fri'")
        ends = item.split("-")
        if len(ends) > 2 or "" in ends:
            raise fail(f"'{item}' is not a day range; write ranges as 'mon-fri'")
        for name in ends:
            if name not in DAYS:
                raise fail(f"unknown day '{name}'; use {' '.join(DAYS)}")
        first, last = DAYS.index(ends[0]), DAYS.index(ends[-1])
        days.update((first + i) % 7 for i in range((last - first) % 7 + 1))
    return frozenset(days)


def _parse_time(text: str, fail: _Fail) -> int:
    match = _TIME.fullmatch(text)
    hours, minutes = (int(match.group(1)), int(match.group(2))) if match else (99, 99)
    if hours > 24 or minutes > 59 or (hours == 24 and minutes):
        raise fail(f"invalid time '{text}'; use HH:MM between 00:00 and 24:00")
    return hours * 60 + minutes


def describe_shift(shift: WeeklyShift) -> str:
    """Chinese wording, e.g. ``周一至周五 10:00-19:30`` or ``周日 22:00-次日06:00``."""
    if len(shift.days) == 7:
        days = "每天"
    else:
        parts = []
        for a, b in _day_runs(shift.days):
            length = (b - a) % 7 + 1
            if length >= 3:
                parts.append(f"{_ZH_DAYS[a]}至{_ZH_DAYS[b]}")
            else:
                parts.extend(_ZH_DAYS[(a + i) % 7] for i in range(length))
        days = "、".join(parts)
    end = ("次日" if shift.overnight else "") + _hhmm(shift.end_minute)
    return f"{days} {_hhmm(shift.start_minute)}-{end}"


def format_next_start(at: datetime, start: datetime, timezone: tzinfo | None = None) -> str:
    """``start`` relative to ``at``: ``今天10:00``, ``明天10:00``, ``周六11:00`` or ``3月5日10:00``.

    Both are read in ``timezone`` (default: the zone of ``at``); a week or more away gives the date.
    """
    zone = timezone or at.tzinfo
    now, then = as_utc(at).astimezone(zone), as_utc(start).astimezone(zone)
    clock = then.strftime("%H:%M")
    days = (then.date() - now.date()).days
    if days == 0:
        return f"今天{clock}"
    if days == 1:
        return f"明天{clock}"
    if 1 < days < 7:
        return f"{_ZH_DAYS[then.weekday()]}{clock}"
    return f"{then.month}月{then.day}日{clock}"


def as_utc(at: datetime) -> datetime:
    """``at`` in UTC; a naive datetime is refused (its moment is unknown)."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"datetime must be timezone-aware, got {at.isoformat()}")
    return at.astimezone(UTC)


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _day_runs(days: frozenset[int]) -> list[tuple[int, int]]:
    """Maximal runs of consecutive weekdays as (first, last), wrapping past Sunday if needed."""
    if len(days) == 7:
        return [(0, 6)]
    origin = max(d for d in range(7) if d not in days)  # scan from Monday unless a run wraps
    runs: list[tuple[int, int]] = []
    for i in range(1, 8):
        day = (origin + i) % 7
        if day not in days:
            continue
        if runs and runs[-1][1] == (day - 1) % 7:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs
