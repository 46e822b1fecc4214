"""``legaldesk faq check`` validates the scam patterns too, with file and line."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from bot.cli import main
from bot.resources import shipped_faq_dir
from bot.storage.scams_yaml import PATTERNS_FILE


def check(capsys: pytest.CaptureFixture[str], folder: Path) -> tuple[int, str, str]:
    code = main(["faq", "check", str(folder)])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_shipped_patterns_are_checked(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = check(capsys, shipped_faq_dir())
    assert code == 0 and re.search(r"\b1[5-9] scam patterns\b|\b[2-9]\d scam patterns\b", out)


def test_a_broken_pattern_is_reported_with_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "faq"
    shutil.copytree(shipped_faq_dir(), folder)
    patterns = folder / PATTERNS_FILE
    lines = patterns.read_text(encoding="utf-8").splitlines()
    entry = next(i for i, line in enumerate(lines) if line.strip().startswith("entry: fraud-"))
    lines[entry] = "    entry: fraud-no-such-entry"
    cue = next(i for i, line in enumerate(lines) if "{cue: 公检法, weight: 3}" in line)
    lines[cue] = lines[cue].replace("weight: 3", "weight: 11")
    patterns.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, _, err = check(capsys, folder)
    assert code == 1
    assert f"scams/patterns.yaml:{entry + 1}: " in err and "fraud-no-such-entry" in err
    assert re.search(rf"scams/patterns\.yaml:{cue + 1}: .*weight", err)
    assert "2 problem(s)" in err


def test_the_desk_does_not_start_with_broken_patterns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "faq"
    shutil.copytree(shipped_faq_dir(), folder)
    (folder / PATTERNS_FILE).write_text("schema: 1\npatterns: [\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LEGALDESK_FAQ_DIR", str(folder))
    code = main(["ask", "你好"])
    _, err = capsys.readouterr()
    assert code != 0 and "scams/patterns.yaml" in err
