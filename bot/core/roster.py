"""The duty roster: who is staff, their weekly shifts, and who is on duty at a given moment.

Pure: no I/O, no clock (every question takes ``at``). Shifts are wall-clock times in the roster's
time zone; all comparisons and durations are done in UTC, so a shift on a DST-change day is as long
as the clock says (``mon-sun 00:00-24:00`` covers 23 hours on the spring-forward Sunday in Berlin).
Every returned datetime is aware and expressed in the roster's time zone.

A member's *coverage* is the union of their shift intervals; a shift *start* is a moment where the
member goes from off to on (so back-to-back ``00:00-24:00`` days have no start at midnight), and a
*boundary* is a start or an end of that coverage.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from enum import StrEnum
from zoneinfo import ZoneInfo

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_ZH_DAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
_DAY_MINUTES = 24 * 60
_ONE_DAY = timedelta(days=1)
_HORIZON = timedelta(days=8)  # a weekly pattern always has its next boundary within a week
_TIME = re.compile(r"(\d{1,2}):(\d{2})")
_Interval = tuple[datetime, datetime]  # UTC, half-open [start, end)
_Fail = Callable[[str], "ShiftSpecError"]  # builds the error for one spec from a problem text


class ShiftSpecError(ValueError):
    """A shift spec such as ``'mon-fri 10:00-19:30'`` cannot be parsed; the message says why."""


class Role(StrEnum):
    ADVISER = "adviser"
    OFFICE = "office"


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


@dataclass(frozen=True, slots=True)
class StaffMember:
    telegram_id: int
    name: str
    role: Role
    shifts: tuple[WeeklyShift, ...] = ()

    @property
    def is_adviser(self) -> bool:
        return self.role is Role.ADVISER


@dataclass(frozen=True, slots=True)
class DutyOverride:
    """``/duty on|off``: forces ``on_duty`` for one member until ``until`` (exclusive)."""

    telegram_id: int
    on_duty: bool
    until: datetime

    def active(self, at: datetime) -> bool:
        return _utc(at) < _utc(self.until)


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
    if start == _DAY_MINUTES:
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


@dataclass(frozen=True, init=False)
class Roster:
    """Staff with their shifts, interpreted in one time zone."""

    members: tuple[StaffMember, ...]
    timezone: ZoneInfo
    _by_id: dict[int, StaffMember] = field(repr=False, compare=False, hash=False)

    def __init__(self, members: Iterable[StaffMember], timezone: ZoneInfo) -> None:
        members = tuple(members)
        by_id = {m.telegram_id: m for m in members}
        if len(by_id) != len(members):
            raise ValueError("duplicate telegram_id in roster")
        object.__setattr__(self, "members", members)
        object.__setattr__(self, "timezone", timezone)
        object.__setattr__(self, "_by_id", by_id)

    def member(self, telegram_id: int) -> StaffMember | None:
        return self._by_id.get(telegram_id)

    @property
    def advisers(self) -> tuple[StaffMember, ...]:
        return tuple(m for m in self.members if m.role is Role.ADVISER)

    @property
    def office(self) -> tuple[StaffMember, ...]:
        return tuple(m for m in self.members if m.role is Role.OFFICE)

    def in_shift(self, member: StaffMember, at: datetime) -> bool:
        """Whether ``at`` falls in one of the member's shifts (start inclusive, end exclusive)."""
        moment, day = _utc(at), self._local_date(at)
        return any(s <= moment < e for s, e in self._intervals(member, day - _ONE_DAY, day))

    def on_duty(
        self, at: datetime, overrides: Mapping[int, DutyOverride] | None = None
    ) -> tuple[StaffMember, ...]:
        """Advisers on duty at ``at``: an unexpired override wins, otherwise their shifts decide."""
        overrides = overrides or {}

        def on(adviser: StaffMember) -> bool:
            override = overrides.get(adviser.telegram_id)
            if override is not None and override.active(at):
                return override.on_duty
            return self.in_shift(adviser, at)

        return tuple(adviser for adviser in self.advisers if on(adviser))

    def next_boundary(self, member: StaffMember, at: datetime) -> datetime:
        """The member's next shift start or end after ``at``; if none, the next local midnight."""
        moment = _utc(at)
        found = [
            b for iv in self._around(member, at) for b in iv if moment < b <= moment + _HORIZON
        ]
        if found:
            return self._local(min(found))
        return datetime.combine(self._local_date(at) + _ONE_DAY, datetime.min.time(), self.timezone)

    def next_shift_start(self, at: datetime, member: StaffMember | None = None) -> datetime | None:
        """The earliest shift start strictly after ``at``, among advisers or for one member."""
        moment, who = _utc(at), (member,) if member is not None else self.advisers
        starts = [s for m in who for s, _ in self._around(m, at) if moment < s <= moment + _HORIZON]
        return self._local(min(starts)) if starts else None

    def shift_starts_between(
        self, start: datetime, end: datetime
    ) -> list[tuple[datetime, StaffMember]]:
        """Every adviser shift start in ``[start, end)``, in time order (then roster order)."""
        lo, hi = _utc(start), _utc(end)
        first, last = self._local_date(start) - 2 * _ONE_DAY, self._local_date(end) + _ONE_DAY
        found = [
            (s, index, m)
            for index, m in enumerate(self.advisers)
            for s, _ in _merge(self._intervals(m, first, last))
            if lo <= s < hi
        ]
        return [(self._local(s), m) for s, _, m in sorted(found, key=lambda f: (f[0], f[1]))]

    def on_duty_minutes_between(
        self,
        start: datetime,
        end: datetime,
        overrides: Mapping[int, DutyOverride] | None = None,
    ) -> float:
        """Minutes of ``[start, end)`` during which at least one adviser was on duty.

        Approximation: overrides are known only in their current state, so each unexpired one is
        taken to have applied from ``start`` until its ``until``.
        """
        lo, hi = _utc(start), _utc(end)
        if hi <= lo:
            return 0.0
        overrides = overrides or {}
        first, last = self._local_date(start) - _ONE_DAY, self._local_date(end)
        covered: list[_Interval] = []
        for adviser in self.advisers:
            own = _merge(self._intervals(adviser, first, last))
            override = overrides.get(adviser.telegram_id)
            if override is not None and _utc(override.until) > lo:
                window = (lo, min(_utc(override.until), hi))
                own = [*own, window] if override.on_duty else _subtract(own, window)
            covered.extend(own)
        clipped = [(max(s, lo), min(e, hi)) for s, e in _merge(covered)]
        return sum((e - s).total_seconds() for s, e in clipped if e > s) / 60

    # -- helpers -------------------------------------------------------------------------------

    def _local_date(self, at: datetime) -> date:
        return _utc(at).astimezone(self.timezone).date()

    def _local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.timezone)

    def _around(self, member: StaffMember, at: datetime) -> list[_Interval]:
        """The member's coverage; exact from a day before ``at`` to nine days after it."""
        day = self._local_date(at)
        return _merge(self._intervals(member, day - 2 * _ONE_DAY, day + 9 * _ONE_DAY))

    def _intervals(self, member: StaffMember, first: date, last: date) -> Iterator[_Interval]:
        """UTC intervals of the member's shifts that begin on local days ``first`` .. ``last``."""
        day = first
        while day <= last:
            for shift in member.shifts:
                if day.weekday() in shift.days:
                    end = shift.end_minute + (_DAY_MINUTES if shift.overnight else 0)
                    s, e = self._at(day, shift.start_minute), self._at(day, end)
                    if s < e:  # a shift swallowed by a DST gap has no length
                        yield s, e
            day += _ONE_DAY

    def _at(self, day: date, minute: int) -> datetime:
        day += timedelta(days=minute // _DAY_MINUTES)
        minute %= _DAY_MINUTES
        local = datetime(day.year, day.month, day.day, minute // 60, minute % 60)
        return local.replace(tzinfo=self.timezone).astimezone(UTC)


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
    now, then = _utc(at).astimezone(zone), _utc(start).astimezone(zone)
    clock = then.strftime("%H:%M")
    days = (then.date() - now.date()).days
    if days == 0:
        return f"今天{clock}"
    if days == 1:
        return f"明天{clock}"
    if 1 < days < 7:
        return f"{_ZH_DAYS[then.weekday()]}{clock}"
    return f"{then.month}月{then.day}日{clock}"


def _utc(at: datetime) -> datetime:
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


def _merge(intervals: Iterable[_Interval]) -> list[_Interval]:
    merged: list[_Interval] = []
    for s, e in sorted(intervals):
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


def _subtract(intervals: list[_Interval], cut: _Interval) -> list[_Interval]:
    lo, hi = cut
    kept: list[_Interval] = []
    for s, e in intervals:
        if s < lo:
            kept.append((s, min(e, lo)))
        if e > hi:
            kept.append((max(s, hi), e))
    return kept
