"""WeChatCallbacks: posts signed (and, in safe mode, encrypted) XML to the bot's message
server the way WeChat does, retrying unanswered POSTs with the same MsgId."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import aiohttp

from . import inbound
from .crypto import AesCipher, signature
from .inbound import Inbound
from .models import SentMessage
from .replies import Attempt, CallbackResult, ReplyError, read_reply
from .wire import render

if TYPE_CHECKING:
    from .server import FakeWeChat

FAKE_AMR = b"#!AMR\n" + bytes(range(32))
FAKE_JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(64) + b"\xff\xd9"


class WeChatCallbacks:
    """The WeChat side of the account's message server (服务器配置 URL/Token/EncodingAESKey).

    With *encoding_aes_key* the account is in safe mode (安全模式); ``compat=True`` selects
    compatible mode (plaintext fields beside ``Encrypt``). Linked to a FakeWeChat through
    *wechat*, each push also opens the resident's customer-service window there, subscribe /
    unsubscribe change the follower state, media is stored for media/get, and passive replies
    are recorded as messages the resident received. *clock* stamps CreateTime and timestamp.
    """

    def __init__(
        self,
        bot_url: str,
        token: str,
        app_id: str,
        encoding_aes_key: str | None = None,
        *,
        wechat: FakeWeChat | None = None,
        account_id: str | None = None,
        compat: bool = False,
        timeout: float = 5.0,
        retries: int = 3,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.bot_url = bot_url
        self.token = token
        self.app_id = app_id
        self.cipher = AesCipher(encoding_aes_key, app_id) if encoding_aes_key else None
        self.compat = compat
        self.wechat = wechat
        self.account_id = account_id or (wechat.account_id if wechat else "gh_1e9f0a7c3b5d")
        self.timeout = timeout
        self.retries = retries
        self.clock = clock
        self.results: list[CallbackResult] = []
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> WeChatCallbacks:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        return self._session

    # -- signing and sealing ----------------------------------------------------------------

    def signed_query(self, openid: str = "", encrypt: str | None = None) -> dict[str, str]:
        """The query WeChat appends: signature, timestamp, nonce, openid; in safe or
        compatible mode also encrypt_type=aes and msg_signature over *encrypt*."""
        timestamp, nonce = str(int(self.clock())), str(secrets.randbelow(10**10))
        query = {
            "signature": signature(self.token, timestamp, nonce),
            "timestamp": timestamp,
            "nonce": nonce,
        }
        if openid:
            query["openid"] = openid
        if encrypt is not None:
            query["encrypt_type"] = "aes"
            query["msg_signature"] = signature(self.token, timestamp, nonce, encrypt)
        return query

    def envelope(self, message: Inbound) -> tuple[bytes, dict[str, str]]:
        """The POST body and query for *message* in this account's mode."""
        plain = message.xml(self.account_id)
        if self.cipher is None:
            return plain.encode("utf-8"), self.signed_query(message.openid)
        encrypt = self.cipher.encrypt(plain)
        if self.compat:
            body = plain.removesuffix("</xml>") + render({"Encrypt": encrypt})[5:]
        else:
            body = render({"ToUserName": self.account_id, "Encrypt": encrypt})
        return body.encode("utf-8"), self.signed_query(message.openid, encrypt)

    # -- sending ----------------------------------------------------------------------------

    async def post_raw(
        self, body: bytes | str, query: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        """One POST of *body* with *query* (default: a valid signature), no retries, nothing
        recorded: for malformed, forged or replayed requests."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        params = self.signed_query() if query is None else query
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        headers = {"Content-Type": "text/xml"}
        async with self._http().post(
            self.bot_url, params=params, data=data, timeout=timeout, headers=headers
        ) as response:
            return response.status, await response.read()

    async def verify_url(self, echostr: str | None = None) -> tuple[int, str]:
        """WeChat's GET that checks the server URL; a correct server echoes *echostr*."""
        params = {**self.signed_query(), "echostr": echostr or secrets.token_hex(10)}
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        async with self._http().get(self.bot_url, params=params, timeout=timeout) as response:
            return response.status, await response.text()

    def _opened(self, message: Inbound) -> None:
        if self.wechat is None:
            return
        if message.event == "subscribe":
            self.wechat.set_subscribed(message.openid, True)
        elif message.event == "unsubscribe":
            self.wechat.set_subscribed(message.openid, False)
        elif message.openid not in self.wechat.followers:
            self.wechat.set_subscribed(message.openid, True)
        if message.interaction is not None:
            self.wechat.record_inbound(message.openid, message.interaction)

    async def deliver(self, message: Inbound, *, record: bool = True) -> CallbackResult:
        """Push *message* as WeChat does: up to 1 + retries attempts, each given *timeout*
        seconds to answer; *record* False skips the WeChat-side bookkeeping (for resends)."""
        if record:
            self._opened(message)
        result = CallbackResult(message)
        for _ in range(1 + self.retries):
            body, query = self.envelope(message)
            started = time.monotonic()
            try:
                status, answer = await self.post_raw(body, query)
            except (TimeoutError, aiohttp.ClientError) as exc:
                elapsed = time.monotonic() - started
                result.attempts.append(Attempt(None, b"", elapsed, repr(exc)))
                # WeChat waits out its deadline before it tries again
                await asyncio.sleep(max(0.0, self.timeout - elapsed))
                continue
            result.attempts.append(Attempt(status, answer, time.monotonic() - started))
            await self._judge(result, status, answer)
            break
        else:
            result.failure = f"no answer within {self.timeout}s in {len(result.attempts)} tries"
        self.results.append(result)
        if result.failure and self.wechat is not None:
            await self.wechat.record_failure(f"{message.openid}: {result.failure}")
        return result

    async def resend(self, message: Inbound | CallbackResult) -> CallbackResult:
        """WeChat's retry of the same push (same MsgId and CreateTime), on demand."""
        original = message.message if isinstance(message, CallbackResult) else message
        return await self.deliver(original, record=False)

    async def _judge(self, result: CallbackResult, status: int, answer: bytes) -> None:
        message = result.message
        if status != 200:
            result.failure = f"HTTP {status}"
            return
        try:
            result.reply = read_reply(
                answer,
                token=self.token,
                cipher=self.cipher,
                compat=self.compat,
                openid=message.openid,
                account_id=self.account_id,
            )
        except ReplyError as exc:
            result.failure = str(exc)
            return
        if result.reply is not None and self.wechat is not None:
            await self.wechat.record_reply(message.openid, result.reply)

    # -- what residents do ------------------------------------------------------------------

    def _now(self) -> int:
        return int(self.clock())

    async def send(
        self, openid: str, msg_type: str, fields: dict[str, str | int | float], **kw: int
    ) -> CallbackResult:
        """Any message type (msg_id / create_time may be given), e.g. one the bot ignores."""
        create_time = kw.pop("create_time", None) or self._now()
        return await self.deliver(
            inbound.message(openid, msg_type, fields, create_time=create_time, **kw)
        )

    async def text(
        self, openid: str, content: str, *, bizmsgmenuid: str | None = None, **kw: int
    ) -> CallbackResult:
        fields: dict[str, str | int | float] = {"Content": content}
        if bizmsgmenuid is not None:
            fields["bizmsgmenuid"] = bizmsgmenuid
        return await self.send(openid, "text", fields, **kw)

    async def tap(self, openid: str, menu: SentMessage, choice: str) -> CallbackResult:
        """The resident taps the msgmenu item whose content or id is *choice*."""
        item = menu.item(choice)
        return await self.text(openid, item.content, bizmsgmenuid=item.id)

    def _media(self, content: bytes, kind: str) -> str:
        if self.wechat is not None:
            return self.wechat.add_media(content, kind)
        return f"FAKEMEDIA{kind.upper()}_{secrets.token_urlsafe(24)}"

    async def image(self, openid: str, content: bytes = FAKE_JPEG, **kw: int) -> CallbackResult:
        media_id = self._media(content, "image")
        url = f"http://mmbiz.qpic.cn/mmbiz_jpg/{media_id}/0"
        return await self.send(openid, "image", {"PicUrl": url, "MediaId": media_id}, **kw)

    async def voice(
        self,
        openid: str,
        content: bytes = FAKE_AMR,
        *,
        recognition: str | None = None,
        **kw: int,
    ) -> CallbackResult:
        """A voice message; *recognition* is WeChat's speech-to-text (absent when None)."""
        fields: dict[str, str | int | float] = {
            "MediaId": self._media(content, "voice"),
            "Format": "amr",
        }
        if recognition is not None:
            fields["Recognition"] = recognition
        return await self.send(openid, "voice", fields, **kw)

    async def file(
        self, openid: str, content: bytes, title: str = "合同.pdf", **kw: int
    ) -> CallbackResult:
        """A file the resident sends (its title is its name), stored for media/get."""
        extension = title.rsplit(".", 1)[-1].lower() if "." in title else None
        if self.wechat is not None:
            media_id = self.wechat.add_media(content, "file", extension=extension)
        else:
            media_id = self._media(content, "file")
        fields = {"Title": title, "Description": "", "MediaId": media_id}
        return await self.send(openid, "file", fields, **kw)

    async def location(
        self, openid: str, latitude: float, longitude: float, label: str = "", **kw: int
    ) -> CallbackResult:
        fields = {"Location_X": latitude, "Location_Y": longitude, "Scale": 15, "Label": label}
        return await self.send(openid, "location", fields, **kw)

    async def link(
        self, openid: str, title: str, url: str, description: str = "", **kw: int
    ) -> CallbackResult:
        fields = {"Title": title, "Description": description, "Url": url}
        return await self.send(openid, "link", fields, **kw)

    async def _event(self, openid: str, name: str, **fields: str) -> CallbackResult:
        return await self.deliver(inbound.event(openid, name, fields, create_time=self._now()))

    async def subscribe(self, openid: str) -> CallbackResult:
        return await self._event(openid, "subscribe", EventKey="")

    async def unsubscribe(self, openid: str) -> CallbackResult:
        return await self._event(openid, "unsubscribe", EventKey="")

    async def click(self, openid: str, key: str) -> CallbackResult:
        """The resident taps a custom-menu button of type click."""
        return await self._event(openid, "CLICK", EventKey=key)

    async def view(self, openid: str, url: str) -> CallbackResult:
        return await self._event(openid, "VIEW", EventKey=url)
