"""Law texts: articles and whole laws, parsed from the shipped Markdown, rendered for a resident.

The file format is described in ``bot/lawtexts/NOTE.md`` and the reference set's README.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.law.numerals import chinese_to_int, int_to_chinese


@dataclass(frozen=True, slots=True)
class LawArticle:
    """One article (条) of a law: its paragraphs (款/项) and where it sits (编 › 分编 › 章 › 节)."""

    law_short: str
    law_title: str
    number: int
    paragraphs: tuple[str, ...]
    breadcrumb: tuple[str, ...] = ()

    @property
    def citation(self) -> str:
        return f"{self.law_short} 第{self.number}条"

    @property
    def heading(self) -> str:
        title = self.law_title.replace("《", "〈").replace("》", "〉")
        return f"《{title}》第{int_to_chinese(self.number)}条"


@dataclass(frozen=True, slots=True)
class LawText:
    """A whole law; its articles are numbered 1 … N without gaps."""

    short: str
    title: str
    aliases: tuple[str, ...]
    articles: tuple[LawArticle, ...]

    def article(self, number: int) -> LawArticle | None:
        return self.articles[number - 1] if 1 <= number <= len(self.articles) else None

    @property
    def names(self) -> tuple[str, ...]:
        return (self.short, self.title, *self.aliases)


_ARTICLE = re.compile(r"^第([零一二三四五六七八九十百千]+)条 (.*)$")
_NUM = "[零一二三四五六七八九十百千]+"
_HEADING_RANKS = (  # rank: 编 (or a judicial interpretation's part) 0, 分编 1, 章 2, 节 3
    (re.compile(rf"^第{_NUM}分编 \S"), 1),
    (re.compile(rf"^第{_NUM}编 \S|^附则$|^{_NUM}、\S"), 0),
    (re.compile(rf"^第{_NUM}章 \S"), 2),
    (re.compile(rf"^第{_NUM}节 \S"), 3),
)
_DECLARED = re.compile(r"条文数 articles: (\d+)\s*$")


def parse_law_markdown(short: str, title: str, text: str, aliases: tuple[str, ...] = ()) -> LawText:
    """Parse one law file; raise ValueError naming the line when the file breaks the format."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != f"# {title}":
        raise ValueError(f"line 1 must be the title heading '# {title}'")
    articles: list[LawArticle] = []
    current: tuple[int, list[str]] | None = None  # (number, paragraphs) of the open article
    stack: list[tuple[int, str]] = []  # (rank, heading text)
    declared: int | None = None
    body_started = False

    def close() -> None:
        if current is not None:
            crumb = tuple(h for _, h in stack)
            articles.append(LawArticle(short, title, current[0], tuple(current[1]), crumb))

    for lineno, raw in enumerate(lines[1:], start=2):
        line = raw.strip()
        if not line:
            continue
        if line.startswith(">") and not body_started:
            if declared is None and (m := _DECLARED.search(line)):
                declared = int(m.group(1))
            continue
        if line.startswith("#"):
            hashes, _, heading = line.partition(" ")
            rank = next((r for rx, r in _HEADING_RANKS if rx.search(heading)), None)
            if rank is None or hashes.strip("#"):
                raise ValueError(f"line {lineno}: unknown heading {line!r}")
            close()
            current, body_started = None, True
            while stack and stack[-1][0] >= rank:
                stack.pop()
            if len(hashes) != len(stack) + 2:
                raise ValueError(f"line {lineno}: heading level does not fit: {line!r}")
            stack.append((rank, heading.strip()))
            continue
        if m := _ARTICLE.match(line):
            number = chinese_to_int(m.group(1))
            if number != len(articles) + 1 + (current is not None):
                raise ValueError(f"line {lineno}: article {number} out of sequence")
            close()
            current, body_started = (number, [m.group(2).strip()]), True
        elif current is not None:
            current[1].append(line)
        elif body_started:
            raise ValueError(f"line {lineno}: text outside any article: {line[:30]!r}")
        # else: the preamble (为正确审理……制定本规定。) before the first heading or article
    close()
    if not articles:
        raise ValueError("no articles found")
    if declared is not None and declared != len(articles):
        raise ValueError(f"metadata says {declared} articles, found {len(articles)}")
    return LawText(short, title, tuple(aliases), tuple(articles))


def render_article(article: LawArticle) -> str:
    """Plain text for a resident: the heading line, then each paragraph after a blank line."""
    return "\n\n".join((article.heading, *article.paragraphs))
