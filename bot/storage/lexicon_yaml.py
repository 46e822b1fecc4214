"""Load and validate the matcher's lexicon from ``faq/lexicon.yaml``.

Problems are collected with file and line and raised together as :class:`FaqError`, so that
``legaldesk faq check`` reports them exactly like problems in the FAQ entry files.
"""

from __future__ import annotations

import re
from pathlib import Path

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.core.matching.lexicon import SMALLTALK_KINDS, Lexicon, SynonymGroup, UserWord
from bot.core.matching.normalize import clean
from bot.storage.faq_yaml import FaqError, Problem, compose_file

TOP_LEVEL = (
    "schema",
    "user_words",
    "protected",
    "fillers",
    "stop_words",
    "synonyms",
    "smalltalk",
    "smalltalk_sounds",
    "case_specific",
    "uncovered",
)
_USER_WORD = re.compile(r"^(\S+)(?:\s+(\d+))?$")


class _Reader:
    def __init__(self, name: str) -> None:
        self.name = name
        self.problems: list[Problem] = []

    def problem(self, node: Node, message: str) -> None:
        self.problems.append(Problem(self.name, node.start_mark.line + 1, message))

    def strings(self, node: Node, what: str) -> list[tuple[Node, str]]:
        """The non-empty strings of a list node (problems for anything else)."""
        if not isinstance(node, SequenceNode):
            self.problem(node, f"'{what}' must be a list")
            return []
        out: list[tuple[Node, str]] = []
        seen: set[str] = set()
        for child in node.value:
            if not isinstance(child, ScalarNode) or not str(child.value).strip():
                self.problem(child, f"'{what}': every item must be a non-empty string")
                continue
            value = str(child.value).strip()
            if value in seen:
                self.problem(child, f"'{what}': '{value}' is listed twice")
                continue
            seen.add(value)
            out.append((child, value))
        return out

    def mapping(self, node: Node, what: str) -> list[tuple[Node, str, Node]]:
        if not isinstance(node, MappingNode):
            self.problem(node, f"'{what}' must be a mapping")
            return []
        return [(k, str(k.value).strip(), v) for k, v in node.value]

    def regex(self, node: Node, pattern: str, what: str) -> bool:
        try:
            compiled = re.compile(pattern)
        except re.error as exc:
            self.problem(node, f"'{what}': bad regular expression '{pattern}': {exc}")
            return False
        if compiled.fullmatch(""):
            self.problem(node, f"'{what}': pattern '{pattern}' matches empty text")
            return False
        return True


def load_lexicon(path: Path) -> Lexicon:
    """Read ``path`` into a :class:`Lexicon`, raising :class:`FaqError` listing every problem."""
    name = f"{path.parent.name}/{path.name}"
    reader = _Reader(name)
    unreadable: list[Problem] = []
    root = compose_file(path, name, unreadable)
    if unreadable:
        raise FaqError(unreadable)
    if not isinstance(root, MappingNode):
        raise FaqError([Problem(name, 1, "top level must be a mapping")])
    sections: dict[str, Node] = {}
    for knode, vnode in root.value:
        key = str(knode.value)
        if key not in TOP_LEVEL:
            reader.problem(knode, f"unknown top-level key '{key}'")
        sections[key] = vnode
    if "schema" in sections and str(getattr(sections["schema"], "value", "")) != "1":
        reader.problem(sections["schema"], "only 'schema: 1' is understood")
    lexicon = _build(reader, sections)
    if reader.problems:
        raise FaqError(reader.problems)
    return lexicon


def _build(r: _Reader, s: dict[str, Node]) -> Lexicon:
    def items(key: str) -> list[tuple[Node, str]]:
        return r.strings(s[key], key) if key in s else []

    user_words = []
    for node, text in items("user_words"):
        m = _USER_WORD.match(text)
        if not m or (m.group(2) is not None and int(m.group(2)) <= 0):
            r.problem(node, f"'user_words': '{text}' must be 'word' or 'word positive-frequency'")
            continue
        user_words.append(UserWord(m.group(1), int(m.group(2)) if m.group(2) else None))
    protected = frozenset(v for _, v in items("protected"))
    fillers = tuple(v for _, v in items("fillers"))
    stop_words = frozenset(v for _, v in items("stop_words"))
    groups: list[SynonymGroup] = []
    owner: dict[str, str] = {}
    synonym_items = r.mapping(s["synonyms"], "synonyms") if "synonyms" in s else []
    for knode, canonical, vnode in synonym_items:
        if canonical in stop_words:
            r.problem(knode, f"synonym '{canonical}' is also a stop word: it would vanish")
        variants = []
        for node, variant in r.strings(vnode, f"synonyms.{canonical}"):
            if variant == canonical:
                r.problem(node, f"'{variant}' is listed as a synonym of itself")
            elif variant in owner and owner[variant] != canonical:
                r.problem(node, f"'{variant}' is already a synonym of '{owner[variant]}'")
            elif variant in protected:
                r.problem(node, f"'{variant}' is protected and cannot be a synonym")
            else:
                owner[variant] = canonical
                variants.append(variant)
        groups.append(SynonymGroup(canonical, tuple(variants)))
    for knode, canonical, _ in synonym_items:
        if canonical in owner:
            r.problem(knode, f"'{canonical}' is also a synonym of '{owner[canonical]}'")
    smalltalk = [
        (kind, tuple(p for node, p in texts if r.regex(node, p, f"smalltalk.{kind}")))
        for kind, texts in _by_kind(r, s, "smalltalk")
    ]
    sounds = []
    for kind, texts in _by_kind(r, s, "smalltalk_sounds"):
        phrases = []
        for node, phrase in texts:
            if all("\u4e00" <= ch <= "\u9fff" for ch in phrase):
                phrases.append(phrase)
            else:
                r.problem(node, f"'smalltalk_sounds.{kind}': '{phrase}' must be Chinese characters")
        sounds.append((kind, tuple(phrases)))
    case = tuple(p for node, p in items("case_specific") if r.regex(node, p, "case_specific"))
    uncovered = []
    for node, word in items("uncovered"):
        read = clean(word)
        if read != word or " " in read:
            r.problem(
                node,
                f"'uncovered': '{word}' must be one word as the matcher reads it (simplified "
                f"characters, lower case, no spaces or punctuation: '{read}')",
            )
        else:
            uncovered.append(word)
    return Lexicon(
        synonyms=tuple(groups),
        fillers=fillers,
        stop_words=stop_words,
        user_words=tuple(user_words),
        smalltalk=tuple(smalltalk),
        smalltalk_sounds=tuple(sounds),
        case_specific=case,
        protected=protected,
        uncovered=tuple(uncovered),
    )


def _by_kind(r: _Reader, s: dict[str, Node], key: str) -> list[tuple[str, list[tuple[Node, str]]]]:
    """The lists of a mapping keyed by small-talk kind (problems for unknown kinds)."""
    out = []
    for knode, kind, vnode in r.mapping(s[key], key) if key in s else []:
        if kind not in SMALLTALK_KINDS:
            r.problem(knode, f"unknown small-talk kind '{kind}' (use {', '.join(SMALLTALK_KINDS)})")
            continue
        out.append((kind, r.strings(vnode, f"{key}.{kind}")))
    return out
