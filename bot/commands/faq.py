"""The knowledge-base commands: ``legaldesk ask`` and ``legaldesk faq check|list|eval|misses``."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot.app import Knowledge, load_knowledge
from bot.commands.database import OUTDATED, OutdatedSchema, prepare_database
from bot.commands.files import emit
from bot.config import Settings
from bot.core.evaluation import evaluate, format_summary
from bot.core.matching.matcher import Action
from bot.resources import shipped_faq_dir
from bot.storage.faq_yaml import (
    LEXICON_FILE,
    check_knowledge_base,
    load_labelled_questions,
    load_labelled_sections,
)
from bot.storage.lexicon_yaml import load_lexicon
from bot.storage.scams_yaml import PATTERNS_FILE, check_scam_rules
from bot.storage.themes_yaml import check_themes
from bot.storage.uow import create_engine


def ask(settings: Settings, text: str) -> dict[str, Any]:
    knowledge = load_knowledge(settings)
    return decision_json(knowledge, text)


def decision_json(knowledge: Knowledge, text: str) -> dict[str, Any]:
    result = knowledge.matcher.match(text)
    best = knowledge.kb.get(result.best.faq_id) if result.best else None
    answered = result.action is Action.ANSWER and best is not None
    return {
        "action": result.action.value,
        "faq_id": best.id if answered and best else None,
        "score": round(result.score, 2),
        "candidates": [
            {"faq_id": c.faq_id, "question": c.question, "score": round(c.score, 2)}
            for c in result.candidates
        ],
        "answer": best.answer if answered and best else None,
    }


def format_decision(data: dict[str, Any]) -> str:
    lines = [f"action: {data['action']}  score: {data['score']}"]
    if data["answer"]:
        lines += [f"faq: {data['faq_id']}", "", data["answer"]]
    for c in data["candidates"]:
        lines.append(f"  {c['score']:6.2f}  {c['faq_id']}  {c['question']}")
    return "\n".join(lines)


def faq_check(settings: Settings, directory: Path | None) -> int:
    folder = directory or settings.faq_dir or shipped_faq_dir()
    kb, problems = check_knowledge_base(folder)
    lexicon = folder / LEXICON_FILE
    if lexicon.exists():
        from bot.storage.faq_yaml import FaqError

        try:
            load_lexicon(lexicon)
        except FaqError as exc:
            problems += exc.problems
    themes, theme_problems = check_themes(folder, {e.id for e in kb}, settings.timezone)
    problems += theme_problems
    rules = None
    if (patterns := Path(folder) / PATTERNS_FILE).exists():
        rules, scam_problems = check_scam_rules(patterns, known_entries={e.id for e in kb})
        problems += scam_problems
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s) in {folder}", file=sys.stderr)
        return 1
    scams = f", {len(rules.patterns)} scam patterns" if rules else ", no scam patterns"
    print(
        f"ok: {len(kb)} entries in {len(kb.categories)} categories{scams}, "
        f"{len(themes)} monthly theme(s) ({folder})"
    )
    return 0


def faq_list(settings: Settings) -> list[dict[str, Any]]:
    kb = load_knowledge(settings).kb
    return [
        {
            "id": e.id,
            "category": e.category,
            "question": e.question,
            "alternates": list(e.alternates),
            "basis": list(e.basis),
            "updated": e.updated.isoformat(),
        }
        for e in kb
    ]


def format_entries(entries: list[dict[str, Any]]) -> str:
    return "\n".join(f"{e['id']:<32} {e['category']:<8} {e['question']}" for e in entries)


def faq_eval(
    settings: Settings,
    file: Path,
    *,
    as_json: bool,
    sections: Sequence[str] = (),
    skip_sections: Sequence[str] = (),
) -> int:
    """Measure the matcher on a labelled file, or on the questions under the section headers
    whose titles contain one of ``sections`` and none of ``skip_sections`` (case-insensitive)."""
    questions = load_labelled_questions(file)
    if sections or skip_sections:
        parts = load_labelled_sections(file)
        chosen = [
            part
            for part in parts
            if (not sections or _names(part.title, sections))
            and not _names(part.title, skip_sections)
        ]
        if not chosen:
            titles = "\n".join(f"  {part.title or '(before the first header)'}" for part in parts)
            print(
                f"legaldesk: no section of {file} matches; its sections:\n{titles}", file=sys.stderr
            )
            return 2
        questions = [q for part in chosen for q in part.questions]
    knowledge = load_knowledge(settings)
    evaluation = evaluate(knowledge.matcher, questions)
    if as_json:
        print(json.dumps(evaluation.to_json(), ensure_ascii=False, indent=2))
    else:
        print(format_summary(evaluation))
    return 0


def _names(title: str, words: Sequence[str]) -> bool:
    return any(word.casefold() in title.casefold() for word in words)


async def faq_misses(
    settings: Settings, *, month: str | None, fmt: str, output: Path | None
) -> int:
    """Print (or write) the month's FAQ misses grouped by nearest entry."""
    from bot.core.clock import SystemClock
    from bot.core.errors import InvalidRequest
    from bot.core.misses import nearest_with, review, to_csv, to_table
    from bot.core.periods import last_complete_month, parse_month
    from bot.storage.misses import miss_events

    try:
        period = (
            parse_month(month, settings.timezone)
            if month is not None
            else last_complete_month(SystemClock().now(), settings.timezone)
        )
    except InvalidRequest as exc:
        print(f"legaldesk faq misses: {exc}", file=sys.stderr)
        return 2
    knowledge = load_knowledge(settings)
    try:
        await prepare_database(settings)
    except OutdatedSchema:
        print(OUTDATED, file=sys.stderr)
        return 2
    engine = create_engine(settings.database_url)
    try:
        async with engine.connect() as connection:
            events = await miss_events(connection, period.start, period.end)
    finally:
        await engine.dispose()
    groups = review(events, nearest_with(knowledge.matcher), settings.timezone)
    if fmt == "csv":
        data = to_csv(groups, period.label)
    else:
        data = (to_table(groups, period.label) + "\n").encode()
    problem = emit(data, output)
    if problem is not None:
        print(f"legaldesk faq misses: cannot write {output}: {problem}", file=sys.stderr)
        return 1
    if output is not None:
        print(f"wrote {output} ({period.label}, {fmt})")
    return 0
