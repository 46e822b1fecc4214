"""What each CLI command does, on top of the services. Printing stays in bot.cli and here."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from bot.app import Knowledge, build_services, load_knowledge
from bot.config import Settings
from bot.core.evaluation import evaluate, format_summary
from bot.core.matching.matcher import Action
from bot.resources import shipped_faq_dir
from bot.storage.faq_yaml import LEXICON_FILE, check_knowledge_base, load_labelled_questions
from bot.storage.lexicon_yaml import load_lexicon
from bot.storage.migrate import is_up_to_date, upgrade
from bot.storage.uow import create_engine


class OutdatedSchema(Exception):
    pass


async def prepare_database(settings: Settings) -> None:
    """Migrate the embedded SQLite database; refuse an outdated PostgreSQL schema."""
    engine = create_engine(settings.database_url)
    try:
        if engine.dialect.name == "sqlite":
            _ensure_sqlite_folder(settings.database_url)
            await upgrade(engine)
        elif not await is_up_to_date(engine):
            raise OutdatedSchema
    finally:
        await engine.dispose()


def _ensure_sqlite_folder(url: str) -> None:
    path = url.split("///", 1)[-1]
    if path and ":memory:" not in path:
        Path(path).parent.mkdir(parents=True, exist_ok=True)


async def migrate(settings: Settings) -> int:
    engine = create_engine(settings.database_url)
    try:
        if engine.dialect.name == "sqlite":
            _ensure_sqlite_folder(settings.database_url)
        await upgrade(engine)
    finally:
        await engine.dispose()
    print("database schema is up to date")
    return 0


def run(settings: Settings) -> int:
    import asyncio

    from telegram import Update

    from bot.adapters.tg.application import build_application

    knowledge = load_knowledge(settings)  # a broken knowledge base stops start-up here
    try:
        asyncio.run(prepare_database(settings))
    except OutdatedSchema:
        print("legaldesk: the database schema is outdated; run `legaldesk migrate` first",
              file=sys.stderr)
        return 2
    services = build_services(settings, knowledge)
    application = build_application(services)
    application.run_polling(allowed_updates=Update.ALL_TYPES)
    return 0


async def shell(settings: Settings) -> int:
    from bot.adapters.console import ConsoleShell

    knowledge = load_knowledge(settings)
    await prepare_database(settings)
    services = build_services(settings, knowledge)
    try:
        await ConsoleShell(services).run()
    finally:
        await services.close()
    return 0


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
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s) in {folder}", file=sys.stderr)
        return 1
    print(f"ok: {len(kb)} entries in {len(kb.categories)} categories ({folder})")
    return 0


def faq_list(settings: Settings) -> list[dict[str, Any]]:
    kb = load_knowledge(settings).kb
    return [
        {"id": e.id, "category": e.category, "question": e.question,
         "alternates": list(e.alternates), "basis": list(e.basis), "updated": e.updated.isoformat()}
        for e in kb
    ]


def format_entries(entries: list[dict[str, Any]]) -> str:
    return "\n".join(f"{e['id']:<32} {e['category']:<8} {e['question']}" for e in entries)


def faq_eval(settings: Settings, file: Path, *, as_json: bool) -> int:
    knowledge = load_knowledge(settings)
    questions = load_labelled_questions(file)
    evaluation = evaluate(knowledge.matcher, questions)
    if as_json:
        print(json.dumps(evaluation.to_json(), ensure_ascii=False, indent=2))
    else:
        print(format_summary(evaluation))
    return 0
