"""Monthly themes: what the office broadcasts to subscribers, defined as data (faq/themes/)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

MESSAGE_LIMIT = 300  # characters of a theme's message
# A theme whose send time passed longer ago than this (the bot was down) is not sent by itself:
# a month-old reminder would confuse more than help. ``legaldesk broadcast send`` still can.
SCHEDULE_GRACE = timedelta(days=3)


@dataclass(frozen=True, slots=True)
class Theme:
    month: str  # YYYY-MM, also the theme's identity
    title: str
    message: str  # plain text, at most MESSAGE_LIMIT characters
    links: tuple[str, ...]  # FAQ entry ids behind 「了解更多」
    send_at: datetime  # aware
    source: str = ""  # file:line, for messages to the office

    def due(self, now: datetime) -> bool:
        """Time to queue it by itself: its send time has come, and not too long ago."""
        return self.send_at <= now < self.send_at + SCHEDULE_GRACE


class Themes:
    """The themes by month."""

    def __init__(self, themes: Iterable[Theme] = ()) -> None:
        self._by_month = {t.month: t for t in sorted(themes, key=lambda t: t.month)}

    def get(self, month: str) -> Theme | None:
        return self._by_month.get(month)

    def due(self, now: datetime) -> list[Theme]:
        return [t for t in self if t.due(now)]

    def __iter__(self) -> Iterator[Theme]:
        return iter(self._by_month.values())

    def __len__(self) -> int:
        return len(self._by_month)
