"""This running instance among the others on the same database: its name, what it has started,
and the locks through which the instances share the work.

Several ``legaldesk run`` processes may serve one PostgreSQL database behind a load balancer. Any
of them takes any update; the database decides who does what:

- each chat's stored updates are processed by the one instance holding the chat's lock, oldest
  first (``claim_chat``); a chat another instance holds is left to it;
- the singletons — polling Telegram, reminders, shift digests, the purge, monthly themes and the
  broadcast pump — run on the one instance that holds leadership (``lead``);
- a lock lives as long as its holder: when an instance dies, its locks go with it and another
  instance takes over its chats and, if it led, the lead.

With the embedded SQLite database there is one instance (a lock file refuses a second one), and
every lock is granted at once.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from typing import Protocol


class Locks(Protocol):
    """Locks shared by the instances of one database (bot.storage.cluster)."""

    async def lead(self) -> bool:
        """Take or keep leadership; True while this instance holds it."""
        ...

    async def claim_chat(self, key: int) -> bool:
        """Take the lock of a chat (or of a lone update); False if another instance holds it."""
        ...

    async def release_chat(self, key: int) -> None:
        """Give a chat's lock back."""
        ...

    async def close(self) -> None:
        """Release every lock this instance holds."""
        ...


class SoleInstance:
    """The locks of the only instance: everything is granted (SQLite, single process)."""

    async def lead(self) -> bool:
        return True

    async def claim_chat(self, key: int) -> bool:
        return True

    async def release_chat(self, key: int) -> None:
        return None

    async def close(self) -> None:
        return None


def default_instance_id() -> str:
    """``host:pid``: unique among the instances, readable in the logs."""
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class Instance:
    """Who this process is, and whether it is ready for traffic (``/readyz``)."""

    id: str = field(default_factory=default_instance_id)
    locks: Locks = field(default_factory=SoleInstance)
    expected: set[str] = field(default_factory=set)  # channels that must start: "telegram" ...
    started: set[str] = field(default_factory=set)

    def expect(self, channel: str) -> None:
        self.expected.add(channel)

    def mark_started(self, channel: str) -> None:
        self.started.add(channel)

    def mark_stopping(self, channel: str) -> None:
        self.started.discard(channel)

    @property
    def waiting_for(self) -> list[str]:
        """The expected channels not started (yet, or any more)."""
        return sorted(self.expected - self.started)

    @property
    def clustered(self) -> bool:
        """Whether other instances may share the database (the locks are not all granted)."""
        return not isinstance(self.locks, SoleInstance)
