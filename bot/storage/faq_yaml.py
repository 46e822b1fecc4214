"""Load and validate the FAQ knowledge base from ``faq/*.yaml``.

Every problem is reported with its file and line so that whoever edits the YAML can find it; the
loader collects all problems before failing instead of stopping at the first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.core.evaluation import LabelledQuestion
from bot.core.faq import FaqEntry, KnowledgeBase
from bot.resources import shipped_faq_dir

LEXICON_FILE = "lexicon.yaml"
ENTRY_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
REQUIRED = ("id", "category", "question", "alternates", "answer", "basis", "updated")
OPTIONAL = ("see_also", "keywords")
TOP_LEVEL = ("schema", "category", "order", "entries")  # order: menu position of the category
# PyYAML's safe loader on libyaml's parser where the installed PyYAML has it (its wheels do): the
# same nodes, values and line marks as the pure-Python one, several times faster at start-up.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the knowledge base, located by file and line."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class FaqError(Exception):
    """The knowledge base cannot be used; ``problems`` says why, each with file and line."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def entry_files(directory: Path) -> list[Path]:
    """The category files of a knowledge-base folder, by their ``order:`` and then by name."""
    return sorted(
        (p for p in directory.glob("*.yaml") if p.name != LEXICON_FILE),
        key=lambda p: (_declared_order(p), p.name),
    )


ORDER_LINE = re.compile(r"^order:\s*(\d+)\s*$", re.MULTILINE)


def _declared_order(path: Path) -> int:
    """The file's top-level ``order:`` (read cheaply; validated with the rest when loaded)."""
    try:
        found = ORDER_LINE.search(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return 10**6
    return int(found.group(1)) if found else 10**6


def check_knowledge_base(directory: Path | None = None) -> tuple[KnowledgeBase, list[Problem]]:
    """Load every entry that is valid and list every problem found."""
    directory = directory or shipped_faq_dir()
    problems: list[Problem] = []
    entries: list[FaqEntry] = []
    if not directory.is_dir():
        return KnowledgeBase.of([]), [Problem(str(directory), 0, "not a folder")]
    files = entry_files(directory)
    if not files:
        problems.append(Problem(str(directory), 0, "no *.yaml entry files"))
    for path in files:
        entries.extend(_load_file(path, _display(path, directory), problems))
    seen: dict[str, str] = {}
    for entry in entries:
        if entry.id in seen:
            file, _, line = entry.source.rpartition(":")
            problems.append(
                Problem(file, int(line), f"duplicate id '{entry.id}' (first at {seen[entry.id]})")
            )
        else:
            seen[entry.id] = entry.source
    unique = [e for e in entries if seen.get(e.id) == e.source]
    return KnowledgeBase.of(unique), problems


def load_knowledge_base(directory: Path | None = None) -> KnowledgeBase:
    """Load the knowledge base, raising :class:`FaqError` if anything is wrong."""
    kb, problems = check_knowledge_base(directory)
    if problems:
        raise FaqError(problems)
    return kb


def _display(path: Path, directory: Path) -> str:
    return f"{directory.name}/{path.name}"


def compose_file(path: Path, name: str, problems: list[Problem]) -> Node | None:
    """The YAML node tree of ``path`` (kept for line numbers); None, with the problem appended
    under ``name``, when the file cannot be read or is not YAML."""
    try:
        return yaml.compose(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        problems.append(Problem(name, line, f"YAML syntax: {exc.problem or exc}"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        problems.append(Problem(name, 0, f"cannot read: {exc}"))
    return None


def _load_file(path: Path, name: str, problems: list[Problem]) -> list[FaqEntry]:
    before = len(problems)
    root = compose_file(path, name, problems)
    if len(problems) > before:
        return []
    if not isinstance(root, MappingNode):
        problems.append(Problem(name, 1, "top level must be a mapping with 'entries:'"))
        return []
    top = _mapping(root)
    for key, (knode, _) in top.items():
        if key not in TOP_LEVEL:
            problems.append(Problem(name, _line(knode), f"unknown top-level key '{key}'"))
    if "entries" not in top:
        problems.append(Problem(name, _line(root), "missing 'entries:' list"))
        return []
    _, items = top["entries"]
    if not isinstance(items, SequenceNode):
        problems.append(Problem(name, _line(items), "'entries' must be a list"))
        return []
    file_category = _scalar(top["category"][1]) if "category" in top else None
    out = []
    for item in items.value:
        entry = _entry(item, name, problems)
        if entry is None:
            continue
        if file_category is not None and entry.category != file_category:
            # the menu groups entries by category: a variant spelling would be a menu of its own
            problem = f"entry '{entry.id}': category '{entry.category}' is not the file's"
            problems.append(Problem(name, _line(item), f"{problem} ('{file_category}')"))
        out.append(entry)
    return out


def _mapping(node: MappingNode) -> dict[str, tuple[Node, Node]]:
    return {str(k.value): (k, v) for k, v in node.value}


def _line(node: Node) -> int:
    return node.start_mark.line + 1


def _entry(node: Node, file: str, problems: list[Problem]) -> FaqEntry | None:
    if not isinstance(node, MappingNode):
        problems.append(Problem(file, _line(node), "an entry must be a mapping"))
        return None
    fields = _mapping(node)
    start = len(problems)
    label = _scalar(fields["id"][1]) if "id" in fields else None
    where = f"entry '{label}'" if label else "entry"
    for key, (knode, _) in fields.items():
        if key not in REQUIRED and key not in OPTIONAL:
            problems.append(Problem(file, _line(knode), f"{where}: unknown field '{key}'"))
    for key in REQUIRED:
        if key not in fields:
            problems.append(Problem(file, _line(node), f"{where}: missing field '{key}'"))

    def text(key: str) -> str:
        if key not in fields:
            return ""
        value = _scalar(fields[key][1])
        if value is None or not value.strip():
            problems.append(Problem(file, _line(fields[key][1]), f"{where}: '{key}' is empty"))
            return ""
        return value.strip()

    def texts(key: str, minimum: int) -> tuple[str, ...]:
        if key not in fields:
            return ()
        vnode = fields[key][1]
        if not isinstance(vnode, SequenceNode):
            problems.append(Problem(file, _line(vnode), f"{where}: '{key}' must be a list"))
            return ()
        values = []
        for child in vnode.value:
            value = _scalar(child)
            if value is None or not value.strip():
                problems.append(Problem(file, _line(child), f"{where}: empty item in '{key}'"))
            else:
                values.append(value.strip())
        if len(values) < minimum:
            problems.append(
                Problem(file, _line(vnode), f"{where}: '{key}' needs at least {minimum} items")
            )
        return tuple(values)

    entry_id = text("id")
    if entry_id and not ENTRY_ID.match(entry_id):
        problems.append(
            Problem(
                file, _line(fields["id"][1]), f"id '{entry_id}' must be kebab-case (a-z, 0-9, -)"
            )
        )
    category, question, answer = text("category"), text("question"), text("answer")
    alternates, basis = texts("alternates", 1), texts("basis", 0)
    updated = _date(fields, where, file, problems)
    if len(problems) > start:
        return None
    return FaqEntry(
        id=entry_id,
        category=category,
        question=question,
        alternates=alternates,
        answer=answer,
        basis=basis,
        updated=updated,
        source=f"{file}:{_line(node)}",
    )


def _scalar(node: Node) -> str | None:
    if isinstance(node, ScalarNode):
        return str(node.value)
    return None


def _date(
    fields: dict[str, tuple[Node, Node]], where: str, file: str, problems: list[Problem]
) -> date:
    if "updated" not in fields:
        return date.min
    vnode = fields["updated"][1]
    try:
        return date.fromisoformat(str(_scalar(vnode)))
    except ValueError:
        problems.append(
            Problem(file, _line(vnode), f"{where}: 'updated' must be a date YYYY-MM-DD")
        )
        return date.min


_SECTION = re.compile(r"^\s*#\s*={3,}\s*(.*?)\s*={3,}\s*$")


@dataclass(frozen=True, slots=True)
class LabelledSection:
    """The questions under one section header of a labelled file: a comment line
    ``# ===== TITLE =====``; questions before the first header have the title ``""``."""

    title: str
    questions: tuple[LabelledQuestion, ...]


def load_labelled_sections(path: Path) -> list[LabelledSection]:
    """A labelled question file cut at its section headers, in file order (headers with no
    question under them are left out)."""
    questions = load_labelled_questions(path)
    text = path.read_text(encoding="utf-8")
    headers = [
        (number, found.group(1))
        for number, line in enumerate(text.splitlines())
        if (found := _SECTION.match(line))
    ]
    root = yaml.compose(text, Loader=SAFE_LOADER)
    items = _mapping(root).get("questions") if isinstance(root, MappingNode) else None
    nodes = items[1].value if items and isinstance(items[1], SequenceNode) else []
    lines = [node.start_mark.line for node in nodes]
    sections: list[tuple[str, list[LabelledQuestion]]] = []
    for question, line in zip(questions, lines, strict=True):
        title = next((t for number, t in reversed(headers) if number < line), "")
        if not sections or sections[-1][0] != title:
            sections.append((title, []))
        sections[-1][1].append(question)
    return [LabelledSection(title, tuple(qs)) for title, qs in sections]


def load_labelled_questions(path: Path) -> list[LabelledQuestion]:
    """Read a labelled question file in the format of ``dev-questions.yaml``."""
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    except (OSError, yaml.YAMLError) as exc:
        raise FaqError([Problem(str(path), 0, f"cannot read: {exc}")]) from exc
    items = data.get("questions") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise FaqError([Problem(str(path), 1, "expected a mapping with a 'questions:' list")])
    out = []
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not str(item.get("q", "")).strip():
            raise FaqError([Problem(str(path), 0, f"questions[{index}]: needs 'q' and 'expect'")])
        expect = str(item.get("expect", "none"))
        out.append(
            LabelledQuestion(
                q=str(item["q"]),
                expect=None if expect == "none" else expect,
                also=tuple(str(a) for a in item.get("also") or ()),
            )
        )
    return out
