"""Request validation shared by the Bot API methods (texts, keyboards, commands)."""

from __future__ import annotations

import json
import re
from typing import Any

from . import textparse
from .models import JSON, bad_request

MAX_TEXT = 4096
MAX_CAPTION = 1024
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_BUTTON_ACTIONS = frozenset(
    {
        "url",
        "callback_data",
        "web_app",
        "login_url",
        "switch_inline_query",
        "switch_inline_query_current_chat",
        "switch_inline_query_chosen_chat",
        "copy_text",
        "callback_game",
        "pay",
    }
)
_COMMAND = re.compile(r"^[a-z0-9_]{1,32}$")


def format_text(
    text: Any, parse_mode: Any, entities: Any, *, caption: bool = False
) -> tuple[str, list[JSON]]:
    """Parse and check a message text or caption; returns (visible text, entities)."""
    if text is None:
        text = ""
    if not isinstance(text, str):
        text = str(text)
    if not text and not caption:
        raise bad_request("message text is empty")
    try:
        visible, parsed = textparse.parse(text, parse_mode if parse_mode else None)
    except textparse.EntityParseError as exc:
        raise bad_request(f"can't parse entities: {exc}") from exc
    if not parse_mode and isinstance(entities, list):
        parsed = [e for e in entities if isinstance(e, dict)]
    visible, parsed = textparse.trim(visible, parsed)
    if not visible and not caption:
        raise bad_request("message text is empty")
    if caption and len(visible) > MAX_CAPTION:
        raise bad_request("message caption is too long")
    if not caption and len(visible) > MAX_TEXT:
        raise bad_request("message is too long")
    return visible, parsed


def parse_markup(raw: Any) -> JSON | None:
    """Validate reply_markup like Telegram does; returns the parsed object."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise bad_request("can't parse reply keyboard markup JSON object") from None
    if not isinstance(raw, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" not in raw:
        return raw
    rows = raw["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(
            'field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays'
        )
    for row in rows:
        for button in row:
            _check_button(button)
    return raw


def _check_button(button: Any) -> None:
    prefix = "can't parse inline keyboard button: "
    if not isinstance(button, dict):
        raise bad_request(prefix + "InlineKeyboardButton must be an Object")
    if not isinstance(button.get("text"), str):
        raise bad_request(prefix + 'Field "text" must be of type String')
    if not _BUTTON_ACTIONS & set(button):
        raise bad_request(prefix + "Text buttons are unallowed in the inline keyboard")
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= 64:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button:
        url = button["url"]
        if not isinstance(url, str) or not re.match(r"^(https?|tg)://\S+$", url):
            raise bad_request("BUTTON_URL_INVALID")


def check_commands(commands: Any) -> list[JSON]:
    if isinstance(commands, str):
        try:
            commands = json.loads(commands)
        except ValueError:
            raise bad_request("can't parse commands JSON object") from None
    if not isinstance(commands, list) or len(commands) > 100:
        raise bad_request("can't parse commands JSON object")
    for command in commands:
        if not isinstance(command, dict) or not _COMMAND.match(str(command.get("command", ""))):
            raise bad_request("BOT_COMMAND_INVALID")
        description = command.get("description")
        if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
    return commands


def as_dict(raw: Any) -> JSON:
    """A JSON-object parameter that may still be a JSON string (or absent)."""
    if isinstance(raw, dict):
        return raw
    if isinstance(raw, str) and raw:
        try:
            value = json.loads(raw)
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}
    return {}
