"""Webhook delivery, as Telegram does it once ``setWebhook`` was called.

Each queued update is POSTed as JSON to the webhook URL with the secret token header; a 2xx
answer confirms it (it leaves the queue), anything else — an error status, a refused or dropped
connection, a time-out — leaves it queued and it is sent again after ``webhook_retry_delay``.
At most ``max_connections`` requests are open at once, and one per chat: a chat's updates arrive
in order (the fake's simplification of Telegram's behaviour, which the desk does not rely on
beyond its own per-chat ordering by update id).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import aiohttp

from .models import JSON
from .state import State

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def update_chat(update: JSON) -> Any:
    """What orders an update's delivery: its chat, else its sender, else the update itself."""
    for value in update.values():
        if not isinstance(value, dict):
            continue
        message = value.get("message") if "message" in value else value
        chat = (message or {}).get("chat") if isinstance(message, dict) else None
        if isinstance(chat, dict) and "id" in chat:
            return chat["id"]
        sender = value.get("from")
        if isinstance(sender, dict) and "id" in sender:
            return sender["id"]
    return ("update", update.get("update_id"))


class WebhookDelivery(State):
    webhook_retry_delay = 0.2  # seconds before a refused update is sent again
    webhook_timeout = 10.0

    def _init_webhook(self) -> None:
        self.webhook_secret: str | None = None
        self.webhook_max_connections = 40
        self.webhook_posts: list[tuple[int, int | str]] = []  # (update id, status or error)
        self.webhook_confirmed: dict[int, JSON] = {}  # update id → the update, once answered 2xx
        self._webhook_task: asyncio.Task[None] | None = None
        self._in_flight: dict[Any, int] = {}  # chat → update id being POSTed
        self._retry_at: dict[int, float] = {}

    async def m_setWebhook(self, p: dict[str, Any]) -> bool:
        self.webhook_url = str(p.get("url") or "")
        self.webhook_secret = str(p["secret_token"]) if p.get("secret_token") else None
        self.webhook_max_connections = int(p.get("max_connections") or 40)
        allowed = p.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = frozenset(allowed) if allowed else None
        if p.get("drop_pending_updates"):
            self._drop_pending()
        if self._webhook_task is None or self._webhook_task.done():
            self._webhook_task = asyncio.create_task(self._deliver_webhooks())
        await self._notify()
        return True

    async def m_deleteWebhook(self, p: dict[str, Any]) -> bool:
        self.webhook_url = ""
        self.webhook_secret = None
        if p.get("drop_pending_updates"):
            self._drop_pending()
        await self._notify()
        return True

    async def _stop_webhooks(self) -> None:
        task, self._webhook_task = self._webhook_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _deliver_webhooks(self) -> None:
        posts: set[asyncio.Task[None]] = set()
        timeout = aiohttp.ClientTimeout(total=self.webhook_timeout)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            try:
                while self.webhook_url and not self.closing:
                    for update in self._next_to_post():
                        task = asyncio.create_task(self._post(session, update))
                        posts.add(task)
                        task.add_done_callback(posts.discard)
                    async with self._cond:
                        with contextlib.suppress(TimeoutError):
                            await asyncio.wait_for(self._cond.wait(), self.webhook_retry_delay)
            finally:
                for task in posts:
                    task.cancel()
                await asyncio.gather(*posts, return_exceptions=True)

    def _next_to_post(self) -> list[JSON]:
        loop_time = asyncio.get_running_loop().time()
        room = self.webhook_max_connections - len(self._in_flight)
        chosen: list[JSON] = []
        waiting: set[Any] = set(self._in_flight)
        for update in self._deliverable(len(self._updates) or 1):
            chat = update_chat(update)
            if chat in waiting:
                continue
            waiting.add(chat)  # later updates of this chat wait for this one
            if len(chosen) >= room or self._retry_at.get(update["update_id"], 0) > loop_time:
                continue
            self._in_flight[chat] = update["update_id"]
            chosen.append(update)
        return chosen

    async def _post(self, session: aiohttp.ClientSession, update: JSON) -> None:
        update_id, chat = int(update["update_id"]), update_chat(update)
        headers = {SECRET_HEADER: self.webhook_secret} if self.webhook_secret else {}
        outcome: int | str
        try:
            async with session.post(self.webhook_url, json=update, headers=headers) as reply:
                await reply.read()
                outcome = reply.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            outcome = type(exc).__name__
        self.webhook_posts.append((update_id, outcome))
        if isinstance(outcome, int) and 200 <= outcome < 300:
            self._updates = [u for u in self._updates if u["update_id"] != update_id]
            self.webhook_confirmed[update_id] = update
            self.confirmed_offset = max(self.confirmed_offset, update_id + 1)
            self._retry_at.pop(update_id, None)
        else:
            self._retry_at[update_id] = asyncio.get_running_loop().time() + self.webhook_retry_delay
        del self._in_flight[chat]
        await self._notify()
