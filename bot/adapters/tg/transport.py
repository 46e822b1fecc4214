"""Sending one outbox message with PTB's ``Bot``, mapping Telegram errors to delivery outcomes."""

from __future__ import annotations

import logging

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.core.law import split_for_messages
from bot.core.messages import telegram_id
from bot.core.ports import Button, Delivery, DeliveryOutcome, Outgoing

log = logging.getLogger(__name__)

TELEGRAM_LIMIT = 4096


def keyboard(rows: tuple[tuple[Button, ...], ...]) -> InlineKeyboardMarkup | None:
    """The inline keyboard for the message's buttons; None when it has none."""
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.data) for b in row] for row in rows]
    )


class TelegramTransport:
    """Delivers outbox messages to Telegram chats."""

    def __init__(self, bot: Bot) -> None:
        self._bot = bot

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
        chunks = split_for_messages(message.text, limit=TELEGRAM_LIMIT) or [message.text]
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
        media = message.media
        if media is not None and media.content:  # a file uploaded in the console
            upload = InputFile(media.content, filename=media.filename or None)
            send = self._bot.send_photo if media.kind == "photo" else self._bot.send_document
            await send(chat, upload, reply_to_message_id=first)
        elif media is not None and media.file_id:
            await self._send_media(chat, media.kind, media.file_id, first)
        return first

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
