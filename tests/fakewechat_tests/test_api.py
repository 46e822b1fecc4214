"""The fake WeChat API over real HTTP: tokens, 客服消息 and its window, templates, menus
and media."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from .apiclient import Api, _text, resident

pytestmark = pytest.mark.e2e


async def test_token_flow_and_credentials(api: Api) -> None:
    reply = await api.fetch_token()
    assert reply["expires_in"] == 7200 and len(reply["access_token"]) > 32
    assert (await api.fetch_token("wrong-secret"))["errcode"] == 40125
    reply = await api.get("token", grant_type="client_credential", appid="wxnope", secret="x")
    assert reply["errcode"] == 40013
    assert len(api.wechat.token_requests) == 4


async def test_bad_missing_and_expired_tokens(api: Api) -> None:
    openid = resident(api.wechat)
    assert (await api.text(openid, "好"))["errcode"] == 0
    body = {"touser": openid, "msgtype": "text", "text": {"content": "好"}}
    assert (await api.post("message/custom/send", body, token="forged"))["errcode"] == 40001
    assert (await api.post("message/custom/send", body, token=""))["errcode"] == 41001
    api.wechat.advance(hours=2)
    reply = await api.text(openid, "好")
    assert reply["errcode"] == 42001 and reply["errmsg"].startswith("access_token expired")
    await api.fetch_token()
    assert (await api.text(openid, "好"))["errcode"] == 0
    api.wechat.expire_tokens()
    assert (await api.text(openid, "好"))["errcode"] == 42001
    await api.fetch_token()
    api.wechat.invalidate_tokens()
    assert (await api.text(openid, "好"))["errcode"] == 40001
    assert [m.text for m in api.wechat.messages_to(openid)] == ["好", "好"]


async def test_a_new_token_leaves_the_old_one_five_minutes(api: Api) -> None:
    openid = resident(api.wechat)
    old = api.token
    await api.fetch_token()
    assert (await api.post("message/custom/send", _text(openid), token=old))["errcode"] == 0
    api.wechat.advance(minutes=5)
    assert (await api.post("message/custom/send", _text(openid), token=old))["errcode"] == 42001
    assert (await api.text(openid, "新"))["errcode"] == 0


async def test_stable_token_is_stable_until_forced(api: Api) -> None:
    wechat = api.wechat
    credentials = {"grant_type": "client_credential", "appid": wechat.app_id}
    body = {**credentials, "secret": wechat.app_secret}
    async with api.http.post(wechat.base_url + "stable_token", json=body) as response:
        first = await response.json()
    async with api.http.post(wechat.base_url + "stable_token", json=body) as response:
        assert (await response.json())["access_token"] == first["access_token"]
    forced = {**body, "force_refresh": True}
    async with api.http.post(wechat.base_url + "stable_token", json=forced) as response:
        second = await response.json()
    assert second["access_token"] != first["access_token"]
    openid = resident(wechat)
    stale = await api.post("message/custom/send", _text(openid), token=first["access_token"])
    assert stale["errcode"] == 40001
    fresh = await api.post("message/custom/send", _text(openid), token=second["access_token"])
    assert fresh["errcode"] == 0


async def test_custom_messages_are_recorded_and_awaited(api: Api) -> None:
    wechat = api.wechat
    openid = resident(wechat)
    waiter = asyncio.create_task(wechat.wait_for_messages(openid, 2, timeout=5))
    assert (await api.text(openid, "宅基地可以继承吗？"))["errcode"] == 0
    menu = {
        "head_content": "您想问的是：",
        "list": [{"id": "c:1", "content": "宅基地继承"}, {"id": "c:2", "content": "都不是"}],
        "tail_content": "请点选",
    }
    body = {"touser": openid, "msgtype": "msgmenu", "msgmenu": menu}
    assert (await api.post("message/custom/send", body))["errcode"] == 0
    text, choices = await waiter
    assert (text.msgtype, text.text, text.via) == ("text", "宅基地可以继承吗？", "custom")
    assert [(i.id, i.content) for i in choices.items] == [("c:1", "宅基地继承"), ("c:2", "都不是")]
    assert choices.visible_text == "您想问的是：\n宅基地继承\n都不是\n请点选"
    assert choices.item("都不是").id == "c:2"
    media_id = wechat.add_media(b"#!AMR\n...", "voice")
    body = {"touser": openid, "msgtype": "voice", "voice": {"media_id": media_id}}
    assert (await api.post("message/custom/send", body))["errcode"] == 0
    voice = await wechat.wait_for_message(openid, lambda m: m.msgtype == "voice")
    assert voice.media_id == media_id
    body = {"touser": openid, "msgtype": "image", "image": {"media_id": "nope"}}
    assert (await api.post("message/custom/send", body))["errcode"] == 40007
    with pytest.raises(AssertionError, match="宅基地可以继承吗"):
        await wechat.wait_for_message(openid, timeout=0.2)


async def test_the_48_hour_window(api: Api) -> None:
    wechat = api.wechat
    openid = resident(wechat)
    wechat.advance(hours=47, minutes=59)
    await api.fetch_token()  # the first one expired after two hours
    assert (await api.text(openid, "还在窗口内"))["errcode"] == 0
    wechat.advance(minutes=1)
    reply = await api.text(openid, "超过48小时")
    assert reply["errcode"] == 45015
    wechat.record_inbound(openid)
    assert (await api.text(openid, "居民又来信了"))["errcode"] == 0
    assert [m.text for m in wechat.messages_to(openid)] == ["还在窗口内", "居民又来信了"]
    assert (await api.text(wechat.new_openid(), "陌生人"))["errcode"] == 40003
    never_wrote = wechat.add_follower()
    assert (await api.text(never_wrote, "未来信"))["errcode"] == 45015
    wechat.set_subscribed(openid, False)
    assert (await api.text(openid, "已取关"))["errcode"] == 43004


async def test_quotas_per_resident_action(api: Api) -> None:
    wechat = api.wechat
    openid = resident(wechat)
    for n in range(5):
        assert (await api.text(openid, f"第{n + 1}条"))["errcode"] == 0
    assert (await api.text(openid, "第6条"))["errcode"] == 45047
    wechat.record_inbound(openid, "click")
    for _ in range(3):
        assert (await api.text(openid, "菜单"))["errcode"] == 0
    assert (await api.text(openid, "菜单"))["errcode"] == 45047
    wechat.record_inbound(openid)
    assert (await api.text(openid, "新消息后"))["errcode"] == 0


async def test_text_size_limit(api: Api) -> None:
    openid = resident(api.wechat)
    assert (await api.text(openid, "法" * 682))["errcode"] == 0  # 2046 bytes
    assert (await api.text(openid, "法" * 683))["errcode"] == 45002  # 2049 bytes
    too_many = [{"id": str(n), "content": f"选项{n}"} for n in range(11)]
    body = {"touser": openid, "msgtype": "msgmenu", "msgmenu": {"list": too_many}}
    assert (await api.post("message/custom/send", body))["errcode"] == 45098
    assert len(api.wechat.messages_to(openid)) == 1


async def test_template_messages(api: Api) -> None:
    wechat = api.wechat
    openid = wechat.add_follower()
    body = {
        "touser": openid,
        "template_id": "TPL-answer",
        "url": "https://example.invalid/case/7",
        "data": {"thing1": {"value": "您的问题已有答复"}},
    }
    reply = await api.post("message/template/send", body)
    assert reply["errcode"] == 0 and isinstance(reply["msgid"], int)
    template = await wechat.wait_for_template(openid)
    assert (template.template_id, template.url) == ("TPL-answer", "https://example.invalid/case/7")
    assert template.data["thing1"]["value"] == "您的问题已有答复"
    wechat.add_template("TPL-other")
    assert (await api.post("message/template/send", body))["errcode"] == 40037
    wechat.set_subscribed(openid, False)
    body["template_id"] = "TPL-other"
    assert (await api.post("message/template/send", body))["errcode"] == 43004
    assert len(wechat.templates_to(openid)) == 1


async def test_menu_create_validates_the_documented_structure(api: Api) -> None:
    wechat = api.wechat
    good = [
        {"type": "click", "name": "常见问题", "key": "FAQ"},
        {"type": "click", "name": "找法律顾问", "key": "ADVISER"},
        {
            "name": "更多",
            "sub_button": [
                {"type": "click", "name": "查法条", "key": "LAW"},
                {"type": "view", "name": "隐私说明", "url": "https://example.invalid/privacy"},
            ],
        },
    ]
    assert (await api.post("menu/create", {"button": good}))["errcode"] == 0
    assert wechat.menu == good
    click = {"type": "click", "name": "a", "key": "k"}
    cases = [
        ([click] * 4, 40016),
        ([{"name": "多", "sub_button": [click] * 6}], 40023),
        ([{"type": "click", "name": "无键"}], 40019),
        ([{"type": "view", "name": "无链接"}], 40020),
        ([{"type": "tap", "name": "坏类型", "key": "k"}], 40015),
        ([{"type": "click", "name": "名" * 6, "key": "k"}], 40018),  # 18 bytes > 16
    ]
    for buttons, errcode in cases:
        assert (await api.post("menu/create", {"button": buttons}))["errcode"] == errcode
    assert len(wechat.menus) == 1


async def test_media_get_and_upload(api: Api) -> None:
    wechat = api.wechat
    media_id = wechat.add_media(b"#!AMR\nvoice-bytes", "voice")
    status, content_type, content = await api.get(
        "media/get", access_token=api.token, media_id=media_id
    )
    assert (status, content_type, content) == (200, "audio/amr", b"#!AMR\nvoice-bytes")
    assert (await api.get("media/get", access_token=api.token, media_id="x"))["errcode"] == 40007
    form = aiohttp.FormData()
    form.add_field("media", b"\xff\xd8jpeg", filename="answer.jpg", content_type="image/jpeg")
    url = wechat.base_url + "media/upload"
    params = {"access_token": api.token, "type": "image"}
    async with api.http.post(url, params=params, data=form) as response:
        uploaded = await response.json()
    assert uploaded["type"] == "image"
    _, content_type, content = await api.get(
        "media/get", access_token=api.token, media_id=uploaded["media_id"]
    )
    assert (content_type, content) == ("image/jpeg", b"\xff\xd8jpeg")
    wechat.advance(hours=72)
    await api.fetch_token()
    reply = await api.get("media/get", access_token=api.token, media_id=media_id)
    assert reply["errcode"] == 40007  # temporary media lives three days
