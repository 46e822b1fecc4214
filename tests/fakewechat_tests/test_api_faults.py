"""Scripted faults of the fake WeChat API, and wechatpy's own client against it."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest
import requests
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException

from tests.fakewechat import FakeWeChat

from .apiclient import Api, _text, resident

pytestmark = pytest.mark.e2e


async def test_scripted_errcodes_take_no_effect(api: Api) -> None:
    wechat = api.wechat
    openid = resident(wechat)
    wechat.fail_next("message/custom/send", 45047, count=2)
    wechat.fail_next("token", -1)
    assert (await api.text(openid, "一"))["errcode"] == 45047
    assert (await api.text(openid, "二"))["errcode"] == 45047
    assert (await api.fetch_token())["errcode"] == -1
    assert (await api.text(openid, "三"))["errcode"] == 0
    other = resident(wechat)
    wechat.fail_next("message/custom/send", 45015, openid=other)
    assert (await api.text(openid, "四"))["errcode"] == 0
    assert (await api.text(other, "五"))["errcode"] == 45015
    assert [m.text for m in wechat.messages_to(openid)] == ["三", "四"]
    assert [e.errcode for e in wechat.errors] == [45047, 45047, -1, 45015]


async def test_scripted_http_failures_and_hangs(api: Api) -> None:
    wechat = api.wechat
    openid = resident(wechat)
    wechat.http_error_next("message/custom/send", 503)
    async with api.http.post(
        wechat.base_url + "message/custom/send",
        params={"access_token": api.token},
        json=_text(openid, "丢"),
    ) as response:
        assert response.status == 503
    wechat.http_error_next("message/custom/send", 0)
    with pytest.raises(aiohttp.ClientError):
        await api.text(openid, "断")
    wechat.delay_next("message/custom/send", 1.0)
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.2):
            await api.text(openid, "慢")
    late = await wechat.wait_for_message(openid, timeout=5)
    assert late.text == "慢"  # a hung call still takes effect, as on the real platform
    assert [m.text for m in wechat.messages_to(openid)] == ["慢"]


class FakeClient(WeChatClient):
    """wechatpy's client pointed at the fake (its token URL is fixed to api.weixin.qq.com)."""

    def __init__(self, wechat: FakeWeChat) -> None:
        super().__init__(wechat.app_id, wechat.app_secret)
        self.API_BASE_URL = wechat.base_url

    def fetch_access_token(self) -> dict[str, Any]:
        params = {"grant_type": "client_credential", "appid": self.appid, "secret": self.secret}
        result: dict[str, Any] = requests.get(self.API_BASE_URL + "token", params=params).json()
        if "errcode" in result:
            raise WeChatClientException(result["errcode"], result["errmsg"])
        self.session.set(self.access_token_key, result["access_token"], result["expires_in"])
        return result


async def test_wechatpy_client_refreshes_its_token_on_40001(fake_wechat: FakeWeChat) -> None:
    openid = resident(fake_wechat)
    client = FakeClient(fake_wechat)
    fake_wechat.fail_next("message/custom/send", 40001)
    await asyncio.to_thread(client.message.send_text, openid, "您的问题已转给法律顾问")
    menu = {"head_content": "有帮助吗？", "list": [{"id": "fb:up", "content": "有帮助"}]}
    await asyncio.to_thread(client.message.send_msg_menu, openid, menu)
    with pytest.raises(WeChatClientException) as failure:
        await asyncio.to_thread(client.message.send_text, "o-unknown", "x")
    assert failure.value.errcode == 40003
    sent = fake_wechat.messages_to(openid)
    assert [(m.msgtype, m.visible_text) for m in sent] == [
        ("text", "您的问题已转给法律顾问"),
        ("msgmenu", "有帮助吗？\n有帮助"),
    ]
    assert len(fake_wechat.token_requests) == 2
