"""What WeChat makes of the message server's answer to a callback POST (被动回复)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .crypto import AesCipher, CryptoError, signature
from .inbound import Inbound
from .wire import XmlError, parse

_REPLY_TYPES = ("text", "image", "voice", "video", "music", "news", "transfer_customer_service")


@dataclass
class Attempt:
    """One POST of a callback. ``status`` None: no answer (timeout or connection error)."""

    status: int | None
    body: bytes
    elapsed: float
    error: str = ""


@dataclass
class CallbackResult:
    """A callback as WeChat saw it: every attempt, the passive reply (decrypted and checked)
    and, when WeChat would show the resident "该公众号暂时无法提供服务", why."""

    message: Inbound
    attempts: list[Attempt] = field(default_factory=list)
    reply: dict[str, str] | None = None
    failure: str = ""

    @property
    def ok(self) -> bool:
        return not self.failure

    @property
    def status(self) -> int | None:
        return self.attempts[-1].status if self.attempts else None

    @property
    def body(self) -> bytes:
        return self.attempts[-1].body if self.attempts else b""

    @property
    def reply_text(self) -> str | None:
        return None if self.reply is None else self.reply.get("Content")

    def assert_ok(self) -> CallbackResult:
        if self.failure:
            raise AssertionError(f"WeChat would reject the answer: {self.failure}")
        return self


class ReplyError(ValueError):
    """An answer WeChat would not accept."""


def read_reply(
    body: bytes,
    *,
    token: str,
    cipher: AesCipher | None,
    compat: bool,
    openid: str,
    account_id: str,
) -> dict[str, str] | None:
    """The passive reply in *body* as fields (None for "success" or an empty answer);
    ReplyError if WeChat would refuse it."""
    text = body.decode("utf-8", "replace").strip()
    if text in ("", "success"):
        return None
    try:
        fields = parse(text)
    except XmlError as exc:
        raise ReplyError(
            f"answer is neither 'success' nor reply XML: {exc}: {text[:80]!r}"
        ) from None
    if "Encrypt" in fields:
        if cipher is None:
            raise ReplyError("encrypted reply, but the account is in plaintext mode")
        expected = signature(
            token, fields.get("TimeStamp", ""), fields.get("Nonce", ""), fields["Encrypt"]
        )
        if fields.get("MsgSignature") != expected:
            raise ReplyError("reply MsgSignature does not match")
        try:
            fields = parse(cipher.decrypt(fields["Encrypt"]))
        except (CryptoError, XmlError) as exc:
            raise ReplyError(f"cannot decrypt the reply: {exc}") from None
    elif cipher is not None and not compat:
        raise ReplyError("plaintext reply in safe mode")
    if fields.get("ToUserName") != openid:
        raise ReplyError(f"reply ToUserName {fields.get('ToUserName')!r} is not {openid!r}")
    if fields.get("FromUserName") != account_id:
        raise ReplyError(f"reply FromUserName {fields.get('FromUserName')!r} != {account_id!r}")
    if not fields.get("CreateTime", "").isdigit():
        raise ReplyError("reply CreateTime is not an integer")
    if fields.get("MsgType") not in _REPLY_TYPES:
        raise ReplyError(f"reply MsgType {fields.get('MsgType')!r} is not a reply type")
    if fields["MsgType"] == "text" and not fields.get("Content"):
        raise ReplyError("text reply without Content")
    return fields
