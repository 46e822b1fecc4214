"""What a resident reads after a scam check: short, plain, 96110/110, never "it is safe"."""

from __future__ import annotations

import html
import re

import pytest

from bot.core.scam_texts import adviser_flag, scam_unsure, scam_warning
from bot.core.scams import ScamChecker, ScamPattern, VerdictKind
from bot.storage.faq_yaml import load_knowledge_base
from bot.storage.scams_yaml import load_scam_rules

RULES = load_scam_rules()
FRAUD_BASES = [e.basis for e in load_knowledge_base() if e.category == "防范诈骗"]
LONGEST_BASIS = max(FRAUD_BASES, key=lambda b: len("；".join(b)))  # the scam patterns link there
REASSURING = ("是安全的", "没有问题", "没问题", "放心", "不是骗局", "不是诈骗", "是真的")


def visible(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def reassures(text: str) -> bool:
    """Whether the text says anything like "it is safe" (「是不是骗局」 asks, it does not say)."""
    return any(word in text.replace("是不是", "") for word in REASSURING)


@pytest.mark.parametrize("pattern", RULES.patterns, ids=lambda p: p.id)
def test_every_warning_is_short_and_says_what_not_to_do(pattern: ScamPattern) -> None:
    text = visible(scam_warning(pattern, LONGEST_BASIS))
    assert len(text) <= 300, len(text)
    assert text.startswith(f"⚠️ 这很像「{pattern.name}」骗局。")
    for line in pattern.advice:
        assert line in text
    assert "不要转账" in text and "96110" in text and "110" in text
    assert "法律依据：" + "；".join(LONGEST_BASIS) in text
    assert "不能保证一条消息安全" in text
    assert not reassures(text)


def test_a_warning_without_basis_has_no_empty_basis_line() -> None:
    assert "法律依据" not in scam_warning(RULES.patterns[0])


def test_names_and_basis_are_escaped_for_telegram_html() -> None:
    pattern = ScamPattern("x", "A<B", "fraud-prize", ("别点<链接>",), ())
    text = scam_warning(pattern, ["法<1>"])
    assert "A&lt;B" in text and "别点&lt;链接&gt;" in text and "法&lt;1&gt;" in text


def test_the_unsure_answer_hands_over_and_never_reassures() -> None:
    text = visible(scam_unsure())
    assert len(text) <= 300
    assert "法律顾问" in text and "96110" in text
    assert not reassures(text)


def test_the_adviser_sees_the_flag_and_the_cues() -> None:
    verdict = ScamChecker(RULES).check(
        "帮我看看：请点击 http://a8x.top/k2 立即查看", forwarded=True
    )
    assert verdict.kind is VerdictKind.UNSURE
    flag = adviser_flag(verdict)
    assert flag.startswith("🚩 疑似诈骗")
    assert "链接" in flag
