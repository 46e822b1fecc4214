"""Telegram's MarkdownV2 and legacy Markdown parse modes, modelled on tdlib's parsers."""

from __future__ import annotations

from .textcore import Entity, EntityParseError, Out, byte_offset

_MDV2_RESERVED = "_*[]()~`>#+-=|{}.!"
_MDV2_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "text_link": "TextUrl",
}


def parse_markdown_v2(text: str) -> tuple[str, list[Entity]]:
    out = Out()
    stack: list[tuple[str, int, int, str]] = []  # (type, start, byte offset, language)
    n, i = len(text), 0
    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n and 0 < ord(text[i + 1]) <= 126:
            out.add(text[i + 1])
            i += 2
            continue
        top = stack[-1][0] if stack else ""
        if c == ">" and (i == 0 or text[i - 1] == "\n") and top in ("", "blockquote"):
            if not top:
                stack.append(("blockquote", out.pos, byte_offset(text, i), ""))
            i += 1
            continue
        if c == "\n" and top == "blockquote" and (i + 1 >= n or text[i + 1] != ">"):
            _, start, _, _ = stack.pop()
            out.entity("blockquote", start)
        reserved = "`" if top in ("code", "pre") else _MDV2_RESERVED
        if c not in reserved:
            out.add(c)
            i += 1
            continue
        nxt = text[i + 1] if i + 1 < n else ""
        ends = {
            "bold": c == "*",
            "italic": c == "_" and nxt != "_",
            "code": c == "`",
            "pre": text.startswith("```", i),
            "text_link": c == "]",
            "underline": c == "_" and nxt == "_",
            "strikethrough": c == "~",
            "spoiler": c == "|" and nxt == "|",
        }.get(top, False)
        if ends:
            i = _mdv2_close(text, i, stack, out)
            continue
        kind, width = {
            "*": ("bold", 1),
            "~": ("strikethrough", 1),
            "[": ("text_link", 1),
            "_": ("underline", 2) if nxt == "_" else ("italic", 1),
            "|": ("spoiler", 2) if nxt == "|" else ("", 0),
            "`": ("pre", 3) if text.startswith("```", i) else ("code", 1),
        }.get(c, ("", 0))
        if not kind or top in ("code", "pre"):
            raise EntityParseError(
                f"Character '{c}' is reserved and must be escaped with the preceding '\\'"
            )
        byte_at, i, language = byte_offset(text, i), i + width, ""
        if kind == "pre":
            end = i
            while end < n and not text[end].isspace() and text[end] != "`":
                end += 1
            if end != i and end < n and text[end] != "`":
                language, i = text[i:end], end
            if i < n and text[i] in "\r\n":
                i += 1
        stack.append((kind, out.pos, byte_at, language))
    if stack and stack[-1][0] == "blockquote":
        out.entity("blockquote", stack.pop()[1])
    if stack:
        kind, _, byte_at, _ = stack[-1]
        raise EntityParseError(
            f"Can't find end of {_MDV2_NAMES[kind]} entity at byte offset {byte_at}"
        )
    return "".join(out.parts), out.entities


def _mdv2_close(text: str, i: int, stack: list[tuple[str, int, int, str]], out: Out) -> int:
    kind, start, _, language = stack.pop()
    if kind == "text_link":
        i += 1
        url = out.since(start)
        if i < len(text) and text[i] == "(":
            j, chars = i + 1, []
            while j < len(text) and text[j] != ")":
                if text[j] == "\\" and j + 1 < len(text):
                    j += 1
                chars.append(text[j])
                j += 1
            if j >= len(text):
                raise EntityParseError(
                    f"Can't find end of a URL at byte offset {byte_offset(text, i)}"
                )
            url, i = "".join(chars), j + 1
        out.entity("text_link", start, url=url)
        return i
    width = {"pre": 3, "underline": 2, "spoiler": 2}.get(kind, 1)
    if kind == "pre" and language:
        out.entity("pre", start, language=language)
    else:
        out.entity(kind, start)
    return i + width


def parse_markdown(text: str) -> tuple[str, list[Entity]]:
    out = Out()
    n, i = len(text), 0
    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n and text[i + 1] in "_*`[":
            out.add(text[i + 1])
            i += 2
            continue
        if c not in "_*`[":
            out.add(c)
            i += 1
            continue
        begin, start = byte_offset(text, i), out.pos
        is_pre = text.startswith("```", i)
        end_char = "]" if c == "[" else c
        i += 3 if is_pre else 1
        while i < n and not (text.startswith("```", i) if is_pre else text[i] == end_char):
            out.add(text[i])
            i += 1
        if i >= n:
            raise EntityParseError(f"Can't find end of the entity starting at byte offset {begin}")
        i += 3 if is_pre else 1
        if c == "[":
            url = ""
            if i < n and text[i] == "(":
                close = text.find(")", i)
                if close >= 0:
                    url, i = text[i + 1 : close], close + 1
            out.entity("text_link", start, url=url)
        else:
            kind = {"_": "italic", "*": "bold"}.get(c, "pre" if is_pre else "code")
            out.entity(kind, start)
    return "".join(out.parts), out.entities
