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

import hashlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.core.messages import WECHAT, Address, ChatRef
from bot.core.shifts import (
    DAY_MINUTES,
    ShiftSpecError,
    WeeklyShift,
    as_utc,
    describe_shift,
    format_next_start,
    parse_shift,
)

__all__ = [
    "DutyOverride",
    "Role",
    "Roster",
    "ShiftSpecError",
    "StaffMember",
    "WeeklyShift",
    "describe_shift",
    "format_next_start",
    "parse_shift",
    "wechat_staff_id",
]

_ONE_DAY = timedelta(days=1)
_HORIZON = timedelta(days=8)  # a weekly pattern always has its next boundary within a week
_Interval = tuple[datetime, datetime]  # UTC, half-open [start, end)


class Role(StrEnum):
    ADVISER = "adviser"
    OFFICE = "office"


def wechat_staff_id(openid: str) -> int:
    """The staff id of a member known only by a WeChat openid: a fixed negative number derived
    from the openid (``-(first 6 bytes of its SHA-256 + 1)``), so it never meets a Telegram
    user id (always positive) and stays the same as long as the openid does."""
    return -(int.from_bytes(hashlib.sha256(openid.encode()).digest()[:6], "big") + 1)


@dataclass(frozen=True, slots=True)
class StaffMember:
    """A roster entry: reached on Telegram, on WeChat, or both (at least one)."""

    telegram_id: int | None
    name: str
    role: Role
    shifts: tuple[WeeklyShift, ...] = ()
    wechat_openid: str | None = None

    def __post_init__(self) -> None:
        if self.telegram_id is None and not self.wechat_openid:
            raise ValueError(f"staff member {self.name!r} needs a telegram_id or a wechat_openid")

    @property
    def id(self) -> int:
        """The one identity the desk stores for this member (claimed_by, duty overrides, console
        sessions, interaction actors): the Telegram id when there is one, so existing data keeps
        its meaning; else :func:`wechat_staff_id` of the openid."""
        if self.telegram_id is not None:
            return self.telegram_id
        assert self.wechat_openid is not None
        return wechat_staff_id(self.wechat_openid)

    @property
    def addresses(self) -> tuple[ChatRef, ...]:
        """Every chat the member is reached at: their Telegram chat, their WeChat openid."""
        chats: list[ChatRef] = []
        if self.telegram_id is not None:
            chats.append(self.telegram_id)
        if self.wechat_openid:
            chats.append(Address(WECHAT, self.wechat_openid))
        return tuple(chats)

    @property
    def is_adviser(self) -> bool:
        return self.role is Role.ADVISER


@dataclass(frozen=True, slots=True)
class DutyOverride:
    """``/duty on|off``: forces ``on_duty`` for one member (by staff id) until ``until``
    (exclusive)."""

    staff_id: int
    on_duty: bool
    until: datetime

    def active(self, at: datetime) -> bool:
        return as_utc(at) < as_utc(self.until)


@dataclass(frozen=True, init=False)
class Roster:
    """Staff with their shifts, interpreted in one time zone."""

    members: tuple[StaffMember, ...]
    timezone: ZoneInfo
    _by_id: dict[int, StaffMember] = field(repr=False, compare=False, hash=False)
    _by_chat: dict[ChatRef, StaffMember] = field(repr=False, compare=False, hash=False)

    def __init__(self, members: Iterable[StaffMember], timezone: ZoneInfo) -> None:
        members = tuple(members)
        by_id = {m.id: m for m in members}
        by_chat = {chat: m for m in members for chat in m.addresses}
        if len(by_id) != len(members) or len(by_chat) != sum(len(m.addresses) for m in members):
            raise ValueError("duplicate telegram_id or wechat_openid in roster")
        object.__setattr__(self, "members", members)
        object.__setattr__(self, "timezone", timezone)
        object.__setattr__(self, "_by_id", by_id)
        object.__setattr__(self, "_by_chat", by_chat)

    def member(self, staff_id: int) -> StaffMember | None:
        """The member with this staff id (:attr:`StaffMember.id`)."""
        return self._by_id.get(staff_id)

    def member_at(self, chat: ChatRef) -> StaffMember | None:
        """The member reached at ``chat`` (a Telegram id or a WeChat address), if any."""
        return self._by_chat.get(chat)

    def addresses(self, staff_id: int) -> tuple[ChatRef, ...]:
        """Where to tell the member with ``staff_id``; someone no longer on the roster is still
        reached at their Telegram chat (a positive id), as before WeChat staff existed."""
        member = self._by_id.get(staff_id)
        if member is not None:
            return member.addresses
        return (staff_id,) if staff_id > 0 else ()

    @property
    def advisers(self) -> tuple[StaffMember, ...]:
        return tuple(m for m in self.members if m.role is Role.ADVISER)

    @property
    def office(self) -> tuple[StaffMember, ...]:
        return tuple(m for m in self.members if m.role is Role.OFFICE)

    def in_shift(self, member: StaffMember, at: datetime) -> bool:
        """Whether ``at`` falls in one of the member's shifts (start inclusive, end exclusive)."""
        moment, day = as_utc(at), self._local_date(at)
        return any(s <= moment < e for s, e in self._intervals(member, day - _ONE_DAY, day))

    def on_duty(
        self, at: datetime, overrides: Mapping[int, DutyOverride] | None = None
    ) -> tuple[StaffMember, ...]:
        """Advisers on duty at ``at``: an unexpired override wins, otherwise their shifts decide."""
        overrides = overrides or {}

        def on(adviser: StaffMember) -> bool:
            override = overrides.get(adviser.id)
            if override is not None and override.active(at):
                return override.on_duty
            return self.in_shift(adviser, at)

        return tuple(adviser for adviser in self.advisers if on(adviser))

    def next_boundary(self, member: StaffMember, at: datetime) -> datetime:
        """The member's next shift start or end after ``at``; if none, the next local midnight."""
        moment = as_utc(at)
        found = [
            b for iv in self._around(member, at) for b in iv if moment < b <= moment + _HORIZON
        ]
        if found:
            return self._local(min(found))
        return datetime.combine(self._local_date(at) + _ONE_DAY, datetime.min.time(), self.timezone)

    def next_shift_start(self, at: datetime, member: StaffMember | None = None) -> datetime | None:
        """The earliest shift start strictly after ``at``, among advisers or for one member."""
        moment, who = as_utc(at), (member,) if member is not None else self.advisers
        starts = [s for m in who for s, _ in self._around(m, at) if moment < s <= moment + _HORIZON]
        return self._local(min(starts)) if starts else None

    def shift_starts_between(
        self, start: datetime, end: datetime
    ) -> list[tuple[datetime, StaffMember]]:
        """Every adviser shift start in ``[start, end)``, in time order (then roster order)."""
        lo, hi = as_utc(start), as_utc(end)
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
        lo, hi = as_utc(start), as_utc(end)
        if hi <= lo:
            return 0.0
        overrides = overrides or {}
        first, last = self._local_date(start) - _ONE_DAY, self._local_date(end)
        covered: list[_Interval] = []
        for adviser in self.advisers:
            own = _merge(self._intervals(adviser, first, last))
            override = overrides.get(adviser.id)
            if override is not None and as_utc(override.until) > lo:
                window = (lo, min(as_utc(override.until), hi))
                own = [*own, window] if override.on_duty else _subtract(own, window)
            covered.extend(own)
        clipped = [(max(s, lo), min(e, hi)) for s, e in _merge(covered)]
        return sum((e - s).total_seconds() for s, e in clipped if e > s) / 60

    # -- helpers -------------------------------------------------------------------------------

    def _local_date(self, at: datetime) -> date:
        return as_utc(at).astimezone(self.timezone).date()

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
                    end = shift.end_minute + (DAY_MINUTES if shift.overnight else 0)
                    s, e = self._at(day, shift.start_minute), self._at(day, end)
                    if s < e:  # a shift swallowed by a DST gap has no length
                        yield s, e
            day += _ONE_DAY

    def _at(self, day: date, minute: int) -> datetime:
        day += timedelta(days=minute // DAY_MINUTES)
        minute %= DAY_MINUTES
        local = datetime(day.year, day.month, day.day, minute // 60, minute % 60)
        return local.replace(tzinfo=self.timezone).astimezone(UTC)


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
