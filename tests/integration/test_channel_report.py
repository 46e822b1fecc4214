"""The report per channel: Telegram and WeChat residents in one month (and outside it), every
per-channel figure exact in JSON, the terminal table, the XLSX sheet 按渠道 and the CSV, on both
engines, through the real ``legaldesk report`` command; each figure sums over the channels to the
total. The history goes through the real use cases as in test_reports.py."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from bot.adapters import exports
from bot.app import Services
from bot.cli import main
from bot.core.clock import ManualClock
from bot.core.interactions import EventKind, Interaction
from bot.core.ports import Address, Delivery, DeliveryOutcome, Person
from bot.core.reports import to_json
from tests.integration.test_reports import (
    LI,
    ZHANG,
    answer,
    asked,
    channel,
    close,
    entries,
    latest_case,
    utc,
)

GRANNY = Person(user_id=701, chat_id=701, display_name="王大妈")  # Telegram
UNCLE = Person(user_id=702, chat_id=702, display_name="李大爷")  # Telegram


def wechat(openid: str, name: str) -> Person:
    return Person(Address("wechat", openid), Address("wechat", openid), name)


MA = wechat("oWx-ma-0001", "马奶奶")
ZHOU = wechat("oWx-zhou-0002", "周大叔")
LATE = wechat("oWx-late-0003", "吴阿姨")  # writes only in November


async def scam_check(services: Services, clock: ManualClock, at: Any, person: Person) -> None:
    """A message the scam check could not place, logged as the desk logs it."""
    clock.set(at)
    async with services.uow() as uow:
        resident = await uow.residents.get_or_create(person, at)
        await uow.interactions.add(
            Interaction(EventKind.SCAM_CHECK, at, resident_id=resident.id, detail="unsure")
        )
        await uow.commit()


async def build_history(services: Services, clock: ManualClock) -> None:
    """October 2026 (Asia/Shanghai) with two Telegram and two WeChat residents; see OCTOBER."""
    e1, e2, e3 = entries(services.knowledge.kb)
    # September 30 23:59 in Shanghai: not October.
    await asked(services, clock, utc(2026, 9, 30, 15, 59), MA, e1, "answer")
    # Telegram: an answer that helped; a case answered in 30 minutes; a subscription.
    await asked(services, clock, utc(2026, 10, 2, 2), GRANNY, e1, "answer")
    clock.set(utc(2026, 10, 2, 2, 1))
    await services.desk.feedback(GRANNY, e1.id)
    _, case_t = await asked(services, clock, utc(2026, 10, 3, 2), UNCLE, None, "handoff")
    assert case_t is not None
    await answer(services, clock, utc(2026, 10, 3, 2, 30), LI, case_t)
    clock.set(utc(2026, 10, 4, 2))
    await services.courier.deliver(await services.subscriptions.subscribe(GRANNY))
    # WeChat: Ma is answered, offered choices, picks E2, is not satisfied (case answered),
    # sends a voice message (case still open at the end); a scam check; 了解更多 twice.
    await asked(services, clock, utc(2026, 10, 5, 2), MA, e1, "answer")
    question, _ = await asked(services, clock, utc(2026, 10, 6, 2), MA, e2, "clarify")
    clock.set(utc(2026, 10, 6, 2, 1))
    await services.desk.pick(MA, question, e2.id)
    clock.set(utc(2026, 10, 6, 2, 5))
    await services.desk.escalate(MA, question, e2.id)
    case_w1 = await latest_case(services, MA)
    await answer(services, clock, utc(2026, 10, 6, 3, 5), ZHANG, case_w1)
    await close(services, clock, utc(2026, 10, 7), case_w1)
    clock.set(utc(2026, 10, 8, 2))
    await services.desk.media(MA, "voice", "wx-media-1", "")
    await scam_check(services, clock, utc(2026, 10, 9, 2), MA)
    clock.set(utc(2026, 10, 12, 2))
    await services.courier.deliver(await services.subscriptions.subscribe(MA))
    for _ in range(2):
        await services.courier.deliver(await services.subscriptions.press(MA, "more:2026-12"))
    # Zhou's case is answered, but he has unfollowed the account: undeliverable.
    _, case_w3 = await asked(services, clock, utc(2026, 10, 10, 2), ZHOU, None, "handoff")
    assert case_w3 is not None
    services.transport().fail(  # type: ignore[attr-defined]
        ZHOU.chat_id, Delivery(DeliveryOutcome.BLOCKED, error="43004")
    )
    await answer(services, clock, utc(2026, 10, 10, 4), LI, case_w3)
    await close(services, clock, utc(2026, 10, 11), case_w3)
    # October 31 23:59 in Shanghai is October; 00:30 on November 1 is not.
    await asked(services, clock, utc(2026, 10, 31, 15, 59), ZHOU, e3, "answer")
    await asked(services, clock, utc(2026, 10, 31, 16, 30), GRANNY, e1, "answer")
    await asked(services, clock, utc(2026, 11, 2, 2), LATE, e1, "answer")


OCTOBER = {
    "telegram": channel(
        "Telegram",
        questions=2,  # Granny's answered question, Uncle's handed off
        residents=2,
        faq_answered=1,
        handed_off=1,
        adviser_answered=1,
        helpful=1,
        subscribers=1,
    ),
    "wechat": channel(
        "微信公众号",
        questions=5,  # Ma: 2 texts and a voice message; Zhou: 2 texts
        residents=2,
        faq_answered=3,  # Ma's answer and pick, Zhou's answer at 23:59
        clarified=1,
        handed_off=3,  # Ma's escalation and voice, Zhou's question
        adviser_answered=2,
        open_at_end=1,  # Ma's voice message
        undeliverable=1,
        not_helpful=1,
        scam_checks=1,
        learn_more=2,
        subscribers=1,
    ),
}

# Per-channel figures and the JSON paths of their totals.
SUMMED = [
    ("questions",),
    ("residents",),
    ("faq_answered",),
    ("clarified",),
    ("handed_off",),
    ("adviser_answered",),
    ("open_at_end",),
    ("undeliverable",),
    ("feedback", "helpful"),
    ("feedback", "not_helpful"),
    ("scam_checks",),
    ("outreach", "residents_reached"),
    ("outreach", "learn_more"),
    ("outreach", "subscribers_at_end"),
]


def at(data: dict[str, Any], path: tuple[str, ...]) -> int:
    for key in path:
        data = data[key]
    return data  # type: ignore[return-value]


def assert_channels_sum_to_totals(report: dict[str, Any]) -> None:
    for path in SUMMED:
        channels = [at(c, path) for c in report["by_channel"].values()]
        assert sum(channels) == at(report, path), path


async def test_october_counts_each_channel_exactly(services: Services, clock: ManualClock) -> None:
    await build_history(services, clock)
    report = to_json(await services.reports.build(services.reports.period("2026-10")))
    assert report["by_channel"] == OCTOBER
    assert list(report["by_channel"]) == ["telegram", "wechat"]
    assert (report["questions"], report["residents"], report["adviser_answered"]) == (7, 4, 3)
    assert_channels_sum_to_totals(report)
    summary = exports.summary(await services.reports.build(services.reports.period("2026-10")))
    assert (
        summary.splitlines()[1] == "居民提问 7 次，来自 4 位居民（Telegram 2 次，微信公众号 5 次）"
    )


async def test_other_periods_count_only_their_own_activity(
    services: Services, clock: ManualClock
) -> None:
    await build_history(services, clock)
    reports = services.reports
    september = to_json(await reports.build(reports.period("2026-09")))
    assert (september["by_channel"]["wechat"]["questions"], september["residents"]) == (1, 1)
    assert september["by_channel"]["telegram"] == channel("Telegram")
    november = to_json(await reports.build(reports.period("2026-11")))
    assert november["by_channel"] == {
        "telegram": channel("Telegram", questions=1, residents=1, faq_answered=1, subscribers=1),
        "wechat": channel(
            "微信公众号", questions=1, residents=1, faq_answered=1, open_at_end=1, subscribers=1
        ),
    }
    year = to_json(await reports.build(reports.period("2026")))
    assert year["by_channel"]["wechat"]["residents"] == 3  # Ma, Zhou and the November newcomer
    assert year["by_channel"]["wechat"]["questions"] == 7
    for report in (september, november, year):
        assert_channels_sum_to_totals(report)


async def test_an_event_without_a_resident_is_listed_under_unknown_so_sums_hold(
    services: Services, clock: ManualClock
) -> None:
    at_ = utc(2026, 10, 15, 2)
    async with services.uow() as uow:
        await uow.interactions.add(Interaction(EventKind.QUESTION, at_, detail="answer"))
        await uow.interactions.add(Interaction(EventKind.FAQ_ANSWER, at_))
        await uow.commit()
    report = to_json(await services.reports.build(services.reports.period("2026-10")))
    assert list(report["by_channel"]) == ["telegram", "wechat", "unknown"]
    unknown = report["by_channel"]["unknown"]
    assert (unknown["name"], unknown["questions"], unknown["faq_answered"]) == ("未知渠道", 1, 1)
    assert report["questions"] == 1 and report["residents"] == 0
    assert_channels_sum_to_totals(report)


# ---------------------------------------------------------------- through `legaldesk report`


ROWS = {  # the 按渠道 rows: label → (Telegram, 微信公众号, 合计)
    "居民提问（次）": (2, 5, 7),
    "提问居民（人）": (2, 2, 4),
    "常见问题自动答复（次）": (1, 3, 4),
    "追问澄清（次）": (0, 1, 1),
    "转法律顾问（件）": (1, 3, 4),
    "法律顾问已答复（件）": (1, 2, 3),
    "期末未结（件）": (0, 1, 1),
    "答复未送达（次）": (0, 1, 1),
    "评价：有帮助（次）": (1, 0, 1),
    "评价：没解决（次）": (0, 1, 1),
    "防诈骗核查（次）": (0, 1, 1),
    "普法送达居民（人）": (0, 0, 0),
    "「了解更多」点击（次）": (0, 2, 2),
    "期末订阅每月普法（人）": (1, 1, 2),
}
HEADER = ["指标", "Telegram", "微信公众号", "合计"]


async def cli(services: Services, monkeypatch: pytest.MonkeyPatch, capsys: Any, *args: str) -> str:
    """``legaldesk report --month 2026-10 ARGS`` on this test's database: its standard output."""
    monkeypatch.setenv("DATABASE_URL", services.settings.database_url)
    config = str(services.settings.config_path)
    argv = ["--config", config, "report", "--month", "2026-10", *args]
    capsys.readouterr()
    assert await asyncio.to_thread(main, argv) == 0  # the CLI runs its own event loop
    return str(capsys.readouterr().out)


async def test_the_command_shows_the_breakdown_in_every_format(
    services: Services,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    await build_history(services, clock)
    report = json.loads(await cli(services, monkeypatch, capsys, "--format", "json"))
    assert report["by_channel"] == OCTOBER

    table = (await cli(services, monkeypatch, capsys)).splitlines()
    section = table[table.index("【按渠道】") + 1 :]
    assert section[0].split() == HEADER
    shown = {line.split()[0]: tuple(map(int, line.split()[1:])) for line in section[1:]}
    assert shown == ROWS
    assert not {"王大妈", "马奶奶", "oWx-ma-0001"} & set(" ".join(table).split())

    target = tmp_path / "october.xlsx"
    await cli(services, monkeypatch, capsys, "--format", "xlsx", "-o", str(target))
    sheet = openpyxl.load_workbook(target)["按渠道"]
    header, *rows = sheet.iter_rows(values_only=True)
    assert list(header) == HEADER
    assert {label: tuple(values) for label, *values in rows} == ROWS

    target = tmp_path / "october.csv"
    await cli(services, monkeypatch, capsys, "--format", "csv", "-o", str(target))
    lines = list(csv.reader(io.StringIO(target.read_bytes().decode("utf-8-sig"))))
    start = lines.index(["按渠道"])
    assert lines[start + 1] == HEADER
    assert {row[0]: tuple(map(int, row[1:])) for row in lines[start + 2 :] if row} == ROWS
