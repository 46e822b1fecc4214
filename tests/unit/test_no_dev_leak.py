"""The development questions measure the matcher; they must never be pasted into the FAQ.

If ``../shared/kb/dev-questions.yaml`` (next to the repository) is missing, this test fails: a
silent skip would let a leak through unnoticed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
DEV_QUESTIONS = ROOT.parent / "shared" / "kb" / "dev-questions.yaml"
MIN_LENGTH = 8


def _strings(node: object) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _strings(key)
            yield from _strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from _strings(item)


def test_no_development_question_appears_verbatim_in_the_faq() -> None:
    assert DEV_QUESTIONS.is_file(), f"development questions not found at {DEV_QUESTIONS}"
    data = yaml.safe_load(DEV_QUESTIONS.read_text(encoding="utf-8"))
    questions = [q["q"].strip() for q in data["questions"] if len(q["q"].strip()) >= MIN_LENGTH]
    assert questions, "no development questions were read"
    files = sorted((ROOT / "faq").glob("*.yaml"))
    assert files, "no faq/*.yaml files found"
    leaks = [
        f"{path.name}: {question}"
        for path in files
        for text in _strings(yaml.safe_load(path.read_text(encoding="utf-8")))
        for question in questions
        if question in text
    ]
    assert not leaks, "development questions copied into the FAQ:\n" + "\n".join(leaks)
