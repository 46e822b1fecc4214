"""The report counts outreach exactly: broadcasts (场次), residents reached, 了解更多 presses,
subscribers at the end."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.adapters import exports
from bot.app import Services
from bot.core.clock import ManualClock
from bot.core.ports import Person
from bot.core.reports import to_json
from tests.integration.test_broadcasts import LI, WANG, ZHAO, subscribe
from tests.integration.test_subscriptions import press

QIAN = Person(user_id=604, chat_id=604, display_name="钱奶奶")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


async def history(services: Services, clock: ManualClock) -> None:
    clock.set(utc(2026, 11, 20, 3))
    await subscribe(services, WANG, LI, ZHAO)  # November: three subscribe
    clock.set(utc(2026, 12, 2, 3))
    await press(services, "unsub", ZHAO)  # December: one leaves, one joins
    await subscribe(services, QIAN)
    clock.set(utc(2026, 12, 10, 1, 30))
    await services.broadcasts.queue_due()
    await press(services, "unsub", QIAN)  # before the pump ran: never reached
    assert await services.pump.drain() == 2
    await press(services, "more:2026-12", WANG)
    await press(services, "more:2026-12", WANG)
    await press(services, "more:2026-12", LI)
    await services.broadcasts.queue("2026-12")  # a repeat is no second 场次


def outreach(report: dict[str, object]) -> object:
    return report["outreach"]


async def test_month_and_year_figures(services: Services, clock: ManualClock) -> None:
    await history(services, clock)
    reports = services.reports
    december = to_json(await reports.build(reports.period("2026-12")))
    assert outreach(december) == {
        "broadcasts": 1,
        "residents_reached": 2,
        "learn_more": 3,
        "subscribers_at_end": 2,
    }
    november = to_json(await reports.build(reports.period("2026-11")))
    assert outreach(november) == {
        "broadcasts": 0,
        "residents_reached": 0,
        "learn_more": 0,
        "subscribers_at_end": 3,
    }
    year = to_json(await reports.build(reports.period("2026")))
    assert outreach(year) == outreach(december)
    months = {m["month"]: m["outreach"] for m in year["by_month"]}
    assert months["2026-11"] == outreach(november)
    assert months["2026-12"] == outreach(december)
    assert months["2026-10"]["subscribers_at_end"] == 0
    # Everyone here is on Telegram: the channel has the totals (not the 场次), WeChat zeros.
    by_channel = {key: c["outreach"] for key, c in december["by_channel"].items()}
    assert by_channel == {
        "telegram": {"residents_reached": 2, "learn_more": 3, "subscribers_at_end": 2},
        "wechat": {"residents_reached": 0, "learn_more": 0, "subscribers_at_end": 0},
    }


async def test_forgetting_a_resident_keeps_the_counts_and_names_nobody(
    services: Services, clock: ManualClock
) -> None:
    await history(services, clock)
    await services.courier.deliver(await services.privacy.press(WANG, "forget:yes"))
    report = await services.reports.build(services.reports.period("2026-12"))
    assert outreach(to_json(report))["residents_reached"] == 2
    assert outreach(to_json(report))["learn_more"] == 3
    assert outreach(to_json(report))["subscribers_at_end"] == 1  # consent ends with the data
    telegram = to_json(report)["by_channel"]["telegram"]["outreach"]  # still counted there
    assert (telegram["residents_reached"], telegram["learn_more"]) == (2, 3)
    table = exports.to_table(report)
    csv = exports.to_csv(report).decode("utf-8-sig")
    for text in (table, csv, exports.summary(report)):
        assert "王大妈" not in text and "李大爷" not in text
    assert "普法推送（场次）" in csv and "普法送达居民（人）" in csv
    assert "每月普法推送 1 场，送达 2 位居民，「了解更多」3 次" in exports.summary(report)
