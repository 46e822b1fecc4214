"""Processing stored updates when several instances share the database (PostgreSQL).

Any instance may store any update (a webhook POST reaches whichever instance the load balancer
picked; polling is done by the leader). Processing follows the chat's lock instead::

    stored ──► ClaimedChats.submit(chat) ──► claim the chat ──► its oldest unprocessed update ──►
                 ▲ sweep: chats with work       (advisory lock)   UpdateRunner ──► next ... none
                 │        that nobody holds                        ──► release ──► anything new?

The instance that holds a chat processes the chat's stored updates one by one, oldest first,
reading each from the inbox; an instance that finds the chat held leaves it (the holder reads the
inbox again before it lets go, and the sweep finds whatever slipped between). When an instance
dies, its locks go with its database session, and the next sweep of another instance takes its
chats over, starting with the update it was processing (the inbox marks each update processed
in the transaction of its effects, so an update whose effects were committed is not redone).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Hashable
from typing import TYPE_CHECKING

from bot.adapters.tg.processor import DATABASE_ERRORS, ChatOrderedProcessor, Job, UpdateRunner
from bot.storage.cluster import LONE_UPDATE_KEY
from bot.storage.inbox import InboxItem, SqlInbox

if TYPE_CHECKING:
    from bot.app import Services

log = logging.getLogger(__name__)


# While a chat's earlier replies are leased to another instance (being sent, or orphaned by a
# dead one), its next update waits; how often to look again.
BACKLOG_RECHECK_SECONDS = 0.2


class ClaimedChats:
    """Chats with stored work, processed under their lock by this instance's processor."""

    def __init__(
        self,
        processor: ChatOrderedProcessor,
        runner: UpdateRunner,
        inbox: SqlInbox,
        services: Services,
    ) -> None:
        self.processor, self.runner, self.inbox = processor, runner, inbox
        self.services, self.locks = services, services.instance.locks
        self.sweep_seconds = services.settings.cluster.sweep_seconds
        self.active: set[Hashable] = set()  # chats with a job here, queued or running
        self.dirty: set[Hashable] = set()  # ... and something stored since the job last looked

    def submit(self, chat_id: int | None, update_id: int) -> None:
        """Something was stored for this chat (or this lone update): process it, or let the
        instance that holds the chat do so."""
        key: Hashable = chat_id if chat_id is not None else ("update", update_id)
        if key in self.active:
            self.dirty.add(key)
            return
        self.active.add(key)
        self.processor.submit(key, _ChatJob(self, chat_id, update_id))

    async def sweep(self, stopping: asyncio.Event) -> None:
        """Until stopping: take up chats with unprocessed updates that no instance works on
        (stored before a restart, stored by an instance that died, or missed in a race)."""
        while not stopping.is_set():
            try:
                for chat_id, update_id in await self.inbox.pending_chats():
                    if not self.processor.closing:
                        self.submit(chat_id, update_id)
            except DATABASE_ERRORS as exc:
                log.warning("cannot look for unprocessed updates (%r)", exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), self.sweep_seconds)

    def finished(self, key: Hashable) -> None:
        self.active.discard(key)
        self.dirty.discard(key)


class _ChatJob:
    """The job of one chat: while holding its lock, process its stored updates in order."""

    def __init__(self, chats: ClaimedChats, chat_id: int | None, update_id: int) -> None:
        self.chats, self.chat_id, self.update_id = chats, chat_id, update_id
        self.key: Hashable = chat_id if chat_id is not None else ("update", update_id)
        self.lock_key = chat_id if chat_id is not None else LONE_UPDATE_KEY + update_id
        self.work: Job | None = None  # the update being processed (it may wait for a retry)
        self.batch: deque[InboxItem] = deque()  # the chat's updates read, not processed yet
        self.held = False
        self.backlog_sent = False  # the chat's earlier replies are out (or being retried)

    async def __call__(self) -> float | None:
        chats = self.chats
        try:
            while True:
                if not self.held:
                    if not await chats.locks.claim_chat(self.lock_key):
                        break  # another instance holds the chat: its work
                    self.held = True
                    self.backlog_sent = False
                if not self.backlog_sent:
                    wait = await self._send_backlog()
                    if wait is not None:
                        return wait
                delay = await self._process()
                if delay is not None:
                    return delay  # a failed update waits for its retry; the chat stays ours
                await self._release()
                self.batch.clear()
                if self.key not in chats.dirty:
                    break
                chats.dirty.discard(self.key)  # stored meanwhile, perhaps unseen: look again
        except BaseException:
            await self._release()
            chats.finished(self.key)
            raise
        chats.finished(self.key)
        return None

    async def _process(self) -> float | None:
        """Process the chat's unprocessed updates, oldest first; a delay if one must be retried.
        They are read in batches: one that another instance processed meanwhile is found
        processed when its effects commit (``AlreadyProcessed``) and changes nothing."""
        chats = self.chats
        while True:
            if self.work is None:
                if not self.batch:
                    chats.dirty.discard(self.key)
                    self.batch = deque(await chats.inbox.pending_of(self.chat_id, self.update_id))
                    if not self.batch:
                        return None
                self.work = chats.runner.job(self.batch.popleft())
            delay = await self.work()
            if delay is not None:
                return delay
            self.work = None

    async def _send_backlog(self) -> float | None:
        """Send the chat's replies that an instance stored but never tried (it died), before
        anything newer; seconds to wait if some are still leased to another instance."""
        if self.chat_id is None:
            self.backlog_sent = True
            return None
        services = self.chats.services
        async with services.uow.single_read() as reading:
            if not await reading.outbox.has_chat_backlog(self.chat_id):
                self.backlog_sent = True
                return None
        now = services.clock.now()
        async with services.uow() as uow:
            due, leased_until = await uow.outbox.claim_chat_backlog(self.chat_id, now)
            await uow.commit()
        if due:
            log.info("chat taken over: sending %d reply(ies) left unsent", len(due))
            await services.courier.deliver(due)
        if leased_until is not None:
            return BACKLOG_RECHECK_SECONDS
        self.backlog_sent = True
        return None

    async def _release(self) -> None:
        if self.held:
            self.held = False
            await self.chats.locks.release_chat(self.lock_key)
