"""Recognise small talk (greetings, thanks, …) clause by clause, before any FAQ matching.

A clause is small talk when one of the lexicon's patterns matches all of it (sentence particles
aside), when it is a short run of small-talk phrases (好的律师谢谢), or — for typos from voice and
pinyin input (泥好, 写写) — when it *sounds* like one of the lexicon's ``smalltalk_sounds`` phrases:
the same fuzzy pinyin for up to two syllables, at most one letter apart
(``rapidfuzz.distance.Levenshtein``) for longer ones. A greeting may also open a question
(你好请问……): it is cut off and the rest is matched.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from bot.core.matching.lexicon import Lexicon
from bot.core.matching.normalize import sound_key

PRIORITY = ("bot_question", "thanks", "farewell", "acknowledgement", "greeting")
_SMALLTALK_CHARS = 24  # a clause longer than this is never small talk alone
_SOUND_CHARS = 6  # only clauses up to this long are compared by sound
_HAN = re.compile("[\u4e00-\u9fff]+")


def _alternation(patterns: Iterable[re.Pattern[str]]) -> re.Pattern[str]:
    """One pattern matching wherever any of ``patterns`` does (never matches when empty)."""
    return re.compile("|".join(f"(?:{p.pattern})" for p in patterns) or "(?!)")


def first_kind(kinds: Iterable[str]) -> str:
    """The kind to answer when a message holds several (a thank-you beats a greeting)."""
    return min(kinds, key=PRIORITY.index)


class SmallTalk:
    """Built once from the lexicon; :meth:`read` splits one cleaned clause."""

    def __init__(self, lexicon: Lexicon) -> None:
        self._patterns = lexicon.smalltalk_patterns()
        self._any = _alternation(p for _, p in self._patterns)
        self._greeting = _alternation(p for k, p in self._patterns if k == "greeting")
        self._particles = "".join(sorted(w for w in lexicon.stop_words if len(w) == 1))
        sounds = [(kind, p) for kind, phrases in lexicon.smalltalk_sounds for p in phrases]
        self._sound_kinds = [kind for kind, _ in sounds]
        self._sound_phrases = [p for _, p in sounds]
        self._sound_keys = [sound_key(p) for p in self._sound_phrases]

    def read(self, clause: str) -> tuple[str | None, str]:
        """(small-talk kind or None, what is left of the clause to match)."""
        stripped = clause.strip(self._particles)
        if not self._any.match(clause) and (stripped == clause or not self._any.match(stripped)):
            # the common case, decided at once: every test below needs a pattern to match at the
            # start of the clause or of its particle-free core (greetings are among the patterns)
            return None, clause if stripped else ""
        if self._any.fullmatch(clause) or (stripped and self._any.fullmatch(stripped)):
            for kind, pattern in self._patterns:
                if pattern.fullmatch(clause) or (stripped and pattern.fullmatch(stripped)):
                    return kind, ""
        if len(clause) <= _SMALLTALK_CHARS and self._any.match(clause):
            kinds, rest = self._consume(clause, greetings_only=False)  # 好的律师谢谢
            if kinds and not rest.strip(self._particles):
                return first_kind(kinds), ""
        if self._greeting.match(clause):  # 你好请问……: a greeting opens the question
            kinds, clause = self._consume(clause, greetings_only=True)
            return (kinds[0] if kinds else None), clause if clause.strip(self._particles) else ""
        return None, clause if stripped else ""

    def sounds_like(self, clause: str) -> tuple[str, str] | None:
        """(kind, phrase) of the small talk a short all-Han clause sounds like (泥好 → greeting,
        你好), or None.

        The clause is compared as it is and without sentence particles (写写啊 → 写写).
        """
        if not self._sound_keys:
            return None
        for text in dict.fromkeys((clause, clause.strip(self._particles))):
            if not 2 <= len(text) <= _SOUND_CHARS:
                continue
            if not _HAN.fullmatch(text):
                continue
            cutoff = 0 if len(text) <= 2 else 1
            found = process.extractOne(
                sound_key(text), self._sound_keys, scorer=Levenshtein.distance, score_cutoff=cutoff
            )
            if found:
                return self._sound_kinds[found[2]], self._sound_phrases[found[2]]
        return None

    def _consume(self, clause: str, *, greetings_only: bool) -> tuple[list[str], str]:
        """Strip small talk off the start of ``clause``, longest match first."""
        kinds: list[str] = []
        while clause:
            found = [(m.end(), kind) for kind, p in self._patterns if (m := p.match(clause))]
            end, kind = max(found, default=(0, ""))
            if not end or (greetings_only and kind != "greeting"):
                break
            kinds.append(kind)
            clause = clause[end:]
        return kinds, clause
