"""Staff reached on several channels, on a real database: a member named by Telegram id and
WeChat openid hears everything on both, a WeChat-only adviser works cases under their derived
staff id, and reminders, answer outcomes and duty switches follow that one id."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from bot.app import Knowledge, Services, build_services
from bot.config import Settings
from bot.core.clock import ManualClock
from bot.core.messages import WECHAT, Address
from bot.core.ports import Person
from bot.core.roster import Role, StaffMember, parse_shift
from bot.storage.models import CaseRow, InteractionRow
from tests.conftest import with_settings
from tests.fakes import record_every_channel
from tests.integration.test_resident_desk import GRANNY, say
from tests.integration.test_staff_desk import UNKNOWN_QUESTION, run

LI_WX = Address(WECHAT, "oLiOnWeChat000000000000000001")
ZHOU_WX = Address(WECHAT, "oZhouWeChatOnly00000000000002")
OFFICE_WX = Address(WECHAT, "oOfficeWeChatOnly00000000003")
WEEKDAYS = (parse_shift("mon-fri 10:00-19:30"),)
LI = StaffMember(9001, "李律师", Role.ADVISER, WEEKDAYS, wechat_openid=LI_WX.id)
ZHOU = StaffMember(None, "周律师", Role.ADVISER, WEEKDAYS, wechat_openid=ZHOU_WX.id)
OFFICE = StaffMember(None, "司法所", Role.OFFICE, wechat_openid=OFFICE_WX.id)
UNCLE = Person(user_id=502, chat_id=502, display_name="张大爷")


@pytest.fixture
async def staffed(
    settings: Settings, knowledge: Knowledge, clock: ManualClock
) -> AsyncIterator[Services]:
    built = build_services(with_settings(settings, staff=(LI, ZHOU, OFFICE)), knowledge, clock)
    record_every_channel(built)
    yield built
    await built.close()


async def open_case(services: Services) -> int:
    await say(services, UNKNOWN_QUESTION)
    async with services.sessions() as session:
        return int(await session.scalar(select(CaseRow.id).order_by(CaseRow.id.desc()).limit(1)))


async def test_a_new_case_reaches_every_chat_of_every_adviser_on_duty(staffed: Services) -> None:
    sent = await say(staffed, UNKNOWN_QUESTION)
    notices = [m for m in sent if m.purpose == "notify"]
    assert {m.chat_id for m in notices} == {9001, LI_WX, ZHOU_WX}
    assert all(m.buttons[0][0].data.startswith("claim:") for m in notices)


async def test_a_wechat_only_adviser_works_a_case_under_one_stable_id(
    staffed: Services, clock: ManualClock
) -> None:
    case_id = await open_case(staffed)
    sent = await run(staffed, staffed.staff.claim(ZHOU.id, case_id))
    assert [m.chat_id for m in sent] == [ZHOU_WX] and "您已认领" in sent[0].text
    async with staffed.sessions() as session:
        row = await session.get(CaseRow, case_id)
        assert row is not None and row.claimed_by == ZHOU.id < 0
        actors = set(await session.scalars(select(InteractionRow.actor_id)))
    assert ZHOU.id in actors
    follow_up = await say(staffed, "补充一下：是去年十月退伍的")
    assert [m.chat_id for m in follow_up if m.purpose == "notify"] == [ZHOU_WX]
    clock.advance(hours=24, minutes=1)
    reminded = await run(staffed, staffed.reminders.remind())
    assert {m.chat_id for m in reminded} == {ZHOU_WX, OFFICE_WX}
    answered = await run(staffed, staffed.staff.answer(ZHOU.id, case_id, "请带退伍证去人社所。"))
    assert [m.chat_id for m in answered if "已送达" in m.text] == [ZHOU_WX]
    assert any(m.chat_id == GRANNY.chat_id for m in answered)


async def test_a_member_on_both_channels_hears_outcomes_on_both(staffed: Services) -> None:
    case_id = await open_case(staffed)
    sent = await run(staffed, staffed.staff.answer(LI.id, case_id, "您好"))
    assert {m.chat_id for m in sent if "已送达" in m.text} == {9001, LI_WX}
    board = await staffed.staff.duty(ZHOU.id, "off")
    assert "周律师" not in board and "李律师" in board
    again = await say(staffed, UNKNOWN_QUESTION, UNCLE)
    assert {m.chat_id for m in again if m.purpose == "notify"} == {9001, LI_WX}


async def test_the_console_link_goes_to_the_chat_it_was_asked_from(staffed: Services) -> None:
    staffed.console.base_url = "https://desk.example.cn"
    [link] = (await staffed.console.request_link(LI.id, LI_WX)).messages
    assert link.chat_id == LI_WX and "/signin/" in link.text
    [link] = (await staffed.console.request_link(LI.id)).messages
    assert link.chat_id == 9001
    [link] = (await staffed.console.request_link(OFFICE.id)).messages
    assert link.chat_id == OFFICE_WX
