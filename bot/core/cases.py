"""Cases: a resident's question handed to the legal adviser, and the messages of its thread."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class CaseStatus(StrEnum):
    OPEN = "open"  # waiting for an adviser to claim it
    CLAIMED = "claimed"  # an adviser holds it, no answer yet
    ANSWERED = "answered"  # answered; follow-ups reopen the conversation, /close ends it
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class Case:
    id: int
    resident_id: int
    status: CaseStatus
    question: str
    opened_at: datetime
    faq_id: str | None = None
    score: float | None = None
    claimed_by: int | None = None
    claimed_by_name: str | None = None
    claimed_at: datetime | None = None
    answered_at: datetime | None = None
    closed_at: datetime | None = None
    reminded_at: datetime | None = None
    undeliverable: bool = False

    @property
    def is_active(self) -> bool:
        return self.status is not CaseStatus.CLOSED


@dataclass(frozen=True, slots=True)
class CaseMessage:
    case_id: int
    author: str  # "resident" | "adviser"
    at: datetime
    text: str | None
    author_id: int | None = None
    media_kind: str | None = None
    file_id: str | None = None
    file_channel: str | None = None  # the channel ``file_id`` belongs to ("telegram", "wechat")
    file_name: str | None = None  # the file's own name when the channel gives one
