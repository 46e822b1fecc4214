"""The last step of every use case: store its replies in the outbox, commit, hand back the ids."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Protocol

from bot.core.ports import Outbox, Outgoing, SentBatch


class _Transaction(Protocol):
    @property
    def outbox(self) -> Outbox: ...

    async def commit(self) -> None: ...


async def store_and_commit(uow: _Transaction, out: Sequence[Outgoing], at: datetime) -> SentBatch:
    """Put ``out`` in the outbox of ``uow`` and commit; the adapter delivers them afterwards."""
    stored = [replace(message, id=await uow.outbox.put(message, at)) for message in out]
    await uow.commit()
    return SentBatch(tuple(stored))
