"""Typo and homophone repair of jieba's words, on a small vocabulary of our own."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.matching.repair import TokenRepair

STOP = frozenset({"了", "的", "吗", "这", "事"})
COMMON = frozenset({"工商", "代为"})  # stands in for jieba's frequent dictionary words
FAQ_WORDS = (
    "离婚", "造谣", "赚钱", "转", "钱", "法律援助", "交通事故", "工伤", "工伤认定", "伤了",
    "老头子", "卖房子", "见证人", "见正人",
)  # fmt: skip


def _repair(
    words: tuple[str, ...] = FAQ_WORDS, protected: frozenset[str] = frozenset()
) -> TokenRepair:
    repair = TokenRepair(STOP, protected, COMMON.__contains__)
    repair.learn(words, STOP)
    return repair


@pytest.mark.parametrize(
    ("words", "fixed"),
    [
        (["离", "昏", "要", "多久"], ["离婚", "要", "多久"]),  # the same sound
        (["有人", "遭", "谣"], ["有人", "造谣"]),
        (["法律", "原", "助"], ["法律援助"]),  # the longest span that repairs wins
        (["交通", "事", "胡"], ["交通事故"]),  # four characters: one letter apart (hu/gu)
        (["工商", "认定"], ["工伤认定"]),  # a common word inside a longer typo
    ],
)
def test_a_question_s_typo_becomes_the_faq_word_it_sounds_like(
    words: list[str], fixed: list[str]
) -> None:
    assert _repair()(words) == fixed


@pytest.mark.parametrize(
    "words",
    [
        ["他", "转", "钱", "给", "我"],  # 转钱 sounds like 赚钱, but 转 and 钱 are FAQ words
        ["去", "工商", "登记"],  # a frequent word on its own is not a typo of 工伤
        ["删", "了"],  # 删了 sounds like 伤了, but a span never ends on a stop word
        ["老头", "这"],  # nor 老头这 ≈ 老头子
        ["盖", "房子"],  # three characters must sound the same: 卖房子 is a letter away
    ],
)
def test_ordinary_words_are_left_alone(words: list[str]) -> None:
    assert _repair()(words) == words


def test_a_protected_word_is_never_rewritten() -> None:
    assert _repair()(["遭谣"]) == ["造谣"]
    assert _repair(protected=frozenset({"遭谣"}))(["遭谣"]) == ["遭谣"]


def test_two_equally_close_words_leave_the_typo_alone() -> None:
    # 见症人 sounds like both 见证人 and 见正人 and shares two characters with each
    assert _repair()(["见", "症", "人"]) == ["见", "症", "人"]
    without_rival = tuple(w for w in FAQ_WORDS if w != "见正人")
    assert _repair(without_rival)(["见", "症", "人"]) == ["见证人"]


def test_an_faq_typo_becomes_a_word_its_own_entry_uses() -> None:
    repair = _repair()
    entry = [["赡养费", "咋", "要"], ["善", "养", "费", "咋", "要"], ["不", "善", "养"]]
    assert repair.within_entry(entry) == [
        ["赡养费", "咋", "要"],
        ["赡养费", "咋", "要"],
        ["不", "善", "养"],  # no two-character word of the entry sounds like 善养
    ]
    # the words of other entries are no target: 离昏 stays unless its own entry says 离婚
    assert repair.within_entry([["单方面", "离", "昏"]]) == [["单方面", "离", "昏"]]
    assert repair.within_entry([["单方面", "离", "昏"], ["离婚", "咋", "办"]]) == [
        ["单方面", "离婚"],
        ["离婚", "咋", "办"],
    ]


WORD = st.sampled_from(["离", "昏", "婚", "遭", "谣", "造", "了", "转", "钱", "法律", "原", "助"])


@settings(max_examples=200, deadline=None)
@given(words=st.lists(WORD, max_size=12))
def test_repair_only_puts_faq_words_of_the_same_length_in_place(words: list[str]) -> None:
    fixed = _repair()(words)
    assert len("".join(fixed)) == len("".join(words))
    assert all(w in FAQ_WORDS for w in fixed if w not in words)
