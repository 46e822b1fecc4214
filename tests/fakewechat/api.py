"""The WeChat API endpoints the bot calls, as documented on developers.weixin.qq.com."""

from __future__ import annotations

from typing import Any, ClassVar

from aiohttp import web

from .models import JSON, ApiError, MenuItem, SentMessage, TemplateMessage
from .state import TOKEN_OVERLAP, State

# Custom-service text: the 公众号 page gives no figure; WeChat answers 45002 "content size out
# of limit" past 2048 bytes (WeChat's own answer in the developers' community, and the limit
# the 微信客服 API documents for the same message). msgmenu: head/tail ≤ 1024 bytes, ≤ 10 items.
TEXT_LIMIT = 2048
MENU_TEXT_LIMIT = 1024
MENU_ITEMS_LIMIT = 10
_MEDIA_MSGTYPES = ("image", "voice", "video", "mpnews")
_BUTTON_TYPES = {
    "click", "view", "scancode_push", "scancode_waitmsg", "pic_sysphoto",
    "pic_photo_or_album", "pic_weixin", "location_select", "media_id", "view_limited",
    "article_id", "article_view_limited", "miniprogram",
}  # fmt: skip


_TOP_CODES = (40018, 40015, 40019, 40020)
_SUB_CODES = (40025, 40024, 40026, 40027)


def _size(value: Any) -> int:
    return len(str(value).encode("utf-8"))


def _text(body: JSON, *path: str) -> str:
    value: Any = body
    for key in path:
        if not isinstance(value, dict) or key not in value:
            raise ApiError(47001, f"data format error, missing {'.'.join(path)}")
        value = value[key]
    if not isinstance(value, str):
        raise ApiError(47001, f"data format error, {'.'.join(path)} is not a string")
    return value


class Api(State):
    """Endpoint handlers; ``handlers`` maps the path after /cgi-bin/ to (HTTP method, name)."""

    handlers: ClassVar[dict[str, tuple[str, str]]] = {
        "token": ("GET", "api_token"),
        "stable_token": ("POST", "api_stable_token"),
        "message/custom/send": ("POST", "api_custom_send"),
        "message/template/send": ("POST", "api_template_send"),
        "menu/create": ("POST", "api_menu_create"),
        "media/get": ("GET", "api_media_get"),
        "media/upload": ("POST", "api_media_upload"),
    }

    def _credentials(self, source: dict[str, Any]) -> None:
        if source.get("grant_type") != "client_credential":
            raise ApiError(40002)
        if source.get("appid") != self.app_id:
            raise ApiError(40013)
        if source.get("secret") != self.app_secret:
            raise ApiError(40125)

    async def api_token(self, query: dict[str, str], body: JSON) -> JSON:
        self._credentials(query)
        now = self.now()
        for old in self.tokens.values():
            if old.kind == "token":
                old.expires_at = min(old.expires_at, now + TOKEN_OVERLAP)
        token = self._issue("token")
        return {"access_token": token.value, "expires_in": int(token.expires_at - now)}

    async def api_stable_token(self, query: dict[str, str], body: JSON) -> JSON:
        """Normal mode returns the current stable token until its last 5 minutes; force_refresh
        revokes it at once and issues a new one."""
        self._credentials(body)
        current = self.current_token("stable")
        if body.get("force_refresh") is True and current is not None:
            current.revoked = True
            current = None
        if current is None or current.expires_at - self.now() <= TOKEN_OVERLAP:
            current = self._issue("stable")
        return {"access_token": current.value, "expires_in": int(current.expires_at - self.now())}

    async def api_custom_send(self, query: dict[str, str], body: JSON) -> JSON:
        openid = _text(body, "touser")
        msgtype = _text(body, "msgtype")
        message = SentMessage(openid, msgtype, self.now(), "custom", body)
        if msgtype == "text":
            message.text = _text(body, "text", "content")
            if _size(message.text) > TEXT_LIMIT:
                raise ApiError(45002)
        elif msgtype == "msgmenu":
            menu = body.get("msgmenu")
            items = menu.get("list") if isinstance(menu, dict) else None
            if not isinstance(menu, dict) or not isinstance(items, list):
                raise ApiError(47001, "data format error, msgmenu.list")
            if not 1 <= len(items) <= MENU_ITEMS_LIMIT:
                raise ApiError(45098)
            message.text = str(menu.get("head_content", ""))
            message.tail = str(menu.get("tail_content", ""))
            if max(_size(message.text), _size(message.tail)) > MENU_TEXT_LIMIT:
                raise ApiError(45002)
            for item in items:
                if not isinstance(item, dict) or not item.get("id") or not item.get("content"):
                    raise ApiError(47001, "data format error, msgmenu item needs id and content")
                message.items.append(MenuItem(str(item["id"]), str(item["content"])))
        elif msgtype in _MEDIA_MSGTYPES:
            message.media_id = _text(body, msgtype, "media_id")
            if message.media_id not in self.media:
                raise ApiError(40007)
        elif msgtype not in ("music", "news", "miniprogrampage", "wxcard"):
            raise ApiError(40008)
        self._consume_grant(openid)
        message.seq = len(self.sent) + 1
        self.sent.append(message)
        return {"errcode": 0, "errmsg": "ok"}

    async def api_template_send(self, query: dict[str, str], body: JSON) -> JSON:
        openid = _text(body, "touser")
        template_id = _text(body, "template_id")
        if self.template_ids and template_id not in self.template_ids:
            raise ApiError(40037)
        data = body.get("data")
        if not isinstance(data, dict):
            raise ApiError(47001, "data format error, data")
        follower = self.followers.get(openid)
        if follower is None:
            raise ApiError(40003)
        if not follower.subscribed:
            raise ApiError(43004)
        msgid = next(self._msgids)
        url = body.get("url") or ""
        self.templates.append(
            TemplateMessage(openid, template_id, data, str(url), self.now(), msgid, body)
        )
        return {"errcode": 0, "errmsg": "ok", "msgid": msgid}

    @staticmethod
    def _check_button(button: Any, sub: bool) -> None:
        if not isinstance(button, dict):
            raise ApiError(47001, "data format error, button")
        # limits: name 16 bytes (top) / 60 (sub), key 128, url 1024; codes name/type/key/url
        name_limit, codes = (60, _SUB_CODES) if sub else (16, _TOP_CODES)
        if not button.get("name") or _size(button["name"]) > name_limit:
            raise ApiError(codes[0])
        if "sub_button" in button and not sub:
            subs = button["sub_button"]
            if not isinstance(subs, list) or not 1 <= len(subs) <= 5:
                raise ApiError(40023)
            for child in subs:
                Api._check_button(child, True)
            return
        kind = button.get("type")
        if kind not in _BUTTON_TYPES:
            raise ApiError(codes[1])
        if kind == "click" and not (button.get("key") and _size(button["key"]) <= 128):
            raise ApiError(codes[2])
        if kind == "view" and not (button.get("url") and _size(button["url"]) <= 1024):
            raise ApiError(codes[3])

    async def api_menu_create(self, query: dict[str, str], body: JSON) -> JSON:
        buttons = body.get("button")
        if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3:
            raise ApiError(40016)
        for button in buttons:
            self._check_button(button, False)
        self.menus.append(buttons)
        return {"errcode": 0, "errmsg": "ok"}

    async def api_media_get(self, query: dict[str, str], body: JSON) -> web.StreamResponse:
        media = self.live_media(query.get("media_id", ""))
        return web.Response(
            body=media.content,
            content_type=media.content_type,
            headers={"Content-disposition": f'attachment; filename="{media.filename}"'},
        )

    async def api_media_upload(self, query: dict[str, str], body: JSON) -> JSON:
        kind = query.get("type", "")
        upload = body.get("media")
        if kind not in ("image", "voice", "video", "thumb"):
            raise ApiError(40004)
        if not isinstance(upload, bytes) or not upload:
            raise ApiError(41005 if upload is None else 40006, "media data missing")
        name = str(body.get("filename", ""))
        extension = name.rsplit(".", 1)[-1].lower() if "." in name else None
        media_id = self.add_media(upload, kind, extension=extension)
        return {"type": kind, "media_id": media_id, "created_at": int(self.now())}
