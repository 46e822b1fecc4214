"""Measure the matcher on labelled questions: how many it answers right, asks about, or gets wrong.

In scope (``expect`` is an entry id): *answered* – answered with the expected entry or one of
``also``; *clarified* – offered choices that include an acceptable entry; *resolved* – either;
*handed off* – given to a human (or taken for small talk); *wrong* – answered with another entry;
*clarified without* – offered choices none of which is acceptable.
Out of scope (``expect`` None): how many were answered anyway (bad) or turned into choices.
Across both: *direct answers* – every question answered with an entry; their *precision* – the
share answered with an accepted entry (what a resident who gets an answer can rely on).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from enum import StrEnum
from typing import Any

from bot.core.matching.matcher import Action, Matcher, MatchResult


@dataclass(frozen=True, slots=True)
class LabelledQuestion:
    q: str
    expect: str | None  # the entry that should answer; None: no entry should
    also: tuple[str, ...] = ()

    @property
    def accepted(self) -> frozenset[str]:
        return frozenset((self.expect, *self.also)) if self.expect else frozenset()


class Outcome(StrEnum):
    ANSWERED = "answered"
    CLARIFIED = "clarified"
    HANDED_OFF = "handed_off"
    WRONG = "wrong"
    CLARIFIED_WITHOUT = "clarified_without"
    OOS_ANSWERED = "oos_answered"
    OOS_CLARIFIED = "oos_clarified"
    OOS_DECLINED = "oos_declined"


@dataclass(frozen=True, slots=True)
class QuestionResult:
    question: LabelledQuestion
    result: MatchResult
    outcome: Outcome


@dataclass(frozen=True, slots=True)
class Summary:
    in_scope: int
    answered: int
    clarified: int
    handed_off: int
    wrong: int
    clarified_without: int
    out_of_scope: int
    oos_answered: int
    oos_clarified: int

    @property
    def resolved(self) -> int:
        return self.answered + self.clarified

    @property
    def direct(self) -> int:
        """Questions answered directly, in scope and out of scope together."""
        return self.answered + self.wrong + self.oos_answered

    def _rate(self, n: int, total: int) -> float:
        return n / total if total else 0.0

    @property
    def answered_rate(self) -> float:
        return self._rate(self.answered, self.in_scope)

    @property
    def clarified_rate(self) -> float:
        return self._rate(self.clarified, self.in_scope)

    @property
    def resolved_rate(self) -> float:
        return self._rate(self.resolved, self.in_scope)

    @property
    def handed_off_rate(self) -> float:
        return self._rate(self.handed_off, self.in_scope)

    @property
    def wrong_rate(self) -> float:
        return self._rate(self.wrong, self.in_scope)

    @property
    def clarified_without_rate(self) -> float:
        return self._rate(self.clarified_without, self.in_scope)

    @property
    def oos_answered_rate(self) -> float:
        return self._rate(self.oos_answered, self.out_of_scope)

    @property
    def oos_clarified_rate(self) -> float:
        return self._rate(self.oos_clarified, self.out_of_scope)

    @property
    def direct_precision(self) -> float:
        """Direct answers with an accepted entry ÷ all direct answers (0 when there are none)."""
        return self._rate(self.answered, self.direct)


@dataclass(frozen=True, slots=True)
class Evaluation:
    results: tuple[QuestionResult, ...]
    summary: Summary

    def to_json(self) -> dict[str, Any]:
        """The summary (counts and rates) and every question's outcome, as plain JSON values."""
        s = self.summary
        counts = {f.name: getattr(s, f.name) for f in fields(Summary)}
        counts["resolved"] = s.resolved
        counts["direct"] = s.direct
        rates = {
            name: round(getattr(s, f"{name}_rate"), 4)
            for name in (
                "resolved",
                "answered",
                "clarified",
                "handed_off",
                "wrong",
                "clarified_without",
                "oos_answered",
                "oos_clarified",
            )
        }
        rates["direct_precision"] = round(s.direct_precision, 4)
        questions = [
            {
                "q": r.question.q,
                "expect": r.question.expect,
                "also": list(r.question.also),
                "outcome": r.outcome.value,
                "action": r.result.action.value,
                "faq_id": (
                    r.result.best.faq_id
                    if r.result.action is Action.ANSWER and r.result.best
                    else None
                ),
                "reason": r.result.reason,
                "score": r.result.score,
                "candidates": [[c.faq_id, c.score] for c in r.result.candidates],
            }
            for r in self.results
        ]
        return {"summary": counts, "rates": rates, "results": questions}


def classify(question: LabelledQuestion, result: MatchResult) -> Outcome:
    """Which outcome one match result is for one labelled question."""
    offered = {c.faq_id for c in result.candidates}
    if question.expect is None:
        if result.action is Action.ANSWER:
            return Outcome.OOS_ANSWERED
        if result.action is Action.CLARIFY:
            return Outcome.OOS_CLARIFIED
        return Outcome.OOS_DECLINED
    accepted = question.accepted
    if result.action is Action.ANSWER:
        right = result.best is not None and result.best.faq_id in accepted
        return Outcome.ANSWERED if right else Outcome.WRONG
    if result.action is Action.CLARIFY:
        return Outcome.CLARIFIED if offered & accepted else Outcome.CLARIFIED_WITHOUT
    return Outcome.HANDED_OFF


def evaluate(matcher: Matcher, questions: Iterable[LabelledQuestion]) -> Evaluation:
    """Match every question and count the outcomes."""
    results = tuple(
        QuestionResult(q, r, classify(q, r)) for q in questions for r in (matcher.match(q.q),)
    )
    count = {o: sum(1 for r in results if r.outcome is o) for o in Outcome}
    oos = count[Outcome.OOS_ANSWERED] + count[Outcome.OOS_CLARIFIED] + count[Outcome.OOS_DECLINED]
    summary = Summary(
        in_scope=len(results) - oos,
        answered=count[Outcome.ANSWERED],
        clarified=count[Outcome.CLARIFIED],
        handed_off=count[Outcome.HANDED_OFF],
        wrong=count[Outcome.WRONG],
        clarified_without=count[Outcome.CLARIFIED_WITHOUT],
        out_of_scope=oos,
        oos_answered=count[Outcome.OOS_ANSWERED],
        oos_clarified=count[Outcome.OOS_CLARIFIED],
    )
    return Evaluation(results, summary)


def format_summary(evaluation: Evaluation) -> str:
    """The summary as a small plain-text table for operators."""
    s = evaluation.summary

    def row(label: str, n: int, total: int) -> str:
        pct = f"{100 * n / total:5.1f}%" if total else "    -"
        return f"  {label:<36}{n:>5}  {pct}"

    lines = [
        f"In scope: {s.in_scope}",
        row("resolved (answered + clarified)", s.resolved, s.in_scope),
        row("answered with the right entry", s.answered, s.in_scope),
        row("clarified, right entry offered", s.clarified, s.in_scope),
        row("handed off", s.handed_off, s.in_scope),
        row("answered with a wrong entry", s.wrong, s.in_scope),
        row("clarified, right entry not offered", s.clarified_without, s.in_scope),
        f"Out of scope: {s.out_of_scope}",
        row("answered (should not be)", s.oos_answered, s.out_of_scope),
        row("clarified", s.oos_clarified, s.out_of_scope),
        f"Direct answers (in and out of scope): {s.direct}",
        row("with an accepted entry (precision)", s.answered, s.direct),
        row("in scope, resolved", s.resolved, s.in_scope),
    ]
    return "\n".join(lines)
