"""Questions the best entry knows little of: words of the ask no entry uses, close runner-ups."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.core.faq import FaqEntry, KnowledgeBase
from bot.core.matching import Action, Lexicon, Matcher, Thresholds
from bot.storage.faq_yaml import load_knowledge_base
from bot.storage.lexicon_yaml import load_lexicon

FAQ = Path(__file__).resolve().parents[2] / "faq"


def _entry(entry_id: str, question: str, *alternates: str) -> FaqEntry:
    return FaqEntry(entry_id, "测试", question, alternates, "答案。", (), date(2026, 1, 1))


KB = KnowledgeBase.of(
    [
        _entry("land-money", "征地补偿款村里不给分怎么办", "征地的补偿款一直不发"),
        _entry("dog-bite", "被狗咬了谁赔", "狗咬人怎么赔偿", "孙子被狗咬了"),
    ]
)


def _matcher(unfamiliar: float) -> Matcher:
    # low bands, no margin and no coverage check: only the unfamiliar-word check can stop an answer
    return Matcher(KB, Lexicon(), Thresholds(10, 5, 0, coverage=0.0, unfamiliar=unfamiliar))


def test_an_unheard_of_word_in_the_ask_turns_the_answer_into_a_choice() -> None:
    question = "补偿款一直不发，怎么才能撤掉"
    assert _matcher(0).match(question).action is Action.ANSWER
    result = _matcher(100).match(question)
    assert result.action is Action.CLARIFY
    assert [c.faq_id for c in result.candidates] == ["land-money"]


def test_a_clear_enough_score_is_still_answered() -> None:
    question = "补偿款一直不发，怎么才能撤掉"
    score = _matcher(0).match(question).score
    result = Matcher(KB, Lexicon(), Thresholds(10, 5, 0, coverage=0.0, unfamiliar=score - 11))
    assert result.match(question).action is Action.ANSWER


def test_an_unheard_of_word_before_the_last_clause_is_a_detail() -> None:
    result = _matcher(100).match("院子里拴着的藏獒，被狗咬了谁赔")
    assert result.action is Action.ANSWER and result.best and result.best.faq_id == "dog-bite"


def test_a_word_holding_a_known_word_is_not_unheard_of() -> None:
    # 孙子辈 is not in the FAQ, 孙子 is
    result = _matcher(100).match("孙子辈的被狗咬了")
    assert result.action is Action.ANSWER and result.best and result.best.faq_id == "dog-bite"


def test_thresholds_reject_an_unfamiliar_bonus_out_of_range() -> None:
    with pytest.raises(ValueError, match="unfamiliar"):
        Thresholds(unfamiliar=-1)


@pytest.fixture(scope="module")
def shipped() -> Matcher:
    return Matcher(load_knowledge_base(FAQ), load_lexicon(FAQ / "lexicon.yaml"), Thresholds())


def test_shipped_faq_offers_a_choice_for_compensation_it_does_not_know(shipped: Matcher) -> None:
    # the land-requisition entry shares 村里 … 补偿款 … 没发 but knows nothing of forest money
    result = shipped.match("村里的生态林补偿款一直没给我们发")
    assert result.action is Action.CLARIFY
    assert "land-compensation-distribution" in [c.faq_id for c in result.candidates]


def _strict_when_thin(below: float) -> Matcher:
    # any runner-up within 100 points is too close when the best entry covers < ``below``
    thresholds = Thresholds(
        10, 5, 0, coverage=0.0, unfamiliar=0.0, wide_margin=100.0, wide_below=below
    )
    return Matcher(KB, Lexicon(), thresholds)


def test_a_close_runner_up_counts_more_when_the_best_entry_covers_little() -> None:
    # 狗咬人 … 赔 is the dog entry's; 补偿款 makes the land entry a runner-up; the rest of the
    # question is words no entry has, so the dog entry covers little of it
    question = "放羊的时候被狗咬了，对方说给点补偿款了事，这个放羊娃的医药费住院费误工费谁赔"
    result = _strict_when_thin(0.0).match(question)
    assert result.action is Action.ANSWER and result.best and result.best.faq_id == "dog-bite"
    offered = _strict_when_thin(0.3).match(question)  # the dog entry covers ~0.07 of it
    assert offered.action is Action.CLARIFY
    assert [c.faq_id for c in offered.candidates][:1] == ["dog-bite"]


def test_a_well_covered_question_keeps_the_usual_margin() -> None:
    # the dog entry covers ~0.45 of it (one use of a word saturates to about that)
    result = _strict_when_thin(0.3).match("被狗咬了谁赔，狗咬人怎么赔偿补偿款")
    assert result.action is Action.ANSWER and result.best and result.best.faq_id == "dog-bite"
