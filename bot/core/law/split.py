"""Long texts cut into message-sized chunks at the most natural break."""

from __future__ import annotations

import re


def _units(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units); never less than len(text)."""
    return len(text.encode("utf-16-le")) // 2


def _hard_split(text: str, limit: int) -> list[str]:
    chunks: list[str] = []
    start = size = 0
    for i, ch in enumerate(text):  # whole code points only, so no surrogate pair is cut
        width = _units(ch)
        if size + width > limit:
            chunks.append(text[start:i])
            start, size = i, 0
        size += width
    return [*chunks, text[start:]]


_LEVELS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("\n\n", re.compile(r"\n[ \t]*\n\s*")),  # paragraphs
    ("\n", re.compile(r"\n")),  # lines
    ("", re.compile(r"(?<=[。；！？])")),  # sentences, keeping their 。；
)


def _split(text: str, limit: int, level: int) -> list[str]:
    if _units(text) <= limit:
        return [text]
    if level == len(_LEVELS):
        return _hard_split(text, limit)
    sep, pattern = _LEVELS[level]
    out: list[str] = []
    current, size = "", 0
    for piece in pattern.split(text):
        for part in _split(piece, limit, level + 1) if piece.strip() else ():
            width = _units(part)
            if current and size + len(sep) + width <= limit:
                current, size = f"{current}{sep}{part}", size + len(sep) + width
            else:
                out.extend([current] if current else [])
                current, size = part, width
    return [*out, current] if current else out


def split_for_messages(text: str, limit: int = 3500) -> list[str]:
    """Cut text into chunks of at most ``limit`` (UTF-16 units, as Telegram counts) for sending.

    Cuts at paragraph breaks first, then line breaks, then after 。；！？, and only then anywhere.
    """
    if limit < 2:
        raise ValueError("limit must be at least 2")
    chunks = (c.strip() for c in _split(text.strip(), limit, 0))
    return [c for c in chunks if c]
