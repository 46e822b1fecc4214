"""What a resident notices about every shipped FAQ entry, loaded with the project's own loader.

A short answer that fits a phone screen, a concrete next step (a number to call or an office to go
to), a legal basis, enough phrasings to be found, and no phrasing shared by two entries (the matcher
could not tell them apart).
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from datetime import date

import pytest

from bot.core.faq import FaqEntry
from bot.storage.faq_yaml import load_knowledge_base

MAX_ANSWER_CHARS = 300
MIN_ALTERNATES = 8
# A phone number to call or an office to go to: without one the resident does not know what to do.
NEXT_STEPS = (
    "12348",
    "12315",
    "12333",
    "12345",
    "96110",
    "110",
    "120",
    "法院",
    "司法所",
    "派出所",
    "公安",
    "检察院",
    "调解",
    "仲裁",
    "法律顾问",
    "法律援助",
    "劳动保障监察",
    "人社",
    "民政",
    "妇联",
    "消协",
    "市场监管",
    "连队",
    "村委会",
    "团场",
    "乡镇",
)
_NOT_TEXT = re.compile(r"[\W_]+")

ENTRIES = load_knowledge_base().entries


def visible_length(text: str) -> int:
    """Characters a reader sees: line breaks and spaces do not count."""
    return sum(1 for ch in text if not ch.isspace())


def phrasing_key(text: str) -> str:
    """One form for phrasings that read the same (full-width forms, punctuation, spaces, case)."""
    return _NOT_TEXT.sub("", unicodedata.normalize("NFKC", text)).lower()


def entry_problems(entry: FaqEntry) -> list[str]:
    problems = []
    length = visible_length(entry.answer)
    if length > MAX_ANSWER_CHARS:
        problems.append(f"answer has {length} characters (at most {MAX_ANSWER_CHARS})")
    if len(entry.alternates) < MIN_ALTERNATES:
        problems.append(f"{len(entry.alternates)} alternates (at least {MIN_ALTERNATES})")
    if not entry.basis:
        problems.append("basis is empty")
    if not any(step in entry.answer for step in NEXT_STEPS):
        problems.append("answer names no number to call or office to go to")
    return problems


def shared_phrasings(entries: Iterable[FaqEntry]) -> dict[str, list[str]]:
    """Phrasings (questions and alternates) that more than one entry uses, with those entries."""
    owners: dict[str, set[str]] = defaultdict(set)
    for entry in entries:
        for text in entry.phrasings:
            owners[phrasing_key(text)].add(entry.id)
    return {key: sorted(ids) for key, ids in owners.items() if len(ids) > 1}


def test_the_shipped_faq_is_loaded() -> None:
    assert len(ENTRIES) >= 48
    assert len({e.category for e in ENTRIES}) >= 10


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.id for e in ENTRIES])
def test_every_entry_is_short_concrete_grounded_and_findable(entry: FaqEntry) -> None:
    problems = entry_problems(entry)
    assert not problems, f"{entry.source}: {entry.id}: {problems}"


def test_no_phrasing_belongs_to_two_entries() -> None:
    shared = shared_phrasings(ENTRIES)
    assert shared == {}, "\n".join(f"{ids}: {key}" for key, ids in shared.items())


def _entry(
    entry_id: str, answer: str, alternates: tuple[str, ...], basis: tuple[str, ...]
) -> FaqEntry:
    return FaqEntry(
        id=entry_id,
        category="测试",
        question=f"{entry_id}？",
        alternates=alternates,
        answer=answer,
        basis=basis,
        updated=date(2026, 12, 7),
        source="x.yaml:1",
    )


def test_the_checks_report_what_a_resident_would_notice() -> None:
    eight = tuple(f"说法{i}" for i in range(8))
    good = _entry("good", "①先协商；②不成到法院起诉。", eight, ("民法典 第577条",))
    long = _entry("long", "到法院起诉。" + "字" * 300, eight, ("民法典 第577条",))
    vague = _entry("vague", "具体看情况。", eight[:7], ())
    assert entry_problems(good) == []
    assert entry_problems(long) == ["answer has 306 characters (at most 300)"]
    assert entry_problems(vague) == [
        "7 alternates (at least 8)",
        "basis is empty",
        "answer names no number to call or office to go to",
    ]
    assert visible_length("①一\n②二 三") == 5


def test_a_phrasing_shared_by_two_entries_is_found_whatever_its_punctuation() -> None:
    first = _entry("first", "到法院。", ("借钱不还咋办", "别的说法"), ("民法典 第577条",))
    second = _entry("second", "到法院。", ("借钱不还，咋办？", "另一个说法"), ("民法典 第577条",))
    assert shared_phrasings([first, second]) == {"借钱不还咋办": ["first", "second"]}
    assert shared_phrasings([first]) == {}
