"""Every legal basis an FAQ entry cites names a shipped law and an article that exists."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.core.law import LawLibrary, parse_citation
from bot.storage.law_files import load_law_library

FAQ_DIR = Path(__file__).resolve().parents[2] / "faq"


@pytest.fixture(scope="module")
def library() -> LawLibrary:
    return load_law_library()


def basis_problems(library: LawLibrary, documents: Iterable[tuple[str, Any]]) -> list[str]:
    """One line per bad citation: "<file>: <entry id>: <citation>: <what is wrong>"."""
    shorts = {law.short: law for law in library.laws}
    problems: list[str] = []
    for name, doc in documents:
        if not isinstance(doc, dict) or "entries" not in doc:
            continue  # not an entry file (e.g. faq/lexicon.yaml)
        for position, entry in enumerate(doc["entries"] or []):
            entry_id = entry.get("id", f"entry #{position}") if isinstance(entry, dict) else ""
            basis = entry.get("basis") if isinstance(entry, dict) else None
            if not isinstance(basis, list):
                problems.append(f"{name}: {entry_id or position}: basis must be a list")
                continue
            for cited in basis:
                try:
                    citation = parse_citation(str(cited))
                except ValueError as exc:
                    problems.append(f"{name}: {entry_id}: {cited}: {exc}")
                    continue
                law = shorts.get(citation.law)
                if law is None:
                    known = library.resolve_name(citation.law)
                    hint = f"use the short name {known.short}" if known else "no such law shipped"
                    problems.append(f"{name}: {entry_id}: {cited}: {hint}")
                elif law.article(citation.number) is None:
                    problems.append(
                        f"{name}: {entry_id}: {cited}: {law.short} has {len(law.articles)} articles"
                    )
    return problems


def test_every_faq_basis_exists_in_the_law_library(library: LawLibrary) -> None:
    documents = [
        (path.name, yaml.safe_load(path.read_text(encoding="utf-8")))
        for path in sorted(FAQ_DIR.glob("*.yaml"))
    ]
    problems = basis_problems(library, documents)
    assert not problems, "FAQ basis citations not found:\n" + "\n".join(problems)


def test_a_missing_article_or_law_is_reported_with_entry_id_and_citation(
    library: LawLibrary,
) -> None:
    doc = {
        "schema": 1,
        "entries": [
            {"id": "good", "basis": ["民法典 第1077条", "劳动争议解释（一） 第15条"]},
            {"id": "practical", "basis": []},
            {"id": "too-far", "basis": ["民法典 第1261条"]},
            {"id": "unknown-law", "basis": ["刑法 第234条"]},
            {"id": "alias", "basis": ["反家暴法 第23条"]},
            {"id": "bad-form", "basis": ["民法典第1077条"]},
            {"id": "not-a-list", "basis": "民法典 第1077条"},
        ],
    }
    lexicon = {"schema": 1, "synonyms": {"娃": ["孩子"]}}
    problems = basis_problems(library, [("x.yaml", doc), ("lexicon.yaml", lexicon)])
    assert [p.split(": ")[1] for p in problems] == [
        "too-far",
        "unknown-law",
        "alias",
        "bad-form",
        "not-a-list",
    ]
    assert "x.yaml: too-far: 民法典 第1261条: 民法典 has 1260 articles" in problems
    assert "x.yaml: alias: 反家暴法 第23条: use the short name 反家庭暴力法" in problems
    assert problems[3].startswith("x.yaml: bad-form: 民法典第1077条: ")
