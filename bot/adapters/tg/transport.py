"""Sending one outbox message with PTB's ``Bot``, mapping Telegram errors to delivery outcomes.

A file of another channel (a WeChat resident's voice or photo, by its MediaId) cannot be sent by
id: its bytes are fetched through that channel's file source and uploaded. When they cannot be
had, the message still goes, saying so: the case is never lost for a file.
"""

from __future__ import annotations

import logging

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.core import staff_texts
from bot.core.files import FetchedFile, FileSources, FileUnavailable, extension_of
from bot.core.law import split_for_messages
from bot.core.messages import TELEGRAM, telegram_id
from bot.core.ports import Button, Delivery, DeliveryOutcome, Media, Outgoing

log = logging.getLogger(__name__)

TELEGRAM_LIMIT = 4096
# What Telegram plays as a voice message; other audio (WeChat's AMR voice) goes as a document.
VOICE_EXTENSIONS = {".ogg", ".oga", ".opus", ".mp3", ".m4a"}


def keyboard(rows: tuple[tuple[Button, ...], ...]) -> InlineKeyboardMarkup | None:
    """The inline keyboard for the message's buttons; None when it has none."""
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.data) for b in row] for row in rows]
    )


class TelegramTransport:
    """Delivers outbox messages to Telegram chats; ``files``: the other channels' file sources,
    for their residents' files."""

    def __init__(self, bot: Bot, files: FileSources | None = None) -> None:
        self._bot, self._files = bot, files

    async def send(self, message: Outgoing) -> Delivery:
        if telegram_id(message.chat_id) is None:  # another channel's, while only Telegram runs
            return Delivery(DeliveryOutcome.RETRY, error=f"no {message.channel} channel running")
        try:
            sent = await self._send(message)
        except RetryAfter as exc:
            retry = exc.retry_after
            seconds = retry.total_seconds() if hasattr(retry, "total_seconds") else float(retry)
            return Delivery(DeliveryOutcome.RETRY, retry_after=seconds, error="429 retry after")
        except Forbidden as exc:
            return Delivery(DeliveryOutcome.BLOCKED, error=f"403 {exc.message}")
        except BadRequest as exc:
            return Delivery(DeliveryOutcome.REJECTED, error=f"400 {exc.message}")
        except NetworkError as exc:  # includes TimedOut and 5xx answers
            return Delivery(DeliveryOutcome.RETRY, error=f"network: {exc.message}")
        except TelegramError as exc:
            return Delivery(DeliveryOutcome.RETRY, error=exc.message)
        return Delivery(DeliveryOutcome.SENT, message_id=sent)

    async def _send(self, message: Outgoing) -> int:
        """Send the message (split if too long, its media after it); the first part's id."""
        chat = telegram_id(message.chat_id)
        assert chat is not None, "a Telegram message goes to a Telegram chat"
        media = message.media
        fetched, text = None, message.text
        if media is not None and media.file_id and media.channel != TELEGRAM:
            fetched, note = await self._fetch(media)
            text += note
        chunks = split_for_messages(text, limit=TELEGRAM_LIMIT) or [text]
        first: int | None = None
        for index, chunk in enumerate(chunks):
            last = index == len(chunks) - 1
            sent = await self._bot.send_message(
                chat,
                chunk,
                parse_mode=ParseMode.HTML,
                reply_markup=keyboard(message.buttons) if last else None,
            )
            first = first or sent.message_id
        assert first is not None
        if media is not None and media.content:  # a file uploaded in the console
            upload = InputFile(media.content, filename=media.filename or None)
            send = self._bot.send_photo if media.kind == "photo" else self._bot.send_document
            await send(chat, upload, reply_to_message_id=first)
        elif media is not None and fetched is not None:
            await self._upload(chat, media, fetched, first)
        elif media is not None and media.file_id and media.channel == TELEGRAM:
            await self._send_media(chat, media.kind, media.file_id, first)
        return first

    async def _fetch(self, media: Media) -> tuple[FetchedFile | None, str]:
        """Another channel's file; or None and the note telling the adviser it is missing."""
        assert media.file_id is not None
        reason = "gone"
        if self._files is not None:
            try:
                return await self._files.fetch(media.channel, media.file_id), ""
            except FileUnavailable as error:
                reason = error.reason
        log.warning("%s %s not fetched for Telegram: %s", media.channel, media.kind, reason)
        return None, staff_texts.file_not_fetched(media.kind, reason)

    async def _upload(self, chat: int, media: Media, fetched: FetchedFile, reply_to: int) -> None:
        """Upload another channel's file: a photo as a photo, a voice Telegram can play as a
        voice, anything else as a document under its own name."""
        own = media.filename if media.filename and extension_of(media.filename) else None
        name = own or fetched.name or "file"
        upload = InputFile(fetched.content, filename=name)
        if media.kind == "photo":
            try:
                await self._bot.send_photo(chat, upload, reply_to_message_id=reply_to)
                return
            except BadRequest:  # an image Telegram will not show as a photo: send it as a file
                upload = InputFile(fetched.content, filename=name)
        elif media.kind == "voice" and extension_of(fetched.name) in VOICE_EXTENSIONS:
            await self._bot.send_voice(chat, upload, reply_to_message_id=reply_to)
            return
        await self._bot.send_document(chat, upload, reply_to_message_id=reply_to)

    async def _send_media(self, chat_id: int, kind: str, file_id: str, reply_to: int) -> None:
        senders = {
            "voice": self._bot.send_voice,
            "audio": self._bot.send_audio,
            "photo": self._bot.send_photo,
            "video": self._bot.send_video,
            "video_note": self._bot.send_video_note,
        }
        send = senders.get(kind, self._bot.send_document)
        await send(chat_id, file_id, reply_to_message_id=reply_to)  # type: ignore[operator]
