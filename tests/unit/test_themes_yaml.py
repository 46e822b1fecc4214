"""Monthly themes as data: the shipped ones load; every mistake is named with file and line."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.cli import main
from bot.resources import shipped_faq_dir
from bot.storage.faq_yaml import check_knowledge_base
from bot.storage.themes_yaml import check_themes

SHANGHAI = ZoneInfo("Asia/Shanghai")
KNOWN = {e.id for e in check_knowledge_base()[0]}

GOOD = """\
schema: 1
month: 2027-03
title: 土地承包
send_at: 2027-03-05 09:00
message: |-
  第一行。
  第二行。
links: [fraud-prize, inheritance-order]
"""


def write(folder: Path, name: str, text: str) -> Path:
    (folder / "themes").mkdir(parents=True, exist_ok=True)
    path = folder / "themes" / name
    path.write_text(text, encoding="utf-8")
    return path


def problems(folder: Path) -> list[str]:
    return [str(p) for p in check_themes(folder, KNOWN, SHANGHAI)[1]]


def test_the_shipped_themes_are_valid_and_link_existing_entries() -> None:
    themes, found = check_themes(shipped_faq_dir(), KNOWN, SHANGHAI)
    assert found == []
    months = [t.month for t in themes]
    assert "2026-12" in months and "2027-01" in months
    december = themes.get("2026-12")
    assert december is not None
    assert all(link.startswith("fraud-") for link in december.links)
    assert december.send_at.tzinfo is not None
    assert (december.send_at.year, december.send_at.month) == (2026, 12)


def test_a_good_theme_loads_with_local_send_time_and_line_breaks(tmp_path: Path) -> None:
    write(tmp_path, "march.yaml", GOOD)
    themes, found = check_themes(tmp_path, KNOWN, SHANGHAI)
    assert found == []
    [theme] = list(themes)
    assert theme.send_at == datetime(2027, 3, 5, 9, 0, tzinfo=SHANGHAI)
    assert theme.message == "第一行。\n第二行。"
    assert theme.links == ("fraud-prize", "inheritance-order")
    assert theme.source == "themes/march.yaml:1"


@pytest.mark.parametrize(
    ("change", "line", "words"),
    [
        (
            ("links: [fraud-prize, inheritance-order]", "links: [fraud-prize, no-such-entry]"),
            8,
            "unknown FAQ entry id 'no-such-entry'",
        ),
        (("第一行。", "长" * 301), 5, "at most 300"),
        (("2027-03-05 09:00", "2027-02-30 09:00"), 4, "'send_at' must be"),
        (("2027-03-05 09:00", "next tuesday"), 4, "'send_at' must be"),
        (("2027-03-05 09:00", "2027-04-01 09:00"), 4, "not in the theme's month"),
        (("month: 2027-03", "month: 2027-13"), 2, "'month' must be YYYY-MM"),
        (("title: 土地承包", "titel: 土地承包"), 3, "unknown key 'titel'"),
        (
            ("links: [fraud-prize, inheritance-order]", "links: fraud-prize"),
            8,
            "'links' must be a list",
        ),
    ],
)
def test_each_mistake_is_named_with_file_and_line(
    tmp_path: Path, change: tuple[str, str], line: int, words: str
) -> None:
    write(tmp_path, "march.yaml", GOOD.replace(*change))
    found = problems(tmp_path)
    assert any(p.startswith(f"themes/march.yaml:{line}:") and words in p for p in found), found


def test_two_themes_for_one_month_and_broken_yaml(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", GOOD)
    write(tmp_path, "b.yaml", GOOD)
    write(tmp_path, "c.yaml", "month: [2027-03\n")
    found = problems(tmp_path)
    assert any(p.startswith("themes/b.yaml:1:") and "second theme for 2027-03" in p for p in found)
    assert any(p.startswith("themes/c.yaml:") and "YAML syntax" in p for p in found)


def test_faq_check_reports_theme_problems_with_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "faq"
    shutil.copytree(shipped_faq_dir(), folder)
    assert main(["faq", "check", str(folder)]) == 0
    assert "2 monthly theme(s)" in capsys.readouterr().out
    write(folder, "2027-03.yaml", GOOD.replace("fraud-prize", "fraud-unknown"))
    assert main(["faq", "check", str(folder)]) == 1
    err = capsys.readouterr().err
    assert "themes/2027-03.yaml:8: 'links': unknown FAQ entry id 'fraud-unknown'" in err
