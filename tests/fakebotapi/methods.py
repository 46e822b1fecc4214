"""Bot API methods other than message sending: polling, bot settings, callbacks, files."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from .messaging import Messaging
from .models import JSON, BotApiError, ConnectionDropped, bad_request
from .validation import CHAT_ACTIONS, as_dict, check_commands

CONFLICT_POLL = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance "
    "is running"
)
CONFLICT_WEBHOOK = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to "
    "delete the webhook first"
)


class Methods(Messaging):
    """Method handlers are the ``m_<MethodName>`` coroutines (looked up case-insensitively)."""

    async def m_getMe(self, p: dict[str, Any]) -> JSON:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def m_logOut(self, p: dict[str, Any]) -> bool:
        return True

    async def m_close(self, p: dict[str, Any]) -> bool:
        return True

    async def m_getUpdates(self, p: dict[str, Any]) -> list[JSON]:
        if self.webhook_url:
            raise BotApiError(409, CONFLICT_WEBHOOK)
        limit = min(max(int(p.get("limit") or 100), 1), 100)
        timeout = max(float(p.get("timeout") or 0), 0.0)
        allowed = p.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = frozenset(allowed) if allowed else None
        offset = p.get("offset")
        self._confirm(int(offset) if offset not in (None, "") else None)
        self._poll_generation += 1
        generation = self._poll_generation
        await self._notify()  # an older long poll still waiting now answers 409
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        async with self._cond:
            while True:
                if generation != self._poll_generation:
                    raise BotApiError(409, CONFLICT_POLL)
                if self.offline:
                    raise ConnectionDropped
                ready = self._deliverable(limit)
                remaining = deadline - loop.time()
                if ready or remaining <= 0 or self.closing:
                    return ready
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._cond.wait(), remaining)

    async def m_setWebhook(self, p: dict[str, Any]) -> bool:
        self.webhook_url = str(p.get("url") or "")
        if p.get("drop_pending_updates"):
            self._drop_pending()
        return True

    async def m_deleteWebhook(self, p: dict[str, Any]) -> bool:
        self.webhook_url = ""
        if p.get("drop_pending_updates"):
            self._drop_pending()
        return True

    async def m_getWebhookInfo(self, p: dict[str, Any]) -> JSON:
        return {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    @staticmethod
    def _commands_key(p: dict[str, Any]) -> tuple[str, str]:
        scope = as_dict(p.get("scope")) or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(p.get("language_code") or "")

    async def m_setMyCommands(self, p: dict[str, Any]) -> bool:
        self.commands[self._commands_key(p)] = check_commands(p.get("commands"))
        return True

    async def m_getMyCommands(self, p: dict[str, Any]) -> list[JSON]:
        return self.commands.get(self._commands_key(p), [])

    async def m_deleteMyCommands(self, p: dict[str, Any]) -> bool:
        self.commands.pop(self._commands_key(p), None)
        return True

    def _set_setting(self, p: dict[str, Any], field: str, limit: int) -> bool:
        value = str(p.get(field) or "")
        if len(value) > limit:
            raise bad_request(f"{field.upper()}_INVALID")
        self.bot_settings[(field, str(p.get("language_code") or ""))] = value
        return True

    def _get_setting(self, p: dict[str, Any], field: str, default: str = "") -> JSON:
        key = (field, str(p.get("language_code") or ""))
        return {field: self.bot_settings.get(key, default)}

    async def m_setMyDescription(self, p: dict[str, Any]) -> bool:
        return self._set_setting(p, "description", 512)

    async def m_getMyDescription(self, p: dict[str, Any]) -> JSON:
        return self._get_setting(p, "description")

    async def m_setMyShortDescription(self, p: dict[str, Any]) -> bool:
        return self._set_setting(p, "short_description", 120)

    async def m_getMyShortDescription(self, p: dict[str, Any]) -> JSON:
        return self._get_setting(p, "short_description")

    async def m_setMyName(self, p: dict[str, Any]) -> bool:
        return self._set_setting(p, "name", 64)

    async def m_getMyName(self, p: dict[str, Any]) -> JSON:
        return self._get_setting(p, "name", self.bot_user["first_name"])

    async def m_setChatMenuButton(self, p: dict[str, Any]) -> bool:
        self.bot_settings[("menu_button", str(p.get("chat_id") or ""))] = as_dict(
            p.get("menu_button")
        )
        return True

    async def m_getChatMenuButton(self, p: dict[str, Any]) -> JSON:
        stored = self.bot_settings.get(("menu_button", str(p.get("chat_id") or "")))
        return stored or {"type": "commands"}

    async def m_setMyDefaultAdministratorRights(self, p: dict[str, Any]) -> bool:
        return True

    async def m_answerCallbackQuery(self, p: dict[str, Any]) -> bool:
        query_id = str(p.get("callback_query_id") or "")
        if query_id not in self._open_queries:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        if len(str(p.get("text") or "")) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        del self._open_queries[query_id]
        self.callback_answers[query_id] = dict(p)
        return True

    async def m_sendChatAction(self, p: dict[str, Any]) -> bool:
        self._target(p)
        if p.get("action") not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    async def m_getFile(self, p: dict[str, Any]) -> JSON:
        stored = self._files.get(str(p.get("file_id") or ""))
        if stored is None:
            raise bad_request("invalid file_id")
        if len(stored.content) > 20 * 1024 * 1024:
            raise bad_request("file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content),
            "file_path": stored.file_path,
        }

    async def m_getChat(self, p: dict[str, Any]) -> JSON:
        chat = self._target(p)
        gifts = dict.fromkeys(
            (
                "unlimited_gifts",
                "limited_gifts",
                "unique_gifts",
                "premium_subscription",
                "gifts_from_channels",
            ),
            False,
        )
        return {
            **chat,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": gifts,
        }

    async def m_getChatMember(self, p: dict[str, Any]) -> JSON:
        self._target(p)
        user_id = int(p.get("user_id") or 0)
        if user_id == self.bot_user["id"]:
            return {"status": "member", "user": self.bot_user}
        user = self._users.get(user_id)
        if user is None:
            raise bad_request("user not found")
        return {"status": "member", "user": user.as_dict()}

    async def m_leaveChat(self, p: dict[str, Any]) -> bool:
        self._target(p)
        return True
