"""Load and validate the scam patterns from ``faq/scams/patterns.yaml``.

Like the FAQ loader, every problem is reported with its file and line, and all problems are
collected before failing. The file's format is described at its top; the scoring in
``bot.core.scams``.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from pathlib import Path

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.core.scams import ScamPattern, ScamRules, Signal, Thresholds
from bot.resources import shipped_faq_dir
from bot.storage.faq_yaml import FaqError, Problem, compose_file

PATTERNS_FILE = Path("scams") / "patterns.yaml"
KEBAB = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
TOP_LEVEL = ("schema", "thresholds", "triggers", "cues", "questions", "counters", "patterns")
PATTERN_FIELDS = ("id", "name", "entry", "advice", "signals")
ADVICE_LINES = (1, 3)
ADVICE_LENGTH = 60  # characters per line: the warning as a whole stays about 300
MAX_WEIGHT = 10


def default_path() -> Path:
    """The scam patterns that ship with legaldesk."""
    return shipped_faq_dir() / PATTERNS_FILE


def load_scam_rules(
    path: Path | None = None, known_entries: Collection[str] | None = None
) -> ScamRules:
    """The scam rules, or :class:`FaqError` listing every problem with file and line.

    With ``known_entries`` (the FAQ's entry ids) a pattern linking to a missing entry is a problem.
    """
    rules, problems = check_scam_rules(path, known_entries)
    if problems or rules is None:
        raise FaqError(problems)
    return rules


def check_scam_rules(
    path: Path | None = None, known_entries: Collection[str] | None = None
) -> tuple[ScamRules | None, list[Problem]]:
    """The rules (None if unusable) and every problem found."""
    path = path or default_path()
    reader = _Reader(f"{path.parent.name}/{path.name}")
    rules = reader.read(path, known_entries)
    return (rules if not reader.problems else None), reader.problems


class _Reader:
    """One pass over one file, collecting problems."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.problems: list[Problem] = []

    def fail(self, node: Node | None, message: str) -> None:
        self.problems.append(Problem(self.name, _line(node), message))

    def read(self, path: Path, known_entries: Collection[str] | None) -> ScamRules | None:
        before = len(self.problems)
        root = compose_file(path, self.name, self.problems)
        if len(self.problems) > before:
            return None
        if not isinstance(root, MappingNode):
            self.fail(root, "top level must be a mapping with 'patterns:'")
            return None
        top = _fields(root)
        for key, (knode, _) in top.items():
            if key not in TOP_LEVEL:
                self.fail(knode, f"unknown top-level key '{key}'")
        if "schema" not in top or _scalar(top["schema"][1]) != "1":
            self.fail(top["schema"][1] if "schema" in top else root, "'schema' must be 1")
        thresholds = self.thresholds(top.get("thresholds", (None, None))[1])
        triggers = self.signals(root, top, "triggers", "the general part")
        cues = self.signals(root, top, "cues", "the general part")
        questions = self.signals(root, top, "questions", "the general part")
        counters = self.signals(root, top, "counters", "the general part")
        patterns = self.patterns(root, top, known_entries)
        return ScamRules(tuple(patterns), triggers, cues, questions, counters, thresholds)

    def thresholds(self, node: Node | None) -> Thresholds:
        if node is None:
            return Thresholds()
        if not isinstance(node, MappingNode):
            self.fail(node, "'thresholds' must be a mapping (warn, strong, forwarded)")
            return Thresholds()
        values: dict[str, int] = {}
        for key, (knode, vnode) in _fields(node).items():
            if key not in ("warn", "strong", "forwarded"):
                self.fail(knode, f"thresholds: unknown key '{key}'")
            elif (number := self.integer(vnode, f"thresholds.{key}", 0, 100)) is not None:
                values[key] = number
        limits = Thresholds(**values)
        if limits.warn > limits.strong:
            self.fail(node, "thresholds: 'warn' must not exceed 'strong'")
        return limits

    def integer(self, node: Node, what: str, low: int, high: int) -> int | None:
        text = _scalar(node)
        if text is None or not re.fullmatch(r"-?\d+", text.strip()) or not low <= int(text) <= high:
            self.fail(node, f"{what} must be a whole number from {low} to {high}")
            return None
        return int(text)

    def signals(
        self, parent: Node, fields: dict[str, tuple[Node, Node]], key: str, where: str
    ) -> tuple[Signal, ...]:
        if key not in fields:
            self.fail(parent, f"{where}: missing '{key}'")
            return ()
        node = fields[key][1]
        if not isinstance(node, SequenceNode) or not node.value:
            self.fail(node, f"{where}: '{key}' must be a non-empty list of signals")
            return ()
        return tuple(s for s in (self.signal(item, f"{where}: {key}") for item in node.value) if s)

    def signal(self, node: Node, where: str) -> Signal | None:
        if not isinstance(node, MappingNode):
            self.fail(
                node, f"{where}: a signal must be a mapping {{cue: …, weight: N}} or {{re: …}}"
            )
            return None
        fields = _fields(node)
        for key, (knode, _) in fields.items():
            if key not in ("cue", "re", "weight", "label"):
                self.fail(knode, f"{where}: unknown signal field '{key}'")
        kinds = [k for k in ("cue", "re") if k in fields]
        if len(kinds) != 1:
            self.fail(node, f"{where}: a signal needs exactly one of 'cue' or 're'")
            return None
        if "weight" not in fields:
            self.fail(node, f"{where}: signal without 'weight'")
            return None
        weight = self.integer(fields["weight"][1], f"{where}: 'weight'", 1, MAX_WEIGHT)
        text = _scalar(fields[kinds[0]][1])
        label = _scalar(fields["label"][1]) if "label" in fields else None
        if not text or not text.strip():
            self.fail(fields[kinds[0]][1], f"{where}: empty '{kinds[0]}'")
            return None
        if weight is None:
            return None
        try:
            if kinds[0] == "cue":
                return Signal.cue(text.strip(), weight, label)
            return Signal.pattern(text, weight, label)
        except ValueError as exc:
            self.fail(fields[kinds[0]][1], f"{where}: {exc}")
            return None

    def patterns(
        self, root: Node, top: dict[str, tuple[Node, Node]], known: Collection[str] | None
    ) -> list[ScamPattern]:
        if "patterns" not in top:
            self.fail(root, "missing 'patterns:' list")
            return []
        node = top["patterns"][1]
        if not isinstance(node, SequenceNode) or not node.value:
            self.fail(node, "'patterns' must be a non-empty list")
            return []
        out: list[ScamPattern] = []
        seen: dict[str, int] = {}
        for item in node.value:
            pattern = self.pattern(item, known)
            if pattern is None:
                continue
            if pattern.id in seen:
                self.fail(
                    item, f"duplicate pattern id '{pattern.id}' (first at line {seen[pattern.id]})"
                )
                continue
            seen[pattern.id] = _line(item)
            out.append(pattern)
        return out

    def pattern(self, node: Node, known: Collection[str] | None) -> ScamPattern | None:
        if not isinstance(node, MappingNode):
            self.fail(node, "a pattern must be a mapping")
            return None
        start = len(self.problems)
        fields = _fields(node)
        label = _scalar(fields["id"][1]) if "id" in fields else None
        where = f"pattern '{label}'" if label else "pattern"
        for key, (knode, _) in fields.items():
            if key not in PATTERN_FIELDS:
                self.fail(knode, f"{where}: unknown field '{key}'")
        for key in PATTERN_FIELDS:
            if key not in fields:
                self.fail(node, f"{where}: missing field '{key}'")
        texts = {k: self.text(fields, k, where) for k in ("id", "name", "entry")}
        for key in ("id", "entry"):
            if texts[key] and not KEBAB.match(texts[key]):
                self.fail(fields[key][1], f"{where}: '{key}' must be kebab-case (a-z, 0-9, -)")
        if known is not None and texts["entry"] and texts["entry"] not in known:
            self.fail(fields["entry"][1], f"{where}: no FAQ entry '{texts['entry']}'")
        advice = self.advice(fields, where)
        signals = self.signals(node, fields, "signals", where) if "signals" in fields else ()
        if len(self.problems) > start:
            return None
        return ScamPattern(
            id=texts["id"],
            name=texts["name"],
            entry=texts["entry"],
            advice=advice,
            signals=signals,
            source=f"{self.name}:{_line(node)}",
        )

    def text(self, fields: dict[str, tuple[Node, Node]], key: str, where: str) -> str:
        if key not in fields:
            return ""
        value = _scalar(fields[key][1])
        if value is None or not value.strip():
            self.fail(fields[key][1], f"{where}: '{key}' is empty")
            return ""
        return value.strip()

    def advice(self, fields: dict[str, tuple[Node, Node]], where: str) -> tuple[str, ...]:
        if "advice" not in fields:
            return ()
        node = fields["advice"][1]
        low, high = ADVICE_LINES
        if not isinstance(node, SequenceNode) or not low <= len(node.value) <= high:
            self.fail(node, f"{where}: 'advice' must be a list of {low} to {high} lines")
            return ()
        lines = []
        for child in node.value:
            value = _scalar(child)
            if value is None or not value.strip():
                self.fail(child, f"{where}: empty advice line")
            elif len(value.strip()) > ADVICE_LENGTH:
                self.fail(child, f"{where}: advice line longer than {ADVICE_LENGTH} characters")
            else:
                lines.append(value.strip())
        return tuple(lines)


def _fields(node: MappingNode) -> dict[str, tuple[Node, Node]]:
    return {str(k.value): (k, v) for k, v in node.value}


def _line(node: Node | None) -> int:
    return node.start_mark.line + 1 if node is not None else 0


def _scalar(node: Node) -> str | None:
    return str(node.value) if isinstance(node, ScalarNode) else None
