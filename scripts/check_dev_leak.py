"""Checks that need the shared development questions, which live outside this repository.

The development questions (``../shared/kb/dev-questions.yaml`` beside the clone, or the path given
as the first argument or in ``DEV_QUESTIONS``) measure the matcher on phrasings it has never seen,
so they must never be pasted into the FAQ. This script checks that, and that the matcher's
segmenter cuts those questions exactly as jieba does. It is not part of ``make test`` (a fresh
clone has no ``../shared``); ``.ci/run`` runs it after the tests.

Prints what it checked; exits 1 on a leak, a segmenter difference, or a missing or empty file.

    .venv/bin/python scripts/check_dev_leak.py [PATH]
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT.parent / "shared" / "kb" / "dev-questions.yaml"
MIN_LENGTH = 8  # shorter questions (「女娃多大能结婚」) may appear in the FAQ by coincidence


def strings(node: object) -> Iterator[str]:
    """Every text in a loaded YAML document, keys included."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from strings(key)
            yield from strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from strings(item)


def leaks(questions: list[str], files: list[Path]) -> list[str]:
    """``file: question`` for every development question found verbatim in a FAQ file."""
    return [
        f"{path.name}: {question}"
        for path in files
        for text in strings(yaml.safe_load(path.read_text(encoding="utf-8")))
        for question in questions
        if question in text
    ]


def segmenter_differences(texts: list[str]) -> list[str]:
    """The texts (or their clauses) the matcher's segmenter cuts differently from jieba."""
    sys.path.insert(0, str(ROOT))
    from bot.core.matching.normalize import _tokenizer, clauses
    from bot.core.matching.segment import Segmenter
    from bot.storage.lexicon_yaml import load_lexicon

    tokenizer = _tokenizer(load_lexicon(ROOT / "faq" / "lexicon.yaml").dictionary_words())
    segmenter = Segmenter(tokenizer)
    return [
        piece
        for text in texts
        for piece in (text, " ".join(clauses(text)))
        if segmenter.cut(piece) != list(tokenizer.cut(piece, HMM=False))
    ]


def main(argv: list[str]) -> int:
    path = Path(argv[0] if argv else os.environ.get("DEV_QUESTIONS") or DEFAULT)
    print(f"development questions: {path}")
    if not path.is_file():
        print(f"FAIL: {path} not found (give its path as the argument or in DEV_QUESTIONS)")
        return 1
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    every = [str(q["q"]).strip() for q in (data or {}).get("questions") or []]
    questions = [q for q in every if len(q) >= MIN_LENGTH]
    files = sorted((ROOT / "faq").glob("*.yaml"))
    if not questions or not files:
        print(f"FAIL: read {len(questions)} development questions and {len(files)} faq files")
        return 1

    found = leaks(questions, files)
    print(
        f"leak check: {len(questions)} development questions (of {len(every)}; at least "
        f"{MIN_LENGTH} characters) against {len(files)} faq files: "
        + ("no leak" if not found else f"FAIL, {len(found)} copied into the FAQ")
    )
    for line in found:
        print(f"  {line}")

    texts = [*every, path.read_text(encoding="utf-8")]
    different = segmenter_differences(texts)
    print(
        f"segmenter check: {len(every)} questions and the whole file, each as is and by clauses: "
        + ("cut as jieba cuts them" if not different else f"FAIL, {len(different)} cut differently")
    )
    for piece in different:
        print(f"  {piece}")

    ok = not found and not different
    print("dev-set check: " + ("OK" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
