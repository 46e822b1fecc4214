"""The duty roster: shift specs, who is on duty, boundaries, starts and on-duty minutes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.roster import (
    DutyOverride,
    Role,
    Roster,
    ShiftSpecError,
    StaffMember,
    describe_shift,
    format_next_start,
    parse_shift,
)

SH = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")


def at(day: int, hour: int, minute: int = 0, second: int = 0, *, tz: ZoneInfo = SH) -> datetime:
    """A moment in March 2026: the 2nd is a Monday, the 6th a Friday, the 8th a Sunday."""
    return datetime(2026, 3, day, hour, minute, second, tzinfo=tz)


def adviser(telegram_id: int, name: str, *specs: str) -> StaffMember:
    return StaffMember(telegram_id, name, Role.ADVISER, tuple(parse_shift(s) for s in specs))


WANG = adviser(1, "王律师", "mon-fri 10:00-19:30")
LI = adviser(2, "李律师", "sat 11:00-14:00", "sun 11:00-14:00")
OFFICE = StaffMember(3, "司法所", Role.OFFICE)
ROSTER = Roster([WANG, LI, OFFICE], SH)


# -- shift specs ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "chinese"),
    [
        ("mon-fri 10:00-19:30", "周一至周五 10:00-19:30"),
        ("sat 11:00-14:00", "周六 11:00-14:00"),
        ("mon-sun 00:00-24:00", "每天 00:00-24:00"),
        ("mon,wed,fri 09:00-12:00", "周一、周三、周五 09:00-12:00"),
        ("sun 22:00-06:00", "周日 22:00-次日06:00"),
        ("fri-mon 08:00-09:00", "周五至周一 08:00-09:00"),
        ("sat,sun 9:00-12:00", "周六、周日 09:00-12:00"),
        ("  MON - FRI   10:00 - 19:30 ", "周一至周五 10:00-19:30"),
    ],
)
def test_shift_specs_parse_and_read_back_in_chinese(spec: str, chinese: str) -> None:
    shift = parse_shift(spec)
    assert describe_shift(shift) == chinese
    assert parse_shift(str(shift)) == shift


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            "mon-fry 10:00-19:30",
            "'mon-fry 10:00-19:30': unknown day 'fry'; use mon tue wed thu fri sat sun",
        ),
        ("mon-fri", "'mon-fri': missing the times"),
        ("10:00-12:00", "'10:00-12:00': missing the days"),
        ("", "'': empty shift"),
        ("mon 25:00-26:00", "'mon 25:00-26:00': invalid time '25:00'"),
        ("mon 10:60-11:00", "invalid time '10:60'"),
        ("mon 10-12", "invalid time '10'"),
        ("mon 10:00", "expected the times as HH:MM-HH:MM, got '10:00'"),
        ("mon 10:00-10:00", "start and end are both 10:00"),
        ("mon 24:00-02:00", "cannot start at 24:00"),
        ("mon-tue-wed 10:00-11:00", "'mon-tue-wed' is not a day range"),
        ("mon,,tue 10:00-11:00", "empty day in the list"),
    ],
)
def test_bad_shift_specs_say_precisely_what_is_wrong(spec: str, message: str) -> None:
    with pytest.raises(ShiftSpecError) as caught:
        parse_shift(spec)
    assert message in str(caught.value)
    assert str(caught.value).isascii()


# -- who is on duty ------------------------------------------------------------------------------


def test_shift_start_is_inside_and_shift_end_is_outside() -> None:
    assert not ROSTER.in_shift(WANG, at(2, 9, 59, 59))
    assert ROSTER.in_shift(WANG, at(2, 10))
    assert ROSTER.in_shift(WANG, at(2, 19, 29, 59))
    assert not ROSTER.in_shift(WANG, at(2, 19, 30))


def test_on_duty_lists_advisers_in_shift_only() -> None:
    assert ROSTER.on_duty(at(2, 12)) == (WANG,)
    assert ROSTER.on_duty(at(7, 12)) == (LI,)
    assert ROSTER.on_duty(at(2, 22)) == ()
    assert ROSTER.advisers == (WANG, LI)
    assert ROSTER.office == (OFFICE,)
    assert ROSTER.member(3) is OFFICE
    assert ROSTER.member(99) is None


def test_same_instant_in_another_zone_gives_the_same_answer() -> None:
    assert ROSTER.on_duty(at(2, 10).astimezone(UTC)) == (WANG,)  # 02:00 UTC
    assert ROSTER.on_duty(at(2, 9, 59).astimezone(UTC)) == ()


def test_overnight_shift_runs_into_the_next_day() -> None:
    night = adviser(4, "赵律师", "sun 22:00-06:00")
    roster = Roster([night], SH)
    assert not roster.in_shift(night, at(8, 21, 59))
    assert roster.in_shift(night, at(8, 22))
    assert roster.in_shift(night, at(9, 5, 59))  # Monday morning
    assert not roster.in_shift(night, at(9, 6))
    assert roster.in_shift(night, at(2, 1))  # the week before, too
    assert not roster.in_shift(night, at(10, 1))  # Tuesday night is free
    assert roster.next_boundary(night, at(8, 23)) == at(9, 6)


def test_overrides_switch_duty_until_they_expire() -> None:
    off = {1: DutyOverride(1, on_duty=False, until=at(2, 15))}
    assert ROSTER.on_duty(at(2, 14, 59), off) == ()
    assert ROSTER.on_duty(at(2, 15), off) == (WANG,)

    on = {2: DutyOverride(2, on_duty=True, until=at(3, 10))}
    assert ROSTER.on_duty(at(2, 21), on) == (LI,)
    assert ROSTER.on_duty(at(3, 10), on) == (WANG,)


def test_office_staff_are_never_on_duty_even_when_overridden_on() -> None:
    on = {3: DutyOverride(3, on_duty=True, until=at(2, 23))}
    assert ROSTER.on_duty(at(2, 20), on) == ()


# -- boundaries and starts -----------------------------------------------------------------------


def test_next_boundary_is_the_next_start_or_end() -> None:
    assert ROSTER.next_boundary(WANG, at(2, 12)) == at(2, 19, 30)
    assert ROSTER.next_boundary(WANG, at(2, 19, 30)) == at(3, 10)
    assert ROSTER.next_boundary(WANG, at(6, 20)) == at(9, 10)  # Friday evening → Monday
    assert ROSTER.next_boundary(WANG, at(6, 20)).utcoffset() == timedelta(hours=8)


def test_next_boundary_without_shifts_is_the_end_of_the_local_day() -> None:
    assert ROSTER.next_boundary(OFFICE, at(2, 12)) == at(3, 0)
    always = adviser(5, "值班", "mon-sun 00:00-24:00")
    assert Roster([always], SH).next_boundary(always, at(2, 12)) == at(3, 0)


def test_next_shift_start_across_the_weekend() -> None:
    assert ROSTER.next_shift_start(at(6, 20)) == at(7, 11)  # Friday evening → Saturday 11:00
    assert ROSTER.next_shift_start(at(6, 20), WANG) == at(9, 10)
    assert ROSTER.next_shift_start(at(7, 11)) == at(8, 11)  # strictly after
    assert ROSTER.next_shift_start(at(8, 15)) == at(9, 10)
    assert ROSTER.next_shift_start(at(2, 12), OFFICE) is None
    assert Roster([OFFICE], SH).next_shift_start(at(2, 12)) is None


def test_shift_starts_between_is_half_open_and_in_time_order() -> None:
    starts = ROSTER.shift_starts_between(at(6, 0), at(9, 10))
    assert starts == [(at(6, 10), WANG), (at(7, 11), LI), (at(8, 11), LI)]
    assert ROSTER.shift_starts_between(at(6, 0), at(9, 10, 0, 1))[-1] == (at(9, 10), WANG)


def test_back_to_back_days_are_one_stretch_without_midnight_starts() -> None:
    always = adviser(5, "值班", "mon-sun 00:00-24:00")
    assert Roster([always], SH).shift_starts_between(at(2, 0), at(9, 0)) == []


# -- on-duty minutes -----------------------------------------------------------------------------


def test_on_duty_minutes_skip_the_night() -> None:
    assert ROSTER.on_duty_minutes_between(at(2, 19), at(3, 10, 30)) == 60
    assert ROSTER.on_duty_minutes_between(at(6, 19), at(9, 10, 30)) == 30 + 180 + 180 + 30


def test_on_duty_minutes_count_an_overnight_shift_and_overlaps_once() -> None:
    night = adviser(4, "赵律师", "sun 22:00-06:00")
    early = adviser(6, "钱律师", "mon 05:00-11:00")
    roster = Roster([WANG, night, early], SH)
    # Sunday 21:00 → Monday 10:30: 22:00-06:00 and 05:00-10:30 overlap; 22:00 → 10:30 is 750 min.
    assert roster.on_duty_minutes_between(at(8, 21), at(9, 10, 30)) == 750


def test_on_duty_minutes_apply_current_overrides_from_the_start() -> None:
    window = (at(2, 9), at(2, 11))
    assert ROSTER.on_duty_minutes_between(*window) == 60
    off = {1: DutyOverride(1, on_duty=False, until=at(2, 10, 15))}
    assert ROSTER.on_duty_minutes_between(*window, off) == 45
    on = {2: DutyOverride(2, on_duty=True, until=at(2, 9, 30))}
    assert ROSTER.on_duty_minutes_between(*window, on) == 90
    expired = {1: DutyOverride(1, on_duty=False, until=at(2, 8))}
    assert ROSTER.on_duty_minutes_between(*window, expired) == 60
    assert ROSTER.on_duty_minutes_between(at(2, 11), at(2, 9)) == 0


# -- wording for residents -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "words"),
    [
        (at(6, 22), "今天22:00"),
        (at(7, 11), "明天11:00"),
        (at(8, 11), "周日11:00"),
        (at(9, 10), "周一10:00"),
        (at(13, 10), "3月13日10:00"),
    ],
)
def test_format_next_start_uses_relative_words(start: datetime, words: str) -> None:
    assert format_next_start(at(6, 20), start) == words


def test_resident_message_reads_naturally_even_from_utc_times() -> None:
    now = at(2, 20).astimezone(UTC)
    start = ROSTER.next_shift_start(now)
    assert start is not None
    assert f"法律顾问{format_next_start(now, start, SH)}上班后会回复您" == (
        "法律顾问明天10:00上班后会回复您"
    )


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        ROSTER.on_duty(datetime(2026, 3, 2, 12))


def test_duplicate_members_are_refused() -> None:
    with pytest.raises(ValueError, match="duplicate"):
        Roster([WANG, WANG], SH)


# -- daylight saving (Berlin springs forward on Sunday 2026-03-29 at 02:00) ------------------------


def test_dst_change_day_counts_real_minutes_and_keeps_wall_clock_shifts() -> None:
    early = adviser(7, "Anna", "sun 01:00-04:00")
    always = adviser(8, "Ben", "mon-sun 00:00-24:00")
    weekday = adviser(9, "Carl", "mon-fri 10:00-19:30")

    sunday, monday = at(29, 0, tz=BERLIN), at(30, 0, tz=BERLIN)
    assert Roster([early], BERLIN).on_duty_minutes_between(sunday, monday) == 120
    assert Roster([always], BERLIN).on_duty_minutes_between(sunday, monday) == 23 * 60

    roster = Roster([early, weekday], BERLIN)
    assert roster.in_shift(early, datetime(2026, 3, 29, 1, 30, tzinfo=UTC))  # 03:30 CEST
    assert not roster.in_shift(early, datetime(2026, 3, 29, 2, 0, tzinfo=UTC))  # 04:00 CEST
    start = roster.next_shift_start(at(27, 20, tz=BERLIN), weekday)
    assert start == datetime(2026, 3, 30, 8, 0, tzinfo=UTC)  # Monday 10:00 CEST
    assert start is not None and start.utcoffset() == timedelta(hours=2)
