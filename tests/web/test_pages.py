"""The console's pages do what the Telegram commands do, through the same use cases."""

from __future__ import annotations

import asyncio
import io
import re
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from bot.adapters import exports
from bot.core.interactions import EventKind
from bot.core.ports import Person
from bot.storage.models import CaseRow, InteractionRow
from tests.integration.test_channel_report import HEADER as CHANNEL_HEADER
from tests.integration.test_channel_report import ROWS as CHANNEL_ROWS
from tests.integration.test_channel_report import build_history as channel_history
from tests.integration.test_channel_report import cli
from tests.integration.test_resident_desk import GRANNY, say
from tests.integration.test_staff_desk import UNKNOWN_QUESTION, open_case
from tests.web.conftest import BASE_URL, LI, OFFICE, ZHANG, Console


async def _holder(console: Console, case_id: int) -> str | None:
    async with console.services.sessions() as session:
        row = await session.get(CaseRow, case_id)
        assert row is not None
        return row.claimed_by_name


async def test_the_queue_shows_waiting_cases_oldest_first_with_wait_and_holder(
    console: Console,
) -> None:
    first = await open_case(console.services)
    console.clock.advance(minutes=45)
    second = await open_case(console.services, Person(502, 502, "赵大爷"))
    await console.services.staff.claim(ZHANG, second)
    await console.sign_in(LI)
    text = await (await console.client.get("/queue")).text()
    assert text.index(f"#{first}") < text.index(f"#{second}")
    assert "已等待 45分钟" in text and "还没有人认领" in text and "认领人：张律师" in text
    rows = await (await console.client.get("/queue/rows")).text()  # what the page polls
    assert f"#{first}" in rows and "<html" not in rows


async def test_an_adviser_claims_answers_and_closes_and_the_resident_hears_it(
    console: Console,
) -> None:
    case_id = await open_case(console.services)
    await console.sign_in(LI)
    page = await (await console.client.get(f"/cases/{case_id}")).text()
    assert UNKNOWN_QUESTION in page and "王大妈" in page
    status, text = await console.post(f"/cases/{case_id}/claim")
    assert status == 200 and "已认领" in text and "李律师" in text
    status, text = await console.post(
        f"/cases/{case_id}/answer", {"text": "请带上退伍证到服务站问进度。"}
    )
    assert status == 200 and "答复已发给居民" in text
    to_granny = console.sent.to(GRANNY.chat_id)
    assert f"法律顾问回复（#{case_id}）" in to_granny[-1].text
    assert "请带上退伍证到服务站问进度。" in to_granny[-1].text
    assert "请带上退伍证到服务站问进度。" in text  # the thread shows the answer
    status, text = await console.post(f"/cases/{case_id}/close")
    assert status == 200 and "问题已结束" in text and 'id="answer"' not in text
    assert f"#{case_id}</b> 已处理完毕" in console.sent.to(GRANNY.chat_id)[-1].text
    async with console.services.sessions() as session:
        kinds = list(await session.scalars(select(InteractionRow.kind)))
    for kind in (EventKind.CASE_CLAIMED, EventKind.CASE_ANSWERED, EventKind.CASE_CLOSED):
        assert kind in kinds


async def test_two_advisers_claiming_at_once_one_wins_the_other_is_told_who(
    console: Console,
) -> None:
    case_id = await open_case(console.services)
    await console.sign_in(LI)
    li_csrf = await console.csrf(f"/cases/{case_id}")
    li_cookies = console.client.session.cookie_jar.filter_cookies(console.client.make_url("/"))
    console.client.session.cookie_jar.clear()
    await console.sign_in(ZHANG)
    zhang_csrf = await console.csrf(f"/cases/{case_id}")
    zhang_cookies = console.client.session.cookie_jar.filter_cookies(console.client.make_url("/"))
    console.client.session.cookie_jar.clear()

    async def claim(csrf: str, cookies: object) -> tuple[int, str]:
        jar = {name: morsel.value for name, morsel in cookies.items()}  # type: ignore[attr-defined]
        response = await console.client.post(
            f"/cases/{case_id}/claim", data={"csrf": csrf}, cookies=jar
        )
        return response.status, await response.text()

    results = await asyncio.gather(claim(li_csrf, li_cookies), claim(zhang_csrf, zhang_cookies))
    holder = await _holder(console, case_id)
    assert holder in ("李律师", "张律师")
    statuses = sorted(status for status, _ in results)
    assert statuses == [200, 409]
    [loser] = [text for status, text in results if status == 409]
    assert f"已由 {holder} 认领" in loser


async def test_a_case_that_does_not_exist_is_a_polite_404(console: Console) -> None:
    await console.sign_in(OFFICE)
    response = await console.client.get("/cases/999999")
    assert response.status == 404 and "没有编号为 #999999" in await response.text()


async def test_the_duty_page_shows_who_is_on_duty_and_switches_ones_own(
    console: Console,
) -> None:
    await console.sign_in(LI)  # Wednesday 10:30: both advisers are in their shift
    text = await (await console.client.get("/duty")).text()
    assert re.search(r"现在值班：.*李律师", text) and "张律师" in text
    status, text = await console.post("/duty", {"switch": "off"})
    assert status == 200
    on_duty = re.search(r'id="on-duty">([^<]*)<', text)
    assert on_duty is not None and "李律师" not in on_duty.group(1)
    assert "张律师" in on_duty.group(1)
    async with console.services.sessions() as session:
        kinds = list(await session.scalars(select(InteractionRow.kind)))
    assert EventKind.DUTY_SWITCH in kinds


async def test_office_staff_see_duty_but_have_no_switch(console: Console) -> None:
    await console.sign_in(OFFICE)
    text = await (await console.client.get("/duty")).text()
    assert "现在值班" in text and 'id="duty-switch"' not in text
    status, _ = await console.post("/duty", {"switch": "on"})
    assert status == 403


async def test_the_report_page_shows_the_figures_charts_and_the_clis_downloads(
    console: Console,
) -> None:
    await open_case(console.services)
    await say(console.services, "离婚后孩子抚养费怎么算", Person(503, 503, "孙阿姨"))
    await console.sign_in(OFFICE)
    text = await (await console.client.get("/report?period=2026-11")).text()
    assert "2026年11月" in text
    for label, _ in exports.FIGURES:
        assert label in text
    assert text.count("<svg") == 3 and 'class="bar"' in text
    report = await console.services.reports.build(console.services.reports.period("2026-11"))
    questions = re.search(r"<th>居民提问（次）</th><td>(\d+)</td>", text)
    assert questions is not None and int(questions.group(1)) == report.figures.questions >= 2
    csv = await console.client.get("/report/download/csv?period=2026-11")
    assert await csv.read() == exports.to_csv(report)
    assert "legaldesk-report-2026-11.csv" in csv.headers["Content-Disposition"]
    xlsx = await console.client.get("/report/download/xlsx?period=2026-11")
    assert (await xlsx.read())[:2] == b"PK"
    year = await console.client.get("/report?period=2026")
    assert year.status == 200 and "2026年全年" in await year.text()


async def test_the_report_page_and_downloads_break_the_figures_down_by_channel(
    console: Console,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    await channel_history(console.services, console.clock)
    await console.sign_in(OFFICE)
    text = await (await console.client.get("/report?period=2026-10")).text()
    table = re.search(r'<table class="figures channels" id="by-channel">(.*?)</table>', text, re.S)
    assert table is not None
    header = re.findall(r"<th>([^<]*)</th>", table.group(1).split("</tr>")[0])
    assert header == CHANNEL_HEADER
    rows = re.findall(r"<tr><th>([^<]*)</th>((?:<td>\d+</td>)+)</tr>", table.group(1))
    shown = {label: tuple(map(int, re.findall(r"\d+", cells))) for label, cells in rows}
    assert shown == CHANNEL_ROWS
    # The downloads are the command line's: the same CSV bytes, the same workbook cells.
    csv = await (await console.client.get("/report/download/csv?period=2026-10")).read()
    target = tmp_path / "october.csv"
    await cli(console.services, monkeypatch, capsys, "--format", "csv", "-o", str(target))
    assert csv == target.read_bytes()
    xlsx = await (await console.client.get("/report/download/xlsx?period=2026-10")).read()
    target = tmp_path / "october.xlsx"
    await cli(console.services, monkeypatch, capsys, "--format", "xlsx", "-o", str(target))
    book = openpyxl.load_workbook(io.BytesIO(xlsx))
    assert cells(book) == cells(openpyxl.load_workbook(target))
    assert [list(row) for row in book["按渠道"].iter_rows(values_only=True)] == [
        CHANNEL_HEADER,
        *([label, *values] for label, values in CHANNEL_ROWS.items()),
    ]


def cells(book: openpyxl.Workbook) -> dict[str, list[tuple[object, ...]]]:
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets}


async def test_a_bad_report_period_is_explained(console: Console) -> None:
    await console.sign_in(OFFICE)
    response = await console.client.get("/report?period=next-month")
    assert response.status == 400 and "看不懂" in await response.text()


async def test_the_misses_page_groups_what_the_faq_missed(console: Console) -> None:
    await open_case(console.services)
    console.clock.advance(days=7)  # into December: November is the last complete month
    await console.sign_in(OFFICE)
    text = await (await console.client.get("/misses")).text()
    assert "2026-11" in text and "共 1 个" in text and UNKNOWN_QUESTION in text


async def test_a_new_case_notice_links_to_its_page(console: Console) -> None:
    case_id = await open_case(console.services)
    notices = [m for m in console.sent.to(LI) if f"#{case_id}" in m.text]
    assert f"{BASE_URL}/cases/{case_id}" in notices[0].text


async def test_the_console_link_message_names_the_address_and_its_limits(
    console: Console,
) -> None:
    batch = await console.services.console.request_link(LI)
    text = batch.messages[0].text
    assert text.count(f"{BASE_URL}/signin/") == 1 and "10 分钟" in text and "只能用一次" in text
