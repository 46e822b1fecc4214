"""Telegram-like parsing of formatted text (parse_mode HTML / MarkdownV2 / Markdown).

Modelled on tdlib's parsers: the same accepted syntax and the same error wording, so a bot that
sends malformed markup gets the 400 it would get from the real Bot API. Entity offsets and
lengths are in UTF-16 code units, as in the Bot API.
"""

from __future__ import annotations

from .htmlparse import parse_html
from .mdparse import parse_markdown, parse_markdown_v2
from .textcore import Entity, EntityParseError, trim, utf16_len

__all__ = ["Entity", "EntityParseError", "parse", "trim", "utf16_len"]


def parse(text: str, parse_mode: str | None) -> tuple[str, list[Entity]]:
    """Return (visible text, entities) before whitespace trimming."""
    mode = (parse_mode or "").lower()
    if mode == "html":
        return parse_html(text)
    if mode == "markdownv2":
        return parse_markdown_v2(text)
    if mode == "markdown":
        return parse_markdown(text)
    if mode:
        raise EntityParseError(f"Unsupported parse_mode {parse_mode!r}")
    return text, []
