"""Subjects the FAQ does not cover: a question about one is not answered by a word-sharing entry.

The lexicon's ``uncovered`` list names subject words of fields no entry is about (股东, 商标, 海事,
行政复议 …). A question that names one of them is answered directly only by an entry whose own text
(question, alternates and answer) contains that word too; otherwise the matcher offers the plausible
entries that do contain it, or hands the question to an adviser when none does. Without this,
「我是公司小股东，大股东不给分红」 shares enough words (公司, 不给) with some entry to be
answered by it.

Words are found in the cleaned text (``normalize.clean``: NFKC, Traditional→Simplified, lower case)
by substring, so jieba's segmentation cannot hide them.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.core.faq import FaqEntry
from bot.core.matching.normalize import clean


def _text(parts: Iterable[str]) -> str:
    """The cleaned parts, clauses joined as the question's are; no word spans two parts."""
    return "\n".join("".join(clean(part).split()) for part in parts)


class UncoveredSubjects:
    """Which uncovered subjects a question names, and which entries speak of them."""

    def __init__(self, words: Iterable[str], entries: Iterable[FaqEntry]) -> None:
        self._words = tuple(dict.fromkeys(w for w in words if w))
        self._entries = {e.id: e for e in entries}
        # an entry's cleaned text, made the first time a question needs it (start-up stays as
        # fast as without the list; few questions name an uncovered subject)
        self._texts: dict[str, str] = {}

    def named(self, cleaned: str) -> tuple[str, ...]:
        """The uncovered words in a question's cleaned text (clauses joined without spaces)."""
        return tuple(w for w in self._words if w in cleaned)

    def speaks_of(self, faq_id: str, words: tuple[str, ...]) -> bool:
        """Whether the entry's own text contains every one of ``words``."""
        text = self._texts.get(faq_id)
        if text is None:
            entry = self._entries.get(faq_id)
            parts = (entry.question, *entry.alternates, entry.answer) if entry else ()
            text = self._texts[faq_id] = _text(parts)
        return all(w in text for w in words)
