"""Observation API: what the bot did, and waiting for it without sleeps."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

from .models import Call, SentMessage, TemplateMessage
from .state import State

T = TypeVar("T")


class Observer(State):
    def messages_to(self, openid: str) -> list[SentMessage]:
        """Every message the resident received (客服消息 and passive replies), oldest first."""
        return [m for m in self.sent if m.openid == openid]

    def pending_messages(self, openid: str) -> list[SentMessage]:
        """Messages to *openid* no wait_for_message(s) has returned yet."""
        consumed = self._consumed
        return [m for m in self.messages_to(openid) if m.seq not in consumed]

    def templates_to(self, openid: str) -> list[TemplateMessage]:
        return [t for t in self.templates if t.openid == openid]

    @property
    def menu(self) -> list[dict[str, object]] | None:
        """The account's custom menu as last created, or None."""
        return self.menus[-1] if self.menus else None

    def calls_to(self, api: str) -> list[Call]:
        return [c for c in self.calls if c.api == api.strip("/")]

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

    def _describe_messages(self, openid: str, wanted: str, timeout: float) -> str:
        consumed = self._consumed
        lines = [
            ("[consumed] " if m.seq in consumed else "") + m.summary()
            for m in self.messages_to(openid)
        ]
        return (
            f"no {wanted} to {openid} within {timeout}s.\nMessages it received:\n  "
            + ("\n  ".join(lines) or "(none)")
            + "\n"
            + self.diagnostics()
        )

    async def wait_for_message(
        self,
        openid: str,
        predicate: Callable[[SentMessage], bool] | None = None,
        *,
        contains: str | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109 - the documented test API
    ) -> SentMessage:
        """The oldest not-yet-returned message to *openid* that matches (*contains* is
        checked against the visible text); it is then marked consumed."""
        consumed = self._consumed

        def find() -> SentMessage | None:
            for message in self.messages_to(openid):
                if message.seq in consumed:
                    continue
                if contains is not None and contains not in message.visible_text:
                    continue
                if predicate is None or predicate(message):
                    consumed.add(message.seq)
                    return message
            return None

        wanted = "new message" + (f" containing {contains!r}" if contains else "")
        return await self._wait(
            find, timeout, lambda: self._describe_messages(openid, wanted, timeout)
        )

    async def wait_for_messages(
        self,
        openid: str,
        n: int,
        *,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> list[SentMessage]:
        """The next *n* not-yet-returned messages to *openid*, oldest first (consumed)."""
        consumed = self._consumed

        def find() -> list[SentMessage] | None:
            pending = [m for m in self.messages_to(openid) if m.seq not in consumed]
            if len(pending) < n:
                return None
            consumed.update(m.seq for m in pending[:n])
            return pending[:n]

        return await self._wait(
            find, timeout, lambda: self._describe_messages(openid, f"{n} new messages", timeout)
        )

    async def wait_for_template(
        self,
        openid: str,
        *,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> TemplateMessage:
        """The oldest not-yet-returned template message to *openid*."""
        consumed = self._consumed_templates

        def find() -> TemplateMessage | None:
            for template in self.templates:
                if template.openid == openid and template.msgid not in consumed:
                    consumed.add(template.msgid)
                    return template
            return None

        return await self._wait(
            find,
            timeout,
            lambda: f"no template message to {openid} within {timeout}s.\n" + self.diagnostics(),
        )

    async def wait_for_call(
        self,
        api: str,
        predicate: Callable[[Call], bool] | None = None,
        *,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> Call:
        """The oldest not-yet-returned call of *api* that matches *predicate*."""
        consumed = self._consumed_calls
        name = api.strip("/")

        def find() -> Call | None:
            for index, call in enumerate(self.calls):
                if index in consumed or call.api != name:
                    continue
                if predicate is None or predicate(call):
                    consumed.add(index)
                    return call
            return None

        return await self._wait(
            find, timeout, lambda: f"no {name} call within {timeout}s.\n" + self.diagnostics()
        )

    async def wait_for_error(
        self,
        errcode: int,
        *,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> None:
        """Until the fake has answered some call with *errcode*."""
        await self._wait(
            lambda: True if any(e.errcode == errcode for e in self.errors) else None,
            timeout,
            lambda: (
                f"no call answered with errcode {errcode} within {timeout}s.\n" + self.diagnostics()
            ),
        )

    def diagnostics(self) -> str:
        """Recent error replies and calls, for assertion messages."""
        errors = [f"{e.api} -> {e.errcode} {e.errmsg}" for e in self.errors[-10:]]
        calls = [f"{c.api} {str(c.body)[:100]}" for c in self.calls[-12:]]
        failures = self.service_failures[-5:]
        return (
            "Error replies to the bot:\n  "
            + ("\n  ".join(errors) or "(none)")
            + "\nLast API calls:\n  "
            + ("\n  ".join(calls) or "(none)")
            + "\nCallbacks WeChat would report as failed:\n  "
            + ("\n  ".join(failures) or "(none)")
        )
