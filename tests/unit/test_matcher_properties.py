"""Properties of the matcher and the normaliser for any text at all (lone surrogates included)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.matching import Action, Matcher, MatchResult, Thresholds
from bot.core.matching.normalize import Normalizer, clean
from bot.storage.faq_yaml import load_knowledge_base
from bot.storage.lexicon_yaml import load_lexicon

FAQ = Path(__file__).resolve().parents[2] / "faq"

# every code point, and lone surrogates (which st.characters leaves out unless asked)
ANY_CHAR = st.characters(exclude_categories=()) | st.characters(categories=["Cs"])
HAN_AND_NOISE = st.sampled_from(
    list("赡养费遗嘱离婚冷静期工资狗咬骗子借条利息老伴子女房子你好谢谢案号")
    + list("的了吗？！，。 \u200b\u202e😭🙏ＡＢ１２")
)
TEXT = st.text(ANY_CHAR, max_size=60) | st.text(HAN_AND_NOISE, max_size=80)


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(load_knowledge_base(FAQ), load_lexicon(FAQ / "lexicon.yaml"), Thresholds())


def _check(result: MatchResult, thresholds: Thresholds) -> None:
    assert isinstance(result, MatchResult)
    assert 0.0 <= result.score <= 100.0
    scores = [c.score for c in result.candidates]
    assert all(0.0 <= s <= 100.0 for s in scores)
    assert scores == sorted(scores, reverse=True)
    assert len(result.candidates) <= 3
    assert len({c.faq_id for c in result.candidates}) == len(result.candidates)
    assert (result.action is Action.SMALLTALK) == (result.smalltalk is not None)
    if result.action is Action.ANSWER:
        assert result.best is not None and result.candidates[0] == result.best
        assert result.score >= thresholds.answer
    if result.action is Action.CLARIFY:
        assert result.candidates and all(s >= thresholds.clarify for s in scores)
    if result.action is Action.HANDOFF:
        assert result.reason in {"case_specific", "no_match", "empty", "uncovered"}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=TEXT)
def test_any_text_gets_a_well_formed_deterministic_result(matcher: Matcher, text: str) -> None:
    result = matcher.match(text)
    _check(result, matcher.thresholds)
    assert matcher.match(text) == result


@settings(max_examples=20, deadline=None)
@given(head=st.text(ANY_CHAR, min_size=1, max_size=20), fill=st.sampled_from("赡😭，\ud800 a"))
def test_very_long_messages_are_handled(matcher: Matcher, head: str, fill: str) -> None:
    _check(matcher.match(head + fill * 4096), matcher.thresholds)


@settings(max_examples=100, deadline=None)
@given(text=TEXT)
def test_clean_is_idempotent_and_leaves_only_words(text: str) -> None:
    once = clean(text)
    assert clean(once) == once
    assert "  " not in once and once == once.strip()
    assert all(ch == " " or ch.isalnum() for ch in once)


@settings(max_examples=100, deadline=None)
@given(text=st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=30))
def test_full_width_ascii_reads_like_ascii(text: str) -> None:
    full_width = "".join(chr(ord(ch) + 0xFEE0) for ch in text)
    assert clean(full_width) == clean(text)


@settings(max_examples=100, deadline=None)
@given(text=TEXT)
def test_tokens_are_canonical_and_analysis_ignores_punctuation(text: str) -> None:
    normalizer = _normalizer()
    tokens = normalizer.tokens(text)
    lexicon = normalizer.lexicon
    assert not any(t in lexicon.stop_words for t in tokens)
    assert not any(t in lexicon.synonym_map for t in tokens)
    assert normalizer.analyze(clean(text)) == normalizer.analyze(text)


_NORMALIZER: list[Normalizer] = []


def _normalizer() -> Normalizer:
    if not _NORMALIZER:
        _NORMALIZER.append(Normalizer(load_lexicon(FAQ / "lexicon.yaml")))
    return _NORMALIZER[0]
