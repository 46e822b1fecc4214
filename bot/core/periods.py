"""Report periods: a calendar month or year in the configured time zone, and their parsing."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo

from bot.core.errors import InvalidRequest

_MONTH = re.compile(r"(\d{4})-(\d{2})")
_YEAR = re.compile(r"\d{4}")
_FIRST_YEAR, _LAST_YEAR = 1970, 9998


@dataclass(frozen=True, slots=True)
class Period:
    """A local calendar month (or, with ``month`` None, a whole year) in a time zone."""

    year: int
    month: int | None
    timezone: tzinfo

    @property
    def is_year(self) -> bool:
        return self.month is None

    @property
    def label(self) -> str:
        return str(self.year) if self.month is None else f"{self.year:04d}-{self.month:02d}"

    @property
    def timezone_name(self) -> str:
        return str(getattr(self.timezone, "key", self.timezone))

    @property
    def first_day(self) -> date:
        return date(self.year, self.month or 1, 1)

    @property
    def next_first_day(self) -> date:
        if self.month is None or self.month == 12:
            return date(self.year + 1, 1, 1)
        return date(self.year, self.month + 1, 1)

    @property
    def start(self) -> datetime:
        """The first instant of the period, in UTC."""
        return self.local_midnight(self.first_day)

    @property
    def end(self) -> datetime:
        """The first instant after the period, in UTC."""
        return self.local_midnight(self.next_first_day)

    def local_midnight(self, day: date) -> datetime:
        """When ``day`` begins in the period's time zone, in UTC."""
        return datetime(day.year, day.month, day.day, tzinfo=self.timezone).astimezone(UTC)

    def days(self) -> tuple[date, ...]:
        count = (self.next_first_day - self.first_day).days
        return tuple(self.first_day + timedelta(days=i) for i in range(count))

    def day_bounds(self) -> tuple[datetime, ...]:
        """Local midnights from the first day to the day after the last, in UTC."""
        return (*(self.local_midnight(d) for d in self.days()), self.end)

    def months(self) -> tuple[Period, ...]:
        """The year's twelve months, or the month itself."""
        if self.month is not None:
            return (self,)
        return tuple(Period(self.year, m, self.timezone) for m in range(1, 13))


def parse_month(text: str, timezone: tzinfo) -> Period:
    """``YYYY-MM`` → that month; anything else raises InvalidRequest."""
    match = _MONTH.fullmatch(text.strip())
    if match is None or not 1 <= int(match[2]) <= 12 or not _known_year(int(match[1])):
        raise InvalidRequest(f"月份写法不对：“{text}”。请写成 年-月，例如 2024-03。")
    return Period(int(match[1]), int(match[2]), timezone)


def parse_year(text: str, timezone: tzinfo) -> Period:
    """``YYYY`` → that year; anything else raises InvalidRequest."""
    if _YEAR.fullmatch(text.strip()) is None or not _known_year(int(text)):
        raise InvalidRequest(f"年份写法不对：“{text}”。请写四位数字，例如 2024。")
    return Period(int(text), None, timezone)


def parse_period(text: str, timezone: tzinfo) -> Period:
    """``YYYY-MM`` or ``YYYY`` (what ``/report`` accepts)."""
    clean = text.strip()
    if _YEAR.fullmatch(clean):
        return parse_year(clean, timezone)
    if _MONTH.fullmatch(clean):
        return parse_month(clean, timezone)
    raise InvalidRequest(
        f"看不懂“{text}”。请写 /report（上个月）、"
        "/report 2024-03（某个月）或 /report 2024（全年）。"
    )


def last_complete_month(now: datetime, timezone: tzinfo) -> Period:
    local = now.astimezone(timezone)
    year, month = (local.year, local.month - 1) if local.month > 1 else (local.year - 1, 12)
    return Period(year, month, timezone)


def _known_year(year: int) -> bool:
    return _FIRST_YEAR <= year <= _LAST_YEAR
