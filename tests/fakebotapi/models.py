"""Value types of the fake Bot API: residents, chats, recorded calls and bot messages."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

JSON = dict[str, Any]


class BotApiError(Exception):
    """Raised inside a method handler; becomes a Telegram-shaped error response."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def body(self) -> JSON:
        body: JSON = {"ok": False, "error_code": self.status, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(detail: str) -> BotApiError:
    return BotApiError(400, f"Bad Request: {detail}")


@dataclass(frozen=True)
class FakeUser:
    """A resident (or adviser) account. Their private chat with the bot has chat id == id."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "zh-hans"

    def as_dict(self) -> JSON:
        data: JSON = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        return data

    def private_chat(self) -> JSON:
        data: JSON = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.last_name is not None:
            data["last_name"] = self.last_name
        if self.username is not None:
            data["username"] = self.username
        return data


@dataclass(frozen=True)
class FakeChat:
    """A group, supergroup or channel created by the test."""

    id: int
    type: str
    title: str
    username: str | None = None

    def as_dict(self) -> JSON:
        data: JSON = {"id": self.id, "type": self.type, "title": self.title}
        if self.username is not None:
            data["username"] = self.username
        return data


ChatRef = int | str | FakeUser | FakeChat | dict[str, Any]


def chat_id_of(ref: ChatRef) -> int | str:
    """Chat id from an int, a FakeUser (private chat), a FakeChat or a Chat/User dict."""
    if isinstance(ref, FakeUser | FakeChat):
        return ref.id
    if isinstance(ref, dict):
        return ref["chat"]["id"] if "chat" in ref else ref["id"]
    return ref


class Call(NamedTuple):
    """One Bot API request the bot made: method name and decoded parameters."""

    method: str
    params: dict[str, Any]


class ErrorReply(NamedTuple):
    """An error response the fake server returned to the bot."""

    method: str
    params: dict[str, Any]
    status: int
    description: str


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request (what the bot uploaded)."""

    filename: str
    content: bytes
    mime_type: str | None


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    content: bytes


@dataclass
class BotMessage:
    """A message the bot sent (sendMessage, sendDocument, sendPhoto, sendVoice, copyMessage,
    forwardMessage). Mutable: edits and deletions by the bot update it in place.

    ``text`` is what the bot passed (the raw text or caption, markup included);
    ``visible_text`` is what the resident sees (entities parsed, trimmed).
    """

    chat_id: int
    message_id: int
    method: str
    text: str
    visible_text: str
    parse_mode: str | None
    entities: list[JSON]
    reply_markup: JSON | None
    reply_to_message_id: int | None
    raw: JSON
    params: dict[str, Any]
    file: UploadedFile | None = None
    deleted: bool = False
    edits: list[JSON] = field(default_factory=list)

    @property
    def keyboard(self) -> list[list[dict[str, str]]]:
        """Inline keyboard as rows of {"text", "callback_data"} (plus "url" etc. if set)."""
        markup = self.reply_markup or {}
        return [
            [{k: v for k, v in button.items() if isinstance(v, str)} for button in row]
            for row in markup.get("inline_keyboard", [])
        ]

    @property
    def buttons(self) -> list[dict[str, str]]:
        return [button for row in self.keyboard for button in row]

    def button_texts(self) -> list[str]:
        return [button["text"] for button in self.buttons]

    def callback_data_for(self, text: str) -> str:
        """callback_data of the button whose text contains *text* (AssertionError if none)."""
        matches = [b for b in self.buttons if text in b["text"] and "callback_data" in b]
        if not matches:
            raise AssertionError(f"no button containing {text!r}; buttons: {self.button_texts()}")
        return matches[0]["callback_data"]

    @property
    def document(self) -> bytes | None:
        return self.file.content if self.file else None

    @property
    def filename(self) -> str | None:
        return self.file.filename if self.file else None

    def summary(self) -> str:
        flag = " [deleted]" if self.deleted else ""
        extra = f" file={self.filename!r}" if self.file else ""
        keys = f" buttons={self.button_texts()}" if self.buttons else ""
        return f"#{self.message_id} {self.method}{flag}{extra}{keys}: {self.visible_text[:120]!r}"


class ConnectionDropped(Exception):
    """Raised while the server is offline: the HTTP connection is aborted without a reply."""
