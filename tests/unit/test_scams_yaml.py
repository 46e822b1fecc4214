"""The scam patterns file: the shipped one loads and links to fraud entries; mistakes are reported
with file and line, all of them at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.resources import shipped_faq_dir
from bot.storage.faq_yaml import FaqError, check_knowledge_base, entry_files
from bot.storage.scams_yaml import check_scam_rules, default_path, load_scam_rules

GOOD_PATTERN = """\
  - id: code
    name: 验证码索取
    entry: fraud-antifraud-tools
    advice:
      - 验证码谁要都不给。
    signals:
      - {cue: 验证码, weight: 3}
"""
GENERAL = """\
schema: 1
thresholds: {warn: 4, strong: 6, forwarded: 2}
triggers:
  - {cue: 帮我看看, weight: 1}
cues:
  - {re: 'https?://', weight: 2, label: 链接}
questions:
  - {cue: 怎么办, weight: 2}
counters:
  - {cue: 谨防, weight: 3}
patterns:
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "scams" / "patterns.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def messages(tmp_path: Path, text: str, known: set[str] | None = None) -> list[str]:
    rules, problems = check_scam_rules(write(tmp_path, text), known)
    assert (rules is None) == bool(problems)
    return [str(p) for p in problems]


def test_the_shipped_patterns_load_and_link_to_fraud_entries() -> None:
    kb, problems = check_knowledge_base()
    assert problems == []
    rules = load_scam_rules(known_entries={e.id for e in kb})
    assert len(rules.patterns) >= 15
    for pattern in rules.patterns:
        entry = kb.get(pattern.entry)
        assert entry is not None and entry.category == "防范诈骗", pattern.id
        assert 2 <= len(pattern.advice) <= 3


def test_the_patterns_file_is_not_an_faq_entry_file() -> None:
    assert default_path().parent.parent == shipped_faq_dir()
    assert default_path() not in entry_files(shipped_faq_dir())


def test_a_valid_file_loads(tmp_path: Path) -> None:
    assert messages(tmp_path, GENERAL + GOOD_PATTERN) == []


@pytest.mark.parametrize(
    ("broken", "expected"),
    [
        (
            "      - {re: '(unclosed', weight: 3}\n",
            "scams/patterns.yaml:19: pattern 'code': signals",
        ),
        ("      - {re: 'a*', weight: 3}\n", "matches an empty text"),
        (
            "      - {cue: 验证码, weight: 0}\n",
            "scams/patterns.yaml:19: pattern 'code': signals: 'weight'",
        ),
        (
            "      - {cue: 验证码}\n",
            "scams/patterns.yaml:19: pattern 'code': signals: signal without",
        ),
        ("      - {cue: 验证码, re: x, weight: 1}\n", "exactly one of 'cue' or 're'"),
        ("      - {cue: 验证码, weight: 1, colour: red}\n", "unknown signal field 'colour'"),
        ("      - 验证码\n", "scams/patterns.yaml:19: pattern 'code': signals: a signal must be"),
    ],
)
def test_a_bad_signal_is_reported_at_its_line(tmp_path: Path, broken: str, expected: str) -> None:
    found = messages(tmp_path, GENERAL + GOOD_PATTERN + broken)
    assert len(found) == 1 and expected in found[0], found


def test_pattern_mistakes_are_all_reported_with_their_lines(tmp_path: Path) -> None:
    text = (
        GENERAL
        + GOOD_PATTERN.replace("id: code", "id: Code_1").replace(
            "entry: fraud-antifraud-tools", "entry: fraud-nowhere"
        )
        + GOOD_PATTERN
        + GOOD_PATTERN
        + "  - id: lonely\n    name: 孤单\n"
    )
    found = messages(tmp_path, text, known={"fraud-antifraud-tools"})
    assert (
        "scams/patterns.yaml:12: pattern 'Code_1': 'id' must be kebab-case (a-z, 0-9, -)" in found
    )
    assert "scams/patterns.yaml:14: pattern 'Code_1': no FAQ entry 'fraud-nowhere'" in found
    assert "scams/patterns.yaml:26: duplicate pattern id 'code' (first at line 19)" in found
    assert "scams/patterns.yaml:33: pattern 'lonely': missing field 'entry'" in found
    assert "scams/patterns.yaml:33: pattern 'lonely': missing field 'signals'" in found


def test_advice_must_be_short_and_at_most_three_lines(tmp_path: Path) -> None:
    long_line = GOOD_PATTERN.replace("验证码谁要都不给。", "不" * 61)
    assert messages(tmp_path, GENERAL + long_line) == [
        "scams/patterns.yaml:16: pattern 'code': advice line longer than 60 characters"
    ]
    four = GOOD_PATTERN.replace("      - 验证码谁要都不给。\n", "      - 一\n" * 4)
    assert messages(tmp_path, GENERAL + four) == [
        "scams/patterns.yaml:16: pattern 'code': 'advice' must be a list of 1 to 3 lines"
    ]


def test_general_part_mistakes(tmp_path: Path) -> None:
    text = GENERAL.replace("schema: 1", "schema: 2").replace("warn: 4", "warn: 9") + GOOD_PATTERN
    text = text.replace("questions:\n  - {cue: 怎么办, weight: 2}\n", "colour: red\n")
    found = messages(tmp_path, text)
    assert "scams/patterns.yaml:1: 'schema' must be 1" in found
    assert "scams/patterns.yaml:2: thresholds: 'warn' must not exceed 'strong'" in found
    assert "scams/patterns.yaml:7: unknown top-level key 'colour'" in found
    assert "scams/patterns.yaml:1: the general part: missing 'questions'" in found


def test_yaml_syntax_error_has_a_line(tmp_path: Path) -> None:
    found = messages(tmp_path, GENERAL + GOOD_PATTERN + "    advice: [unclosed\n")
    assert (
        len(found) == 1
        and found[0].startswith("scams/patterns.yaml:")
        and "YAML syntax" in found[0]
    )
    assert not found[0].startswith("scams/patterns.yaml:0:")


def test_load_raises_with_every_problem(tmp_path: Path) -> None:
    path = write(tmp_path, GENERAL.replace("schema: 1", "schema: 3") + "  - 7\n")
    with pytest.raises(FaqError) as caught:
        load_scam_rules(path)
    assert [p.line for p in caught.value.problems] == [1, 12]
