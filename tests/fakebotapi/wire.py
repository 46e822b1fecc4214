"""Decoding Bot API requests as PTB's HTTPXRequest sends them.

PTB posts application/x-www-form-urlencoded fields (strings as-is, everything else JSON
encoded), or multipart/form-data when a file is uploaded. JSON bodies and query strings are
accepted too, like the real Bot API.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import BodyPartReader, web

from .models import BotApiError, UploadedFile

_JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "allowed_updates",
        "commands",
        "scope",
        "reply_parameters",
        "link_preview_options",
        "media",
        "message_ids",
        "menu_button",
        "rights",
    }
)
_INT_FIELDS = frozenset(
    {
        "chat_id",
        "from_chat_id",
        "message_id",
        "offset",
        "limit",
        "timeout",
        "cache_time",
        "reply_to_message_id",
        "message_thread_id",
        "user_id",
        "duration",
        "width",
        "height",
    }
)
_BOOL_FIELDS = frozenset(
    {
        "disable_notification",
        "protect_content",
        "show_alert",
        "drop_pending_updates",
        "disable_web_page_preview",
        "allow_sending_without_reply",
        "disable_content_type_detection",
        "has_spoiler",
        "allow_paid_broadcast",
    }
)


def _coerce(name: str, value: Any) -> Any:
    """Form fields arrive as strings; nested values are JSON-encoded (as PTB sends them)."""
    if not isinstance(value, str):
        return value
    if name in _JSON_FIELDS:
        try:
            return json.loads(value)
        except ValueError:
            return value
    if name in _INT_FIELDS:
        try:
            return int(value)
        except ValueError:
            return value
    if name in _BOOL_FIELDS:
        return value.lower() in ("true", "1")
    return value


async def read_params(request: web.Request) -> dict[str, Any]:
    raw: dict[str, Any] = dict(request.query)
    if request.method == "POST" and request.can_read_body:
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise BotApiError(400, "Bad Request: can't parse JSON object") from None
            if isinstance(body, dict):
                raw.update(body)
        elif request.content_type == "multipart/form-data":
            reader = await request.multipart()
            while (part := await reader.next()) is not None:
                if not isinstance(part, BodyPartReader) or not part.name:
                    continue
                if part.filename:
                    raw[part.name] = UploadedFile(
                        part.filename, bytes(await part.read()), part.headers.get("Content-Type")
                    )
                else:
                    raw[part.name] = await part.text()
        else:
            raw.update((await request.post()).items())
    return {name: _coerce(name, value) for name, value in raw.items()}
