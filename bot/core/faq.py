"""FAQ knowledge-base values: entries and the knowledge base that holds them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True, slots=True)
class FaqEntry:
    """One curated question with its plain-language answer and legal basis."""

    id: str
    category: str
    question: str
    alternates: tuple[str, ...]
    answer: str
    basis: tuple[str, ...]
    updated: date
    source: str = ""  # "faq/marriage-family.yaml:12", for error messages and reviews

    @property
    def phrasings(self) -> tuple[str, ...]:
        """The canonical question followed by every alternate phrasing."""
        return (self.question, *self.alternates)


@dataclass(frozen=True, slots=True)
class KnowledgeBase:
    """All FAQ entries, in file order, with lookup by id and by category."""

    entries: tuple[FaqEntry, ...]
    _by_id: dict[str, FaqEntry] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {e.id: e for e in self.entries})

    def __iter__(self) -> Iterator[FaqEntry]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self._by_id

    def get(self, entry_id: str) -> FaqEntry | None:
        return self._by_id.get(entry_id)

    @property
    def categories(self) -> tuple[str, ...]:
        """Category names in first-seen order."""
        return tuple(dict.fromkeys(e.category for e in self.entries))

    def in_category(self, category: str) -> tuple[FaqEntry, ...]:
        return tuple(e for e in self.entries if e.category == category)

    @classmethod
    def of(cls, entries: Iterable[FaqEntry]) -> KnowledgeBase:
        return cls(tuple(entries))
