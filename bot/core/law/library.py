"""The law library: every shipped law, found by the name a resident or an FAQ entry uses."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.core.law.articles import LawArticle, LawText
from bot.core.law.citations import normalise_law_name


@dataclass(frozen=True, slots=True)
class LawLibrary:
    """Every shipped law, found by short name, full title or alias."""

    laws: tuple[LawText, ...]
    _by_name: dict[str, LawText] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_name: dict[str, LawText] = {}
        for law in self.laws:
            for name in law.names:
                key = normalise_law_name(name)
                if by_name.setdefault(key, law) is not law:
                    other = by_name[key].short
                    raise ValueError(f"name {name!r} belongs to both {other} and {law.short}")
        object.__setattr__(self, "_by_name", by_name)

    def resolve_name(self, name: str) -> LawText | None:
        key = normalise_law_name(name)
        law = self._by_name.get(key)
        if law is None and key.startswith("中华人民共和国"):
            law = self._by_name.get(key.removeprefix("中华人民共和国"))
        return law

    def lookup(self, law_name: str, number: int) -> LawArticle | None:
        law = self.resolve_name(law_name)
        return law.article(number) if law is not None else None
