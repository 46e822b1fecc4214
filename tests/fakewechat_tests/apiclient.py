"""A bare HTTP client of the fake WeChat API, for the fake's own tests."""

from __future__ import annotations

from typing import Any

import aiohttp

from tests.fakewechat import FakeWeChat


class Api:
    """A bare HTTP client of the fake, holding one access token."""

    def __init__(self, wechat: FakeWeChat, http: aiohttp.ClientSession) -> None:
        self.wechat, self.http, self.token = wechat, http, ""

    async def get(self, api: str, **params: str) -> Any:
        async with self.http.get(self.wechat.base_url + api, params=params) as response:
            if response.content_type == "application/json":
                return await response.json()
            return response.status, response.content_type, await response.read()

    async def fetch_token(self, secret: str | None = None) -> dict[str, Any]:
        reply = await self.get(
            "token",
            grant_type="client_credential",
            appid=self.wechat.app_id,
            secret=secret or self.wechat.app_secret,
        )
        self.token = reply.get("access_token", self.token)
        return dict(reply)

    async def post(self, api: str, body: dict[str, Any], token: str | None = None) -> Any:
        params = {"access_token": self.token if token is None else token}
        url = self.wechat.base_url + api
        async with self.http.post(url, params=params, json=body) as response:
            return await response.json()

    async def text(self, openid: str, content: str) -> dict[str, Any]:
        body = {"touser": openid, "msgtype": "text", "text": {"content": content}}
        return dict(await self.post("message/custom/send", body))


def resident(wechat: FakeWeChat) -> str:
    """A follower who has just written to the account."""
    openid = wechat.add_follower()
    wechat.record_inbound(openid)
    return openid


def _text(openid: str, content: str = "您好") -> dict[str, Any]:
    return {"touser": openid, "msgtype": "text", "text": {"content": content}}
