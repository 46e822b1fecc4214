"""The matcher's lexicon file: small talk by sound is read, and mistakes in it are located."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.faq import KnowledgeBase
from bot.core.matching import Action, Matcher, Thresholds
from bot.storage.faq_yaml import FaqError
from bot.storage.lexicon_yaml import load_lexicon


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "lexicon.yaml"
    path.write_text("schema: 1\n" + text, encoding="utf-8")
    return path


def test_small_talk_by_sound_is_read_per_kind(tmp_path: Path) -> None:
    path = _write(tmp_path, "smalltalk_sounds:\n  greeting: [你好, 在吗]\n  thanks: [谢谢]\n")
    lexicon = load_lexicon(path)
    assert lexicon.smalltalk_sounds == (("greeting", ("你好", "在吗")), ("thanks", ("谢谢",)))
    matcher = Matcher(KnowledgeBase(()), lexicon, Thresholds())
    assert matcher.match("泥好").smalltalk == "greeting"
    assert matcher.match("写写").smalltalk == "thanks"
    assert matcher.match("鞋子").action is Action.HANDOFF


def test_mistakes_in_small_talk_by_sound_are_reported_with_their_line(tmp_path: Path) -> None:
    sounds = "  greeting: [你好, hello]\n  weather: [天气好]\n  thanks: [谢谢, 谢谢]\n"
    path = _write(tmp_path, "smalltalk_sounds:\n" + sounds)
    with pytest.raises(FaqError) as caught:
        load_lexicon(path)
    assert sorted(str(p) for p in caught.value.problems) == [
        f"{tmp_path.name}/lexicon.yaml:3: 'smalltalk_sounds.greeting': 'hello' must be "
        "Chinese characters",
        f"{tmp_path.name}/lexicon.yaml:4: unknown small-talk kind 'weather' (use greeting, "
        "thanks, acknowledgement, bot_question, farewell)",
        f"{tmp_path.name}/lexicon.yaml:5: 'smalltalk_sounds.thanks': '谢谢' is listed twice",
    ]
