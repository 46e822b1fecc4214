"""A question that asks for one concrete thing (a cost, what to bring, where to go) is answered
only by an entry whose answer gives it; otherwise the entry is offered as a choice."""

from __future__ import annotations

from datetime import date

from bot.core.faq import FaqEntry, KnowledgeBase
from bot.core.matching import Action, Lexicon, Matcher, Thresholds
from bot.core.matching.asks import Asks


def _entry(entry_id: str, question: str, answer: str, *alternates: str) -> FaqEntry:
    return FaqEntry(entry_id, "测试", question, alternates, answer, (), date(2026, 1, 1))


KB = KnowledgeBase.of(
    [
        _entry(
            "bail",
            "家里人被抓了，怎么申请取保候审",
            "可以由家属向办案机关申请取保候审，要找保证人或者交保证金。",
            "取保候审怎么办",
            "被刑拘了能取保吗",
        ),
        _entry(
            "court-fees",
            "打官司要交多少诉讼费",
            "按金额算：1万元以下每件50元；离婚案件每件50到300元。",
            "诉讼费怎么算",
            "起诉要交钱吗",
        ),
    ]
)


def _matcher() -> Matcher:
    # low bands, no margin and no coverage check: only the ask check can stop an answer
    return Matcher(KB, Lexicon(), Thresholds(10, 5, 0, coverage=0.0, unfamiliar=0.0))


def test_a_cost_the_answer_never_names_turns_the_answer_into_a_choice() -> None:
    matcher = _matcher()
    assert matcher.match("被刑拘了，取保候审怎么办").action is Action.ANSWER
    result = matcher.match("被刑拘了，取保候审要多少钱")
    assert result.action is Action.CLARIFY
    assert result.candidates and result.candidates[0].faq_id == "bail"


def test_an_answer_that_names_the_sum_still_answers_the_cost() -> None:
    result = _matcher().match("起诉打官司，诉讼费要交多少钱")
    assert result.action is Action.ANSWER
    assert result.best is not None and result.best.faq_id == "court-fees"


def test_asks_are_read_in_the_last_two_clauses() -> None:
    assert Asks.of(["结婚证丢了", "去哪补办", "要带啥东西"]) == {"where", "bring"}
    assert Asks.of(["要多少钱我也不知道", "先说说怎么离婚", "他不同意"]) == frozenset()
    asks = Asks(KB.entries)
    assert asks.unanswered("court-fees", frozenset({"cost"})) == frozenset()
    assert asks.unanswered("bail", frozenset({"cost", "bring"})) == {"cost", "bring"}


def test_words_that_only_look_like_an_ask_are_not_one() -> None:
    assert Asks.of(["离婚后我要带孩子走", "行不行"]) == frozenset()  # take, not bring
    assert Asks.of(["我到底哪里做错了"]) == frozenset()
    assert Asks.of(["这种情况判刑要多少年"]) == frozenset()  # years, not money
