"""Telegram's HTML parse mode, modelled on tdlib's parser (same syntax, same errors)."""

from __future__ import annotations

import re

from .textcore import Entity, EntityParseError, Out, byte_offset

HTML_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "span",
        "pre",
        "code",
        "blockquote",
    }
)
_HTML_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "code": "code",
    "pre": "pre",
    "a": "text_link",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


def _decode_entity(text: str, i: int) -> tuple[str | None, int]:
    """Decode an HTML character reference starting at text[i] == '&'."""
    n, j = len(text), i + 1
    char: str | None = None
    if j < n and text[j] == "#":
        j += 1
        base, digits = 10, "0123456789"
        if j < n and text[j] in "xX":
            base, digits, j = 16, "0123456789abcdefABCDEF", j + 1
        start = j
        while j < n and text[j] in digits:
            j += 1
        if j == start:
            return None, i
        code = int(text[start:j], base)
        if code == 0 or code >= 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            return None, i
        char = chr(code)
    else:
        start = j
        while j < n and text[j].isascii() and text[j].isalpha():
            j += 1
        char = _NAMED.get(text[start:j])
        if char is None:
            return None, i
    if j < n and text[j] == ";":
        j += 1
    return char, j


_PLAIN = re.compile(r"[^<&]+")


def parse_html(text: str) -> tuple[str, list[Entity]]:
    out = Out()
    stack: list[tuple[str, int, dict[str, str]]] = []
    n, i = len(text), 0
    while i < n:
        c = text[i]
        if c == "&":
            char, j = _decode_entity(text, i)
            out.add(char if char is not None else "&")
            i = j if char is not None else i + 1
            continue
        if c != "<":
            plain = _PLAIN.match(text, i)  # a run of text without markup, added at once
            assert plain is not None
            out.add(plain.group())
            i = plain.end()
            continue
        begin = byte_offset(text, i)
        if i + 1 < n and text[i + 1] == "/":
            i = _html_end_tag(text, i, begin, stack, out)
        else:
            i = _html_start_tag(text, i, begin, stack, out)
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    return "".join(out.parts), out.entities


def _html_start_tag(
    text: str, i: int, begin: int, stack: list[tuple[str, int, dict[str, str]]], out: Out
) -> int:
    n = len(text)
    j = i + 1
    while j < n and not text[j].isspace() and text[j] != ">":
        j += 1
    if j >= n:
        raise EntityParseError(f"Unclosed start tag at byte offset {begin}")
    tag = text[i + 1 : j].lower()
    if tag not in HTML_TAGS:
        raise EntityParseError(f'Unsupported start tag "{tag}" at byte offset {begin}')
    attrs: dict[str, str] = {}
    while True:
        while j < n and text[j].isspace():
            j += 1
        if j >= n:
            raise EntityParseError(f"Unclosed start tag at byte offset {begin}")
        if text[j] == ">":
            break
        name_start = j
        while j < n and not text[j].isspace() and text[j] not in "=>":
            j += 1
        name = text[name_start:j].lower()
        if not name:
            raise EntityParseError(
                f'Empty attribute name in the tag "{tag}" at byte offset '
                f"{byte_offset(text, name_start)}"
            )
        while j < n and text[j].isspace():
            j += 1
        if j >= n or text[j] != "=":
            if tag == "blockquote" and name == "expandable":
                attrs[name] = ""
                continue
            raise EntityParseError(
                f'Expected equal sign in declaration of an attribute of the tag "{tag}" at '
                f"byte offset {begin}"
            )
        j += 1
        while j < n and text[j].isspace():
            j += 1
        if j >= n:
            raise EntityParseError(f"Unclosed start tag at byte offset {begin}")
        value, j = _html_attr_value(text, j)
        if j >= n:
            raise EntityParseError(f"Unclosed start tag at byte offset {begin}")
        attrs[name] = value
    if tag == "span" and attrs.get("class") != "tg-spoiler":
        raise EntityParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {begin}')
    stack.append((tag, out.pos, attrs))
    return j + 1


def _html_attr_value(text: str, j: int) -> tuple[str, int]:
    n = len(text)
    if text[j] not in "'\"":
        start = j
        while j < n and (text[j].isalnum() or text[j] in ".-"):
            j += 1
        if j < n and not text[j].isspace() and text[j] != ">":
            raise EntityParseError(
                f"Unexpected end of name token at byte offset {byte_offset(text, start)}"
            )
        return text[start:j].lower(), j
    quote = text[j]
    j += 1
    chars: list[str] = []
    while j < n and text[j] != quote:
        if text[j] == "&":
            char, k = _decode_entity(text, j)
            if char is not None:
                chars.append(char)
                j = k
                continue
        chars.append(text[j])
        j += 1
    return "".join(chars), (j + 1 if j < n else j)


def _html_end_tag(
    text: str, i: int, begin: int, stack: list[tuple[str, int, dict[str, str]]], out: Out
) -> int:
    if not stack:
        raise EntityParseError(f"Unexpected end tag at byte offset {begin}")
    n = len(text)
    j = i + 2
    while j < n and not text[j].isspace() and text[j] != ">":
        j += 1
    end_name = text[i + 2 : j].lower()
    while j < n and text[j].isspace():
        j += 1
    if j >= n or text[j] != ">":
        raise EntityParseError(f"Unclosed end tag at byte offset {begin}")
    tag, start, attrs = stack.pop()
    if end_name and end_name != tag:
        raise EntityParseError(
            f'Unmatched end tag at byte offset {begin}, expected "</{tag}>", found "</{end_name}>"'
        )
    kind = _HTML_TYPES[tag]
    if tag == "a":
        url = attrs.get("href") or out.since(start)
        out.entity("text_link", start, url=url)
    elif tag == "code" and stack and stack[-1][0] == "pre" and "class" in attrs:
        stack[-1][2]["language"] = attrs["class"].removeprefix("language-")
    elif tag == "pre" and "language" in attrs:
        out.entity("pre", start, language=attrs["language"])
    elif tag == "blockquote" and "expandable" in attrs:
        out.entity("expandable_blockquote", start)
    elif tag == "tg-emoji":
        out.entity(kind, start, custom_emoji_id=attrs.get("emoji-id", ""))
    else:
        out.entity(kind, start)
    return j + 1
