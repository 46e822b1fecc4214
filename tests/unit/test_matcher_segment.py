"""The matcher's segmenter cuts exactly as jieba does, and its dictionary file is jieba's.

The shared development questions get the same comparison in ``scripts/check_dev_leak.py``, which
``.ci/run`` runs (they live outside the repository, so the test suite does not read them).
"""

from __future__ import annotations

from pathlib import Path

import jieba
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.matching.normalize import _tokenizer, clauses
from bot.core.matching.segment import Segmenter, load_tokenizer
from bot.storage.faq_yaml import load_knowledge_base
from bot.storage.lexicon_yaml import load_lexicon

FAQ = Path(__file__).resolve().parents[2] / "faq"

# Han characters of the FAQ and around it, letters, digits, jieba's own joiners (+#&._%-),
# whitespace, punctuation and other scripts
MIXED = st.sampled_from(
    list("赡养费遗嘱离婚冷静期工资狗咬骗子借条利息老伴子女房子你好谢谢案号的了吗法律援助工伤认定")
    + list("abcXYZ0123456789+#&._%- \t\n\r，。？！😭🙏éжかㄅ\u3400\u9fd6\u9fff")
)


@pytest.fixture(scope="module")
def tokenizer() -> jieba.Tokenizer:
    return _tokenizer(load_lexicon(FAQ / "lexicon.yaml").dictionary_words())


def test_same_words_as_jieba_on_the_faq(tokenizer: jieba.Tokenizer) -> None:
    segmenter = Segmenter(tokenizer)
    kb = load_knowledge_base(FAQ)
    texts = [p for entry in kb for p in entry.phrasings] + [entry.answer for entry in kb]
    for text in texts:
        for piece in (text, " ".join(clauses(text))):
            assert segmenter.cut(piece) == list(tokenizer.cut(piece, HMM=False)), piece


@settings(max_examples=400, deadline=None)
@given(st.text(MIXED, max_size=40) | st.text(max_size=20))
def test_same_words_as_jieba_on_any_text(tokenizer: jieba.Tokenizer, text: str) -> None:
    assert Segmenter(tokenizer).cut(text) == list(tokenizer.cut(text, HMM=False))


def test_dictionary_file_holds_jiebas_dictionary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference = jieba.Tokenizer()
    reference.tmp_dir = str(tmp_path)
    reference.initialize()
    written = load_tokenizer(str(tmp_path))  # builds the file the jieba way
    (path,) = tmp_path.glob("legaldesk-jieba-*.dict")
    with monkeypatch.context() as patch:
        patch.setattr(jieba.Tokenizer, "initialize", _not_jiebas_way)
        read = load_tokenizer(str(tmp_path))  # reads the file back
    assert read.initialized
    assert read.total == written.total == reference.total
    assert read.FREQ == written.FREQ == reference.FREQ
    path.write_bytes(path.read_bytes()[:-1] + b"x")  # damaged: read the jieba way, rewritten
    assert load_tokenizer(str(tmp_path)).FREQ == reference.FREQ
    with monkeypatch.context() as patch:
        patch.setattr(jieba.Tokenizer, "initialize", _not_jiebas_way)
        assert load_tokenizer(str(tmp_path)).FREQ == reference.FREQ


def _not_jiebas_way(self: jieba.Tokenizer, dictionary: str | None = None) -> None:
    raise AssertionError("the dictionary file was not used")
