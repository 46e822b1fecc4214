"""The account's message server (服务器配置): WeChat's GET check and its signed POSTs.

Every POST is answered well inside WeChat's 5 seconds: the signature is checked (a bad one gets
403 and nothing is stored), safe-mode bodies are decrypted, and the callback is stored under its
dedupe key (MsgId; for events sender + CreateTime + event + key) before ``success`` is answered. A
retry of a stored callback is answered ``success`` again and not processed twice; replies go
out later through the customer-service API (:mod:`.transport`).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable

import xmltodict
from aiohttp import web
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.utils import check_signature

from bot.config.settings import WeChatSettings
from bot.storage.channel_store import ChannelItem

log = logging.getLogger(__name__)

MAX_BODY = 64 * 1024  # WeChat's callbacks are a few hundred bytes
SUCCESS = "success"

Accept = Callable[[ChannelItem], Awaitable[None]]


class BadCallback(Exception):
    """A signed callback whose XML is not a WeChat message."""


def dedupe_key(fields: dict[str, str]) -> str:
    """MsgId for messages; events carry none: sender + CreateTime + event (+ its key: two
    menu taps within one second are two events). Bounded to the column's 160 characters."""
    if fields.get("MsgId"):
        return f"wechat:msg:{fields['MsgId']}"[:160]
    names = ("FromUserName", "CreateTime", "Event", "EventKey")
    key = "wechat:event:" + ":".join(fields.get(name, "") for name in names)
    return key if len(key) <= 160 else key[:96] + hashlib.sha256(key.encode()).hexdigest()


def read_fields(xml: str) -> dict[str, str]:
    try:
        parsed = xmltodict.parse(xml, disable_entities=True)
    except Exception as error:  # expat's errors, and entities refused
        raise BadCallback(type(error).__name__) from None
    fields = parsed.get("xml") if isinstance(parsed, dict) else None
    if not isinstance(fields, dict) or not isinstance(fields.get("FromUserName"), str):
        raise BadCallback("no sender")
    if not isinstance(fields.get("MsgType"), str):
        raise BadCallback("no MsgType")
    return {k: v for k, v in fields.items() if isinstance(v, str)}


class MessageServer:
    def __init__(self, settings: WeChatSettings, accept: Accept) -> None:
        assert settings.token is not None
        self._token = settings.token.get_secret_value()
        self._crypto = None
        if settings.encoding_aes_key is not None:
            key = settings.encoding_aes_key.get_secret_value()
            self._crypto = WeChatCrypto(self._token, key, settings.app_id)
        self._accept = accept

    def app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_get("", self.verify)
        app.router.add_post("", self.receive)
        return app

    def _signed(self, request: web.Request) -> bool:
        q = request.query
        try:
            check_signature(
                self._token, q.get("signature", ""), q.get("timestamp", ""), q.get("nonce", "")
            )
        except InvalidSignatureException:
            return False
        return True

    async def verify(self, request: web.Request) -> web.Response:
        if not self._signed(request):
            return web.Response(status=403, text="bad signature")
        return web.Response(text=request.query.get("echostr", ""))

    async def receive(self, request: web.Request) -> web.Response:
        if not self._signed(request):
            return web.Response(status=403, text="bad signature")
        body = (await request.read()).decode("utf-8", "replace")
        q = request.query
        if q.get("encrypt_type") == "aes":
            if self._crypto is None:
                return web.Response(status=400, text="safe mode is not configured")
            try:
                body = self._crypto.decrypt_message(
                    body, q.get("msg_signature", ""), q.get("timestamp", ""), q.get("nonce", "")
                )
            except (InvalidSignatureException, InvalidAppIdException):
                return web.Response(status=403, text="bad signature")
            except Exception as error:  # a body that is no encrypted message
                log.info("undecryptable WeChat callback: %s", type(error).__name__)
                return web.Response(status=400, text="bad message")
        try:
            fields = read_fields(body)
        except BadCallback as error:
            log.info("unreadable WeChat callback: %s", error)
            return web.Response(status=400, text="bad message")
        await self._accept(ChannelItem(dedupe_key(fields), fields["FromUserName"], fields))
        return web.Response(text=SUCCESS)
