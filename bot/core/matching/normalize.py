"""Turn resident text into comparable forms: clauses, tokens, a canonical string, fuzzy pinyin.

Pipeline (see shared/design/MATCHING.md): NFKC → Traditional→Simplified → lower case → split into
clauses at anything that is not a letter or digit (punctuation, emoji, spaces, control, zero-width
and bidi marks, lone surrogates) → remove filler phrases → jieba with the lexicon's dictionary →
token-level synonyms → stop words. Fuzzy pinyin is toneless with IME folding (zh/z ch/c sh/s n/l,
-ng/-n) and each syllable is one private-use character, so rapidfuzz compares syllables.
"""

from __future__ import annotations

import logging
import re
import tempfile
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import jieba
from opencc import OpenCC
from pypinyin import Style, lazy_pinyin

from bot.core.matching.lexicon import Lexicon, UserWord

_T2S = OpenCC("t2s")


def _traditional_characters() -> frozenset[str] | None:
    """Characters whose presence may change a text under t2s (None: unknown, always convert)."""
    try:
        _T2S.convert("測")  # loads the dictionaries
        chain = _T2S._dict_chain_data[0]
        singles = {k for _, _, table in chain for k in table if len(k) == 1}
        phrases = [k for _, _, table in chain for k in table if len(k) > 1]
    except (AttributeError, IndexError, TypeError, ValueError):
        return None
    extra = {ch for k in phrases if singles.isdisjoint(k) for ch in k}
    return frozenset(singles | extra)


_TRADITIONAL = _traditional_characters()
_SYLLABLE_BASE = 0xE000  # Private Use Area; user input never keeps such characters (category Co)
_syllables: dict[str, str] = {}
_syllable_lock = threading.Lock()
_FOLD_INITIALS = (("zh", "z"), ("ch", "c"), ("sh", "s"))


@dataclass(frozen=True, slots=True)
class Analysis:
    """One piece of text in every form the matcher compares."""

    tokens: tuple[str, ...]  # after fillers, jieba, synonyms, stop words
    canon: str  # the tokens joined: the canonical string
    pinyin: str  # fuzzy pinyin, one private-use character per syllable
    terms: tuple[str, ...]  # tokens plus their dictionary sub-words (jieba search mode)


def _keep(ch: str, symbols: bool) -> str:
    cat = unicodedata.category(ch)
    if cat[0] in "LN":
        return ch
    if cat[0] == "M":
        return ""  # a combining mark belongs to the letter before it
    if symbols and cat == "So":
        return f" {ch} "  # an emoji is a clause of its own (🙏 can be a thank-you)
    return " "


def clean(text: str, *, symbols: bool = False) -> str:
    """NFKC, Traditional→Simplified, lower case; every non-letter/digit becomes one space.

    With ``symbols`` each pictograph (emoji) is kept as a separate word.
    """
    text = unicodedata.normalize("NFKC", text)
    lowered = text.lower()
    if lowered != text:
        text = unicodedata.normalize("NFKC", lowered)
    kept = "".join([_keep(ch, symbols) for ch in text])
    if _TRADITIONAL is None or not _TRADITIONAL.isdisjoint(kept):
        converted = _T2S.convert(kept)
        if converted != kept:
            kept = "".join([_keep(ch, symbols) for ch in converted])
    return " ".join(kept.split())


def clauses(text: str, *, symbols: bool = False) -> list[str]:
    """The cleaned text split into clauses (runs of letters and digits, or single emoji)."""
    return clean(text, symbols=symbols).split()


@lru_cache(maxsize=4)
def _tokenizer(words: tuple[UserWord, ...]) -> jieba.Tokenizer:
    logger = logging.getLogger("jieba")
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        tokenizer = jieba.Tokenizer()
        tokenizer.tmp_dir = tempfile.gettempdir()
        tokenizer.initialize()
        for word in words:
            tokenizer.add_word(word.word, word.freq)
    finally:
        logger.setLevel(level)
    return tokenizer


def _fold(syllable: str) -> str:
    for long, short in _FOLD_INITIALS:
        if syllable.startswith(long):
            syllable = short + syllable[2:]
            break
    else:
        if syllable.startswith("n") and len(syllable) > 1:
            syllable = "l" + syllable[1:]
    if syllable.endswith("ng") and len(syllable) > 2 and syllable[-3] in "aei":
        syllable = syllable[:-1]
    return syllable


def _syllable_char(syllable: str) -> str:
    char = _syllables.get(syllable)
    if char is None:
        with _syllable_lock:
            char = _syllables.setdefault(syllable, chr(_SYLLABLE_BASE + len(_syllables)))
    return char


@lru_cache(maxsize=65536)
def token_pinyin(token: str) -> str:
    """Fuzzy pinyin of one token: Han characters as syllable characters, others as themselves."""
    if all("\u4e00" <= ch <= "\u9fff" for ch in token):
        return "".join(_syllable_char(_fold(s)) for s in lazy_pinyin(token, style=Style.NORMAL))
    out: list[str] = []
    for ch in token:
        if "\u3400" <= ch <= "\u9fff":
            out.extend(_syllable_char(_fold(s)) for s in lazy_pinyin(ch, style=Style.NORMAL))
        else:
            out.append(ch)
    return "".join(out)


class Normalizer:
    """Build once per lexicon; ``analyze`` is then cheap and deterministic."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self._tokenizer = _tokenizer(lexicon.dictionary_words())
        self._synonyms = dict(lexicon.synonym_map)
        self._stop = lexicon.stop_words
        self._known = frozenset(w.word for w in lexicon.dictionary_words())
        fillers = sorted({f for f in lexicon.fillers if f}, key=lambda f: (-len(f), f))
        self._fillers = re.compile("|".join(map(re.escape, fillers))) if fillers else None

    def strip_fillers(self, clause: str) -> str:
        return self._fillers.sub(" ", clause) if self._fillers else clause

    def tokens_of_clauses(self, parts: list[str]) -> tuple[str, ...]:
        """Tokens of already cleaned clauses."""
        out: list[str] = []
        for part in parts:
            for piece in self.strip_fillers(part).split():
                for raw in self._tokenizer.cut(piece, HMM=False):
                    token = self._synonyms.get(raw, raw)
                    if token.isdigit() and token not in self._known:
                        continue  # amounts, ages and years say nothing of the topic; 110 does
                    if token.isalnum() and token not in self._stop:  # emoji are not words
                        out.append(token)
        return tuple(out)

    def tokens(self, text: str) -> tuple[str, ...]:
        return self.tokens_of_clauses(clauses(text))

    def search_terms(self, tokens: tuple[str, ...]) -> tuple[str, ...]:
        """Tokens plus the dictionary words inside the longer ones (like jieba's search mode)."""
        freq = self._tokenizer.FREQ
        out = list(tokens)
        for token in tokens:
            if len(token) > 2:
                for n in (2, 3):
                    for i in range(len(token) - n + 1):
                        gram = token[i : i + n]
                        if gram != token and freq.get(gram) and gram not in self._stop:
                            out.append(gram)
        return tuple(out)

    def analyze_tokens(self, tokens: tuple[str, ...]) -> Analysis:
        return Analysis(
            tokens=tokens,
            canon="".join(tokens),
            pinyin="".join(token_pinyin(t) for t in tokens),
            terms=self.search_terms(tokens),
        )

    def analyze(self, text: str) -> Analysis:
        """Every comparable form of ``text``."""
        return self.analyze_tokens(self.tokens(text))
