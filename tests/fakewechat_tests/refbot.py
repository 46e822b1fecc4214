"""A minimal message server written with wechatpy: the reference the fake's callbacks are
checked against (wechatpy verifies the fake's signatures and decrypts its pushes; the fake
verifies and decrypts wechatpy's encrypted replies)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.replies import create_reply
from wechatpy.utils import check_signature


@dataclass
class Received:
    """One POST as the reference server saw it."""

    query: dict[str, str]
    body: str
    message: Any  # the wechatpy message or event


@dataclass
class ReferenceBot:
    token: str
    app_id: str
    encoding_aes_key: str | None = None
    answer: Callable[[object], str | None] = lambda message: None  # None: "success"
    hang: int = 0  # the next *hang* POSTs get no answer at all
    plaintext_reply_in_safe_mode: bool = False
    received: list[Received] = field(default_factory=list)
    rejected: int = 0
    port: int = 0

    def __post_init__(self) -> None:
        self._release = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.crypto = (
            WeChatCrypto(self.token, self.encoding_aes_key, self.app_id)
            if self.encoding_aes_key
            else None
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/wechat"

    async def __aenter__(self) -> ReferenceBot:
        app = web.Application()
        app.router.add_route("*", "/wechat", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.2)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._release.set()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        query = dict(request.query)
        try:
            check_signature(
                self.token, query.get("signature"), query.get("timestamp"), query.get("nonce")
            )
        except InvalidSignatureException:
            self.rejected += 1
            return web.Response(status=403)
        if request.method == "GET":
            return web.Response(text=query.get("echostr", ""))
        body = (await request.read()).decode("utf-8")
        plain = body
        if query.get("encrypt_type") == "aes":
            assert self.crypto is not None
            try:
                plain = self.crypto.decrypt_message(
                    body, query.get("msg_signature"), query["timestamp"], query["nonce"]
                )
            except (InvalidSignatureException, InvalidAppIdException):
                self.rejected += 1
                return web.Response(status=403)
        message = parse_message(plain)
        self.received.append(Received(query, plain, message))
        if self.hang > 0:
            self.hang -= 1
            await self._release.wait()
        text = self.answer(message)
        if text is None:
            return web.Response(text="success")
        reply = create_reply(text, message).render()
        if self.crypto is not None and not self.plaintext_reply_in_safe_mode:
            reply = self.crypto.encrypt_message(reply, query["nonce"], query["timestamp"])
        return web.Response(text=reply, content_type="application/xml")
