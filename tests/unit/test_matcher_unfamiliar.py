"""A question whose ask holds a word the FAQ never uses needs a clearer score to be answered."""

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
