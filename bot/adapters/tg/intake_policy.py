"""The intake's timings and limits, its counters, and what orders an update."""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from telegram import Update

from bot.adapters.tg.processor import RetryPolicy


@dataclass(frozen=True, slots=True)
class IntakePolicy:
    """Timings and limits of the intake (seconds). Tests shorten the back-offs."""

    poll_timeout: int = 10  # long polling: Telegram answers at once when updates arrive
    read_slack: float = 5.0  # added to poll_timeout for the HTTP read timeout
    # Chats processed at the same time. A chat holds its slot while its reply travels (a Bot API
    # round trip, 50-200 ms), so the slots, not the CPU, decide how soon the last of many
    # residents writing at once is answered: 100 of them take ceil(100 / concurrency) trips.
    concurrency: int = 64
    max_backlog: int = 1000  # stop fetching while this many updates wait for processing
    retry: RetryPolicy = field(default_factory=RetryPolicy)  # a failed update's tries
    poll_backoff_base: float = 0.5  # getUpdates back-off while Telegram is unreachable
    poll_backoff_cap: float = 30.0
    keep_days: int = 7  # settled inbox rows are deleted after this many days


@dataclass
class IntakeStats:
    fetched: int = 0
    stored: int = 0  # new rows; fetched - stored = updates fetched again
    processed: int = 0
    retried: int = 0
    failed: int = 0
    poll_errors: int = 0
    store_errors: int = 0

    def __str__(self) -> str:
        return ", ".join(f"{f.name} {getattr(self, f.name)}" for f in fields(self))


def order_key(update: Update) -> int | None:
    """What orders an update: its chat, else its sender; None runs it on its own."""
    if update.effective_chat is not None:
        return update.effective_chat.id
    return update.effective_user.id if update.effective_user is not None else None
