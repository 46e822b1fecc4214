"""evaluate() counts outcomes the way the office reads them, on a tiny hand-made knowledge base."""

from __future__ import annotations

from datetime import date

import pytest

from bot.core.evaluation import Evaluation, LabelledQuestion, Outcome, evaluate, format_summary
from bot.core.faq import FaqEntry, KnowledgeBase
from bot.core.matching import Action, Lexicon, Matcher, Thresholds


def _entry(entry_id: str, question: str, *alternates: str) -> FaqEntry:
    return FaqEntry(entry_id, "测试", question, alternates, "答复。", (), date(2026, 1, 1))


KB = KnowledgeBase.of(
    [
        _entry("dog-bite", "被狗咬了谁赔", "狗咬人怎么赔偿"),
        _entry("wages", "老板拖欠工资怎么办", "工钱不给"),
        _entry("will-write", "遗嘱怎么写", "怎样立遗嘱"),
        _entry("will-change", "遗嘱怎么改", "遗嘱写好了能改吗"),
    ]
)

QUESTIONS = [
    LabelledQuestion("被狗咬了谁赔", "dog-bite"),  # answered right
    LabelledQuestion("工钱不给", "dog-bite", also=("wages",)),  # answered right via `also`
    LabelledQuestion("老板拖欠工资怎么办", "dog-bite"),  # answered, wrong entry
    LabelledQuestion("遗嘱", "will-write"),  # choices include it
    LabelledQuestion("遗嘱", "wages"),  # choices without it
    LabelledQuestion("asdfgh", "dog-bite"),  # handed off
    LabelledQuestion("今天天气", None),  # out of scope, declined
    LabelledQuestion("被狗咬了谁赔", None),  # out of scope, answered anyway
    LabelledQuestion("遗嘱", None),  # out of scope, clarified
]


@pytest.fixture(scope="module")
def evaluation() -> Evaluation:
    return evaluate(Matcher(KB, Lexicon(), Thresholds(60, 20, 10)), QUESTIONS)


def test_each_question_gets_its_outcome(evaluation: Evaluation) -> None:
    assert [r.outcome for r in evaluation.results] == [
        Outcome.ANSWERED,
        Outcome.ANSWERED,
        Outcome.WRONG,
        Outcome.CLARIFIED,
        Outcome.CLARIFIED_WITHOUT,
        Outcome.HANDED_OFF,
        Outcome.OOS_DECLINED,
        Outcome.OOS_ANSWERED,
        Outcome.OOS_CLARIFIED,
    ]
    assert evaluation.results[3].result.action is Action.CLARIFY


def test_summary_counts_and_rates(evaluation: Evaluation) -> None:
    s = evaluation.summary
    assert (s.in_scope, s.answered, s.clarified, s.resolved) == (6, 2, 1, 3)
    assert (s.handed_off, s.wrong, s.clarified_without) == (1, 1, 1)
    assert (s.out_of_scope, s.oos_answered, s.oos_clarified) == (3, 1, 1)
    assert s.resolved_rate == pytest.approx(0.5)
    assert s.answered_rate == pytest.approx(2 / 6)
    assert s.wrong_rate == pytest.approx(1 / 6)
    assert s.oos_answered_rate == pytest.approx(1 / 3)


def test_plain_text_summary_shows_counts_and_percentages(evaluation: Evaluation) -> None:
    text = format_summary(evaluation)
    assert "In scope: 6" in text and "Out of scope: 3" in text
    assert any("resolved" in line and "3" in line and "50.0%" in line for line in text.splitlines())
    assert any("wrong entry" in line and "16.7%" in line for line in text.splitlines())


def test_no_questions_give_zero_rates_not_errors() -> None:
    empty = evaluate(Matcher(KB, Lexicon(), Thresholds()), [])
    assert empty.summary.resolved_rate == 0.0
    assert "In scope: 0" in format_summary(empty)


def test_json_carries_the_summary_and_every_question(evaluation: Evaluation) -> None:
    data = evaluation.to_json()
    assert data["summary"]["resolved"] == 3 and data["summary"]["oos_answered"] == 1
    assert data["rates"]["resolved"] == 0.5
    assert [q["outcome"] for q in data["results"]][:3] == ["answered", "answered", "wrong"]


def test_direct_answer_precision_counts_in_and_out_of_scope_answers(
    evaluation: Evaluation,
) -> None:
    s = evaluation.summary
    # answered right twice, answered with a wrong entry once, an out-of-scope question answered once
    assert s.direct == 4
    assert s.direct_precision == pytest.approx(2 / 4)
    lines = format_summary(evaluation).splitlines()
    assert "Direct answers (in and out of scope): 4" in lines
    assert any("precision" in line and "50.0%" in line for line in lines)
    assert any("in scope, resolved" in line and "50.0%" in line for line in lines)


def test_precision_without_direct_answers_is_zero_not_an_error() -> None:
    # a question nobody can match (handed off) and small talk out of scope (declined)
    none = evaluate(Matcher(KB, Lexicon(), Thresholds(60, 20, 10)), QUESTIONS[5:7])
    assert none.summary.direct == 0
    assert none.summary.direct_precision == 0.0


def test_json_carries_direct_answers_and_their_precision(evaluation: Evaluation) -> None:
    data = evaluation.to_json()
    assert data["summary"]["direct"] == 4
    assert data["rates"]["direct_precision"] == 0.5
