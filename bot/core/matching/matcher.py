"""Match a resident's question to FAQ entries and decide what to do with it.

Channels, each 0–1, fused by a weighted mean (shared/design/MATCHING.md, re-measured on the
development questions): per phrasing, character uni+bigram TF-IDF cosine, the IDF-weighted share
of the phrasing's character grams found in the question ("covered": 1.0 when the phrasing sits
inside a long story) and the same share on fuzzy-pinyin grams (catches 善养费≈赡养费); per entry
(all its phrasings as one document), BM25-saturated IDF-weighted coverage of the question's words.
An entry scores its best phrasing; a long story is scored on its last clauses (up to a limit) and
on its last two clauses, and the best view wins. Then three bands: answer, clarify (offer the
plausible choices), hand off. Small talk is recognised before matching; case-specific requests are
always handed off. Plain ``fuzz.ratio`` channels were measured too and lowered the separation
between right and wrong answers, so they are not part of the fusion.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from bot.core.faq import KnowledgeBase
from bot.core.matching.lexicon import Lexicon
from bot.core.matching.normalize import Analysis, Normalizer, clauses

_SMALLTALK_PRIORITY = ("bot_question", "thanks", "farewell", "acknowledgement", "greeting")
_BM25_K1, _BM25_B = 1.2, 0.75
_WHOLE_CHARS = 60  # a long story is scored on its last clauses up to this many canonical chars
_SHORT_CHARS = 80  # longer than this, the last two clauses are scored on their own as well
_MAX_INPUT = 1000  # only the last this many characters of a message are read
_MAX_CHOICES = 3
_SMALLTALK_CHARS = 24  # a clause longer than this is never small talk alone
_TOP = 8
# Channel weights of the fusion, measured on the development questions.
WEIGHTS = {"ccos": 1.0, "crev": 1.0, "prev": 1.0, "cov": 2.0}


class Action(StrEnum):
    ANSWER = "answer"
    CLARIFY = "clarify"
    HANDOFF = "handoff"
    SMALLTALK = "smalltalk"


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Score bands on a 0–100 scale: answer ≥ ``answer``; clarify ≥ ``clarify``; else hand off.

    ``margin``: if the runner-up is within this many points of the best, ask instead of answering.
    """

    answer: float = 30.0
    clarify: float = 22.0
    margin: float = 10.0

    def __post_init__(self) -> None:
        if not 0 <= self.clarify <= self.answer <= 100:
            raise ValueError("thresholds need 0 <= clarify <= answer <= 100")
        if not 0 <= self.margin <= 100:
            raise ValueError("margin must be between 0 and 100")


@dataclass(frozen=True, slots=True)
class Candidate:
    faq_id: str
    question: str
    score: float


@dataclass(frozen=True, slots=True)
class MatchResult:
    """What to do with one message.

    ``candidates``: the plausible entries, best first (at most three); ``best``: the top-scoring
    entry whatever the action (for logs and reviews), None when nothing was compared;
    ``smalltalk``: the kind for small talk; ``reason``: why it was handed off or not matched
    ("case_specific", "no_match", "empty").
    """

    action: Action
    candidates: tuple[Candidate, ...] = ()
    best: Candidate | None = None
    score: float = 0.0
    smalltalk: str | None = None
    reason: str | None = None


def _alternation(patterns: Iterable[re.Pattern[str]]) -> re.Pattern[str]:
    """One pattern matching wherever any of ``patterns`` does (never matches when empty)."""
    return re.compile("|".join(f"(?:{p.pattern})" for p in patterns) or "(?!)")


def _grams(text: str) -> Counter[str]:
    grams = Counter(text)
    grams.update(text[i : i + 2] for i in range(len(text) - 1))
    return grams


class _Postings:
    """An inverted index: key → (rows, first weights, second weights) as numpy arrays."""

    def __init__(self, rows: int, table: dict[str, list[tuple[int, float, float]]]) -> None:
        self.rows = rows
        self.lists: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        for key, items in table.items():
            ids, first, second = zip(*items, strict=True)
            self.lists[key] = (np.asarray(ids, np.intp), np.asarray(first), np.asarray(second))

    def sums(
        self, keys: Sequence[str], factors: Sequence[float] | None, second: bool
    ) -> tuple[np.ndarray, np.ndarray]:
        """Per row: Σ factor·first (if ``factors``) and Σ second (if ``second``) over the keys."""
        zero: np.ndarray = np.zeros(self.rows)
        lists = [self.lists[k] for k in keys]
        if not lists:
            return zero, zero
        ids = np.concatenate([p[0] for p in lists])
        out_first: np.ndarray = zero
        out_second: np.ndarray = zero
        if factors is not None:
            scale = np.repeat(np.asarray(factors), [len(p[0]) for p in lists])
            weights = np.concatenate([p[1] for p in lists]) * scale
            out_first = np.bincount(ids, weights, minlength=self.rows)
        if second:
            weights = np.concatenate([p[2] for p in lists])
            out_second = np.bincount(ids, weights, minlength=self.rows)
        return out_first, out_second


class _Grams:
    """Character uni+bigrams of every phrasing: TF-IDF cosine and IDF-weighted "covered" share."""

    def __init__(self, texts: list[str]) -> None:
        counts = [_grams(t) for t in texts]
        df: Counter[str] = Counter()
        for c in counts:
            df.update(c.keys())
        n = len(texts)
        self.idf = {g: math.log((n + 1) / (d + 1)) + 1.0 for g, d in df.items()}
        self.unseen = math.log(n + 1) + 1.0
        table: dict[str, list[tuple[int, float, float]]] = {}
        for i, c in enumerate(counts):
            vec = {g: tf * self.idf[g] for g, tf in c.items()}
            norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
            total = sum(self.idf[g] for g in c) or 1.0
            for g, v in vec.items():
                table.setdefault(g, []).append((i, v / norm, self.idf[g] / total))
        self.postings = _Postings(n, table)

    def scores(self, text: str, cosine: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """(cosine, covered) for every phrasing; the cosine is zeros unless asked for."""
        grams = _grams(text)
        keys = [g for g in grams if g in self.idf]
        if not cosine:
            return self.postings.sums(keys, None, True)
        vec = {g: tf * self.idf.get(g, self.unseen) for g, tf in grams.items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        return self.postings.sums(keys, [vec[g] / norm for g in keys], True)


class _Coverage:
    """BM25 with one document per entry, as the IDF-weighted share of the query's words covered."""

    def __init__(self, docs: list[list[str]]) -> None:
        n = len(docs)
        df: Counter[str] = Counter()
        for d in docs:
            df.update(set(d))
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
        self.unseen = math.log(1 + (n + 0.5) / 0.5)
        avgdl = sum(len(d) for d in docs) / max(n, 1) or 1.0
        table: dict[str, list[tuple[int, float, float]]] = {}
        for e, d in enumerate(docs):
            norm = _BM25_K1 * (1 - _BM25_B + _BM25_B * len(d) / avgdl)
            for t, tf in Counter(d).items():
                sat = tf * (_BM25_K1 + 1) / (tf + norm) / (_BM25_K1 + 1)
                table.setdefault(t, []).append((e, self.idf[t] * sat, 0.0))
        self.postings = _Postings(n, table)

    def score(self, terms: Iterable[str]) -> np.ndarray:
        unique = sorted(set(terms))
        total = sum(self.idf.get(t, self.unseen) for t in unique) or 1.0
        keys = [t for t in unique if t in self.idf]
        return self.postings.sums(keys, [1 / total] * len(keys), False)[0]


class Matcher:
    """Built once from a knowledge base; ``match`` is pure, deterministic and never raises."""

    def __init__(self, kb: KnowledgeBase, lexicon: Lexicon, thresholds: Thresholds) -> None:
        self.thresholds = thresholds
        self.normalizer = Normalizer(lexicon)
        self._smalltalk = lexicon.smalltalk_patterns()
        self._any_smalltalk = _alternation(p for _, p in self._smalltalk)
        self._any_greeting = _alternation(p for k, p in self._smalltalk if k == "greeting")
        self._case = lexicon.case_specific_pattern()
        self._particles = "".join(sorted(w for w in lexicon.stop_words if len(w) == 1))
        self._entries = kb.entries
        owner: list[int] = []
        analyses: list[Analysis] = []
        docs: list[list[str]] = [[] for _ in kb.entries]
        for e, entry in enumerate(kb.entries):
            for phrasing in entry.phrasings:
                a = self.normalizer.analyze(phrasing)
                if a.canon:
                    owner.append(e)
                    analyses.append(a)
                    docs[e].extend(a.terms)
        # phrasings are in entry order: entry e owns rows starts[k]..; empty entries score 0
        starts = {e: i for i, e in reversed(list(enumerate(owner)))}
        self._filled = np.asarray(sorted(starts), dtype=np.int64)
        self._starts = np.asarray([starts[e] for e in sorted(starts)], dtype=np.int64)
        self._chars = _Grams([a.canon for a in analyses])
        self._sounds = _Grams([a.pinyin for a in analyses])
        self._coverage = _Coverage(docs)

    def match(self, text: str) -> MatchResult:
        """Decide what to do with one message (any Unicode text)."""
        if not isinstance(text, str):
            text = str(text)
        parts = clauses(text[-_MAX_INPUT:], symbols=True)
        case_specific = self._case is not None and bool(self._case.search("".join(parts)))
        kinds, tokens_by_clause = self._read(parts)
        if not tokens_by_clause:
            if kinds and not case_specific:
                kind = min(kinds, key=_SMALLTALK_PRIORITY.index)
                return MatchResult(Action.SMALLTALK, smalltalk=kind)
            reason = "case_specific" if case_specific else "empty"
            return MatchResult(Action.HANDOFF, reason=reason)
        ranked = self._rank(tokens_by_clause)
        best = ranked[0] if ranked else None
        score = best.score if best else 0.0
        plausible = self._plausible(ranked)
        if case_specific:
            return MatchResult(Action.HANDOFF, plausible, best, score, reason="case_specific")
        return self._decide(ranked, plausible, best, score)

    def _read(self, parts: list[str]) -> tuple[list[str], list[tuple[str, ...]]]:
        """Small-talk kinds and the tokens of the other clauses, read from the end of the text
        until there is enough to score (the question of a long story is usually at its end)."""
        kinds: list[str] = []
        tokens_by_clause: list[tuple[str, ...]] = []
        length = 0
        for part in reversed(parts):
            kind, remainder = self._smalltalk_clause(part)
            if kind:
                kinds.append(kind)
            tokens = self.normalizer.tokens_of_clauses([remainder]) if remainder else ()
            if tokens:
                tokens_by_clause.insert(0, tokens)
                length += sum(map(len, tokens))
                if length > _WHOLE_CHARS:
                    break
        return kinds, tokens_by_clause

    def _decide(
        self,
        ranked: list[Candidate],
        plausible: tuple[Candidate, ...],
        best: Candidate | None,
        score: float,
    ) -> MatchResult:
        t = self.thresholds
        if best is None or score < t.clarify:
            return MatchResult(Action.HANDOFF, (), best, score, reason="no_match")
        runner_up = ranked[1].score if len(ranked) > 1 else 0.0
        if score >= t.answer and (score - runner_up >= t.margin or runner_up < t.clarify):
            return MatchResult(Action.ANSWER, plausible, best, score)
        return MatchResult(Action.CLARIFY, plausible, best, score)

    def _plausible(self, ranked: list[Candidate]) -> tuple[Candidate, ...]:
        if not ranked:
            return ()
        floor = max(self.thresholds.clarify, ranked[0].score - 2 * self.thresholds.margin)
        return tuple(c for c in ranked[:_MAX_CHOICES] if c.score >= floor)

    def _smalltalk_clause(self, clause: str) -> tuple[str | None, str]:
        """(small-talk kind or None, what is left of the clause to match)."""
        stripped = clause.strip(self._particles)
        if self._any_smalltalk.fullmatch(clause) or (
            stripped and self._any_smalltalk.fullmatch(stripped)
        ):
            for kind, pattern in self._smalltalk:
                if pattern.fullmatch(clause) or (stripped and pattern.fullmatch(stripped)):
                    return kind, ""
        if len(clause) <= _SMALLTALK_CHARS and self._any_smalltalk.match(clause):
            kinds, rest = self._consume(clause, greetings_only=False)  # 好的律师谢谢
            if kinds and not rest.strip(self._particles):
                return min(kinds, key=_SMALLTALK_PRIORITY.index), ""
        if self._any_greeting.match(clause):  # 你好请问……: a greeting opens the question
            kinds, clause = self._consume(clause, greetings_only=True)
            return (kinds[0] if kinds else None), clause if clause.strip(self._particles) else ""
        return None, clause if stripped else ""

    def _consume(self, clause: str, *, greetings_only: bool) -> tuple[list[str], str]:
        """Strip small talk off the start of ``clause``, longest match first."""
        kinds: list[str] = []
        while clause:
            found = [(m.end(), kind) for kind, p in self._smalltalk if (m := p.match(clause))]
            end, kind = max(found, default=(0, ""))
            if not end or (greetings_only and kind != "greeting"):
                break
            kinds.append(kind)
            clause = clause[end:]
        return kinds, clause

    def _views(self, tokens_by_clause: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
        views: list[tuple[str, ...]] = []
        whole: list[str] = []
        for tokens in reversed(tokens_by_clause):
            if whole and sum(map(len, whole)) + sum(map(len, tokens)) > _WHOLE_CHARS:
                break
            whole[:0] = tokens
        views.append(tuple(whole))
        if len(tokens_by_clause) > 2 and sum(map(len, whole)) > _SHORT_CHARS:
            views.append(tokens_by_clause[-2] + tokens_by_clause[-1])
        return views

    def _rank(self, tokens_by_clause: list[tuple[str, ...]]) -> list[Candidate]:
        best = np.zeros(len(self._entries))
        for view in self._views(tokens_by_clause):
            np.maximum(best, self._score(self.normalizer.analyze_tokens(view)), out=best)
        top = min(_TOP, len(best))
        if not top:
            return []
        picked = np.argpartition(-best, top - 1)[:top]
        order = sorted((-round(float(best[e]), 2), int(e)) for e in picked if best[e] > 0)
        return [Candidate(self._entries[e].id, self._entries[e].question, -s) for s, e in order]

    def _score(self, q: Analysis) -> np.ndarray:
        """Fused 0–100 score per entry: its best phrasing on the phrasing channels + coverage."""
        scores = np.zeros(len(self._entries))
        if not q.canon or not len(self._filled):
            return scores
        w = WEIGHTS
        cos, covered = self._chars.scores(q.canon)
        _, sound = self._sounds.scores(q.pinyin, cosine=False)
        phrasing = (
            w["ccos"] * np.minimum(cos, 1.0)
            + w["crev"] * np.minimum(covered, 1.0)
            + w["prev"] * np.minimum(sound, 1.0)
        )
        scores[self._filled] = np.maximum.reduceat(phrasing, self._starts)
        scores += w["cov"] * np.minimum(self._coverage.score(q.terms), 1.0)
        return np.clip(scores * (100 / sum(w.values())), 0.0, 100.0)
