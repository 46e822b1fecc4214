"""The people the desk serves: who sent an update, and the resident the desk keeps on file."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.core.cases import Case
from bot.core.messages import ChatRef


@dataclass(frozen=True, slots=True)
class Person:
    """Who sent an update, as the messenger describes them."""

    user_id: ChatRef  # Telegram: the user's id; other channels: their Address
    chat_id: ChatRef
    display_name: str


@dataclass(frozen=True, slots=True)
class Resident:
    id: int
    user_id: ChatRef | None
    chat_id: ChatRef | None
    display_name: str
    unreachable: bool = False
    last_off_duty_notice: date | None = None


@dataclass(frozen=True, slots=True)
class Arrival:
    """A resident as a message of theirs arrives: their profile, how many of ``kinds`` they sent
    since ``since``, and their active case (read together: every message needs all three)."""

    resident: Resident
    recent: int = 0
    case: Case | None = None
