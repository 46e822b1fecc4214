"""Quality of the scam check on the labelled set (benchmarks/scam-set.yaml), at the targets of
issue 16: recall ≥ 90 % per scam pattern (warned with the right pattern) and false alarms ≤ 5 % on
ordinary messages. The harder variant, every scam text pasted without a word of the resident's
own, must reach the targets overall. (That there is no verdict "safe" is tested in
test_scams.py; ``benchmarks/scam_eval.py`` prints the full figures.)"""

from __future__ import annotations

import pytest

from benchmarks.scam_eval import ORDINARY, ScamEvaluation, evaluate, load_set
from bot.core.scams import ScamChecker
from bot.storage.scams_yaml import load_scam_rules

MIN_RECALL = 0.90
MAX_FALSE_ALARMS = 0.05
PER_PATTERN = 12
ORDINARY_MESSAGES = 120


@pytest.fixture(scope="module")
def checker() -> ScamChecker:
    return ScamChecker(load_scam_rules())


@pytest.fixture(scope="module")
def as_labelled(checker: ScamChecker) -> ScamEvaluation:
    return evaluate(checker, load_set())


@pytest.fixture(scope="module")
def pasted(checker: ScamChecker) -> ScamEvaluation:
    return evaluate(checker, load_set(), bare=True)


def test_the_set_covers_every_pattern(as_labelled: ScamEvaluation) -> None:
    patterns = {p.id for p in load_scam_rules().patterns}
    assert set(as_labelled.by_label) == patterns | {ORDINARY}
    scams = [t for label, t in as_labelled.by_label.items() if label != ORDINARY]
    assert all(t.total >= PER_PATTERN for t in scams)
    assert as_labelled.ordinary().total >= ORDINARY_MESSAGES


def test_recall_per_pattern(as_labelled: ScamEvaluation) -> None:
    low = {
        label: round(tally.share("right"), 3)
        for label, tally in as_labelled.by_label.items()
        if label != ORDINARY and tally.share("right") < MIN_RECALL
    }
    assert low == {}


def test_false_alarms_on_ordinary_messages(as_labelled: ScamEvaluation) -> None:
    ordinary = as_labelled.ordinary()
    assert ordinary.share("right", "other") <= MAX_FALSE_ALARMS, ordinary.misses


def test_pasted_scam_texts_reach_the_targets_overall(pasted: ScamEvaluation) -> None:
    assert pasted.scams().share("right") >= MIN_RECALL
    assert pasted.ordinary().share("right", "other") <= MAX_FALSE_ALARMS
