"""The scam check: does a resident ask to check a suspicious text, and which scam is it?

A resident forwards or pastes a message ("is this a scam?"). :class:`ScamChecker` decides, from
data (:class:`ScamRules`, loaded from ``faq/scams/patterns.yaml``), one of three verdicts:

- ``WARN``: a scam-check request that looks like a known pattern: name it and say what not to do;
- ``UNSURE``: a scam-check request it cannot classify with confidence: hand it to the adviser,
  flagged 疑似诈骗;
- ``NOT_A_CHECK``: an ordinary question (「被电信诈骗了怎么办」): the FAQ answers it.

There is no verdict "safe": the desk never tells a resident that a message is harmless.

How a text is read: every cue is searched in the text's *compact* form (NFKC, Traditional →
Simplified, lower case, only letters and digits: 「驗證碼 發給我！」 → 「验证码发给我」); a regular
expression is also tried on the *plain* form (NFKC, lower case, punctuation kept), which is where
links, amounts and phone numbers keep their shape. Each signal counts once, however often it
occurs. A pattern's score is the sum of its matched signals' weights minus the weights of the
matched counter-signals (anti-fraud notices, genuine bank texts: 「请勿泄露」「谨防」「不会要求」);
a text with any counter-signal is never warned about (it may still go to the adviser).

When a message is a scam-check request: the resident asks (a trigger: 「帮我看看这条短信」), or the
*suspicion* (best pattern score + generic cues such as links, 转账, 催促) reaches ``strong``, or the
message was forwarded and the suspicion reaches ``forwarded``. A typed text's suspicion is lowered
by the words of a resident's own legal question (「能要求赔偿吗」「怎么办」).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum

from bot.core.matching.normalize import clean


def compact(text: str) -> str:
    """NFKC, Traditional → Simplified, lower case, letters and digits only."""
    return "".join(clean(text).split())


def plain(text: str) -> str:
    """NFKC and lower case, punctuation kept (links, amounts, phone numbers)."""
    return unicodedata.normalize("NFKC", text).lower()


@dataclass(frozen=True, slots=True)
class Signal:
    """One weighted cue: a phrase (``cue``) or a regular expression (``re``)."""

    source: str  # its label, or as written in the data: for explanations
    regex: re.Pattern[str] | None  # None for a phrase
    weight: int
    phrase: str = ""  # a phrase, normalised: searched in the compact form only

    @classmethod
    def cue(cls, phrase: str, weight: int, label: str | None = None) -> Signal:
        """A phrase, normalised like the texts it is searched in; ValueError if nothing is left."""
        key = compact(phrase)
        if not key:
            raise ValueError(f"cue '{phrase}' has no letters or digits")
        return cls(label or phrase, None, weight, phrase=key)

    @classmethod
    def pattern(cls, expression: str, weight: int, label: str | None = None) -> Signal:
        """A regular expression; ValueError (with the reason) if it does not compile."""
        try:
            regex = re.compile(expression)
        except re.error as exc:
            raise ValueError(f"regular expression '{expression}': {exc}") from exc
        if regex.search(""):
            raise ValueError(f"regular expression '{expression}' matches an empty text")
        return cls(label or expression, regex, weight)

    def found_in(self, text: Reading) -> bool:
        if self.regex is None:
            return self.phrase in text.compact
        return bool(self.regex.search(text.compact) or self.regex.search(text.plain))


@dataclass(frozen=True, slots=True)
class Reading:
    """A text in the two forms signals are searched in."""

    compact: str
    plain: str

    @classmethod
    def of(cls, text: str) -> Reading:
        return cls(compact(text), plain(text))


def score(signals: Iterable[Signal], text: Reading) -> tuple[int, tuple[str, ...]]:
    """The summed weight of the signals found in ``text``, and which they were."""
    found = [s for s in signals if s.found_in(text)]
    return sum(s.weight for s in found), tuple(s.source for s in found)


@dataclass(frozen=True, slots=True)
class ScamPattern:
    """One kind of scam as residents call it, the FAQ entry that explains it, and what not to do."""

    id: str
    name: str  # 冒充客服退款
    entry: str  # fraud FAQ entry id
    advice: tuple[str, ...]  # 2–3 short lines, specific to the pattern
    signals: tuple[Signal, ...]
    source: str = ""  # file:line


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Scores that decide the verdict (data, tuned on the labelled set).

    *Suspicion* is the best pattern's score plus the generic cues' score (links, 转账, 催促 …).
    """

    warn: int = 4  # a check request whose best pattern scores this much names that pattern
    strong: int = 6  # suspicion that makes a typed or pasted text a check request by itself
    forwarded: int = 3  # suspicion that makes a forwarded message a check request (0: every one)


@dataclass(frozen=True, slots=True)
class ScamRules:
    """Everything the checker knows: the patterns and the general part of the data."""

    patterns: tuple[ScamPattern, ...]
    triggers: tuple[Signal, ...]  # 「帮我看看这条短信」「这是不是骗子」
    cues: tuple[Signal, ...]  # generic: links, phone numbers, amounts, urgency
    questions: tuple[Signal, ...]  # a resident's own legal question: 「能要求赔偿吗」「怎么办」
    counters: tuple[Signal, ...]  # anti-fraud notices, genuine bank texts
    thresholds: Thresholds = field(default_factory=Thresholds)


UNSURE_DETAIL = "unsure"  # what the interaction log records for a check handed to the adviser


class VerdictKind(Enum):
    """What the desk does with a message (there is deliberately no "safe")."""

    WARN = "warn"
    UNSURE = "unsure"
    NOT_A_CHECK = "not_a_check"


@dataclass(frozen=True, slots=True)
class ScamVerdict:
    """The checker's decision for one message, with the cues that led to it."""

    kind: VerdictKind
    pattern: ScamPattern | None = None  # set exactly when kind is WARN
    score: int = 0  # the best pattern's score
    reasons: tuple[str, ...] = ()  # matched cues (for the adviser's 疑似诈骗 flag)

    def __post_init__(self) -> None:
        if (self.kind is VerdictKind.WARN) != (self.pattern is not None):
            raise ValueError("a warning names a pattern, and only a warning does")

    @property
    def is_check(self) -> bool:
        """Whether the message was taken as a request to check a suspicious text."""
        return self.kind is not VerdictKind.NOT_A_CHECK


class ScamChecker:
    """Decides, for a text and whether it was forwarded, warn / unsure / not a check."""

    def __init__(self, rules: ScamRules) -> None:
        if not rules.patterns:
            raise ValueError("the scam check needs at least one pattern")
        self.rules = rules
        self._by_id = {p.id: p for p in rules.patterns}

    def pattern(self, pattern_id: str) -> ScamPattern | None:
        """The pattern with this id (for reports by pattern), if there is one."""
        return self._by_id.get(pattern_id)

    def check(self, text: str, *, forwarded: bool = False) -> ScamVerdict:
        """The verdict for ``text``; ``forwarded``: the resident forwarded it from elsewhere."""
        rules, limits = self.rules, self.rules.thresholds
        reading = Reading.of(text)
        counter, counter_found = score(rules.counters, reading)
        best, best_score, best_found = self._best(reading)
        best_score -= counter
        shape, shape_found = score(rules.cues, reading)
        suspicion = best_score + shape
        if not forwarded:
            suspicion -= score(rules.questions, reading)[0]
        asked = any(t.found_in(reading) for t in rules.triggers)
        enough = min(limits.forwarded, limits.strong) if forwarded else limits.strong
        if not (asked or suspicion >= enough):
            return ScamVerdict(VerdictKind.NOT_A_CHECK, score=best_score)
        reasons = best_found + shape_found + tuple(f"-{c}" for c in counter_found)
        if best_score >= limits.warn and not counter_found:
            return ScamVerdict(VerdictKind.WARN, best, best_score, reasons)
        return ScamVerdict(VerdictKind.UNSURE, score=best_score, reasons=reasons)

    def _best(self, reading: Reading) -> tuple[ScamPattern, int, tuple[str, ...]]:
        """The highest-scoring pattern (the first in the file on a tie), its score and cues."""
        best = self.rules.patterns[0]
        best_score, best_found = score(best.signals, reading)
        for candidate in self.rules.patterns[1:]:
            points, found = score(candidate.signals, reading)
            if points > best_score:
                best, best_score, best_found = candidate, points, found
        return best, best_score, best_found
