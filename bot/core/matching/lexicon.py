"""The matcher's lexicon: the words it knows about, as a frozen value.

A :class:`Lexicon` is plain data (loaded from ``faq/lexicon.yaml`` by ``bot.storage.lexicon_yaml``):

* ``synonyms`` – groups of interchangeable words, each mapped at *token* level (after jieba) to one
  canonical token, so 老伴/老头子/那口子 all become 配偶 but 娘家 is never touched by 娘→母亲;
* ``fillers`` – phrases that carry no topic (请问, 我想问一下, 咋整 …), removed before segmentation;
* ``stop_words`` – tokens dropped after segmentation (的, 了, 俺 …);
* ``user_words`` – extra jieba dictionary words (legal terms, regional words), optional frequency;
* ``smalltalk`` – per kind (greeting, thanks, …) regular expressions that match a whole clause;
* ``smalltalk_sounds`` – per kind, plain phrases (你好, 谢谢 …): a short clause that sounds like one
  of them (泥好, 写写: typos of voice and pinyin input) is small talk of that kind;
* ``case_specific`` – regular expressions that mark a request about one concrete case (案号, 帮我写
  起诉状 …), which always goes to a human;
* ``protected`` – words that must stay whole (never split by jieba, never rewritten by synonyms);
* ``uncovered`` – subject words of fields the FAQ does not cover (股东, 商标, 海事 …): a question
  that names one is never answered directly with an entry whose own text lacks it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

SMALLTALK_KINDS = ("greeting", "thanks", "acknowledgement", "bot_question", "farewell")


@dataclass(frozen=True, slots=True)
class SynonymGroup:
    """Words that mean the same thing here; every variant becomes ``canonical``."""

    canonical: str
    variants: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class UserWord:
    """A word for jieba's dictionary; ``freq`` None lets jieba pick one that keeps it whole."""

    word: str
    freq: int | None = None


@dataclass(frozen=True, slots=True)
class Lexicon:
    """Everything the normaliser and the matcher know beyond the FAQ entries themselves."""

    synonyms: tuple[SynonymGroup, ...] = ()
    fillers: tuple[str, ...] = ()
    stop_words: frozenset[str] = frozenset()
    user_words: tuple[UserWord, ...] = ()
    smalltalk: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (kind, patterns)
    smalltalk_sounds: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (kind, phrases)
    case_specific: tuple[str, ...] = ()
    protected: frozenset[str] = frozenset()
    uncovered: tuple[str, ...] = ()
    _synonym_map: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        mapping: dict[str, str] = {}
        for group in self.synonyms:
            for variant in group.variants:
                if variant not in self.protected and variant != group.canonical:
                    mapping.setdefault(variant, group.canonical)
        object.__setattr__(self, "_synonym_map", mapping)

    @property
    def synonym_map(self) -> Mapping[str, str]:
        """Token → canonical token (protected words never appear as keys)."""
        return self._synonym_map

    def dictionary_words(self) -> tuple[UserWord, ...]:
        """Words jieba must keep whole: user words, every synonym, and every protected word."""
        seen: dict[str, UserWord] = {w.word: w for w in self.user_words}
        extra: Iterable[str] = (
            *(g.canonical for g in self.synonyms),
            *(v for g in self.synonyms for v in g.variants),
            *sorted(self.protected),
        )
        for word in extra:
            if len(word) > 1 and word not in seen:
                seen[word] = UserWord(word)
        return tuple(seen.values())

    def smalltalk_patterns(self) -> tuple[tuple[str, re.Pattern[str]], ...]:
        """Compiled smalltalk patterns in file order as (kind, pattern)."""
        return tuple((kind, re.compile(p)) for kind, pats in self.smalltalk for p in pats)

    def case_specific_patterns(self) -> tuple[re.Pattern[str], ...]:
        """Every case-specific pattern compiled on its own: searching for each in turn is faster
        than searching for their alternation (most start with a literal that ``re`` looks for)."""
        return tuple(re.compile(p) for p in self.case_specific)
