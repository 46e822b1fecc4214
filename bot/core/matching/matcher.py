"""Match a resident's question to FAQ entries and decide what to do with it.

Reading: the message is cut into clauses; small talk is recognised clause by clause (lexicon
patterns, or the sound of a short clause, see ``smalltalk``); the rest is normalised (``normalize``)
and its typos are repaired against the FAQ's vocabulary (``repair``), which reads the FAQ's own
typo alternates (善养费咋要) as the words their entry uses elsewhere (赡养费). The phrasings are
indexed as written. A long story is read from its end, up to ``_WHOLE_CHARS`` canonical
characters (the question of a story is usually at its end).

Scoring, per entry, each channel 0–1, fused by a weighted mean (``WEIGHTS``):

* ``ccos`` – character uni+bigram TF-IDF cosine to the entry's best phrasing;
* ``crev`` – IDF-weighted share of that phrasing's character grams found in the question
  (1.0 when the phrasing sits inside a long story);
* ``prev`` – the same share on fuzzy-pinyin grams (catches homophones the repair left alone);
* ``cov`` – BM25-saturated, IDF-weighted share of the question's words covered by the entry (all
  its phrasings as one document);
* ``ratio`` – ``rapidfuzz.fuzz.ratio`` between the question's word sequence and the entry's best
  phrasing, one private-use character per word (word order counts), for the ``_SHORTLIST``
  entries the other channels rank highest (0 for the rest).

The first three channels are summed in one pass over one inverted index (``index.PhrasingIndex``).
Then three bands: answer, clarify (offer the plausible choices), hand off. A one-word question
that several entries use is clarified when more than one of them is plausible (遗嘱 alone does not
say which will question); case-specific requests are always handed off.

Five checks keep a word-sharing neighbour from answering what the FAQ does not cover (issue 17;
their settings are measured with ``legaldesk faq eval`` on the development questions and on
benchmarks/broad-questions.yaml, whose held-out sections ``--section`` measures apart; see
``Thresholds`` and the commits that set them):

* a question that names a subject word of the lexicon's ``uncovered`` list (股东, 商标, 海事 …) is
  answered only by an entry whose own text names it too (``subjects``);
* a question of a few words (``_THIN_WORDS``) whose best entry covers less than
  ``Thresholds.coverage`` of them (the ``cov`` channel) is asked about, not answered: it shares
  some words with the entry but is about something else (店员偷了东西，老板能扣他工资吗 is not
  about unpaid wages);
* a question whose last clause (where residents put their ask) holds a word no entry uses, nor
  any dictionary word inside it, needs ``Thresholds.unfamiliar`` more points to be answered: the
  entry shares its setting but has never heard of what it asks (公益林补偿款 is not the
  land-requisition money; 失信名单怎么撤掉 is not how to enforce a judgment). Only the last
  clause is looked at: a story's earlier clauses hold details no entry needs to know;
* when the best entry covers less than ``Thresholds.wide_below`` of the question (``cov``), the
  runner-up must trail by ``Thresholds.wide_margin`` points instead of ``margin``: with little of
  the question covered, a close second entry is as likely to be what is meant (a stranger who
  used my ID card is not renting out my bank card);
* a question whose last two clauses ask for one concrete thing (多少钱, 要带啥, 去哪, 在哪查)
  that the best entry's answer never gives (no sum, nothing to bring, no office) is offered as
  a choice (``asks``): an entry on the subject that does not say what is asked does not answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import numpy as np

from bot.core.faq import KnowledgeBase
from bot.core.matching.asks import Asks
from bot.core.matching.index import EntryCoverage, PhrasingIndex, TokenSequences
from bot.core.matching.lexicon import Lexicon
from bot.core.matching.normalize import Analysis, Normalizer, clauses
from bot.core.matching.repair import TokenRepair
from bot.core.matching.results import Action, Candidate, MatchResult, Thresholds
from bot.core.matching.smalltalk import SmallTalk, first_kind
from bot.core.matching.subjects import UncoveredSubjects

__all__ = ["WEIGHTS", "Action", "Candidate", "MatchResult", "Matcher", "Thresholds"]

_WHOLE_CHARS = 60  # a long story is scored on its last clauses up to this many canonical chars
_MAX_INPUT = 1000  # only the last this many characters of a message are read
_MAX_CHOICES = 3
_TOP = 8
_SHORTLIST = 20  # entries that get the fuzz.ratio channel (measured: 10 ranks like all of them)
_COMMON_FREQ = 100  # a jieba word this frequent is never taken for a typo
_THIN_WORDS = (4, 15)  # questions of this many distinct words are checked for thin coverage
# Channel weights of the fusion, measured on the development questions.
WEIGHTS: Mapping[str, float] = MappingProxyType(
    {"ccos": 1.0, "crev": 1.0, "prev": 1.0, "cov": 2.0, "ratio": 1.5}
)


class Matcher:
    """Built once from a knowledge base; ``match`` is pure, deterministic and never raises."""

    def __init__(self, kb: KnowledgeBase, lexicon: Lexicon, thresholds: Thresholds) -> None:
        self.thresholds = thresholds
        self.normalizer = normalizer = Normalizer(lexicon)
        self._smalltalk = SmallTalk(lexicon)
        self._case = lexicon.case_specific_patterns()
        self._entries = kb.entries
        self._subjects = UncoveredSubjects(lexicon.uncovered, kb.entries)
        self._asks = Asks(kb.entries)
        self._repair = TokenRepair(
            lexicon.stop_words,
            lexicon.protected,
            lambda word: normalizer.is_common_word(word, _COMMON_FREQ),
        )
        pieces = _faq_pieces(normalizer, kb)
        # the FAQ's words, its own typo alternates read as the words they stand for (善养费 →
        # 赡养费): a typo there must not make 善 a word the FAQ knows
        vocabulary = {
            w
            for entry in pieces
            for ws in self._repair.within_entry([ws for phrasing in entry for ws in phrasing])
            for w in ws
        }
        known = {*lexicon.stop_words, *lexicon.synonym_map, *lexicon.protected}
        known.update(w.word for w in lexicon.dictionary_words())
        self._repair.learn(vocabulary, known)
        self._vocabulary = frozenset(vocabulary)
        analyses: list[Analysis] = []
        docs: list[list[str]] = [[] for _ in kb.entries]
        bounds = np.zeros(len(kb.entries) + 1, dtype=np.int64)
        for e, entry_pieces in enumerate(pieces):
            for phrasing in entry_pieces:
                a = normalizer.analyze_tokens(normalizer.finish(phrasing))
                if a.canon:
                    analyses.append(a)
                    docs[e].extend(a.terms)
            bounds[e + 1] = len(analyses)
        # phrasings are in entry order: entry e owns rows bounds[e]..bounds[e+1]
        self._filled = np.flatnonzero(bounds[1:] > bounds[:-1])
        self._starts = bounds[:-1][self._filled]
        self._phrasings = PhrasingIndex(
            [a.canon for a in analyses],
            [a.pinyin for a in analyses],
            WEIGHTS["ccos"],
            WEIGHTS["crev"],
            WEIGHTS["prev"],
        )
        self._coverage = EntryCoverage(docs)
        self._sequences = TokenSequences([a.tokens for a in analyses], bounds.tolist())

    def match(self, text: str) -> MatchResult:
        """Decide what to do with one message (any Unicode text)."""
        if not isinstance(text, str):
            text = str(text)
        parts = clauses(text[-_MAX_INPUT:], symbols=True)
        joined = "".join(parts)
        case_specific = any(pattern.search(joined) for pattern in self._case)
        kinds, tokens_by_clause = self._read(parts)
        if not tokens_by_clause:
            if kinds and not case_specific:
                return MatchResult(Action.SMALLTALK, smalltalk=first_kind(kinds))
            reason = "case_specific" if case_specific else "empty"
            return MatchResult(Action.HANDOFF, reason=reason)
        window = self._window(tokens_by_clause)
        ranked, thin, covered = self._rank(window)
        best = ranked[0] if ranked else None
        score = best.score if best else 0.0
        plausible = self._plausible(ranked)
        if case_specific:
            return MatchResult(Action.HANDOFF, plausible, best, score, reason="case_specific")
        named = self._subjects.named(joined)
        vague = self._one_shared_word(window)
        unfamiliar = self._unfamiliar(tokens_by_clause[-1])
        asks = Asks.of(parts)
        unanswered = bool(asks and best and self._asks.unanswered(best.faq_id, asks))
        return self._decide(
            ranked, plausible, best, score, vague, named, thin, unfamiliar, covered, unanswered
        )

    def _read(self, parts: list[str]) -> tuple[list[str], list[tuple[str, ...]]]:
        """Small-talk kinds and the tokens of the other clauses, read from the end of the text
        until there is enough to score (the question of a long story is usually at its end)."""
        kinds: list[str] = []
        tokens_by_clause: list[tuple[str, ...]] = []
        length = 0
        for part in reversed(parts):
            kind, remainder = self._smalltalk.read(part)
            if remainder and (sound := self._sounds_like(remainder)):
                kind, remainder = kind or sound, ""
            if kind:
                kinds.append(kind)
            tokens = (
                self.normalizer.tokens_of_clauses([remainder], self._repair) if remainder else ()
            )
            if tokens:
                tokens_by_clause.insert(0, tokens)
                length += sum(map(len, tokens))
                if length > _WHOLE_CHARS:
                    break
        return kinds, tokens_by_clause

    def _sounds_like(self, clause: str) -> str | None:
        """The small-talk kind a short clause sounds like, unless it holds a word of the FAQ."""
        found = self._smalltalk.sounds_like(clause)
        if found is None:
            return None
        kind, phrase = found
        words = [w for piece in self.normalizer.pieces([clause]) for w in piece]
        if any(len(w) > 1 and w in self._vocabulary and w not in phrase for w in words):
            return None
        return kind

    def _one_shared_word(self, window: tuple[str, ...]) -> bool:
        """Whether the question is one word that several entries use (遗嘱): it says too little."""
        if len(set(window)) != 1:
            return False
        return self._coverage.entries_with(window[0]) > 1

    def _unfamiliar(self, tokens: tuple[str, ...]) -> bool:
        """Whether the last clause (the question's ask) holds a word no entry uses, nor any
        dictionary word inside it (公益林, 撤掉; not 孙子辈, which holds 孙子)."""
        entries_with = self._coverage.entries_with
        search_terms = self.normalizer.search_terms
        return any(
            len(token) > 1 and not any(map(entries_with, search_terms((token,))))
            for token in tokens
        )

    def _decide(
        self,
        ranked: list[Candidate],
        plausible: tuple[Candidate, ...],
        best: Candidate | None,
        score: float,
        vague: bool,
        named: tuple[str, ...] = (),
        thin: bool = False,
        unfamiliar: bool = False,
        covered: float = 1.0,
        unanswered: bool = False,
    ) -> MatchResult:
        t = self.thresholds
        if best is None or score < t.clarify:
            return MatchResult(Action.HANDOFF, (), best, score, reason="no_match")
        if named and not self._subjects.speaks_of(best.faq_id, named):
            # a subject no entry near the top speaks of: never answer with a word-sharing neighbour
            kept = tuple(c for c in plausible if self._subjects.speaks_of(c.faq_id, named))
            action = Action.CLARIFY if kept else Action.HANDOFF
            return MatchResult(action, kept, best, score, reason="uncovered")
        runner_up = ranked[1].score if len(ranked) > 1 else 0.0
        margin = t.wide_margin if covered < t.wide_below else t.margin
        clear = score - runner_up >= margin or runner_up < t.clarify
        needed = t.answer + (t.unfamiliar if unfamiliar else 0.0)
        if (
            score >= needed
            and clear
            and not thin
            and not unanswered
            and not (vague and len(plausible) > 1)
        ):
            return MatchResult(Action.ANSWER, plausible, best, score)
        return MatchResult(Action.CLARIFY, plausible, best, score)

    def _plausible(self, ranked: list[Candidate]) -> tuple[Candidate, ...]:
        if not ranked:
            return ()
        floor = max(self.thresholds.clarify, ranked[0].score - 2 * self.thresholds.margin)
        return tuple(c for c in ranked[:_MAX_CHOICES] if c.score >= floor)

    def _window(self, tokens_by_clause: list[tuple[str, ...]]) -> tuple[str, ...]:
        """The last clause, and the ones before it while the words stay within _WHOLE_CHARS."""
        whole: list[str] = []
        for tokens in reversed(tokens_by_clause):
            if whole and sum(map(len, whole)) + sum(map(len, tokens)) > _WHOLE_CHARS:
                break
            whole[:0] = tokens
        return tuple(whole)

    def _rank(self, window: tuple[str, ...]) -> tuple[list[Candidate], bool, float]:
        """The best entries, best first, whether the best one covers too little of the question
        (``_thin``), and how much of it it covers (the ``cov`` channel, 0–1)."""
        q = self.normalizer.analyze_tokens(window)
        best, coverage = self._score(q)
        top = min(_TOP, len(best))
        if not top:
            return [], False, 0.0
        picked = np.argpartition(-best, top - 1)[:top]
        values = best[picked]
        kept = values > 0  # Python numbers from here: numpy scalars cost more one at a time
        order = sorted(
            zip([-round(v, 2) for v in values[kept].tolist()], picked[kept].tolist(), strict=True)
        )
        ranked = [Candidate(self._entries[e].id, self._entries[e].question, -s) for s, e in order]
        covered = float(coverage[order[0][1]]) if order else 0.0
        return ranked, bool(order) and self._thin(q, covered), covered

    def _thin(self, q: Analysis, coverage: float) -> bool:
        """Whether the best entry covers too little of a question of a few words: it shares some
        of them, but the question is about something else. Too short a question says too little
        to judge by; a long story holds details no entry needs to cover."""
        low, high = _THIN_WORDS
        return low <= len(set(q.terms)) <= high and coverage < self.thresholds.coverage

    def _score(self, q: Analysis) -> tuple[np.ndarray, np.ndarray]:
        """Fused 0–100 score per entry (see the module docstring for the channels), and the
        ``cov`` channel alone (0–1)."""
        scores = np.zeros(len(self._entries))
        if not q.canon or not len(self._filled):
            return scores, scores.copy()
        w = WEIGHTS
        phrasing = self._phrasings.scores(q.canon, q.pinyin)
        scores[self._filled] = np.maximum.reduceat(phrasing, self._starts)
        coverage = np.minimum(self._coverage.score(q.terms), 1.0)
        scores += w["cov"] * coverage
        k = min(_SHORTLIST, len(scores))
        shortlist = np.argpartition(-scores, k - 1)[:k]
        scores += w["ratio"] * self._sequences.best_ratio(q.tokens, shortlist.tolist())
        return np.clip(scores * (100 / sum(w.values())), 0.0, 100.0), coverage


def _faq_pieces(normalizer: Normalizer, kb: KnowledgeBase) -> list[list[list[list[str]]]]:
    """jieba's words of every phrasing (per entry, per phrasing, per piece).

    Each distinct clause is cut once: phrasings share many (cutting clause by clause gives the
    same pieces as cutting the phrasing, see ``Normalizer.pieces``)."""
    cut: dict[str, list[list[str]]] = {}

    def phrasing(text: str) -> list[list[str]]:
        out: list[list[str]] = []
        for clause in clauses(text):
            if clause not in cut:
                cut[clause] = normalizer.pieces([clause])
            out.extend(cut[clause])
        return out

    return [[phrasing(p) for p in entry.phrasings] for entry in kb.entries]
