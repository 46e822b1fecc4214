"""What arrives from residents: the kinds of inbound events, and text made safe to store."""

from __future__ import annotations

import re
import unicodedata

from bot.core.interactions import EventKind

# The event kinds that are a resident writing to the desk (the flood limit counts them).
INBOUND = tuple(
    k.value
    for k in (
        EventKind.QUESTION,
        EventKind.SMALLTALK,
        EventKind.FOLLOW_UP,
        EventKind.MEDIA,
        EventKind.LAW_LOOKUP,
        EventKind.COMMAND,
        EventKind.FLOOD,
        EventKind.SCAM_CHECK,
    )
)
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable(text: str) -> str:
    """Text any database can store: NUL dropped, lone surrogates (from raw JSON) made U+FFFD."""
    return _UNSTORABLE.sub(lambda m: "" if m.group() == "\x00" else "\ufffd", text)


# Spaces, controls, format characters (zero-width, bidi), lone marks: nothing a person can read.
_INVISIBLE = frozenset({"Zs", "Zl", "Zp", "Cc", "Cf", "Cs", "Cn", "Mn", "Me"})


def is_blank(text: str) -> bool:
    """True if the text shows nothing readable (such a message is not a question)."""
    return all(unicodedata.category(char) in _INVISIBLE for char in text)
