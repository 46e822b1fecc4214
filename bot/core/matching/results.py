"""The matcher's values: what to do with a message, the score bands, the candidate entries."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Action(StrEnum):
    ANSWER = "answer"
    CLARIFY = "clarify"
    HANDOFF = "handoff"
    SMALLTALK = "smalltalk"


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Score bands on a 0–100 scale: answer ≥ ``answer``; clarify ≥ ``clarify``; else hand off.

    ``margin``: if the runner-up is within this many points of the best, ask instead of answering.
    ``coverage``: a question of a few words whose best entry covers less than this share of them
    (the ``cov`` channel, 0–1) is asked about instead of answered.
    ``unfamiliar``: a question whose last clause holds a word no entry uses is answered only with
    at least ``answer`` + this many points (0: no such check).
    ``wide_margin``: the margin asked instead of ``margin`` when the best entry covers less than
    ``wide_below`` of the question's words (the ``cov`` channel, 0–1).
    """

    answer: float = 34.0
    clarify: float = 24.0
    margin: float = 6.0
    coverage: float = 0.25
    # On the broad set and the development questions the answers do not change between 3 and 7
    # (measured when it was set; 5 and 5.5 again with 188 entries); 5.5 keeps the rule's own
    # example (生态林补偿款一直没发, tests/unit/test_matcher_unfamiliar.py) clear of its edge.
    unfamiliar: float = 5.5
    # Chosen as the setting that leaves the fewest questions answered directly once their own
    # entries are removed from the FAQ (out-of-scope questions simulated), while the development
    # questions stay >= 80 % answered right (10 would take them below).
    wide_margin: float = 9.0
    wide_below: float = 0.45

    def __post_init__(self) -> None:
        if not 0 <= self.clarify <= self.answer <= 100:
            raise ValueError("thresholds need 0 <= clarify <= answer <= 100")
        if not 0 <= self.margin <= 100:
            raise ValueError("margin must be between 0 and 100")
        if not 0 <= self.coverage <= 1:
            raise ValueError("coverage must be between 0 and 1")
        if not 0 <= self.unfamiliar <= 100:
            raise ValueError("unfamiliar must be between 0 and 100")
        if not 0 <= self.wide_margin <= 100 or not 0 <= self.wide_below <= 1:
            raise ValueError("wide_margin must be between 0 and 100, wide_below between 0 and 1")


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
