"""Load and validate the monthly themes, ``faq/themes/*.yaml`` (one theme a file).

Like the FAQ loader, every problem is reported with its file and line, all problems at once::

    schema: 1
    month: 2026-12                  # YYYY-MM, one theme a month
    title: 预防老年人诈骗
    send_at: 2026-12-10 09:30       # local time (the configured timezone), inside the month
    message: >-                     # at most 300 characters, plain text
      ...
    links: [fraud-impersonate-officials, fraud-prize]   # FAQ entries behind 「了解更多」
"""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import datetime, tzinfo
from pathlib import Path

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.core.outreach.themes import MESSAGE_LIMIT, Theme, Themes
from bot.storage.faq_yaml import FaqError, Problem, compose_file

THEMES_DIR = "themes"
KEYS = ("schema", "month", "title", "send_at", "message", "links")
MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
SEND_AT = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})$")
TITLE_LIMIT = 40
MAX_LINKS = 5


def load_themes(faq_dir: Path, known_entries: Collection[str], timezone: tzinfo) -> Themes:
    """The themes in ``faq_dir/themes`` (none if the folder is missing), or :class:`FaqError`."""
    themes, problems = check_themes(faq_dir, known_entries, timezone)
    if problems:
        raise FaqError(problems)
    return themes


def check_themes(
    faq_dir: Path, known_entries: Collection[str], timezone: tzinfo
) -> tuple[Themes, list[Problem]]:
    folder = faq_dir / THEMES_DIR
    problems: list[Problem] = []
    themes: dict[str, Theme] = {}
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        name = f"{THEMES_DIR}/{path.name}"
        theme = _Reader(name, problems).read(path, known_entries, timezone)
        if theme is None:
            continue
        if theme.month in themes:
            first = themes[theme.month].source
            problems.append(
                Problem(name, 1, f"a second theme for {theme.month} (first in {first})")
            )
            continue
        themes[theme.month] = theme
    return Themes(themes.values()), problems


class _Reader:
    def __init__(self, name: str, problems: list[Problem]) -> None:
        self.name, self.problems = name, problems

    def fail(self, node: Node | None, message: str) -> None:
        line = node.start_mark.line + 1 if node is not None else 0
        self.problems.append(Problem(self.name, line, message))

    def read(self, path: Path, known: Collection[str], timezone: tzinfo) -> Theme | None:
        before = len(self.problems)
        root = compose_file(path, self.name, self.problems)
        if len(self.problems) > before:
            return None
        if not isinstance(root, MappingNode):
            self.fail(root, "a theme file must be a mapping (month, title, send_at, ...)")
            return None
        fields = {str(k.value): (k, v) for k, v in root.value}
        for key, (knode, _) in fields.items():
            if key not in KEYS:
                self.fail(knode, f"unknown key '{key}' (allowed: {', '.join(KEYS)})")
        for key in KEYS:
            if key not in fields:
                self.fail(root, f"missing '{key}'")
        if len(self.problems) > before:
            return None
        if _text(fields["schema"][1]) != "1":
            self.fail(fields["schema"][1], "'schema' must be 1")
        month = self.month(fields["month"][1])
        title = self.title(fields["title"][1])
        message = self.message(fields["message"][1])
        links = self.links(fields["links"][1], known)
        send_at = self.send_at(fields["send_at"][1], month, timezone)
        if len(self.problems) > before or month is None or send_at is None:
            return None
        source = f"{self.name}:{root.start_mark.line + 1}"
        return Theme(month, title, message, links, send_at, source)

    def month(self, node: Node) -> str | None:
        value = _text(node)
        if value is None or not MONTH.match(value):
            self.fail(node, f"'month' must be YYYY-MM, e.g. 2026-12 (got {value!r})")
            return None
        return value

    def title(self, node: Node) -> str:
        value = (_text(node) or "").strip()
        if not value:
            self.fail(node, "'title' must be a non-empty text")
        elif len(value) > TITLE_LIMIT:
            self.fail(node, f"'title' is {len(value)} characters; at most {TITLE_LIMIT}")
        return value

    def message(self, node: Node) -> str:
        value = (_text(node) or "").strip()
        if not value:
            self.fail(node, "'message' must be a non-empty text")
        elif len(value) > MESSAGE_LIMIT:
            self.fail(
                node, f"'message' is {len(value)} characters; at most {MESSAGE_LIMIT} (too long)"
            )
        return value

    def links(self, node: Node, known: Collection[str]) -> tuple[str, ...]:
        if not isinstance(node, SequenceNode) or not node.value:
            self.fail(node, "'links' must be a list of FAQ entry ids")
            return ()
        if len(node.value) > MAX_LINKS:
            self.fail(node, f"'links': at most {MAX_LINKS} entries (got {len(node.value)})")
        ids = []
        for item in node.value:
            value = _text(item)
            if value is None or value not in known:
                self.fail(item, f"'links': unknown FAQ entry id {value!r}")
            elif value in ids:
                self.fail(item, f"'links': {value} is listed twice")
            else:
                ids.append(value)
        return tuple(ids)

    def send_at(self, node: Node, month: str | None, timezone: tzinfo) -> datetime | None:
        value = (_text(node) or "").strip()
        found = SEND_AT.match(value)
        try:
            if found is None:
                raise ValueError
            year, month_number, day, hour, minute = (int(g) for g in found.groups())
            local = datetime(year, month_number, day, hour, minute, tzinfo=timezone)
        except ValueError:
            self.fail(node, f"'send_at' must be a local date and time YYYY-MM-DD HH:MM ({value!r})")
            return None
        if month is not None and f"{local.year:04d}-{local.month:02d}" != month:
            self.fail(node, f"'send_at' {value} is not in the theme's month {month}")
            return None
        return local


def _text(node: Node) -> str | None:
    return str(node.value) if isinstance(node, ScalarNode) else None
