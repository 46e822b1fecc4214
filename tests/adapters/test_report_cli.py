"""``legaldesk report`` through the CLI entry point: JSON, CSV and XLSX read back; bad input."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from bot.app import Knowledge, build_services
from bot.cli import main
from bot.config import load_settings
from bot.core.clock import ManualClock
from bot.storage.migrate import upgrade
from bot.storage.uow import create_engine
from tests.conftest import STAFF_YAML, WEDNESDAY_MORNING
from tests.fakes import record_every_channel
from tests.integration.test_reports import build_history, entries, march

FIGURE_LABELS = {  # the 概况 sheet's labels → JSON keys
    "居民提问（次）": "questions",
    "提问居民（人）": "residents",
    "常见问题自动答复（次）": "faq_answered",
    "追问澄清（次）": "clarified",
    "转法律顾问（件）": "handed_off",
    "法律顾问已答复（件）": "adviser_answered",
    "期末未结（件）": "open_at_end",
    "答复未送达（次）": "undeliverable",
}


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory, knowledge: Knowledge) -> Path:
    """A config file whose SQLite database holds the known history of the integration tests."""
    folder = tmp_path_factory.mktemp("report-cli")
    url = f"sqlite+aiosqlite:///{folder / 'desk.sqlite3'}"
    config = folder / "legaldesk.yaml"
    config.write_text(STAFF_YAML + f"database_url: {url}\n", encoding="utf-8")

    async def fill() -> None:
        engine = create_engine(url)
        await upgrade(engine)
        await engine.dispose()
        clock = ManualClock(WEDNESDAY_MORNING)
        services = build_services(load_settings(config, {}), knowledge, clock)
        record_every_channel(services)
        try:
            await build_history(services, clock)
        finally:
            await services.close()

    asyncio.run(fill())
    return config


@pytest.fixture(autouse=True)
def _plain_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DATABASE_URL", "LEGALDESK_TIMEZONE", "LEGALDESK_CONFIG", "LEGALDESK_FAQ_DIR"):
        monkeypatch.delenv(name, raising=False)


def report(capsys: pytest.CaptureFixture[str], config: Path, *args: str) -> tuple[int, str, str]:
    code = main(["--config", str(config), "report", *args])
    out, err = capsys.readouterr()
    return code, out, err


def expected_march(knowledge: Knowledge) -> dict[str, Any]:
    e1, e2, _ = entries(knowledge.kb)
    return march(e1, e2, knowledge.kb.categories)


def test_json_on_stdout_has_every_figure(
    desk: Path, knowledge: Knowledge, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = report(capsys, desk, "--month", "2024-03", "--format", "json")
    assert (code, err) == (0, "")
    assert json.loads(out) == expected_march(knowledge)


def test_xlsx_reads_back_with_the_same_figures_and_charts(
    desk: Path, knowledge: Knowledge, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "march.xlsx"
    code, out, _ = report(capsys, desk, "--month", "2024-03", "--format", "xlsx", "-o", str(target))
    assert code == 0 and str(target) in out
    expected = expected_march(knowledge)
    book = openpyxl.load_workbook(target)
    assert book.sheetnames == [
        "概况",
        "按主题",
        "按日",
        "按法律顾问",
        "热门条目",
        "防诈骗核查",
        "按渠道",
    ]
    overview = {row[0]: row[1] for row in book["概况"].iter_rows(min_row=2, values_only=True)}
    assert {key: overview[label] for label, key in FIGURE_LABELS.items()} == {
        key: expected[key] for key in FIGURE_LABELS.values()
    }
    assert overview["首次答复用时中位数（分钟）"] == 90.0
    assert overview["首次答复用时90%分位（分钟）"] == 210.0
    categories = dict(book["按主题"].iter_rows(min_row=2, values_only=True))
    assert categories == expected["by_category"]
    days = book["按日"].iter_rows(min_row=2, values_only=True)
    assert {day.date().isoformat(): n for day, _, n in days} == expected["by_day"]
    advisers = book["按法律顾问"].iter_rows(min_row=2, values_only=True)
    assert dict(advisers) == expected["by_adviser"] == {"李律师": 2, "张律师": 1}
    assert [len(book[name]._charts) for name in ("按主题", "按日")] == [1, 1]
    assert book["按主题"].column_dimensions["A"].width >= 12  # 转法律顾问 fits
    header, *rows = book["按渠道"].iter_rows(values_only=True)
    assert header == ("指标", "Telegram", "微信公众号", "合计")
    channels = {label: tuple(values) for label, *values in rows}
    assert {label: channels[label] for label in FIGURE_LABELS} == {
        label: (expected[key], 0, expected[key]) for label, key in FIGURE_LABELS.items()
    }  # everyone in the history wrote on Telegram


def test_year_xlsx_has_the_monthly_sheet(
    desk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "2024.xlsx"
    assert report(capsys, desk, "--year", "2024", "--format", "xlsx", "-o", str(target))[0] == 0
    sheet = openpyxl.load_workbook(target)["按月"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == [f"2024-{m:02d}" for m in range(1, 13)] + ["全年"]
    assert [r[1] for r in rows] == [0, 1, 7, 2, 0, 0, 0, 0, 0, 0, 0, 0, 10]  # questions


def test_csv_has_a_bom_and_the_same_tables(
    desk: Path, knowledge: Knowledge, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "march.csv"
    assert report(capsys, desk, "--month", "2024-03", "--format", "csv", "-o", str(target))[0] == 0
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    sections: dict[str, list[list[str]]] = {}
    current: list[list[str]] = []
    for row in rows:
        if len(row) == 1:
            current = sections.setdefault(row[0], [])
        elif row:
            current.append(row)
    expected = expected_march(knowledge)
    overview = dict(sections["概况"][1:])
    assert {key: int(overview[label]) for label, key in FIGURE_LABELS.items()} == {
        key: expected[key] for key in FIGURE_LABELS.values()
    }
    assert {d: int(n) for d, _, n in sections["按日"][1:]} == expected["by_day"]


def test_table_is_the_default(desk: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = report(capsys, desk, "--month", "2024-03")
    assert code == 0
    assert "2024年3月" in out and "居民提问（次）" in out and "转法律顾问" in out
    assert "王大妈" not in out


def test_a_month_without_data_is_zeros_not_an_error(
    desk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = report(capsys, desk, "--month", "2023-07", "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["questions"] == 0 and data["open_at_end"] == 0
    assert len(data["by_day"]) == 31


@pytest.mark.parametrize("month", ["2024-13", "March"])
def test_a_bad_month_is_a_usage_error(
    month: str, desk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = report(capsys, desk, "--month", month)
    assert code == 2 and out == ""
    assert f"“{month}”" in err and "例如 2024-03" in err


def test_an_unwritable_output_is_refused_before_the_work(
    desk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    for target in (tmp_path / "missing" / "r.json", blocker / "r.json", tmp_path):
        code, _, err = report(
            capsys, desk, "--month", "2024-03", "--format", "json", "--output", str(target)
        )
        assert code == 1 and "无法写入" in err and str(target) in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "pdf"], "invalid choice: 'pdf'"),
        (["--month", "2024-03", "--year", "2024"], "not allowed with"),
    ],
)
def test_unknown_format_and_two_periods_are_usage_errors(
    args: list[str], message: str, desk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--config", str(desk), "report", *args])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err
