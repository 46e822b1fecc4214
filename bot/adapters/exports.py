"""The report on paper: an XLSX workbook with charts, a CSV for Excel, a terminal table, a summary.

All of them render a :class:`~bot.core.reports.MonthlyReport` (or ``YearlyReport``) and nothing
else, so no resident's name, id or message can reach them.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from bot.core.periods import Period
from bot.core.reports import Figures, MonthlyReport, YearlyReport

WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
HEADER_WIDTH = 16  # longer column headers wrap

# (label, value) of every scalar figure, in reading order.
FIGURES: tuple[tuple[str, Callable[[Figures], int | float | None]], ...] = (
    ("居民提问（次）", lambda f: f.questions),
    ("提问居民（人）", lambda f: f.residents),
    ("常见问题自动答复（次）", lambda f: f.faq_answered),
    ("追问澄清（次）", lambda f: f.clarified),
    ("转法律顾问（件）", lambda f: f.handed_off),
    ("法律顾问已答复（件）", lambda f: f.adviser_answered),
    ("期末未结（件）", lambda f: f.open_at_end),
    ("答复未送达（次）", lambda f: f.undeliverable),
    ("评价：有帮助（次）", lambda f: f.helpful),
    ("评价：没解决（次）", lambda f: f.not_helpful),
    ("防诈骗核查（次）", lambda f: f.scam_checks),
    ("首次答复用时中位数（分钟）", lambda f: f.response_median),
    ("首次答复用时90%分位（分钟）", lambda f: f.response_p90),
    ("普法推送（场次）", lambda f: f.broadcasts),
    ("普法送达居民（人）", lambda f: f.reached),
    ("「了解更多」点击（次）", lambda f: f.learn_more),
    ("期末订阅每月普法（人）", lambda f: f.subscribers),
)
# Not per channel: the first-response times (they measure the advisers) and the 场次 (a theme is
# queued once for every channel). Every other figure is, and sums over the channels to the total.
NOT_PER_CHANNEL = {"首次答复用时中位数（分钟）", "首次答复用时90%分位（分钟）", "普法推送（场次）"}
CHANNEL_FIGURES = tuple((label, value) for label, value in FIGURES if label not in NOT_PER_CHANNEL)


def title(period: Period) -> str:
    if period.month is None:
        return f"{period.year}年全年"
    return f"{period.year}年{period.month}月"


# ---------------------------------------------------------------- tables shared by every format


def channel_table(report: MonthlyReport) -> tuple[list[str], list[list[Any]]]:
    """The 按渠道 table: a row per figure, a column per channel, and the total (合计)."""
    header = ["指标", *(c.name for c in report.by_channel), "合计"]
    rows = [
        [label, *(value(c.figures) for c in report.by_channel), value(report.figures)]
        for label, value in CHANNEL_FIGURES
    ]
    return header, rows


def _sections(report: MonthlyReport) -> list[tuple[str, list[str], list[list[Any]]]]:
    """(sheet name, header, rows) for each part of the report, in the workbook's order."""
    period = report.period
    overview: list[list[Any]] = [["报告期", title(period)], ["时区", period.timezone_name]]
    overview += [[label, value(report.figures)] for label, value in FIGURES]
    parts: list[tuple[str, list[str], list[list[Any]]]] = [
        ("概况", ["指标", "数值"], overview),
        ("按主题", ["主题", "提问数"], [list(item) for item in report.by_category]),
        (
            "按日",
            ["日期", "星期", "提问数"],
            [[day, WEEKDAYS[day.weekday()], n] for day, n in report.by_day],
        ),
        ("按法律顾问", ["法律顾问", "已答复（件）"], [list(item) for item in report.by_adviser]),
        (
            "热门条目",
            ["排名", "条目", "问题", "主题", "答复次数"],
            [
                [i, e.faq_id, e.question, e.category, e.count]
                for i, e in enumerate(report.top_entries, 1)
            ],
        ),
        (
            "防诈骗核查",
            ["骗局类型", "编号", "次数"],
            [[s.name, s.pattern, s.count] for s in report.scam_checks],
        ),
        ("按渠道", *channel_table(report)),
    ]
    if isinstance(report, YearlyReport):
        header = ["月份"] + [label for label, _ in FIGURES]
        rows = [[p.label] + [value(f) for _, value in FIGURES] for p, f in report.by_month]
        rows.append(["全年"] + [value(report.figures) for _, value in FIGURES])
        parts.append(("按月", header, rows))
    return parts


# ---------------------------------------------------------------- XLSX


def to_xlsx(report: MonthlyReport) -> bytes:
    """A workbook: 概况, 按主题 (chart), 按日 (chart), 按法律顾问, 热门条目, 防诈骗核查, 按渠道, and
    按月 for a year."""
    book = Workbook()
    book.remove(book.active)
    for name, header, rows in _sections(report):
        sheet = book.create_sheet(name)
        sheet.append(header)
        for row in rows:
            sheet.append(row)
        _style(sheet, len(header))
        if name == "按主题" and rows:
            _chart(sheet, BarChart(), "各主题提问数", 2, len(rows), horizontal=True)
        elif name == "按日" and rows:
            _chart(
                sheet,
                LineChart() if report.period.is_year else BarChart(),
                "每日提问数",
                3,
                len(rows),
            )
        elif name == "按月":
            _chart(sheet, BarChart(), "每月居民提问", 2, len(rows) - 1)  # without the total row
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _style(sheet: Worksheet, columns: int) -> None:
    header_fill = PatternFill("solid", start_color="DDEBF7")
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = header_fill
        cell.alignment = Alignment(horizontal="center", wrap_text=True)
    sheet.freeze_panes = "A2"
    wrapped = False
    for index in range(1, columns + 1):
        letter = get_column_letter(index)
        header, *cells = sheet[letter]
        data = max((_width(_text(c.value)) for c in cells), default=0)
        width = min(max(data, min(_width(_text(header.value)), HEADER_WIDTH), 6) + 2, 60)
        wrapped = wrapped or _width(_text(header.value)) + 2 > width
        sheet.column_dimensions[letter].width = width
        for cell in cells:
            if isinstance(cell.value, date):
                cell.number_format = "yyyy-mm-dd"
    if wrapped:  # long headers wrap onto a second line
        sheet.row_dimensions[1].height = 32


def _chart(
    sheet: Worksheet,
    chart: BarChart | LineChart,
    name: str,
    column: int,
    rows: int,
    *,
    horizontal: bool = False,
) -> None:
    chart.title = name
    chart.legend = None
    if horizontal and isinstance(chart, BarChart):
        chart.type = "bar"
    chart.add_data(
        Reference(sheet, min_col=column, min_row=1, max_row=rows + 1), titles_from_data=True
    )
    chart.set_categories(Reference(sheet, min_col=1, min_row=2, max_row=rows + 1))
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.width = 24
    chart.height = max(9, rows * 0.5) if horizontal else 10
    sheet.add_chart(chart, f"{get_column_letter(column + 2)}2")


# ---------------------------------------------------------------- CSV


def to_csv(report: MonthlyReport) -> bytes:
    """The same tables one below the other, UTF-8 with BOM so that Excel shows the Chinese."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for index, (name, header, rows) in enumerate(_sections(report)):
        if index:
            writer.writerow([])
        writer.writerow([name])
        writer.writerow(header)
        writer.writerows([["" if v is None else _text(v) for v in row] for row in rows])
    return buffer.getvalue().encode("utf-8-sig")


# ---------------------------------------------------------------- terminal table and summary


def to_table(report: MonthlyReport) -> str:
    """A readable plain-text report for the terminal."""
    period = report.period
    lines = [f"法律顾问服务台报告 · {title(period)}（{period.timezone_name}）"]
    for name, header, rows in _sections(report):
        lines += ["", f"【{name}】"]
        lines += _grid([header, *rows]) if rows else ["  （无）"]
    return "\n".join(lines)


def summary(report: MonthlyReport) -> str:
    """Five lines for a chat message (the questions also per channel), and a sixth on the monthly
    themes once there are any."""
    f = report.figures
    if f.response_median is None:
        timing = "本期没有新答复的问题"
    else:
        timing = (
            f"首次答复用时中位数 {_text(f.response_median)} 分钟，"
            f"九成在 {_text(f.response_p90)} 分钟内"
        )
    lines = [
        f"📊 {title(report.period)}服务台报告（详见附件）",
        f"居民提问 {f.questions} 次，来自 {f.residents} 位居民{_per_channel(report)}",
        f"常见问题自动答复 {f.faq_answered} 次，追问澄清 {f.clarified} 次，"
        f"防诈骗核查 {f.scam_checks} 次",
        f"转法律顾问 {f.handed_off} 件，已答复 {f.adviser_answered} 件，"
        f"期末未结 {f.open_at_end} 件",
        f"{timing}；评价：有帮助 {f.helpful}，没解决 {f.not_helpful}",
    ]
    if f.broadcasts or f.reached or f.learn_more or f.subscribers:
        lines.append(
            f"每月普法推送 {f.broadcasts} 场，送达 {f.reached} 位居民，"
            f"「了解更多」{f.learn_more} 次，期末订阅 {f.subscribers} 人"
        )
    return "\n".join(lines)


def _per_channel(report: MonthlyReport) -> str:
    """The questions per channel, for the summary: （Telegram 120 次，微信公众号 192 次）."""
    shares = "，".join(f"{c.name} {c.figures.questions} 次" for c in report.by_channel)
    return f"（{shares}）" if shares else ""


def _grid(rows: Sequence[Sequence[Any]]) -> list[str]:
    cells = [[_text(v) for v in row] for row in rows]
    widths = [max(_width(row[i]) for row in cells) for i in range(len(cells[0]))]
    numeric = [all(_is_number(row[i]) for row in rows[1:]) for i in range(len(cells[0]))]
    out = []
    for row in cells:
        padded = [
            " " * (w - _width(c)) + c if right else c + " " * (w - _width(c))
            for c, w, right in zip(row, widths, numeric, strict=True)
        ]
        out.append("  " + "  ".join(padded).rstrip())
    return out


def _is_number(value: Any) -> bool:
    return value is None or (isinstance(value, int | float) and not isinstance(value, bool))


def _text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:g}" if value == int(value) else f"{value:.1f}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _width(text: str) -> int:
    """Columns a text takes in a terminal or a spreadsheet: wide (CJK) characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
