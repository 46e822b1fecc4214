"""Quality of the scam check on the labelled set (benchmarks/scam-set.yaml), at the targets of
issue 16: recall ≥ 90 % per scam pattern (warned with the right pattern), false alarms ≤ 5 % on
ordinary messages (that there is no verdict "safe" is tested in test_scams.py).
``benchmarks/scam_eval.py`` prints the full figures."""

from __future__ import annotations

import pytest

from benchmarks.scam_eval import ORDINARY, ScamEvaluation, evaluate, load_set
from bot.core.scams import ScamChecker
from bot.storage.scams_yaml import load_scam_rules

MIN_RECALL = 0.90
MAX_FALSE_ALARMS = 0.05
PER_PATTERN = 12
ORDINARY_MESSAGES = 120


@pytest.fixture(scope="module", params=[False, True], ids=["as-labelled", "pasted-bare"])
def result(request: pytest.FixtureRequest) -> ScamEvaluation:
    checker = ScamChecker(load_scam_rules())
    return evaluate(checker, load_set(), bare=request.param)


def test_the_set_covers_every_pattern(result: ScamEvaluation) -> None:
    patterns = {p.id for p in load_scam_rules().patterns}
    assert set(result.by_label) == patterns | {ORDINARY}
    assert all(t.total >= PER_PATTERN for label, t in result.by_label.items() if label != ORDINARY)
    assert result.ordinary().total >= ORDINARY_MESSAGES


def test_recall_per_pattern(result: ScamEvaluation) -> None:
    low = {
        label: round(tally.share("right"), 3)
        for label, tally in result.by_label.items()
        if label != ORDINARY and tally.share("right") < MIN_RECALL
    }
    assert low == {}


def test_false_alarms_on_ordinary_messages(result: ScamEvaluation) -> None:
    ordinary = result.ordinary()
    assert ordinary.share("right", "other") <= MAX_FALSE_ALARMS, ordinary.misses
