"""Report shaping without a database: periods in a time zone, percentiles, days, categories."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.core.errors import InvalidRequest
from bot.core.periods import Period, last_complete_month, parse_month, parse_period, parse_year
from bot.core.report_queries import BucketCounts, CategoryCount, ChannelCounts, OutreachCounts
from bot.core.reports import Figures, MonthlyReport, to_json
from bot.core.reports.channels import by_channel
from bot.core.reports.shaping import (
    OTHER,
    TRANSFERRED,
    ResponseTimes,
    by_category,
    counts_by_month,
    figures,
    percentile,
    questions_by_day,
    response_ranks,
    response_times,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def test_an_event_late_on_march_31_utc_belongs_to_april_in_shanghai() -> None:
    march, april = Period(2024, 3, SHANGHAI), Period(2024, 4, SHANGHAI)
    event = utc(2024, 3, 31, 16, 30)
    assert march.start == utc(2024, 2, 29, 16) and march.end == utc(2024, 3, 31, 16)
    assert april.start <= event < april.end
    assert not march.start <= event < march.end


def test_days_and_bounds_cover_the_month_and_the_leap_year() -> None:
    february = Period(2024, 2, SHANGHAI)
    assert len(february.days()) == 29 and february.days()[-1] == date(2024, 2, 29)
    bounds = february.day_bounds()
    assert bounds[0] == february.start and bounds[-1] == february.end and len(bounds) == 30
    year = Period(2024, None, SHANGHAI)
    assert len(year.days()) == 366 and len(year.months()) == 12
    assert year.start == utc(2023, 12, 31, 16) and year.end == utc(2024, 12, 31, 16)
    assert year.months()[-1].end == year.end


def test_a_day_with_a_clock_change_is_23_hours_long() -> None:
    bounds = Period(2024, 3, BERLIN).day_bounds()
    assert bounds[30] == utc(2024, 3, 30, 23)  # Mar 31 00:00 CET
    assert bounds[31] == utc(2024, 3, 31, 22)  # Apr 1 00:00 CEST
    assert (bounds[31] - bounds[30]).total_seconds() == 23 * 3600


@pytest.mark.parametrize("text", ["2024-13", "2024-00", "March", "2024-3", "24-03", "", "2024/03"])
def test_bad_months_are_refused_with_the_expected_form(text: str) -> None:
    with pytest.raises(InvalidRequest, match="例如 2024-03"):
        parse_month(text, SHANGHAI)


def test_months_years_and_the_report_argument() -> None:
    assert parse_month(" 2024-03 ", SHANGHAI).label == "2024-03"
    assert parse_year("2024", SHANGHAI).label == "2024"
    assert parse_period("2024", SHANGHAI).is_year
    assert parse_period("2024-12", SHANGHAI).month == 12
    assert parse_period("２０２４-０３", SHANGHAI).label == "2024-03"  # full-width digits (IME)
    for bad in ("24", "１２３４", "2024年"):
        with pytest.raises(InvalidRequest):
            parse_period(bad, SHANGHAI)
    with pytest.raises(InvalidRequest, match="例如 2024"):
        parse_year("0999", SHANGHAI)


def test_last_complete_month_is_taken_in_the_local_time_zone() -> None:
    assert last_complete_month(utc(2024, 3, 31, 16, 30), SHANGHAI).label == "2024-03"
    assert last_complete_month(utc(2024, 3, 31, 15, 59), SHANGHAI).label == "2024-02"
    assert last_complete_month(utc(2025, 1, 10), SHANGHAI).label == "2024-12"


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [
        ([], 0.5, None),
        ([7.0], 0.9, 7.0),
        ([1.0, 2.0, 3.0, 4.0], 0.5, 2.5),
        ([4.0, 1.0, 3.0, 2.0], 0.9, 3.7),
        ([30.0, 90.0, 240.0], 0.9, 210.0),
        ([10.0, 20.0], 0.0, 10.0),
        ([10.0, 20.0], 1.0, 20.0),
    ],
)
def test_percentile_interpolates_between_ranks(
    values: list[float], q: float, expected: float | None
) -> None:
    result = percentile(values, q)
    assert result == (pytest.approx(expected) if expected is not None else None)


def test_every_day_is_listed_and_media_hand_offs_count_as_questions() -> None:
    april = Period(2024, 4, SHANGHAI)
    counts = [BucketCounts() for _ in april.days()]
    counts[0] = BucketCounts(questions=2, media_handoffs=1, faq_answered=5)
    counts[29] = BucketCounts(questions=1)
    days = questions_by_day(april, counts)
    assert len(days) == 30 and days[0] == (date(2024, 4, 1), 3)
    assert days[29] == (date(2024, 4, 30), 1) and sum(n for _, n in days) == 4
    with pytest.raises(ValueError):
        questions_by_day(april, counts[:-1])


def test_days_are_summed_into_the_months_of_a_year() -> None:
    year = Period(2023, None, SHANGHAI)
    counts = [BucketCounts(questions=1, handed_off=d.month) for d in year.days()]
    months = counts_by_month(year, counts)
    assert [m.questions for m in months] == [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    assert months[1].handed_off == 2 * 28


def test_categories_put_hand_offs_under_the_adviser_and_keep_known_zeros() -> None:
    rows = [
        CategoryCount("婚姻家庭", False, 3),
        CategoryCount("婚姻家庭", True, 1),
        CategoryCount(None, True, 2),
        CategoryCount(None, False, 1),
    ]
    shaped = by_category(rows, media_handoffs=4, known=("继承", "婚姻家庭"))
    assert shaped == ((TRANSFERRED, 7), ("婚姻家庭", 3), (OTHER, 1), ("继承", 0))


def test_only_the_ranks_the_percentiles_need_are_asked_for() -> None:
    counts = [3, 0, 4, 1]
    ranks = response_ranks(counts)
    assert ranks == {0: [1, 2], 2: [1, 2, 3], 3: [0]}  # 4 values: median 1..2, p90 at 2.7
    values = {(0, 1): 90.0, (0, 2): 240.0, (2, 1): 2.0, (2, 2): 3.0, (2, 3): 4.0, (3, 0): 7.04}
    assert response_times(counts, values) == [
        ResponseTimes(3, 90.0, 210.0),
        ResponseTimes(),
        ResponseTimes(4, 2.5, 3.7),
        ResponseTimes(1, 7.0, 7.0),
    ]


def test_figures_and_json_keep_the_contract() -> None:
    counts = BucketCounts(questions=4, media_handoffs=1, handed_off=2, helpful=1)
    f = figures(
        counts, residents=3, answered=1, open_at_end=1, response=ResponseTimes(2, 15.0, 19.0)
    )
    assert f == Figures(
        questions=5,
        residents=3,
        handed_off=2,
        adviser_answered=1,
        open_at_end=1,
        helpful=1,
        response_median=15.0,
        response_p90=19.0,
        response_cases=2,
    )
    channels = by_channel(
        [ChannelCounts("telegram", counts, residents=3, answered=1, open_at_end=1)]
    )
    report = MonthlyReport(Period(2024, 4, SHANGHAI), f, (), (), (), (), (), channels)
    data = to_json(report)
    assert set(data) >= {
        "month",
        "timezone",
        "questions",
        "residents",
        "faq_answered",
        "clarified",
        "handed_off",
        "adviser_answered",
        "open_at_end",
        "undeliverable",
        "feedback",
        "first_response_minutes",
        "by_category",
        "by_day",
        "by_adviser",
        "top_entries",
        "by_channel",
    }
    assert data["month"] == "2024-04" and data["timezone"] == "Asia/Shanghai"
    assert data["feedback"] == {"helpful": 1, "not_helpful": 0}
    assert data["first_response_minutes"] == {"median": 15.0, "p90": 19.0, "cases": 2}
    assert list(data["by_channel"]) == ["telegram", "wechat"]
    assert data["by_channel"]["telegram"] == {
        "name": "Telegram",
        "questions": 5,
        "residents": 3,
        "faq_answered": 0,
        "clarified": 0,
        "handed_off": 2,
        "adviser_answered": 1,
        "open_at_end": 1,
        "undeliverable": 0,
        "feedback": {"helpful": 1, "not_helpful": 0},
        "scam_checks": 0,
        "outreach": {"residents_reached": 0, "learn_more": 0, "subscribers_at_end": 0},
    }
    assert data["by_channel"]["wechat"]["name"] == "微信公众号"
    assert data["by_channel"]["wechat"]["questions"] == 0


def test_every_channel_of_the_desk_is_listed_then_others_then_events_of_no_resident() -> None:
    rows = [
        ChannelCounts(None, BucketCounts(questions=1)),
        ChannelCounts("sms", BucketCounts(clarified=2)),
        ChannelCounts("wechat", residents=4, outreach=OutreachCounts(broadcasts=1, learn_more=3)),
        ChannelCounts("line", BucketCounts()),  # nothing in the period: not listed
    ]
    channels = by_channel(rows)
    assert [(c.channel, c.name) for c in channels] == [
        ("telegram", "Telegram"),
        ("wechat", "微信公众号"),
        ("sms", "sms"),
        ("unknown", "未知渠道"),
    ]
    telegram, wechat, sms, unknown = (c.figures for c in channels)
    assert telegram == Figures()
    assert (wechat.residents, wechat.learn_more, wechat.broadcasts) == (4, 3, 0)
    assert (sms.clarified, unknown.questions) == (2, 1)
    assert unknown.response_median is None and unknown.response_cases == 0
    assert [c.channel for c in by_channel([ChannelCounts(None)])] == ["telegram", "wechat"]
