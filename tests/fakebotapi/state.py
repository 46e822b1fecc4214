"""Shared state of the fake Bot API: chats, messages, files, the update queue."""

from __future__ import annotations

import asyncio
import itertools
import time
from typing import Any

from .models import (
    JSON,
    BotMessage,
    Call,
    ChatRef,
    ErrorReply,
    FakeChat,
    FakeUser,
    StoredFile,
    bad_request,
    chat_id_of,
)

# Update types Telegram delivers when the bot never specified allowed_updates.
_NOT_DEFAULT_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


def now() -> int:
    return int(time.time())


class State:
    """Everything the fake server remembers. Mixed into FakeBotApi."""

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        *,
        bot_username: str = "legaldesk_test_bot",
        bot_first_name: str = "法律顾问服务台",
    ) -> None:
        self.token = token
        head = token.split(":", 1)[0]
        self.bot_user: JSON = {
            "id": int(head) if head.isdigit() else 1,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }
        self.calls: list[Call] = []
        self.errors: list[ErrorReply] = []
        self.callback_answers: dict[str, dict[str, Any]] = {}
        self.commands: dict[tuple[str, str], list[JSON]] = {}
        self.bot_settings: dict[tuple[str, str], Any] = {}
        self.webhook_url = ""
        self.blocked: set[int | str] = set()
        self.offline = False
        self.closing = False
        self._cond = asyncio.Condition()
        self._updates: list[JSON] = []
        self._update_ids = itertools.count(100_001)
        self.last_update_id = 0
        self.confirmed_offset = 0
        self._allowed_updates: frozenset[str] | None = None
        self._poll_generation = 0
        self._chats: dict[int | str, JSON] = {}
        self._users: dict[int, FakeUser] = {}
        self._messages: dict[tuple[int, int], JSON] = {}
        self._bot_messages: dict[int, list[BotMessage]] = {}
        self._bot_by_key: dict[tuple[int, int], BotMessage] = {}
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._files: dict[str, StoredFile] = {}
        self._files_by_path: dict[str, StoredFile] = {}
        self._file_seq = itertools.count(1)
        self._user_ids = itertools.count(700_000_001)
        self._group_ids = itertools.count(1)
        self._query_ids = itertools.count(1)
        self._open_queries: dict[str, JSON] = {}
        self._consumed_messages: set[tuple[int, int]] = set()
        self._consumed_calls: set[int] = set()

    # -- notification ---------------------------------------------------------------------

    async def _notify(self) -> None:
        async with self._cond:
            self._cond.notify_all()

    # -- chats and users --------------------------------------------------------------------

    def _register_user(self, user: FakeUser) -> FakeUser:
        self._users[user.id] = user
        self._chats[user.id] = user.private_chat()
        return user

    def _register_chat(self, chat: FakeChat) -> FakeChat:
        self._chats[chat.id] = chat.as_dict()
        if chat.username:
            self._chats["@" + chat.username] = chat.as_dict()
        return chat

    def chat(self, ref: ChatRef) -> JSON:
        """Telegram Chat dict for a chat id (unknown ids are accepted like real users)."""
        chat_id = chat_id_of(ref)
        if isinstance(chat_id, str) and not chat_id.lstrip("-").isdigit():
            if chat_id not in self._chats:
                raise bad_request("chat not found")
            return self._chats[chat_id]
        chat_id = int(chat_id)
        if chat_id in self._chats:
            return self._chats[chat_id]
        if chat_id > 0:
            return {"id": chat_id, "type": "private", "first_name": f"用户{chat_id}"}
        kind = "supergroup" if str(chat_id).startswith("-100") else "group"
        return {"id": chat_id, "type": kind, "title": f"群组{chat_id}"}

    def _alloc_message_id(self, chat_id: int) -> int:
        counter = self._message_ids.setdefault(chat_id, itertools.count(1))
        return next(counter)

    def message(self, chat: ChatRef, message_id: int) -> JSON | None:
        """Any live (not deleted) message in the chat, sent by the bot or by a resident."""
        return self._messages.get((int(chat_id_of(chat)), message_id))

    # -- files ------------------------------------------------------------------------------

    def _store_file(self, content: bytes, kind: str, extension: str) -> StoredFile:
        seq = next(self._file_seq)
        stored = StoredFile(
            file_id=f"FAKE-{kind.upper()}-{seq:06d}",
            file_unique_id=f"uniq{seq:06d}",
            file_path=f"{kind}s/file_{seq}.{extension.lstrip('.') or 'bin'}",
            content=content,
        )
        self._files[stored.file_id] = stored
        self._files_by_path[stored.file_path] = stored
        return stored

    def file_content(self, file_id: str) -> bytes:
        return self._files[file_id].content

    # -- updates ----------------------------------------------------------------------------

    def _new_update_id(self) -> int:
        return max(next(self._update_ids), self.last_update_id + 1)

    async def _push_update(self, kind: str, payload: JSON) -> int:
        update_id = self._new_update_id()
        await self._push_raw({"update_id": update_id, kind: payload})
        return update_id

    async def _push_raw(self, update: JSON) -> None:
        self.last_update_id = max(self.last_update_id, int(update["update_id"]))
        self._updates.append(update)
        await self._notify()

    def _confirm(self, offset: int | None) -> None:
        if not offset:
            return
        if offset < 0:
            keep = self._updates[offset:]
            if len(keep) < len(self._updates):
                dropped = self._updates[: len(self._updates) - len(keep)]
                self.confirmed_offset = max(
                    self.confirmed_offset, max(int(u["update_id"]) for u in dropped) + 1
                )
            self._updates = keep
            return
        self._updates = [u for u in self._updates if int(u["update_id"]) >= offset]
        self.confirmed_offset = max(self.confirmed_offset, offset)

    def _drop_pending(self) -> None:
        if self._updates:
            self.confirmed_offset = max(int(u["update_id"]) for u in self._updates) + 1
        self._updates = []

    def _deliverable(self, limit: int) -> list[JSON]:
        allowed = self._allowed_updates
        ready = []
        for update in self._updates:
            kinds = set(update) - {"update_id"}
            if allowed is None:
                ok = not kinds or not kinds <= _NOT_DEFAULT_UPDATES
            else:
                ok = not kinds or bool(kinds & allowed)
            if ok:
                ready.append(update)
        return ready[:limit]

    @property
    def pending_updates(self) -> list[JSON]:
        """Updates not yet confirmed by the bot's getUpdates offset."""
        return list(self._updates)
