"""Sums of money written in Chinese numerals read like the same sums written in digits."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.matching import Matcher, Thresholds
from bot.storage.faq_yaml import load_knowledge_base
from bot.storage.lexicon_yaml import load_lexicon

FAQ = Path(__file__).resolve().parents[2] / "faq"


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(load_knowledge_base(FAQ), load_lexicon(FAQ / "lexicon.yaml"), Thresholds())


@pytest.mark.parametrize(
    ("numerals", "digits"),
    [
        ("借给亲戚五十万，到期了他不还", "借给亲戚50万，到期了他不还"),
        ("老板欠我五千块工钱一直不给", "老板欠我5000块工钱一直不给"),
        ("彩礼给了十八万，没过半年就离了，能要回来吗", "彩礼给了18万，没过半年就离了，能要回来吗"),
        ("借了他两千块，没打借条，他不认账", "借了他2000块，没打借条，他不认账"),
    ],
)
def test_a_sum_in_chinese_numerals_gets_the_reply_of_the_same_sum_in_digits(
    matcher: Matcher, numerals: str, digits: str
) -> None:
    spelled, written = matcher.match(numerals), matcher.match(digits)
    assert spelled.action is written.action
    assert [c.faq_id for c in spelled.candidates] == [c.faq_id for c in written.candidates]
    assert spelled.score == pytest.approx(written.score)


def test_words_that_only_look_like_numbers_are_left_alone(matcher: Matcher) -> None:
    tokens = matcher.normalizer.tokens
    assert "一块" in tokens("我们一块去法院")  # together, not one yuan
    assert "千万别" in tokens("千万别告诉他")  # by all means, not ten million
    assert "万一" in tokens("万一他不还")
