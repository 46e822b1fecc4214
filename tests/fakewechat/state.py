"""What the fake WeChat server remembers: its clock, access tokens, followers and their
customer-service windows, media, and everything the bot sent."""

from __future__ import annotations

import asyncio
import itertools
import secrets
import time
from dataclasses import dataclass, field

from .models import ApiError, Call, ErrorReply, Media, SentMessage, TemplateMessage
from .wire import Fields

TOKEN_TTL = 7200
# After a new /cgi-bin/token, the previous token stays usable for 5 more minutes.
TOKEN_OVERLAP = 300
# 客服消息下发规则 (developers.weixin.qq.com, 发送客服消息): what a resident's action allows.
QUOTAS = {"message": (5, 48 * 3600), "click": (3, 60), "subscribe": (3, 60), "scan": (3, 60)}
MEDIA_TTL = 3 * 24 * 3600  # temporary media (临时素材) live three days


@dataclass
class Token:
    value: str
    kind: str  # "token" (GET /cgi-bin/token) or "stable" (POST /cgi-bin/stable_token)
    issued_at: float
    expires_at: float
    revoked: bool = False


@dataclass
class Grant:
    """Customer-service messages a resident's action allows: how many, until when."""

    remaining: int | None  # None: unlimited (quota enforcement off)
    expires_at: float


@dataclass
class Follower:
    openid: str
    subscribed: bool = True
    last_inbound: float | None = None
    grants: dict[str, Grant] = field(default_factory=dict)


class State:
    """Mixed into FakeWeChat."""

    def __init__(
        self, app_id: str, app_secret: str, *, account_id: str, enforce_quota: bool
    ) -> None:
        self.app_id = app_id
        self.app_secret = app_secret
        self.account_id = account_id
        self.enforce_quota = enforce_quota
        self._offset = 0.0
        self._cond = asyncio.Condition()
        self.tokens: dict[str, Token] = {}
        self.token_requests: list[Call] = []
        self.followers: dict[str, Follower] = {}
        self.media: dict[str, Media] = {}
        self.sent: list[SentMessage] = []
        self.templates: list[TemplateMessage] = []
        self.menus: list[list[dict[str, object]]] = []
        self.calls: list[Call] = []
        self.errors: list[ErrorReply] = []
        self.service_failures: list[str] = []
        self.template_ids: set[str] = set()
        self._consumed: set[int] = set()
        self._consumed_calls: set[int] = set()
        self._consumed_templates: set[int] = set()
        self._seq = itertools.count(1)
        self._media_seq = itertools.count(1)
        self._msgids = itertools.count(2_000_000_001)

    # -- clock ------------------------------------------------------------------------------

    def now(self) -> float:
        """WeChat's time: wall clock plus whatever the test advanced."""
        return time.time() + self._offset

    def advance(self, seconds: float = 0.0, *, minutes: float = 0.0, hours: float = 0.0) -> None:
        """Move WeChat's clock forward (tokens, 48-hour windows and media age with it)."""
        self._offset += seconds + 60 * minutes + 3600 * hours

    async def _notify(self) -> None:
        async with self._cond:
            self._cond.notify_all()

    # -- access tokens ----------------------------------------------------------------------

    def _issue(self, kind: str) -> Token:
        now = self.now()
        token = Token(f"FAKE{kind.upper()}_{secrets.token_urlsafe(48)}", kind, now, now + TOKEN_TTL)
        self.tokens[token.value] = token
        return token

    def current_token(self, kind: str = "token") -> Token | None:
        """The newest unrevoked, unexpired token of *kind*."""
        live = [
            t
            for t in self.tokens.values()
            if t.kind == kind and not t.revoked and t.expires_at > self.now()
        ]
        return max(live, key=lambda t: t.issued_at) if live else None

    def check_token(self, value: str | None) -> None:
        if not value:
            raise ApiError(41001)
        token = self.tokens.get(value)
        if token is None or token.revoked:
            raise ApiError(40001)
        if token.expires_at <= self.now():
            raise ApiError(42001)

    def expire_tokens(self) -> None:
        """Every token issued so far has expired: the next call with one gets 42001."""
        for token in self.tokens.values():
            token.expires_at = min(token.expires_at, self.now())

    def invalidate_tokens(self) -> None:
        """Every token issued so far is invalid (e.g. the AppSecret was reset): 40001."""
        for token in self.tokens.values():
            token.revoked = True

    # -- followers and the customer-service window ------------------------------------------

    @staticmethod
    def new_openid() -> str:
        """A fresh openid shaped like WeChat's (28 characters starting with "o")."""
        return "o" + secrets.token_urlsafe(20)[:27]

    def follower(self, openid: str) -> Follower:
        return self.followers.setdefault(openid, Follower(openid))

    def record_inbound(self, openid: str, kind: str = "message", at: float | None = None) -> None:
        """The resident did something that opens customer-service sending: sent a message
        ("message"), tapped a click menu ("click"), followed ("subscribe") or scanned. A new
        action of a kind replaces that kind's earlier allowance (the strict reading of the
        rules: a second message does not add five more sends to the first one's five)."""
        follower = self.follower(openid)
        when = self.now() if at is None else at
        count, validity = QUOTAS[kind]
        follower.grants[kind] = Grant(count if self.enforce_quota else None, when + validity)
        if kind == "message":
            follower.last_inbound = when

    def set_subscribed(self, openid: str, subscribed: bool) -> None:
        follower = self.follower(openid)
        follower.subscribed = subscribed
        if not subscribed:
            follower.grants.clear()

    def _consume_grant(self, openid: str) -> None:
        follower = self.followers.get(openid)
        if follower is None:
            raise ApiError(40003)
        if not follower.subscribed:
            raise ApiError(43004)
        live = [g for g in follower.grants.values() if g.expires_at > self.now()]
        if not live:
            raise ApiError(45015)
        usable = [g for g in live if g.remaining is None or g.remaining > 0]
        if not usable:
            raise ApiError(45047)
        grant = min(usable, key=lambda g: g.expires_at)
        if grant.remaining is not None:
            grant.remaining -= 1

    async def record_reply(self, openid: str, reply: Fields) -> None:
        """A passive reply the message server gave: WeChat shows it to the resident."""
        msgtype = str(reply.get("MsgType", ""))
        message = SentMessage(openid, msgtype, self.now(), "reply", dict(reply))
        message.text = str(reply.get("Content", ""))
        kind = msgtype.capitalize()
        message.media_id = str(reply.get(f"{kind}.MediaId", ""))
        message.seq = len(self.sent) + 1
        self.sent.append(message)
        await self._notify()

    async def record_failure(self, description: str) -> None:
        """A callback WeChat would answer with "该公众号暂时无法提供服务，请稍后再试"."""
        self.service_failures.append(description)
        await self._notify()

    # -- media ------------------------------------------------------------------------------

    def add_media(
        self, content: bytes, kind: str = "voice", *, extension: str | None = None
    ) -> str:
        """Store a temporary media file (as if the resident sent it); returns its media_id."""
        ext = extension or {"voice": "amr", "image": "jpg", "video": "mp4", "thumb": "jpg"}[kind]
        types = {
            "amr": "audio/amr",
            "mp3": "audio/mpeg",
            "jpg": "image/jpeg",
            "png": "image/png",
            "pdf": "application/pdf",
        }
        seq = next(self._media_seq)
        media_id = f"FAKEMEDIA{kind.upper()}{seq:06d}_{secrets.token_urlsafe(24)}"
        self.media[media_id] = Media(
            media_id,
            kind,
            content,
            f"{media_id}.{ext}",
            types.get(ext, "application/octet-stream"),
            self.now(),
        )
        return media_id

    def live_media(self, media_id: str) -> Media:
        media = self.media.get(media_id)
        if media is None or media.created_at + MEDIA_TTL <= self.now():
            raise ApiError(40007)
        return media
