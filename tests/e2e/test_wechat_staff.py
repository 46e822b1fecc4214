"""Advisers and the office on WeChat, end to end: the real ``legaldesk run`` process serves
Telegram (fake Bot API), the WeChat account (fake WeChat server) and the web console; staff named
in the roster only by a WeChat openid work the desk from WeChat through the same use cases as on
Telegram, and a resident's openid gets nothing of theirs."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import select

from bot.storage.models import OutboxRow
from bot.storage.uow import create_engine, create_sessionmaker
from tests.e2e.process import free_ports, legaldesk_run, stop
from tests.fakebotapi import FakeBotApi, FakeUser
from tests.fakewechat import FakeWeChat, WeChatCallbacks
from tests.fakewechat.pytest_plugin import fake_wechat  # noqa: F401 - the fixture

pytestmark = pytest.mark.e2e

TOKEN = "legaldesk-e2e-token"
TEMPLATE = "TPL-answer-waiting-0001"
ADVISER = "oWxAdviserOnly000000000000001"
OFFICE = "oWxOfficeOnly0000000000000002"
UNKNOWN = "俺家娃当兵退伍回来了，退役安置的钱一直没发下来，咋办"
LINK = re.compile(r"(http://127\.0\.0\.1:\d+/signin/[A-Za-z0-9_-]+)")
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class Running:
    push: WeChatCallbacks
    wechat: FakeWeChat
    tg: FakeBotApi
    telegram_adviser: FakeUser
    web: str
    database_url: str

    async def staff_online(self, openid: str) -> None:
        """The staff member follows the account and writes (WeChat lets it write to them for
        48 hours after that); the desk answers with the list of staff commands."""
        (await self.push.subscribe(openid)).assert_ok()
        await self.wechat.wait_for_message(openid, contains="/queue", timeout=20)


async def _held_for(database_url: str, openid: str, within: float = 20) -> None:
    """Wait until the outbox holds a message for ``openid`` (the 48-hour rule)."""
    engine = create_engine(database_url)
    deadline = asyncio.get_running_loop().time() + within
    try:
        while True:
            async with create_sessionmaker(engine)() as session:
                held = await session.scalar(
                    select(OutboxRow.id).where(
                        OutboxRow.recipient == openid, OutboxRow.status == "held"
                    )
                )
            if held is not None:
                return
            assert asyncio.get_running_loop().time() < deadline, f"nothing held for {openid}"
            await asyncio.sleep(0.05)
    finally:
        await engine.dispose()


@pytest.fixture
async def running(
    fake_tg: FakeBotApi,
    fake_wechat: FakeWeChat,  # noqa: F811
    database_url: str,
    tmp_path: Path,
) -> AsyncIterator[Running]:
    wechat_port, web_port = free_ports(2)
    web = f"http://127.0.0.1:{web_port}"
    fake_wechat.add_template(TEMPLATE)
    config = f"""
timezone: Asia/Shanghai
advisers:
  - {{telegram_id: 9001, name: 李律师, shifts: ["mon-sun 00:00-24:00"]}}
  - {{wechat_openid: {ADVISER}, name: 周律师, shifts: ["mon-sun 00:00-24:00"]}}
  - {{wechat_openid: {OFFICE}, name: 司法所, role: office}}
web: {{listen: '127.0.0.1:{web_port}', base_url: '{web}', secure_cookies: false}}
wechat:
  app_id: {fake_wechat.app_id}
  listen: '127.0.0.1:{wechat_port}'
  api_base_url: '{fake_wechat.base_url}'
  answer_template_id: {TEMPLATE}
"""
    env = {
        "TELEGRAM_BOT_TOKEN": fake_tg.token,
        "TELEGRAM_API_BASE_URL": fake_tg.base_url,
        "DATABASE_URL": database_url,
        "WECHAT_APP_SECRET": fake_wechat.app_secret,
        "WECHAT_TOKEN": TOKEN,
    }
    adviser = fake_tg.new_user(first_name="李律师", user_id=9001)
    secrets = (fake_wechat.app_secret, TOKEN, ADVISER, OFFICE)
    async with legaldesk_run(tmp_path, config, env, secrets=secrets) as process:
        await fake_tg.wait_for_call("getUpdates", timeout=60)  # WeChat is up before this
        url = f"http://127.0.0.1:{wechat_port}/wechat"
        async with fake_wechat.callbacks(url, TOKEN) as push:
            yield Running(push, fake_wechat, fake_tg, adviser, web, database_url)
        assert await stop(process) == 0


async def test_a_wechat_adviser_gets_the_case_with_its_link_claims_and_answers_telegram(
    running: Running,
) -> None:
    wechat, push = running.wechat, running.push
    await running.staff_online(ADVISER)
    resident = running.tg.new_user("王大妈")
    await running.tg.send_text(resident, UNKNOWN)
    await running.tg.wait_for_message(resident, contains="#1", timeout=20)

    notice = await wechat.wait_for_message(ADVISER, contains="退役安置", timeout=20)
    assert "#1" in notice.visible_text and f"{running.web}/cases/1" in notice.visible_text
    assert notice.msgtype == "msgmenu"
    claim = notice.item("认领 #1")
    (await push.tap(ADVISER, notice, claim.id)).assert_ok()
    await wechat.wait_for_message(ADVISER, contains="您已认领 #1", timeout=20)

    # The Telegram adviser on duty tries too: the atomic claim names the WeChat adviser.
    await running.tg.send_text(running.telegram_adviser, "/claim 1")
    await running.tg.wait_for_message(
        running.telegram_adviser, contains="已由 周律师 认领", timeout=20
    )

    (await push.text(ADVISER, "/answer 1 先拍照留证，\n再找村委会调解。")).assert_ok()
    answer = await running.tg.wait_for_message(resident, contains="拍照留证", timeout=20)
    assert "再找村委会调解" in answer.visible_text
    await wechat.wait_for_message(ADVISER, contains="#1 的回复已送达", timeout=20)

    (await push.text(ADVISER, "/queue")).assert_ok()
    queue = await wechat.wait_for_message(ADVISER, timeout=20)
    assert "#1" in queue.visible_text
    (await push.text(ADVISER, "结案 1")).assert_ok()
    await wechat.wait_for_message(ADVISER, contains="#1 已结束", timeout=20)
    await running.tg.wait_for_message(resident, contains="#1", timeout=20)
    (await push.text(ADVISER, "/claim 1")).assert_ok()
    await wechat.wait_for_message(ADVISER, contains="已经结束", timeout=20)


async def test_a_wechat_adviser_switches_duty_off_and_gets_no_new_case(running: Running) -> None:
    wechat, push = running.wechat, running.push
    await running.staff_online(ADVISER)
    (await push.text(ADVISER, "/duty off")).assert_ok()
    board = await wechat.wait_for_message(ADVISER, contains="现在值班", timeout=20)
    assert "李律师" in board.visible_text and "周律师" not in board.visible_text
    resident = running.tg.new_user("王大妈")
    await running.tg.send_text(resident, UNKNOWN)
    await running.tg.wait_for_message(running.telegram_adviser, contains="退役安置", timeout=20)
    (await push.text(ADVISER, "/duty on")).assert_ok()  # after the case: its reply comes later
    board = await wechat.wait_for_message(ADVISER, contains="现在值班", timeout=20)
    assert "周律师" in board.visible_text
    assert all("退役安置" not in m.visible_text for m in wechat.messages_to(ADVISER))


async def test_a_wechat_only_office_member_gets_a_console_link_that_signs_in(
    running: Running,
) -> None:
    wechat, push = running.wechat, running.push
    await running.staff_online(OFFICE)
    (await push.text(OFFICE, "/claim 1")).assert_ok()  # advisers only
    await wechat.wait_for_message(OFFICE, contains="只有法律顾问", timeout=20)
    (await push.text(OFFICE, "/console")).assert_ok()
    message = await wechat.wait_for_message(OFFICE, contains="网页工作台登录链接", timeout=20)
    match = LINK.search(message.visible_text)
    assert match is not None, message.visible_text
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        async with http.get(match.group(1)) as page:
            csrf = CSRF.search(await page.text())
        assert csrf is not None
        token = match.group(1).rsplit("/", 1)[1]
        form = {"csrf": csrf.group(1), "token": token}
        async with http.post(f"{running.web}/signin/link", data=form) as signed_in:
            assert signed_in.status == 200
            assert "司法所" in await signed_in.text()
        async with http.post(f"{running.web}/signin/link", data=form) as again:
            assert again.status != 200 or "司法所" not in await again.text()  # one use only


async def test_a_resident_openid_cannot_use_staff_commands_or_claim_buttons(
    running: Running,
) -> None:
    wechat, push = running.wechat, running.push
    await running.staff_online(ADVISER)
    stranger = wechat.new_openid()
    (await push.text(stranger, UNKNOWN)).assert_ok()
    await wechat.wait_for_message(stranger, contains="#1", timeout=20)
    notice = await wechat.wait_for_message(ADVISER, contains="退役安置", timeout=20)
    (await push.text(stranger, "/claim 1")).assert_ok()
    await wechat.wait_for_message(stranger, contains="只有法律顾问和服务台工作人员", timeout=20)
    (await push.text(stranger, "/console")).assert_ok()
    await wechat.wait_for_message(stranger, contains="只有法律顾问和服务台工作人员", timeout=20)
    (await push.text(stranger, "认领", bizmsgmenuid="claim:1")).assert_ok()  # a forged tap
    await wechat.wait_for_message(stranger, contains="过期", timeout=20)
    assert all("/signin/" not in m.visible_text for m in wechat.messages_to(stranger))
    # Nobody but the adviser took the case: their tap still claims it.
    (await push.tap(ADVISER, notice, notice.item("认领 #1").id)).assert_ok()
    await wechat.wait_for_message(ADVISER, contains="您已认领 #1", timeout=20)


async def test_a_held_answer_is_announced_once_by_template_message(running: Running) -> None:
    wechat, push = running.wechat, running.push
    resident = wechat.new_openid()
    (await push.text(resident, UNKNOWN)).assert_ok()
    await wechat.wait_for_message(resident, contains="#1", timeout=20)
    await running.tg.wait_for_message(running.telegram_adviser, contains="#1", timeout=20)
    wechat.advance(hours=49)  # the resident's 48 hours are over
    await running.tg.send_text(running.telegram_adviser, "/answer 1 请带退伍证去人社所申请补发。")
    await running.tg.wait_for_message(running.telegram_adviser, contains="48 小时", timeout=20)
    template = await wechat.wait_for_template(resident, timeout=20)
    assert template.template_id == TEMPLATE
    values = {name: field["value"] for name, field in template.data.items()}
    assert values["keyword1"] == "#1" and "发送任意一条消息" in values["remark"]
    assert all("人社所" not in m.visible_text for m in wechat.messages_to(resident))
    (await push.text(resident, "还在吗")).assert_ok()
    await wechat.wait_for_message(resident, contains="人社所", timeout=20)
    await running.tg.wait_for_message(running.telegram_adviser, contains="已送达", timeout=20)
    assert len(wechat.templates_to(resident)) == 1


async def test_notices_held_by_the_48_hours_reach_the_adviser_when_they_write(
    running: Running,
) -> None:
    wechat, push = running.wechat, running.push
    await running.staff_online(ADVISER)
    wechat.advance(hours=49)  # the adviser has not written for two days
    resident = running.tg.new_user("王大妈")
    await running.tg.send_text(resident, UNKNOWN)
    await running.tg.wait_for_message(running.telegram_adviser, contains="退役安置", timeout=20)
    await wechat.wait_for_error(45015, timeout=20)  # WeChat refused the notice: it is held
    await _held_for(running.database_url, ADVISER)  # (as soon as the courier has recorded it)
    assert all("退役安置" not in m.visible_text for m in wechat.messages_to(ADVISER))
    (await push.text(ADVISER, "/queue")).assert_ok()
    note = await wechat.wait_for_message(ADVISER, timeout=20)
    assert "补发" in note.visible_text and "通知" in note.visible_text
    notice = await wechat.wait_for_message(ADVISER, timeout=20)
    assert "退役安置" in notice.visible_text and notice.msgtype == "msgmenu"
    queue = await wechat.wait_for_message(ADVISER, timeout=20)
    assert "#1" in queue.visible_text
