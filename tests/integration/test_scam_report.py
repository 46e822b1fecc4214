"""Scam checks in the office's report: exact per period and per pattern, in JSON, XLSX and CSV,
with no resident's name or message (SQLite, and PostgreSQL when set up)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

from openpyxl import load_workbook

from bot.adapters import exports
from bot.app import Services
from bot.core.clock import ManualClock
from bot.core.ports import Person
from bot.core.reports import to_json
from tests.integration.test_resident_desk import say
from tests.integration.test_scam_desk import UNSURE_TEXT, forward
from tests.scam_samples import ORDINARY_NOTICE, SCAM_TEXTS

UNCLE = Person(user_id=502, chat_id=502, display_name="李大爷")
AUNT = Person(user_id=503, chat_id=503, display_name="张阿姨")


async def history(services: Services, clock: ManualClock) -> None:
    """November 2026: officials ×2 (one pasted), task rebate ×1, one unsure; an ordinary notice
    and an FAQ question (no checks). December 1st (local): one more check."""
    await forward(services, SCAM_TEXTS["impersonate-officials"])
    await say(services, SCAM_TEXTS["impersonate-officials"], UNCLE)
    await forward(services, SCAM_TEXTS["task-rebate"], UNCLE)
    await forward(services, UNSURE_TEXT)
    await forward(services, ORDINARY_NOTICE, UNCLE)
    await say(services, "被骗了钱还能追回来吗，要去哪报案", AUNT)
    clock.set(datetime(2026, 11, 30, 15, 59, tzinfo=UTC))  # Nov 30 23:59 in Shanghai
    await forward(services, SCAM_TEXTS["verification-code"], UNCLE)
    clock.set(datetime(2026, 11, 30, 16, 0, tzinfo=UTC))  # Dec 1 00:00 in Shanghai
    await forward(services, SCAM_TEXTS["verification-code"], UNCLE)


async def test_the_month_counts_scam_checks_by_pattern(
    services: Services, clock: ManualClock
) -> None:
    await history(services, clock)
    report = await services.reports.build(services.reports.period("2026-11"))
    data = to_json(report)
    assert data["scam_checks"] == 5
    by_pattern = data["scam_checks_by_pattern"]
    assert {k: n for k, n in by_pattern.items() if n} == {
        "impersonate-officials": 2,
        "task-rebate": 1,
        "verification-code": 1,
        "unsure": 1,
    }
    checker = services.knowledge.scams
    assert checker is not None
    assert set(by_pattern) == {p.id for p in checker.rules.patterns} | {"unsure"}
    assert next(iter(by_pattern)) == "impersonate-officials"  # most first
    # The unsure check, and the notice (not a check: the FAQ flow, which no entry answers).
    assert data["handed_off"] == 2
    assert data["questions"] == 2  # the ordinary notice and the FAQ question, not the checks
    assert "王大妈" not in json.dumps(data, ensure_ascii=False)
    assert "刑侦" not in json.dumps(data, ensure_ascii=False)

    book = load_workbook(io.BytesIO(exports.to_xlsx(report)), read_only=True)
    overview = {row[0]: row[1] for row in book["概况"].iter_rows(values_only=True)}
    assert overview["防诈骗核查（次）"] == 5
    rows = list(book["防诈骗核查"].iter_rows(min_row=2, values_only=True))
    assert rows[0] == ("冒充公检法", "impersonate-officials", 2)
    assert ("拿不准，转法律顾问", "unsure", 1) in rows
    assert sum(n for _, _, n in rows) == 5

    text = exports.to_csv(report).decode("utf-8-sig")
    assert ["冒充公检法", "impersonate-officials", "2"] in list(csv.reader(io.StringIO(text)))
    assert "防诈骗核查 5 次" in exports.summary(report)


async def test_december_and_the_year_count_each_check_once(
    services: Services, clock: ManualClock
) -> None:
    await history(services, clock)
    december = to_json(await services.reports.build(services.reports.period("2026-12")))
    assert december["scam_checks"] == 1
    assert december["scam_checks_by_pattern"]["verification-code"] == 1
    year = to_json(await services.reports.build(services.reports.period("2026")))
    assert year["scam_checks"] == 6
    months = {m["month"]: m["scam_checks"] for m in year["by_month"]}
    assert (months["2026-11"], months["2026-12"], months["2026-10"]) == (5, 1, 0)
