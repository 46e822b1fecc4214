"""Bot API methods that send, edit, copy and delete messages."""

from __future__ import annotations

import mimetypes
from typing import Any

from .models import JSON, BotApiError, BotMessage, UploadedFile, bad_request
from .state import State, now
from .validation import as_dict, format_text, parse_markup

_MEDIA_EXT = {"document": "bin", "photo": "jpg", "voice": "oga"}


def _strip_reply(message: JSON) -> JSON:
    return {k: v for k, v in message.items() if k != "reply_to_message"}


class Messaging(State):
    """sendMessage, send{Document,Photo,Voice}, edits, copy/forward, deleteMessage."""

    def _target(self, params: dict[str, Any], key: str = "chat_id") -> JSON:
        if params.get(key) in (None, ""):
            raise bad_request("chat_id is empty")
        chat = self.chat(params[key])
        if chat["id"] in self.blocked:
            detail = {
                "private": "bot was blocked by the user",
                "channel": "bot is not a member of the channel chat",
            }.get(chat["type"], "bot was kicked from the group chat")
            raise BotApiError(403, f"Forbidden: {detail}")
        return chat

    def _reply_target(self, chat_id: int, params: dict[str, Any]) -> JSON | None:
        reply = as_dict(params.get("reply_parameters"))
        message_id = reply.get("message_id") or params.get("reply_to_message_id")
        if not message_id:
            return None
        target = self._messages.get((int(reply.get("chat_id", chat_id)), int(message_id)))
        if target is None:
            if reply.get("allow_sending_without_reply") or params.get(
                "allow_sending_without_reply"
            ):
                return None
            raise bad_request("message to be replied not found")
        return target

    def _record_bot_message(
        self,
        chat: JSON,
        method: str,
        params: dict[str, Any],
        *,
        content: JSON,
        raw_text: str,
        markup: JSON | None,
        reply_to: JSON | None,
        file: UploadedFile | None = None,
    ) -> BotMessage:
        chat_id = int(chat["id"])
        message: JSON = {"message_id": self._alloc_message_id(chat_id), "date": now()}
        if chat["type"] == "channel":
            message["sender_chat"] = chat
        else:
            message["from"] = self.bot_user
        message["chat"] = chat
        message.update(content)
        if markup and "inline_keyboard" in markup:
            message["reply_markup"] = {"inline_keyboard": markup["inline_keyboard"]}
        if reply_to is not None:
            message["reply_to_message"] = _strip_reply(reply_to)
        visible = str(content.get("text", content.get("caption", "")))
        entities = list(content.get("entities") or content.get("caption_entities") or [])
        record = BotMessage(
            chat_id=chat_id,
            message_id=message["message_id"],
            method=method,
            text=raw_text,
            visible_text=visible,
            parse_mode=params.get("parse_mode"),
            entities=entities,
            reply_markup=message.get("reply_markup"),
            reply_to_message_id=reply_to["message_id"] if reply_to else None,
            raw=message,
            params=params,
            file=file,
        )
        self._messages[(chat_id, record.message_id)] = message
        self._bot_messages.setdefault(chat_id, []).append(record)
        self._bot_by_key[(chat_id, record.message_id)] = record
        return record

    async def m_sendMessage(self, p: dict[str, Any]) -> JSON:
        chat = self._target(p)
        visible, entities = format_text(p.get("text"), p.get("parse_mode"), p.get("entities"))
        markup = parse_markup(p.get("reply_markup"))
        reply_to = self._reply_target(int(chat["id"]), p)
        content: JSON = {"text": visible}
        if entities:
            content["entities"] = entities
        record = self._record_bot_message(
            chat,
            "sendMessage",
            p,
            content=content,
            raw_text=str(p.get("text")),
            markup=markup,
            reply_to=reply_to,
        )
        return record.raw

    async def _send_media(self, kind: str, p: dict[str, Any]) -> JSON:
        chat = self._target(p)
        source = p.get(kind)
        if isinstance(source, str) and source.startswith("attach://"):
            source = p.get(source.removeprefix("attach://"))
        upload: UploadedFile | None = None
        if isinstance(source, UploadedFile):
            if not source.content:
                raise bad_request("file must be non-empty")
            upload = source
            ext = source.filename.rsplit(".", 1)[-1] if "." in source.filename else ""
            stored = self._store_file(source.content, kind, ext or _MEDIA_EXT[kind])
        elif isinstance(source, str) and source in self._files:
            stored = self._files[source]
        elif isinstance(source, str) and source.startswith(("http://", "https://")):
            stored = self._store_file(b"", kind, _MEDIA_EXT[kind])
        elif source in (None, ""):
            raise bad_request(f"there is no {kind} in the request")
        else:
            raise bad_request("wrong file identifier/HTTP URL specified")
        visible, entities = format_text(
            p.get("caption"), p.get("parse_mode"), p.get("caption_entities"), caption=True
        )
        markup = parse_markup(p.get("reply_markup"))
        reply_to = self._reply_target(int(chat["id"]), p)
        ids = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content),
        }
        content: JSON
        if kind == "photo":
            content = {"photo": [{**ids, "width": 320, "height": 240}]}
        elif kind == "voice":
            content = {
                "voice": {**ids, "duration": int(p.get("duration") or 1), "mime_type": "audio/ogg"}
            }
        else:
            name = upload.filename if upload else stored.file_path.rsplit("/", 1)[-1]
            mime = (upload.mime_type if upload else None) or mimetypes.guess_type(name)[0]
            content = {
                "document": {
                    **ids,
                    "file_name": name,
                    "mime_type": mime or "application/octet-stream",
                }
            }
        if visible:
            content["caption"] = visible
        if entities:
            content["caption_entities"] = entities
        method = "send" + kind.capitalize()
        record = self._record_bot_message(
            chat,
            method,
            p,
            content=content,
            raw_text=str(p.get("caption") or ""),
            markup=markup,
            reply_to=reply_to,
            file=upload or UploadedFile(stored.file_path, stored.content, None),
        )
        return record.raw

    async def m_sendDocument(self, p: dict[str, Any]) -> JSON:
        return await self._send_media("document", p)

    async def m_sendPhoto(self, p: dict[str, Any]) -> JSON:
        return await self._send_media("photo", p)

    async def m_sendVoice(self, p: dict[str, Any]) -> JSON:
        return await self._send_media("voice", p)

    def _editable(self, p: dict[str, Any]) -> BotMessage:
        if p.get("inline_message_id"):
            raise bad_request("MESSAGE_ID_INVALID")
        if p.get("chat_id") in (None, "") or not p.get("message_id"):
            raise bad_request("message identifier is not specified")
        chat = self._target(p)
        key = (int(chat["id"]), int(p["message_id"]))
        record = self._bot_by_key.get(key)
        if record is None or record.deleted:
            if key in self._messages:
                raise bad_request("message can't be edited")
            raise bad_request("message to edit not found")
        return record

    def _apply_edit(
        self, record: BotMessage, p: dict[str, Any], changes: JSON, markup: JSON | None
    ) -> JSON:
        new_markup = (
            {"inline_keyboard": markup["inline_keyboard"]}
            if markup and ("inline_keyboard" in markup)
            else None
        )
        old = record.raw
        if (
            all((old.get(k) or None) == (v or None) for k, v in changes.items())
            and old.get("reply_markup") == new_markup
        ):
            raise bad_request(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        record.edits.append(dict(old))
        new = {k: v for k, v in old.items() if k != "reply_markup"}
        new.update(changes)
        new = {k: v for k, v in new.items() if v not in (None, [], "")}
        if new_markup:
            new["reply_markup"] = new_markup
        new["edit_date"] = now()
        record.raw = new
        record.reply_markup = new_markup
        record.visible_text = new.get("text", new.get("caption", ""))
        record.entities = new.get("entities", new.get("caption_entities", []))
        if "parse_mode" in p or "text" in p or "caption" in p:
            record.parse_mode = p.get("parse_mode")
        self._messages[(record.chat_id, record.message_id)] = new
        return new

    async def m_editMessageText(self, p: dict[str, Any]) -> JSON:
        record = self._editable(p)
        if "text" not in record.raw:
            raise bad_request("there is no text in the message to edit")
        visible, entities = format_text(p.get("text"), p.get("parse_mode"), p.get("entities"))
        markup = parse_markup(p.get("reply_markup"))
        result = self._apply_edit(record, p, {"text": visible, "entities": entities}, markup)
        record.text = str(p.get("text"))
        return result

    async def m_editMessageCaption(self, p: dict[str, Any]) -> JSON:
        record = self._editable(p)
        if "text" in record.raw:
            raise bad_request("there is no caption in the message to edit")
        visible, entities = format_text(
            p.get("caption"), p.get("parse_mode"), p.get("caption_entities"), caption=True
        )
        markup = parse_markup(p.get("reply_markup"))
        changes = {"caption": visible, "caption_entities": entities}
        result = self._apply_edit(record, p, changes, markup)
        record.text = str(p.get("caption") or "")
        return result

    async def m_editMessageReplyMarkup(self, p: dict[str, Any]) -> JSON:
        record = self._editable(p)
        return self._apply_edit(record, p, {}, parse_markup(p.get("reply_markup")))

    async def m_deleteMessage(self, p: dict[str, Any]) -> bool:
        chat = self.chat(p.get("chat_id") or 0)
        key = (int(chat["id"]), int(p.get("message_id") or 0))
        if key not in self._messages:
            raise bad_request("message to delete not found")
        del self._messages[key]
        if key in self._bot_by_key:
            self._bot_by_key[key].deleted = True
        return True

    def _source(self, p: dict[str, Any], verb: str) -> JSON:
        source_chat = self.chat(p.get("from_chat_id") or 0)
        source = self._messages.get((int(source_chat["id"]), int(p.get("message_id") or 0)))
        if source is None:
            raise bad_request(f"message to {verb} not found")
        return source

    async def m_copyMessage(self, p: dict[str, Any]) -> JSON:
        source = self._source(p, "copy")
        chat = self._target(p)
        content = {
            k: v
            for k, v in source.items()
            if k
            in (
                "text",
                "entities",
                "caption",
                "caption_entities",
                "document",
                "photo",
                "voice",
                "sticker",
                "location",
                "contact",
            )
        }
        raw_text = content.get("text", content.get("caption", ""))
        if "caption" in p and "text" not in content:
            visible, entities = format_text(
                p.get("caption"), p.get("parse_mode"), p.get("caption_entities"), caption=True
            )
            content.update(caption=visible, caption_entities=entities)
            raw_text = str(p.get("caption") or "")
        content = {k: v for k, v in content.items() if v not in (None, "", [])}
        record = self._record_bot_message(
            chat,
            "copyMessage",
            p,
            content=content,
            raw_text=raw_text,
            markup=parse_markup(p.get("reply_markup")),
            reply_to=self._reply_target(int(chat["id"]), p),
            file=self._file_of(content),
        )
        return {"message_id": record.message_id}

    async def m_forwardMessage(self, p: dict[str, Any]) -> JSON:
        source = self._source(p, "forward")
        chat = self._target(p)
        content = {
            k: v
            for k, v in source.items()
            if k
            not in (
                "message_id",
                "from",
                "chat",
                "date",
                "reply_to_message",
                "reply_markup",
                "edit_date",
                "sender_chat",
            )
        }
        origin: JSON = {"type": "user", "sender_user": source.get("from"), "date": source["date"]}
        if "from" not in source:
            origin = {
                "type": "channel",
                "chat": source["chat"],
                "date": source["date"],
                "message_id": source["message_id"],
            }
        content["forward_origin"] = origin
        record = self._record_bot_message(
            chat,
            "forwardMessage",
            p,
            content=content,
            raw_text=content.get("text", content.get("caption", "")),
            markup=None,
            reply_to=None,
            file=self._file_of(content),
        )
        return record.raw

    def _file_of(self, content: JSON) -> UploadedFile | None:
        media = content.get("document") or content.get("voice") or content.get("photo")
        if isinstance(media, list):
            media = media[-1] if media else None
        if not isinstance(media, dict) or media.get("file_id") not in self._files:
            return None
        stored = self._files[media["file_id"]]
        return UploadedFile(
            media.get("file_name", stored.file_path), stored.content, media.get("mime_type")
        )
