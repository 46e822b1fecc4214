"""Typo and homophone repair of jieba's words against the FAQ's own vocabulary (rapidfuzz).

Residents type by pinyin or voice input, so a wrong word usually *sounds* like the right one:
离昏 for 离婚, 遭谣 for 造谣, 法律原助 for 法律援助, 工商认定 for 工伤认定. jieba cuts such a word
into pieces the FAQ does not use. A *span* (2–5 characters of consecutive jieba words) is replaced
by the word whose fuzzy pinyin (toneless; zh/z ch/c sh/s n/l -ng/-n folded) is closest by
``rapidfuzz.distance.Levenshtein`` on the letters: the same sound for spans of two or three
characters, at most one letter apart for longer ones; the word must share at least half of its
characters with the span in place and have no equally close rival.

Two uses, built by :class:`TokenRepair`:

* in the FAQ (``within_entry``), a phrasing's typo (an alternate written as 善养费咋要) is read as
  the word *its own entry* uses elsewhere (赡养费); the matcher collects the FAQ's vocabulary this
  way, so a typo the FAQ's authors wrote on purpose does not make 善 a word the FAQ knows;
* in a question (calling the object), a span holding a word that vocabulary lacks is replaced by
  the closest FAQ word.

Only a span holding a *suspect* word is tried: in a question, a word the (repaired) FAQ never
uses; in the FAQ, a single character. Stop words are never suspect. Common words are protected:
a span holding a lexicon protected word, a span that is one jieba dictionary word of the given
frequency or more (工商, 代为) and, in questions, a span that starts or ends with a stop word
(删了 is not 伤了) or is made only of words the FAQ itself uses (转钱 stays 转钱 although it
sounds like 赚钱) are left alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from operator import contains

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from bot.core.matching.normalize import char_sound, sound_key

_MIN_CHARS, _MAX_CHARS = 2, 5
_FUZZY_CHARS = 4  # spans this long may be one letter of pinyin away; shorter ones must sound alike


_HAN = re.compile("[\u4e00-\u9fff]+")


def _han(text: str) -> bool:
    return _HAN.fullmatch(text) is not None


def _same_place(a: str, b: str) -> int:
    return sum(x == y for x, y in zip(a, b, strict=True))


@dataclass(frozen=True, slots=True)
class _Sounds:
    """The sounds of the target words of one length."""

    exact: dict[str, list[str]]  # sound key → words
    keys: list[str]  # every word's sound key, in word order (for rapidfuzz)
    first: frozenset[str]  # sounds of the words' first syllables
    second: frozenset[str]  # … and second syllables


class _Targets:
    """Words a span may become, by length; their sounds are worked out on first need."""

    def __init__(self, words: Iterable[str]) -> None:
        chosen = sorted({w for w in words if _MIN_CHARS <= len(w) <= _MAX_CHARS and _han(w)})
        self._words: dict[int, list[str]] = {}
        self._chars_at: dict[int, list[set[str]]] = {}
        for word in chosen:
            self._words.setdefault(len(word), []).append(word)
            places = self._chars_at.setdefault(len(word), [set() for _ in word])
            for place, char in zip(places, word, strict=True):
                place.add(char)
        self._sounds: dict[int, _Sounds] = {}
        self.lengths = frozenset(self._words)

    def closest(self, text: str) -> str | None:
        """The one word that sounds like ``text`` (see the module docstring), or None."""
        places = self._chars_at.get(len(text))
        if not places or 2 * sum(map(contains, places, text)) < len(text):
            return None  # no word of this length shares half of the characters in place
        sounds = self._sounds.get(len(text)) or self._learn(len(text))
        if char_sound(text[0]) not in sounds.first and (
            len(text) < _FUZZY_CHARS or char_sound(text[1]) not in sounds.second
        ):
            return None  # one letter apart at most: the first or the second syllable is the same
        key = sound_key(text)
        found = [(0, w) for w in sounds.exact.get(key, ())]
        if len(text) >= _FUZZY_CHARS:
            words = self._words[len(text)]
            found += [
                (int(d), words[k])
                for _, d, k in process.extract(
                    key, sounds.keys, scorer=Levenshtein.distance, score_cutoff=1, limit=None
                )
                if d
            ]
        ranked = sorted(
            (distance, -_same_place(text, word), word)
            for distance, word in found
            if word != text and 2 * _same_place(text, word) >= len(text)
        )
        if not ranked or (len(ranked) > 1 and ranked[0][:2] == ranked[1][:2]):
            return None  # nothing close enough, or two equally close words: leave it alone
        return ranked[0][2]

    def prepare(self) -> None:
        """Work out the sounds of every length now rather than on first need."""
        for length in self._words:
            self._learn(length)

    def _learn(self, length: int) -> _Sounds:
        words = self._words[length]
        keys = [sound_key(w) for w in words]
        exact: dict[str, list[str]] = {}
        for word, key in zip(words, keys, strict=True):
            exact.setdefault(key, []).append(word)
        sounds = _Sounds(
            exact,
            keys,
            frozenset(char_sound(w[0]) for w in words),
            frozenset(char_sound(w[1]) for w in words),
        )
        self._sounds[length] = sounds
        return sounds


class TokenRepair:
    """Rewrites jieba's words; built once per matcher."""

    def __init__(
        self, stop_words: frozenset[str], protected: frozenset[str], common: Callable[[str], bool]
    ) -> None:
        """``common(word)``: whether one whole jieba word is too common to be a typo."""
        self._stop = stop_words
        self._protected = protected
        self._common = common
        self._known: frozenset[str] = frozenset()
        self._vocabulary = _Targets(())

    def within_entry(self, pieces: list[list[str]]) -> list[list[str]]:
        """The words of one entry's phrasings (per piece), typos replaced by the entry's words."""
        if not any(len(w) == 1 and _han(w) for piece in pieces for w in piece):
            return pieces  # only a single character can be a typo here
        targets = _Targets(w for piece in pieces for w in piece)
        out = []
        for piece in pieces:
            known = frozenset(w for w in piece if len(w) > 1)
            out.append(self._fix(piece, known, targets, edges=frozenset()))
        return out

    def learn(self, vocabulary: Iterable[str], known: Iterable[str]) -> None:
        """Set the question side: ``vocabulary`` (the FAQ's words, the targets) and ``known``
        (words never suspect: the vocabulary, the lexicon's words, stop words)."""
        words = frozenset(vocabulary)
        self._known = frozenset(known) | words
        self._vocabulary = _Targets(words)
        self._vocabulary.prepare()  # questions then only read it

    def __call__(self, tokens: list[str]) -> list[str]:
        """A question's words, each span holding a word unknown to the FAQ repaired if it can be."""
        return self._fix(tokens, self._known, self._vocabulary, edges=self._stop)

    def _fix(
        self, tokens: list[str], known: frozenset[str], targets: _Targets, edges: frozenset[str]
    ) -> list[str]:
        """``edges``: words a span may neither start nor end with."""
        stop = self._stop
        if all(t in known or t in stop or not _han(t) for t in tokens):
            return tokens  # no suspect word (the usual case in a question)
        han = [_han(t) for t in tokens]
        suspect = [h and t not in known and t not in stop for t, h in zip(tokens, han, strict=True)]
        after = [len(tokens)] * (len(tokens) + 1)  # after[i]: the first suspect at or after i
        for i in range(len(tokens) - 1, -1, -1):
            after[i] = i if suspect[i] else after[i + 1]
        out: list[str] = []
        i = 0
        while i < len(tokens):
            span, fixed = 0, None
            if after[i] < i + _MAX_CHARS and han[i] and tokens[i] not in edges:
                span, fixed = self._repair_at(tokens, han, after, i, targets, edges)
            if fixed is None:
                out.append(tokens[i])
                i += 1
            else:
                out.append(fixed)
                i += span
        return out

    def _repair_at(
        self,
        tokens: list[str],
        han: list[bool],
        after: list[int],
        i: int,
        targets: _Targets,
        edges: frozenset[str],
    ) -> tuple[int, str | None]:
        """The longest span starting at ``i`` that repairs, as (words spanned, replacement)."""
        protected, lengths = self._protected, targets.lengths
        spans: list[tuple[int, str]] = []
        text = ""
        for j in range(i, len(tokens)):
            token = tokens[j]
            if not han[j] or token in protected:
                break
            text += token
            if len(text) > _MAX_CHARS:
                break
            if j >= after[i] and len(text) in lengths and token not in edges:
                spans.append((j + 1 - i, text))  # a suspect inside, a length targets have
        for span, text in reversed(spans):
            if span == 1 and self._common(text):
                continue
            fixed = targets.closest(text)
            if fixed is not None:
                return span, fixed
        return 0, None
