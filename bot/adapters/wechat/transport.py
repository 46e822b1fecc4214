"""Delivering the outbox to WeChat residents through customer-service messages (客服消息).

WeChat's answers become delivery outcomes: 40001/42001 (token invalid or expired) → a new token
and one more try; 45015 (more than 48 hours since the resident's last message) → held until
they write again; 43004 (unfollowed) → blocked (unreachable); 45047, -1, HTTP errors and
network failures → retry with back-off; anything else → rejected.

The note that a held answer waits (purpose ``answer_waiting``) goes as a template message
(``message/template/send``, not bound to the 48 hours) when ``wechat.answer_template_id`` is set.
"""

from __future__ import annotations

import logging

import requests
from wechatpy.exceptions import WeChatClientException

from bot.adapters.wechat.client import WeChatApi
from bot.adapters.wechat.render import WeChatMessage, render
from bot.core.courier import ANSWER_WAITING
from bot.core.ports import Address, Delivery, DeliveryOutcome, Outgoing
from bot.core.texts import answer_waiting_fields

log = logging.getLogger(__name__)

TOKEN_ERRORS = {40001, 40014, 42001}
WINDOW_CLOSED = 45015
UNSUBSCRIBED = 43004
BUSY = {-1, 45009, 45011, 45047}


def outcome_of(errcode: int | None) -> DeliveryOutcome:
    if errcode == WINDOW_CLOSED:
        return DeliveryOutcome.HELD
    if errcode == UNSUBSCRIBED:
        return DeliveryOutcome.BLOCKED
    if errcode is None or errcode in BUSY:  # HTTP errors come without an errcode
        return DeliveryOutcome.RETRY
    return DeliveryOutcome.REJECTED


class WeChatTransport:
    def __init__(self, api: WeChatApi, answer_template_id: str | None = None) -> None:
        """``answer_template_id``: the template (模板消息) telling a resident that an answer held
        by the 48-hour rule is waiting; without it such notes go as customer-service messages."""
        self._api, self._template_id = api, answer_template_id

    async def send(self, message: Outgoing) -> Delivery:
        assert isinstance(message.chat_id, Address), "a WeChat message goes to an openid"
        openid = message.chat_id.id
        parts = render(message)
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
