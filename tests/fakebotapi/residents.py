"""Resident simulation: what people do in Telegram, turned into updates for the bot."""

from __future__ import annotations

import re
from typing import Any

from .models import JSON, BotMessage, FakeChat, FakeUser
from .state import State, now
from .textparse import utf16_len

_COMMAND = re.compile(r"^/[A-Za-z0-9_]{1,32}(@[A-Za-z0-9_]+)?")
MessageRef = JSON | BotMessage


def _as_message(message: MessageRef) -> JSON:
    return message.raw if isinstance(message, BotMessage) else message


class Residents(State):
    """Create residents, groups and channels, and inject what they do."""

    def new_user(
        self,
        first_name: str = "王大妈",
        user_id: int | None = None,
        username: str | None = None,
        language_code: str | None = "zh-hans",
        *,
        last_name: str | None = None,
    ) -> FakeUser:
        """A resident; their private chat with the bot has chat id == user id."""
        user = FakeUser(
            id=user_id if user_id is not None else next(self._user_ids),
            first_name=first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
        )
        return self._register_user(user)

    def new_group(self, title: str = "唐驿镇居民群", *, supergroup: bool = True) -> FakeChat:
        seq = next(self._group_ids)
        chat_id = -(1_000_000_000_000 + seq) if supergroup else -(4_000_000 + seq)
        return self._register_chat(
            FakeChat(chat_id, "supergroup" if supergroup else "group", title)
        )

    def new_channel(
        self, title: str = "唐驿镇普法频道", *, username: str | None = None
    ) -> FakeChat:
        chat_id = -(1_000_000_000_000 + next(self._group_ids))
        return self._register_chat(FakeChat(chat_id, "channel", title, username))

    def _chat_for(self, user: FakeUser, chat: FakeChat | None) -> JSON:
        if user.id not in self._users:
            self._register_user(user)
        if chat is None:
            return user.private_chat()
        if chat.id not in self._chats:
            self._register_chat(chat)
        return chat.as_dict()

    async def _user_message(
        self, user: FakeUser, chat: FakeChat | None, content: JSON, reply_to: MessageRef | None
    ) -> JSON:
        chat_dict = self._chat_for(user, chat)
        chat_id = int(chat_dict["id"])
        message: JSON = {
            "message_id": self._alloc_message_id(chat_id),
            "from": user.as_dict(),
            "chat": chat_dict,
            "date": now(),
            **content,
        }
        if reply_to is not None:
            target = _as_message(reply_to)
            message["reply_to_message"] = {
                k: v for k, v in target.items() if k != "reply_to_message"
            }
        self._messages[(chat_id, message["message_id"])] = message
        await self._push_update("message", message)
        return message

    async def send_text(
        self,
        user: FakeUser,
        text: str,
        *,
        reply_to: MessageRef | None = None,
        chat: FakeChat | None = None,
        entities: list[JSON] | None = None,
    ) -> JSON:
        """The resident types *text*; a leading /command gets its bot_command entity."""
        content: JSON = {"text": text}
        if entities is None:
            match = _COMMAND.match(text)
            entities = (
                [{"type": "bot_command", "offset": 0, "length": utf16_len(match.group(0))}]
                if match
                else []
            )
        if entities:
            content["entities"] = entities
        return await self._user_message(user, chat, content, reply_to)

    async def forward_text(
        self,
        user: FakeUser,
        text: str,
        *,
        origin: JSON | None = None,
        chat: FakeChat | None = None,
    ) -> JSON:
        """The resident forwards a text message from elsewhere: the update carries
        ``forward_origin`` (by default a sender who hides their account, as most SMS-style
        forwards look; pass a MessageOrigin dict for a user, chat or channel)."""
        if origin is None:
            origin = {"type": "hidden_user", "sender_user_name": "未知联系人", "date": now() - 60}
        if origin.get("type") not in ("user", "hidden_user", "chat", "channel"):
            raise ValueError(f"not a MessageOrigin type: {origin.get('type')!r}")
        content: JSON = {"text": text, "forward_origin": {"date": now(), **origin}}
        return await self._user_message(user, chat, content, None)

    async def send_voice(
        self,
        user: FakeUser,
        content: bytes,
        *,
        duration: int = 5,
        chat: FakeChat | None = None,
        caption: str | None = None,
        mime_type: str = "audio/ogg",
    ) -> JSON:
        stored = self._store_file(content, "voice", "oga")
        voice = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "duration": duration,
            "mime_type": mime_type,
            "file_size": len(content),
        }
        return await self._user_message(user, chat, _with_caption({"voice": voice}, caption), None)

    async def send_photo(
        self,
        user: FakeUser,
        content: bytes,
        *,
        caption: str | None = None,
        chat: FakeChat | None = None,
        width: int = 1280,
        height: int = 960,
    ) -> JSON:
        stored = self._store_file(content, "photo", "jpg")
        small = self._store_file(content[:1024], "photo", "jpg")
        sizes = [
            {
                "file_id": small.file_id,
                "file_unique_id": small.file_unique_id,
                "width": 90,
                "height": 90 * height // max(width, 1),
                "file_size": len(small.content),
            },
            {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "width": width,
                "height": height,
                "file_size": len(content),
            },
        ]
        return await self._user_message(user, chat, _with_caption({"photo": sizes}, caption), None)

    async def send_document(
        self,
        user: FakeUser,
        content: bytes,
        *,
        filename: str = "材料.pdf",
        mime_type: str = "application/pdf",
        caption: str | None = None,
        chat: FakeChat | None = None,
    ) -> JSON:
        ext = filename.rsplit(".", 1)[-1] if "." in filename else "bin"
        stored = self._store_file(content, "document", ext)
        document = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_name": filename,
            "mime_type": mime_type,
            "file_size": len(content),
        }
        return await self._user_message(
            user, chat, _with_caption({"document": document}, caption), None
        )

    async def send_content(
        self, user: FakeUser, content: JSON, *, chat: FakeChat | None = None
    ) -> JSON:
        """Any other message content, e.g. {"sticker": {...}} or {"location": {...}}."""
        return await self._user_message(user, chat, dict(content), None)

    async def edit_text(self, user: FakeUser, message: JSON, new_text: str) -> JSON:
        """The resident edits one of their earlier text messages (edited_message update)."""
        chat_id = int(message["chat"]["id"])
        edited = {**message, "text": new_text, "edit_date": now()}
        edited.pop("entities", None)
        match = _COMMAND.match(new_text)
        if match:
            edited["entities"] = [
                {"type": "bot_command", "offset": 0, "length": utf16_len(match.group(0))}
            ]
        self._messages[(chat_id, int(message["message_id"]))] = edited
        await self._push_update("edited_message", edited)
        return edited

    async def press_button(
        self, user: FakeUser, message: MessageRef, callback_data: str, *, check: bool = True
    ) -> JSON:
        """The resident taps an inline button; returns the CallbackQuery (its "id" is what
        answerCallbackQuery must answer). With check=True the button must exist on the
        message's current keyboard (stale or forged data: pass check=False)."""
        raw = _as_message(message)
        key = (int(raw["chat"]["id"]), int(raw["message_id"]))
        current = self._messages.get(key, raw)
        if check:
            rows = (current.get("reply_markup") or {}).get("inline_keyboard", [])
            offered = [b.get("callback_data") for row in rows for b in row]
            if callback_data not in offered:
                raise AssertionError(
                    f"message #{key[1]} in chat {key[0]} has no button with callback_data "
                    f"{callback_data!r}; offered: {offered}"
                )
        if user.id not in self._users:
            self._register_user(user)
        query: JSON = {
            "id": f"cbq-{next(self._query_ids)}",
            "from": user.as_dict(),
            "message": current,
            "chat_instance": f"ci{key[0]}",
            "data": callback_data,
        }
        self._open_queries[query["id"]] = query
        await self._push_update("callback_query", query)
        return query

    async def post_in_channel(self, text: str, *, channel: FakeChat | None = None) -> JSON:
        """A channel post (no "from"; sender_chat is the channel)."""
        if channel is None:
            channel = self.new_channel()
        elif channel.id not in self._chats:
            self._register_chat(channel)
        chat = channel.as_dict()
        message: JSON = {
            "message_id": self._alloc_message_id(channel.id),
            "sender_chat": chat,
            "chat": chat,
            "date": now(),
            "text": text,
        }
        self._messages[(channel.id, message["message_id"])] = message
        await self._push_update("channel_post", message)
        return message

    async def inject_raw(self, update: dict[str, Any]) -> int:
        """Queue *update* verbatim (hostile payloads); an update_id is added if missing."""
        update = dict(update)
        if "update_id" not in update:
            update["update_id"] = self._new_update_id()
        await self._push_raw(update)
        return int(update["update_id"])


def _with_caption(content: JSON, caption: str | None) -> JSON:
    if caption:
        content["caption"] = caption
    return content
