"""``legaldesk faq misses``: what the FAQ missed in a month, grouped by nearest entry."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.app import Knowledge, Services, build_services
from bot.cli import main
from bot.config import load_settings
from bot.core.clock import ManualClock
from bot.core.misses import (
    CSV_HEADER,
    HANDOFF,
    NO_ENTRY,
    NOT_HELPFUL,
    MissEvent,
    Nearest,
    nearest_with,
    review,
    to_csv,
    to_table,
)
from bot.core.periods import parse_month
from bot.core.ports import Person
from bot.core.privacy import CONFIRM_DATA
from bot.storage.misses import miss_events
from tests.conftest import WEDNESDAY_MORNING

SHANGHAI = ZoneInfo("Asia/Shanghai")
LAND = "俺家娃当兵退伍回来了，退役安置的钱一直没发下来，咋办"
MARRIAGE = "男女多大年龄才能结婚？"  # the canonical question of marriage-age: always matched


def person(user_id: int) -> Person:
    return Person(user_id, user_id, f"居民{user_id}")


def escalate_data(batch_texts: list[tuple[str, str]]) -> str:
    """The 「没解决」/「都不是」 button of a reply (callback data esc:<question id>)."""
    return next(data for _, data in batch_texts if data.startswith("esc:"))


async def buttons(services: Services, batch_ids: tuple[int, ...]) -> list[tuple[str, str]]:
    from bot.storage.models import OutboxRow

    async with services.sessions() as session:
        rows = [await session.get(OutboxRow, i) for i in batch_ids]
    return [(label, data) for row in rows if row for r in row.buttons for label, data in r]


async def november(services: Services, clock: ManualClock) -> None:
    """A month of misses, and a few things that are not misses of November."""
    clock.set(datetime(2026, 10, 31, 17, 0, tzinfo=UTC))  # 11-01 01:00 in Shanghai: November
    await services.desk.ask(person(1), LAND)  # handed off: a miss
    clock.set(WEDNESDAY_MORNING)
    answered = await services.desk.ask(person(2), MARRIAGE)  # answered, then 「没解决」
    await services.desk.press(person(2), escalate_data(await buttons(services, answered.ids)))
    await services.desk.press(person(3), "faq:marriage-age")  # browsed, then 「没解决」
    await services.desk.press(person(3), "esc:b:marriage-age")
    earlier = await services.desk.ask(person(4), "娃多大能领结婚证")  # answered ...
    await services.desk.media(person(4), "voice", "VOICE", "")  # ... a voice opens a case ...
    await services.desk.press(person(4), escalate_data(await buttons(services, earlier.ids)))
    await services.desk.media(person(5), "photo", "FILE", "")  # a photo: not an FAQ miss
    await services.desk.ask(person(6), "帮我写一份起诉状告我儿子")  # forgotten later: gone
    await services.privacy.press(person(6), CONFIRM_DATA)
    clock.set(datetime(2026, 11, 30, 16, 30, tzinfo=UTC))  # 12-01 00:30 in Shanghai: December
    await services.desk.ask(person(7), LAND)


async def test_the_months_misses_once_each_with_their_questions(
    services: Services, clock: ManualClock, knowledge: Knowledge
) -> None:
    await november(services, clock)
    period = parse_month("2026-11", SHANGHAI)
    async with services.sessions() as session:
        events = await miss_events(session, period.start, period.end)
    assert sorted((e.source, e.text) for e in events) == sorted(
        [
            (HANDOFF, LAND),
            (NOT_HELPFUL, MARRIAGE),  # the question they asked, once (not again as a hand-off)
            (NOT_HELPFUL, MARRIAGE),  # browsed: the entry's own question
            (NOT_HELPFUL, "娃多大能领结婚证"),  # added to the open case as a follow-up
            (HANDOFF, "（已删除）"),  # forgotten on request
        ]
    )
    groups = review(events, nearest_with(knowledge.matcher), SHANGHAI)
    assert groups[0].faq_id == "marriage-age" and len(groups[0].misses) == 3
    assert all(m.score is not None and m.score > 0 for m in groups[0].misses)
    shown = [m.text for g in groups for m in g.misses]
    assert LAND in shown and "（已删除）" not in shown
    async with services.sessions() as session:
        december = parse_month("2026-12", SHANGHAI)
        [late] = await miss_events(session, december.start, december.end)
    assert late.text == LAND


def test_command_prints_a_table_or_csv_with_bom(
    database_url: str,
    tmp_path: Path,
    knowledge: Knowledge,
    monkeypatch: pytest.MonkeyPatch,
    capsysbinary: pytest.CaptureFixture[bytes],
) -> None:
    async def fill() -> None:
        settings = load_settings(None, {"DATABASE_URL": database_url}, cwd=tmp_path)
        clock = ManualClock(WEDNESDAY_MORNING)
        services = build_services(settings, knowledge, clock)
        try:
            await november(services, clock)
        finally:
            await services.close()

    asyncio.run(fill())
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.chdir(tmp_path)
    assert main(["faq", "misses", "--month", "2026-11", "--format", "csv"]) == 0
    data = capsysbinary.readouterr().out
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == CSV_HEADER and len(rows) == 1 + 4
    assert {r[0] for r in rows[1:]} == {"2026-11"}
    assert [r[1] for r in rows[1:4]] == ["marriage-age"] * 3
    assert any(r[7] == LAND and r[4] == "转人工" for r in rows[1:])

    assert main(["faq", "misses", "--month", "2026-11"]) == 0
    table = capsysbinary.readouterr().out.decode()
    assert "2026-11（共 4 条" in table and "▶ marriage-age" in table and "没解决" in table

    assert main(["faq", "misses", "--month", "2026-13"]) == 2
    assert "月份写法不对" in capsysbinary.readouterr().err.decode()


# ---------------------------------------------------------------- shaping (pure)

AT = datetime(2026, 11, 25, 2, 30, tzinfo=UTC)
NEAR = {
    "老板不给工资": Nearest("wage-arrears", "老板拖欠工资不给，怎么办？", 62.0),
    "工资拖了半年": Nearest("wage-arrears", "老板拖欠工资不给，怎么办？", 55.5),
    "结婚年龄": Nearest("marriage-age", MARRIAGE, 70.0),
}


def test_groups_biggest_first_best_scores_first_and_unmatched_last() -> None:
    events = [
        MissEvent(AT, HANDOFF, "no_match", "工资拖了半年"),
        MissEvent(AT, HANDOFF, "no_match", "外星人"),
        MissEvent(AT, NOT_HELPFUL, None, "结婚年龄"),
        MissEvent(AT, NOT_HELPFUL, None, "老板不给工资"),
        MissEvent(AT, HANDOFF, "no_match", None),
        MissEvent(AT, HANDOFF, "no_match", " \u200b "),
    ]
    groups = review(events, NEAR.get, SHANGHAI)
    assert [g.faq_id for g in groups] == ["wage-arrears", "marriage-age", None]
    assert [m.text for m in groups[0].misses] == ["老板不给工资", "工资拖了半年"]
    assert groups[0].misses[0].at.utcoffset() is not None
    assert groups[0].misses[0].at.hour == 10  # local time
    table = to_table(groups, "2026-11")
    assert "共 4 条" in table and NO_ENTRY in table
    assert table.index("wage-arrears") < table.index("marriage-age") < table.index(NO_ENTRY)
    rows = list(csv.reader(io.StringIO(to_csv(groups, "2026-11").decode("utf-8-sig"))))
    assert rows[1][:6] == [
        "2026-11",
        "wage-arrears",
        "老板拖欠工资不给，怎么办？",
        "62.0",
        "没解决",
        "",
    ]
    assert rows[2][4:6] == ["转人工", "没匹配上"]
    assert rows[-1][1:4] == ["", NO_ENTRY, ""]


def test_an_empty_month_says_so() -> None:
    assert "本月没有" in to_table([], "2026-02")
    assert to_csv([], "2026-02").decode("utf-8-sig").strip() == ",".join(CSV_HEADER)
