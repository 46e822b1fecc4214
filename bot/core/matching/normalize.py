"""Turn resident text into comparable forms: clauses, tokens, a canonical string, fuzzy pinyin.

Pipeline (see shared/design/MATCHING.md): NFKC → Traditional→Simplified → lower case → split into
clauses at anything that is not a letter or digit (punctuation, emoji, spaces, control, zero-width
and bidi marks, lone surrogates) → remove filler phrases → jieba with the lexicon's dictionary
(``pieces``; jieba's algorithm, as ``segment.Segmenter`` computes it faster) → an optional
repair of jieba's words (typos, see ``repair``) → token-level synonyms → stop words (``finish``).
Fuzzy pinyin is toneless with IME folding (zh/z ch/c sh/s n/l, -ng/-n) and comes in two forms:
``token_pinyin`` writes each syllable as one private-use character (the matcher's pinyin grams are
then syllables and syllable pairs); ``sound_key`` writes letters, one syllable per character, for
rapidfuzz's Levenshtein distance (typo repair, small talk by sound).
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

import jieba
from opencc import OpenCC
from pypinyin import Style, lazy_pinyin

from bot.core.matching.lexicon import Lexicon, UserWord
from bot.core.matching.segment import Segmenter, load_tokenizer

_T2S = OpenCC("t2s")


def _t2s_triggers() -> tuple[frozenset[str], tuple[str, ...]] | None:
    """What may change a text under t2s: single characters, and phrases none of whose characters
    is one (None: unknown, always convert)."""
    try:
        _T2S.convert("測")  # loads the dictionaries
        chain = _T2S._dict_chain_data[0]
        singles = frozenset(k for _, _, table in chain for k in table if len(k) == 1)
        phrases = [k for _, _, table in chain for k in table if len(k) > 1]
    except (AttributeError, IndexError, TypeError, ValueError):
        return None
    return singles, tuple(k for k in phrases if singles.isdisjoint(k))


def _may_be_traditional(text: str) -> bool:
    if _TRIGGERS is None:
        return True
    singles, phrases = _TRIGGERS
    return not singles.isdisjoint(text) or any(p in text for p in phrases)


_TRIGGERS = _t2s_triggers()
_SYLLABLE_BASE = 0xE000  # Private Use Area; user input never keeps such characters (category Co)
_syllables: dict[str, str] = {}
_syllable_lock = threading.Lock()
_FOLD_INITIALS = (("zh", "z"), ("ch", "c"), ("sh", "s"))
# a number in Chinese numerals, then what follows it in the same jieba word (五千块: 五千, 块)
_DIGITS = "〇一二两三四五六七八九十几"
_NUMBER = re.compile(f"([{_DIGITS}][{_DIGITS}百千万]*[多余来]?)(.*)")
_LARGE = frozenset("百千万")
Repair = Callable[[list[str]], list[str]]  # rewrites one piece's jieba words (typo repair)


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


class _KeepTable(dict[int, str]):
    """``_keep`` as a ``str.translate`` table, filled in as characters are met (a character's
    category never changes; at most ``_KEEP_TABLE_SIZE`` of them are kept): ``clean`` then runs
    in C instead of calling ``_keep`` for every character."""

    def __init__(self, symbols: bool) -> None:
        super().__init__()
        self._symbols = symbols

    def __missing__(self, code: int) -> str:
        kept = _keep(chr(code), self._symbols)
        if len(self) < _KEEP_TABLE_SIZE:
            self[code] = kept
        return kept


class _DecomposeTable(dict[int, str]):
    """Every character's NFKD as a ``str.translate`` table, filled in like ``_KeepTable``.

    A text and the text with each character replaced by its NFKD have the same NFKD, hence the
    same NFKC. Replaced, a text whose full-width punctuation (，？！) kept it from NFKC's quick
    check usually passes it, and ``unicodedata.normalize`` returns at once instead of decomposing
    and recomposing every character (``clean`` of the bench's long stories: 40 % fewer
    instructions)."""

    def __missing__(self, code: int) -> str:
        decomposed = unicodedata.normalize("NFKD", chr(code))
        if len(self) < _KEEP_TABLE_SIZE:
            self[code] = decomposed
        return decomposed


_KEEP_TABLE_SIZE = 1 << 14
_KEEP = {False: _KeepTable(False), True: _KeepTable(True)}
_DECOMPOSE = _DecomposeTable()


def _nfkc(text: str) -> str:
    if unicodedata.is_normalized("NFKC", text):
        return text
    return unicodedata.normalize("NFKC", text.translate(_DECOMPOSE))


def clean(text: str, *, symbols: bool = False) -> str:
    """NFKC, Traditional→Simplified, lower case; every non-letter/digit becomes one space.

    With ``symbols`` each pictograph (emoji) is kept as a separate word.
    """
    text = _nfkc(text)
    lowered = text.lower()
    if lowered != text:
        text = _nfkc(lowered)
    table = _KEEP[symbols]
    kept = text.translate(table)
    if _may_be_traditional(kept):
        converted = _T2S.convert(kept)
        if converted != kept:
            kept = converted.translate(table)
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
        tokenizer = load_tokenizer()
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


@lru_cache(maxsize=1 << 15)
def char_sound(char: str) -> str:
    """Fuzzy pinyin of one character, in its most common reading, as letters (赡 → san)."""
    return _fold(lazy_pinyin(char, style=Style.NORMAL)[0])


def sound_key(text: str) -> str:
    """Fuzzy pinyin of Han text as letters, one syllable per character, each character in its
    most common reading (赡养费 → san yan fei): the same for a word and for its typo."""
    return " ".join(map(char_sound, text))


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
        self._segmenter = Segmenter(self._tokenizer)
        self._synonyms = dict(lexicon.synonym_map)
        self._stop = lexicon.stop_words
        self._known = frozenset(w.word for w in lexicon.dictionary_words())
        money = self._synonyms.get("元")
        self._money_units = frozenset(w for w, c in self._synonyms.items() if money and c == money)
        fillers = sorted({f for f in lexicon.fillers if f}, key=lambda f: (-len(f), f))
        self._fillers = re.compile("|".join(map(re.escape, fillers))) if fillers else None

    def strip_fillers(self, clause: str) -> str:
        return self._fillers.sub(" ", clause) if self._fillers else clause

    def pieces(self, parts: Iterable[str]) -> list[list[str]]:
        """jieba's words of cleaned clauses per filler-free piece (before synonyms, stop words).

        The pieces of several clauses are those of each clause in turn."""
        text = " ".join([self.strip_fillers(part) for part in parts])
        # one call for all pieces: jieba cuts every run of letters and digits on its own anyway
        words = self._segmenter.cut(text)
        if not any(map(str.isspace, words)):
            return [words] if words else []  # one piece (a clause without fillers)
        out: list[list[str]] = [[]]
        for word in words:
            if word.isspace():
                if out[-1]:
                    out.append([])
            else:
                out[-1].append(word)
        return out if out[-1] else out[:-1]

    def is_common_word(self, word: str, min_freq: int) -> bool:
        """Whether jieba's dictionary knows ``word`` at least ``min_freq`` times."""
        return (self._tokenizer.FREQ.get(word) or 0) >= min_freq

    def finish(self, pieces: Iterable[list[str]]) -> tuple[str, ...]:
        """Tokens of jieba's words: synonyms mapped, stop words, bare numbers and emoji dropped,
        sums in Chinese numerals read like sums in digits (``_amount``)."""
        out: list[str] = []
        for piece in pieces:
            for raw in piece:
                if raw not in self._known and (amount := self._amount(raw)) is not None:
                    if not amount:
                        continue
                    raw = amount
                token = self._synonyms.get(raw, raw)
                if token.isdigit() and token not in self._known:
                    continue  # amounts, ages and years say nothing of the topic; 110 does
                if token.isalnum() and token not in self._stop:  # emoji are not words
                    out.append(token)
        return tuple(out)

    def _amount(self, word: str) -> str | None:
        """What a sum of money in Chinese numerals stands for, read like one in digits (20万 is
        20, dropped, and 万): its unit (五千块 → 块, 五十万 → 万, which the lexicon maps to its
        word for money), "" for another large bare number (两千多: dropped like 2000), None for
        any other word (一块 is also 'together')."""
        found = _NUMBER.fullmatch(word)
        if found is None or word == "一块":
            return None
        number, unit = found.groups()
        if not unit:
            if number.rstrip("多余来").endswith("万") and "万" in self._money_units:
                return "万"
            return "" if _LARGE.intersection(number) else None
        return unit if unit in self._money_units else None

    def tokens_of_clauses(self, parts: list[str], repair: Repair | None = None) -> tuple[str, ...]:
        """Tokens of already cleaned clauses; ``repair`` may rewrite jieba's words first."""
        pieces = self.pieces(parts)
        return self.finish([repair(p) for p in pieces] if repair else pieces)

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
