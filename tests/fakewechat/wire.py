"""WeChat's callback XML: building it as WeChat does and reading what the bot answers."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping

Fields = Mapping[str, str | int | float]


def cdata(value: str) -> str:
    """*value* as CDATA; a "]]>" inside is split across two sections, as XML requires."""
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def render(fields: Fields) -> str:
    """``<xml>`` with one child per field, in order: numbers bare, strings as CDATA."""
    parts = ["<xml>"]
    for name, value in fields.items():
        text = str(value) if isinstance(value, int | float) else cdata(value)
        parts.append(f"<{name}>{text}</{name}>")
    parts.append("</xml>")
    return "".join(parts)


class XmlError(ValueError):
    """Not the flat ``<xml>`` document WeChat expects."""


def parse(text: str | bytes) -> dict[str, str]:
    """A flat ``<xml>`` document as {tag: text}; nested elements (Image/MediaId, ...) are
    flattened to "Image.MediaId"."""
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise XmlError(f"not XML: {exc}") from None
    if root.tag != "xml":
        raise XmlError(f"root element is <{root.tag}>, not <xml>")
    result: dict[str, str] = {}

    def walk(element: ET.Element, prefix: str) -> None:
        for child in element:
            key = prefix + child.tag
            if len(child):
                walk(child, key + ".")
            else:
                result[key] = child.text or ""

    walk(root, "")
    return result
