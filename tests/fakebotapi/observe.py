"""Observation API: what the bot did, and waiting for it without sleeps."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from .models import BotMessage, Call, ChatRef, chat_id_of
from .state import State

T = TypeVar("T")


def _short(params: dict[str, Any]) -> str:
    shown = {k: (v if len(repr(v)) < 80 else repr(v)[:77] + "...") for k, v in params.items()}
    return repr(shown)


class Observer(State):
    def messages_to(self, chat: ChatRef) -> list[BotMessage]:
        """Every message the bot sent to the chat, oldest first (deleted ones are flagged)."""
        return list(self._bot_messages.get(int(chat_id_of(chat)), []))

    def last_message_to(self, chat: ChatRef) -> BotMessage:
        messages = self.messages_to(chat)
        if not messages:
            raise AssertionError(f"the bot sent nothing to chat {chat_id_of(chat)}")
        return messages[-1]

    def pending_messages(self, chat: ChatRef) -> list[BotMessage]:
        """Messages to the chat that no wait_for_message has returned yet."""
        return [
            m
            for m in self.messages_to(chat)
            if (m.chat_id, m.message_id) not in self._consumed_messages
        ]

    def calls_to(self, method: str) -> list[dict[str, Any]]:
        """Parameters of every call of *method* (case-insensitive), oldest first."""
        return [c.params for c in self.calls if c.method.lower() == method.lower()]

    async def _wait(
        self, find: Callable[[], T | None], limit: float, describe: Callable[[], str]
    ) -> T:
        async with self._cond:
            try:
                async with asyncio.timeout(limit):
                    while True:
                        found = find()
                        if found is not None:
                            return found
                        await self._cond.wait()
            except TimeoutError:
                raise AssertionError(describe()) from None

    async def wait_for_message(
        self,
        chat: ChatRef,
        predicate: Callable[[BotMessage], bool] | None = None,
        *,
        contains: str | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109 - the documented test API
    ) -> BotMessage:
        """The oldest not-yet-returned bot message to *chat* that matches (*contains* is
        checked against the visible text); it is then marked consumed."""
        chat_id = int(chat_id_of(chat))

        def matches(message: BotMessage) -> bool:
            if contains is not None and contains not in message.visible_text:
                return False
            return predicate is None or bool(predicate(message))

        def find() -> BotMessage | None:
            for message in self._bot_messages.get(chat_id, []):
                key = (chat_id, message.message_id)
                if key not in self._consumed_messages and matches(message):
                    self._consumed_messages.add(key)
                    return message
            return None

        def describe() -> str:
            wanted = f" containing {contains!r}" if contains is not None else ""
            wanted += " matching the predicate" if predicate else ""
            lines = [
                ("[consumed] " if (chat_id, m.message_id) in self._consumed_messages else "")
                + m.summary()
                for m in self._bot_messages.get(chat_id, [])
            ]
            return (
                f"no new bot message to chat {chat_id}{wanted} within {timeout}s.\n"
                f"Messages the bot sent to that chat:\n  "
                + ("\n  ".join(lines) or "(none)")
                + "\n"
                + self.diagnostics()
            )

        return await self._wait(find, timeout, describe)

    async def wait_for_call(
        self,
        method: str,
        predicate: Callable[[dict[str, Any]], bool] | None = None,
        *,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> Call:
        """The oldest not-yet-returned call of *method* whose params match *predicate*."""

        def find() -> Call | None:
            for index, call in enumerate(self.calls):
                if index in self._consumed_calls or call.method.lower() != method.lower():
                    continue
                if predicate is None or predicate(call.params):
                    self._consumed_calls.add(index)
                    return call
            return None

        def describe() -> str:
            return f"no new {method} call within {timeout}s.\n" + self.diagnostics()

        return await self._wait(find, timeout, describe)

    async def wait_until_confirmed(
        self,
        update_id: int | None = None,
        *,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> None:
        """Until the bot's getUpdates offset has passed *update_id* (default: the last
        injected update), i.e. the bot fetched it and will never get it again."""
        wanted = self.last_update_id if update_id is None else update_id

        def describe() -> str:
            return (
                f"update {wanted} not confirmed within {timeout}s (confirmed offset "
                f"{self.confirmed_offset}).\n" + self.diagnostics()
            )

        await self._wait(
            lambda: True if self.confirmed_offset > wanted else None, timeout, describe
        )

    async def wait_for_callback_answer(
        self,
        query: str | dict[str, Any],
        *,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> dict[str, Any]:
        """The answerCallbackQuery params for *query* (a CallbackQuery dict or its id)."""
        query_id = query["id"] if isinstance(query, dict) else query

        def describe() -> str:
            return f"callback query {query_id} not answered within {timeout}s.\n" + (
                self.diagnostics()
            )

        return await self._wait(lambda: self.callback_answers.get(query_id), timeout, describe)

    def diagnostics(self) -> str:
        """Recent error replies and calls, for assertion messages."""
        errors = [
            f"{e.method} -> {e.status} {e.description} {_short(e.params)}"
            for e in self.errors[-10:]
        ]
        calls = [f"{c.method} {_short(c.params)}" for c in self.calls if c.method != "getUpdates"][
            -12:
        ]
        return (
            "Error replies to the bot:\n  "
            + ("\n  ".join(errors) or "(none)")
            + "\nLast calls (getUpdates omitted):\n  "
            + ("\n  ".join(calls) or "(none)")
        )
