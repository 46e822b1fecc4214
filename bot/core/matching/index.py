"""Inverted indexes over the FAQ phrasings, built once at start-up and queried with numpy.

* :class:`PhrasingIndex` – character and fuzzy-pinyin uni+bigrams of every phrasing: TF-IDF
  cosine and the IDF-weighted share of the phrasing's grams found in the question ("covered");
* :class:`EntryCoverage` – BM25 with one document per entry (all its phrasings together), as the
  IDF-weighted share of the question's words the entry covers;
* :class:`TokenSequences` – every phrasing's word sequence for ``rapidfuzz.fuzz.ratio``.

A question is scored by concatenating the postings of its keys, in the question's gram order, and
summing them per row with one ``np.bincount`` (so every row's sum is added up in the same order
each time). A long question touches ~110,000 postings of a 1,000-entry FAQ; measured there and
slower: a dense phrasings × common-grams matrix (only ~3 grams per question cover 30 % of the
rows), gathering the postings through one ragged index instead of concatenating views, and
interleaving rows and weights in one array.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from operator import mul

import numpy as np
from rapidfuzz import fuzz, process

_BM25_K1, _BM25_B = 1.2, 0.75
_TOKEN_BASE, _TOKEN_SLOTS = 0xF0000, 0x1FFFE  # Supplementary Private Use Areas A and B
_UNKNOWN = "\ufffd"  # a word no phrasing holds (clean() never lets U+FFFD through)
_SOUND = "\x00"  # marks a fuzzy-pinyin gram among the character grams


def grams(text: str) -> Counter[str]:
    """Character unigrams and bigrams of ``text`` with their counts."""
    out = Counter(text)
    out.update(text[i : i + 2] for i in range(len(text) - 1))
    return out


_Rows = tuple[np.ndarray, np.ndarray, np.ndarray, int]  # a key's rows, their 2 weights, count


class _RowsTable(dict[str, "_Rows | None"]):
    """Key → its postings (``Postings.make_rows``), made on first use and kept; None (not kept)
    for a key no row holds. Looking up a known key stays in C (``map(table.__getitem__, keys)``),
    which matters with ~250 grams per long question."""

    def __init__(self, postings: Postings) -> None:
        super().__init__()
        self._postings = postings

    def __missing__(self, key: str) -> _Rows | None:
        rows = self._postings.make_rows(key)
        if rows is not None:
            self[key] = rows
        return rows


class Postings:
    """An inverted index in compressed rows: key → the rows holding it, with two weights each
    (the second may be absent)."""

    def __init__(
        self,
        rows: int,
        keys: Sequence[str],
        key_ids: np.ndarray,
        row_ids: np.ndarray,
        first: np.ndarray,
        second: np.ndarray | None,
    ) -> None:
        self.rows = rows
        self._slot = {k: i for i, k in enumerate(keys)}
        order = np.lexsort((row_ids, key_ids))  # by key, then by row
        self._indptr = np.concatenate(([0], np.cumsum(np.bincount(key_ids, minlength=len(keys)))))
        # row numbers in 2 bytes up to 65,536 rows, else 4 (concatenated straight into intp)
        self._ids = row_ids[order].astype(np.uint16 if rows <= 1 << 16 else np.int32)
        self._first = first[order]
        self._second = first[order] * 0.0 if second is None else second[order]
        self._bounds: list[int] = self._indptr.tolist()
        self.table = _RowsTable(self)

    def __contains__(self, key: object) -> bool:
        return key in self._slot

    def count(self, key: str) -> int:
        """How many rows hold ``key``."""
        slot = self._slot.get(key)
        return 0 if slot is None else int(self._indptr[slot + 1] - self._indptr[slot])

    def make_rows(self, key: str) -> _Rows | None:
        """Views of the rows holding ``key``, of their weights, and their count (None when no
        row holds it); ``table[key]`` keeps them."""
        slot = self._slot.get(key)
        if slot is None:
            return None
        start, end = self._bounds[slot], self._bounds[slot + 1]
        return self._ids[start:end], self._first[start:end], self._second[start:end], end - start

    def sums(
        self, scaled: Sequence[_Rows], factors: Sequence[float], plain: Sequence[_Rows]
    ) -> np.ndarray:
        """Per row: Σ over the ``scaled`` keys of factor·first, plus Σ over every key of second
        (keys as ``table`` gives them, summed in this order)."""
        if not scaled and not plain:
            return np.zeros(self.rows)
        ids, firsts, seconds, counts = zip(*scaled, *plain, strict=True)
        scaled_weights = np.concatenate(firsts[: len(scaled)] or [np.zeros(0)])
        scaled_weights *= np.repeat(np.asarray(factors, float), counts[: len(scaled)])
        weights = np.concatenate(seconds)
        weights[: len(scaled_weights)] += scaled_weights
        return np.bincount(np.concatenate(ids, dtype=np.intp), weights, minlength=self.rows)


def _flatten(
    texts: Iterable[Sequence[str]],
) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """(keys, key id, row, count) of every distinct (row, key) pair of ``texts`` (key lists);
    keys are numbered in order of first appearance."""
    slot: dict[str, int] = {}
    rows: list[int] = []
    key_ids: list[int] = []
    for row, keys in enumerate(texts):
        key_ids.extend([slot.setdefault(k, len(slot)) for k in keys])
        rows.extend([row] * len(keys))
    return _distinct(list(slot), np.asarray(rows, np.int64), np.asarray(key_ids, np.int64))


def _distinct(
    keys: list[str], rows: np.ndarray, key_ids: np.ndarray
) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """(keys, key id, row, count) of the distinct (row, key id) pairs, by row then key id."""
    width = max(len(keys), 1)
    unique, counts = np.unique(rows * width + key_ids, return_counts=True)
    return (
        keys,
        (unique % width).astype(np.intp),
        (unique // width).astype(np.intp),
        counts.astype(float),
    )


def _gram_list(text: str) -> list[str]:
    return [*text, *(text[i : i + 2] for i in range(len(text) - 1))]


_PAIR = 1 << 21  # above every code point: a bigram (a, b) is coded (a + 1) * _PAIR + b


def _flatten_grams(texts: list[str]) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """``_flatten(_gram_list(t) for t in texts)`` worked out on code points with numpy (the FAQ's
    ~400,000 grams are never made into strings, only its ~20,000 distinct ones)."""
    lengths = np.fromiter(map(len, texts), np.int64, len(texts))
    encoded = "".join(texts).encode("utf-32-le", "surrogatepass")
    codes = np.frombuffer(encoded, np.uint32).astype(np.int64)
    rows = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
    pairs = np.ones(len(codes), bool)
    pairs[np.cumsum(lengths)[lengths > 0] - 1] = False  # a text's last character starts no pair
    firsts = np.flatnonzero(pairs)
    grams = np.concatenate((codes, (codes[firsts] + 1) * _PAIR + codes[firsts + 1]))
    rows = np.concatenate((rows, rows[firsts]))
    order = np.argsort(rows, kind="stable")  # per text: its unigrams, then its bigrams
    grams, rows = grams[order], rows[order]
    distinct, first_seen, inverse = np.unique(grams, return_index=True, return_inverse=True)
    by_appearance = np.argsort(first_seen)
    number = np.empty(len(distinct), np.int64)
    number[by_appearance] = np.arange(len(distinct))
    keys = [
        chr(g) if g < _PAIR else chr(g // _PAIR - 1) + chr(g % _PAIR)
        for g in distinct[by_appearance].tolist()
    ]
    return _distinct(keys, rows, number[inverse.reshape(-1)])


def _gram_weights(
    texts: list[str],
) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Uni+bigrams of ``texts``: (keys, key id, row, cosine weight, covered share, key IDF)."""
    n = len(texts)
    keys, key_ids, rows, tf = _flatten_grams(texts)
    idf = np.log((n + 1) / (np.bincount(key_ids, minlength=len(keys)) + 1)) + 1.0
    gram_idf = idf[key_ids]
    vec = tf * gram_idf
    norm = np.sqrt(np.bincount(rows, vec * vec, minlength=n))
    total = np.bincount(rows, gram_idf, minlength=n)
    norm[norm == 0] = 1.0
    total[total == 0] = 1.0
    return keys, key_ids, rows, vec / norm[rows], gram_idf / total[rows], idf


class PhrasingIndex:
    """Character and fuzzy-pinyin uni+bigrams of every phrasing, in one inverted index.

    Per phrasing, three channels, each 0–1, summed with their weights in one pass: TF-IDF cosine
    of the character grams; IDF-weighted share of the phrasing's character grams found in the
    question ("covered"); the same share of its fuzzy-pinyin grams.
    """

    def __init__(
        self, canons: list[str], pinyins: list[str], cosine: float, covered: float, sound: float
    ) -> None:
        n = len(canons)
        ckeys, cids, crows, ccos, ccov, cidf = _gram_weights(canons)
        skeys, sids, srows, _, scov, _ = _gram_weights(pinyins)
        self.idf: dict[str, float] = dict(zip(ckeys, cidf.tolist(), strict=True))
        self.unseen = math.log(n + 1) + 1.0
        self.postings = Postings(
            n,
            [*ckeys, *(_SOUND + k for k in skeys)],
            np.concatenate((cids, sids + len(ckeys))),
            np.concatenate((crows, srows)),
            np.concatenate((ccos * cosine, np.zeros(len(sids)))),
            np.concatenate((ccov * covered, scov * sound)),
        )

    def scores(self, canon: str, pinyin: str) -> np.ndarray:
        """Per phrasing: the weighted sum of its three channels for this question."""
        counted = grams(canon)
        idf, unseen, table = self.idf, self.unseen, self.postings.table
        vec = [tf * idf.get(g, unseen) for g, tf in counted.items()]
        norm = math.sqrt(sum(map(mul, vec, vec))) or 1.0
        found = [
            (rows, weight / norm)
            for rows, weight in zip(map(table.__getitem__, counted), vec, strict=True)
            if rows is not None
        ]
        chars, factors = zip(*found, strict=True) if found else ((), ())
        sound_grams = map(_SOUND.__add__, dict.fromkeys(_gram_list(pinyin)))
        sounds = [rows for rows in map(table.__getitem__, sound_grams) if rows is not None]
        return self.postings.sums(chars, factors, sounds)


class EntryCoverage:
    """BM25 with one document per entry, as the IDF-weighted share of the query's words covered."""

    def __init__(self, docs: list[list[str]]) -> None:
        n = len(docs)
        keys, key_ids, rows, tf = _flatten(docs)
        df = np.bincount(key_ids, minlength=len(keys))
        idf = np.log(1 + (n - df + 0.5) / (df + 0.5))
        self.idf: dict[str, float] = dict(zip(keys, idf.tolist(), strict=True))
        self.unseen = math.log(1 + (n + 0.5) / 0.5)
        lengths = np.asarray([len(d) for d in docs], float)
        avgdl = float(lengths.mean()) if n and lengths.any() else 1.0
        norm = _BM25_K1 * (1 - _BM25_B + _BM25_B * lengths / avgdl)
        sat = tf * (_BM25_K1 + 1) / (tf + norm[rows]) / (_BM25_K1 + 1)
        self.postings = Postings(n, keys, key_ids, rows, idf[key_ids] * sat, None)

    def score(self, terms: Iterable[str]) -> np.ndarray:
        unique = sorted(set(terms))
        total = sum(self.idf.get(t, self.unseen) for t in unique) or 1.0
        found = [rows for rows in map(self.postings.table.__getitem__, unique) if rows is not None]
        if not found:
            return np.zeros(self.postings.rows)
        ids = np.concatenate([rows[0] for rows in found], dtype=np.intp)
        weights = np.concatenate([rows[1] for rows in found])
        weights *= 1 / total  # every key has the same factor
        return np.bincount(ids, weights, minlength=self.postings.rows)

    def entries_with(self, term: str) -> int:
        """How many entries use ``term``."""
        return self.postings.count(term)


class TokenSequences:
    """Every phrasing's token sequence, one private-use character per FAQ word, for ``fuzz.ratio``.

    rapidfuzz then compares word sequences (order-aware, length-normalised) on its C++ fast path;
    a question's words the FAQ never uses all become one character that matches nothing.
    """

    def __init__(self, sequences: list[tuple[str, ...]], bounds: Sequence[int]) -> None:
        """``bounds``: entry e owns ``sequences[bounds[e]:bounds[e + 1]]``."""
        words = sorted({t for seq in sequences for t in seq})
        self._codes = {w: chr(_TOKEN_BASE + i % _TOKEN_SLOTS) for i, w in enumerate(words)}
        texts = [self.encode(seq) for seq in sequences]
        self._by_entry = [texts[bounds[e] : bounds[e + 1]] for e in range(len(bounds) - 1)]

    def encode(self, tokens: Sequence[str]) -> str:
        return "".join(self._codes.get(t, _UNKNOWN) for t in tokens)

    def best_ratio(self, tokens: Sequence[str], entries: Iterable[int]) -> np.ndarray:
        """Per entry: the best ``fuzz.ratio`` (0–1) of ``tokens`` to one of its phrasings,
        computed for ``entries`` only; every other entry gets 0."""
        out = np.zeros(len(self._by_entry))
        chosen = [e for e in entries if self._by_entry[e]]
        if not chosen or not tokens:
            return out
        texts = [t for e in chosen for t in self._by_entry[e]]
        values = process.cdist(
            [self.encode(tokens)], texts, scorer=fuzz.ratio, processor=None, dtype=np.float32
        )[0]
        lengths = [len(self._by_entry[e]) for e in chosen]
        starts = np.cumsum([0, *lengths[:-1]])
        out[chosen] = np.maximum.reduceat(values, starts) / 100.0
        return out
