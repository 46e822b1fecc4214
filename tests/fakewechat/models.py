"""Values the fake WeChat server records and hands to tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]

# errmsg texts as WeChat sends them (global return codes, 全局返回码).
ERRMSG = {
    -1: "system error",
    40001: "invalid credential, access_token is invalid or not latest",
    40002: "invalid grant_type",
    40003: "invalid openid",
    40004: "invalid media type",
    40007: "invalid media_id",
    40008: "invalid message type",
    40013: "invalid appid",
    40015: "invalid menu type",
    40016: "invalid button size",
    40018: "invalid button name size",
    40019: "invalid button key size",
    40020: "invalid button url size",
    40023: "invalid sub button size",
    40024: "invalid sub button type",
    40025: "invalid sub button name size",
    40026: "invalid sub button key size",
    40027: "invalid sub button url size",
    40037: "invalid template_id",
    40066: "invalid url",
    40125: "invalid appsecret",
    41001: "access_token missing",
    42001: "access_token expired",
    43002: "require POST method",
    43004: "require subscribe",
    44002: "empty post data",
    45002: "content size out of limit",
    45009: "reach max api daily quota limit",
    45015: "response out of time limit or subscription is canceled",
    45047: "out of response count limit",
    45098: "msgmenu list size is out of limit",
    47001: "data format error",
}


class ApiError(Exception):
    """An errcode reply (HTTP 200 with {"errcode", "errmsg"}, as WeChat answers errors)."""

    def __init__(self, errcode: int, errmsg: str | None = None) -> None:
        super().__init__(errcode, errmsg)
        self.errcode = errcode
        self.errmsg = errmsg or ERRMSG.get(errcode, f"error {errcode}")


class HttpFault(Exception):
    """A scripted HTTP-level failure: a bare status (5xx) or a dropped connection (None)."""

    def __init__(self, status: int | None) -> None:
        super().__init__(status)
        self.status = status


@dataclass(frozen=True)
class MenuItem:
    """One choice of a msgmenu message; tapping it sends ``content`` with ``bizmsgmenuid=id``."""

    id: str
    content: str


@dataclass
class SentMessage:
    """A message the resident received: a customer-service message or a passive reply."""

    openid: str
    msgtype: str
    at: float
    via: str  # "custom" (客服消息 API) or "reply" (被动回复 to a callback)
    raw: JSON
    text: str = ""  # text content; for msgmenu the head content
    tail: str = ""  # msgmenu tail content
    items: list[MenuItem] = field(default_factory=list)
    media_id: str = ""
    seq: int = 0

    @property
    def visible_text(self) -> str:
        """What the resident sees, items on their own lines (as the WeChat client shows)."""
        lines = [self.text] if self.text else []
        lines += [item.content for item in self.items]
        if self.tail:
            lines.append(self.tail)
        return "\n".join(lines)

    def item(self, choice: str) -> MenuItem:
        """The menu item whose content or id is *choice*."""
        for item in self.items:
            if choice in (item.content, item.id):
                return item
        raise AssertionError(f"no menu item {choice!r} in {self.summary()}")

    def summary(self) -> str:
        body = self.visible_text.replace("\n", " | ")
        media = f" media={self.media_id}" if self.media_id else ""
        return f"#{self.seq} {self.via}:{self.msgtype}{media} {body[:120]!r}"


@dataclass
class TemplateMessage:
    """A template message (模板消息) the bot sent."""

    openid: str
    template_id: str
    data: JSON
    url: str
    at: float
    msgid: int
    raw: JSON


@dataclass
class Call:
    """One API request: the path after /cgi-bin/, query parameters and JSON body."""

    api: str
    query: dict[str, str]
    body: JSON
    at: float


@dataclass
class ErrorReply:
    api: str
    errcode: int
    errmsg: str
    body: JSON


@dataclass
class Media:
    media_id: str
    kind: str  # image, voice, video, thumb
    content: bytes
    filename: str
    content_type: str
    created_at: float
