"""Delivering the outbox to WeChat residents through customer-service messages (客服消息).

WeChat's answers become delivery outcomes: 40001/42001 (token invalid or expired) → a new token
and one more try; 45015 (more than 48 hours since the resident's last message) → held until
they write again; 43004 (unfollowed) → blocked (unreachable); 45047, -1, HTTP errors and
network failures → retry with back-off; anything else → rejected. An adviser's photo is
uploaded (media/upload) and sent as an image message after the text.

The note that a held answer waits (purpose ``answer_waiting``) goes as a template message
(``message/template/send``, not bound to the 48 hours) when ``wechat.answer_template_id`` is set.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import requests
from wechatpy.exceptions import WeChatClientException

from bot.adapters.wechat.client import WeChatApi
from bot.adapters.wechat.render import WeChatMessage, render
from bot.core.courier import ANSWER_WAITING
from bot.core.files import FileSources, FileUnavailable, extension_of
from bot.core.ports import Address, Delivery, DeliveryOutcome, Media, Outgoing
from bot.core.texts import answer_waiting_fields

log = logging.getLogger(__name__)

TOKEN_ERRORS = {40001, 40014, 42001}
WINDOW_CLOSED = 45015
UNSUBSCRIBED = 43004
BUSY = {-1, 45009, 45011, 45047}
# Temporary media (临时素材) WeChat takes: images up to 10 MB, voice up to 2 MB in AMR or MP3.
UPLOAD_LIMITS = {"image": 10 * 1024 * 1024, "voice": 2 * 1024 * 1024}
EXTENSIONS = {
    "image": {".jpg", ".jpeg", ".png", ".gif", ".bmp"},
    "voice": {".amr", ".mp3"},
}


def outcome_of(errcode: int | None) -> DeliveryOutcome:
    if errcode == WINDOW_CLOSED:
        return DeliveryOutcome.HELD
    if errcode == UNSUBSCRIBED:
        return DeliveryOutcome.BLOCKED
    if errcode is None or errcode in BUSY:  # HTTP errors come without an errcode
        return DeliveryOutcome.RETRY
    return DeliveryOutcome.REJECTED


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file sent after the text: uploaded as temporary media, then sent by its MediaId."""

    kind: str  # "image" | "voice": what media/upload and the customer-service message call it
    name: str
    content: bytes = field(repr=False)


class WeChatTransport:
    """Delivers outbox messages to WeChat residents; ``files``: the channels' file sources, for
    a photo an adviser sent from Telegram (by its Telegram file id)."""

    def __init__(
        self,
        api: WeChatApi,
        files: FileSources | None = None,
        answer_template_id: str | None = None,
    ) -> None:
        """``answer_template_id``: the template (模板消息) telling a resident that an answer held
        by the 48-hour rule is waiting; without it such notes go as customer-service messages."""
        self._api, self._files, self._template_id = api, files, answer_template_id

    async def send(self, message: Outgoing) -> Delivery:
        assert isinstance(message.chat_id, Address), "a WeChat message goes to an openid"
        openid = message.chat_id.id
        attachment = await self._attachment(message.media)
        parts = render(message, attached=attachment is not None)
        for _ in range(2):  # a second try only with a fresh token
            try:
                token = await self._api.token()
            except (WeChatClientException, requests.RequestException) as error:
                log.warning("no WeChat access token: %s", type(error).__name__)
                return Delivery(DeliveryOutcome.RETRY, error="no access token")
            try:
                if message.purpose == ANSWER_WAITING and self._template_id:
                    fields = answer_waiting_fields(message.case_id or 0)
                    data = {name: {"value": value} for name, value in fields.items()}
                    await self._api.call(
                        token, "message.send_template", openid, self._template_id, data
                    )
                else:
                    for part in parts:
                        await self._send(token, openid, part)
                    if attachment is not None:
                        await self._send_file(token, openid, attachment)
            except WeChatClientException as error:
                if error.errcode in TOKEN_ERRORS:
                    await self._api.refused(token)
                    continue
                log.info("WeChat refused outbox %s: errcode %s", message.id, error.errcode)
                return Delivery(outcome_of(error.errcode), error=f"wechat {error.errcode}")
            except requests.RequestException as error:
                return Delivery(DeliveryOutcome.RETRY, error=type(error).__name__)
            return Delivery(DeliveryOutcome.SENT)
        return Delivery(DeliveryOutcome.RETRY, error="access token refused twice")

    async def _send(self, token: str, openid: str, part: WeChatMessage) -> None:
        if not part.menu:
            await self._api.call(token, "message.send_text", openid, part.text)
            return
        menu = {
            "head_content": part.text,
            "list": [{"id": item_id, "content": label} for item_id, label in part.menu],
            "tail_content": "",
        }
        await self._api.call(token, "message.send_msg_menu", openid, menu)

    async def _attachment(self, media: Media | None) -> Attachment | None:
        """The file WeChat can take as a customer-service message (a photo; a voice in AMR or
        MP3), with its bytes; None for anything else or a file that cannot be had."""
        if media is None or media.kind not in ("photo", "voice"):
            return None
        kind = "image" if media.kind == "photo" else "voice"
        if media.content:
            content, name = media.content, media.filename or "photo.jpg"
        elif media.file_id and self._files is not None:
            try:
                fetched = await self._files.fetch(media.channel, media.file_id, UPLOAD_LIMITS[kind])
            except FileUnavailable as error:
                log.warning("%s file not fetched for WeChat: %s", media.channel, error.reason)
                return None
            content, name = fetched.content, fetched.name
        else:
            return None
        if len(content) > UPLOAD_LIMITS[kind] or extension_of(name) not in EXTENSIONS[kind]:
            return None  # Telegram's OGG voice, say: WeChat plays only AMR and MP3
        return Attachment(kind, name, content)

    async def _send_file(self, token: str, openid: str, attachment: Attachment) -> None:
        upload = (attachment.name, attachment.content)
        result = await self._api.call(token, "media.upload", attachment.kind, upload)
        send = "message.send_image" if attachment.kind == "image" else "message.send_voice"
        await self._api.call(token, send, openid, result["media_id"])
