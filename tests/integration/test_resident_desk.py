"""Residents' use cases against a real, migrated database (SQLite, and PostgreSQL when set up)."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.app import Services
from bot.core.clock import ManualClock
from bot.core.interactions import EventKind
from bot.core.ports import Outgoing, Person
from bot.storage.models import CaseRow, InteractionRow, OutboxRow
from tests.fakes import RecordingTransport

GRANNY = Person(user_id=501, chat_id=501, display_name="王大妈")


def transport(services: Services) -> RecordingTransport:
    return services.transport()  # type: ignore[return-value]


async def say(services: Services, text: str, person: Person = GRANNY) -> list[Outgoing]:
    before = len(transport(services).sent)
    batch = await services.desk.ask(person, text)
    await services.courier.deliver(batch)
    return transport(services).sent[before:]


async def press(services: Services, data: str, person: Person = GRANNY) -> list[Outgoing]:
    before = len(transport(services).sent)
    await services.courier.deliver(await services.desk.press(person, data))
    return transport(services).sent[before:]


async def events(services: Services) -> list[str]:
    async with services.sessions() as session:
        rows = await session.scalars(select(InteractionRow.kind).order_by(InteractionRow.id))
        return list(rows)


async def test_faq_question_is_answered_with_its_basis_and_logged(services: Services) -> None:
    [reply] = await say(services, "儿子儿媳妇都不给我养老钱，我七十多了，能告他们吗")
    assert "民法典 第1067条" in reply.text
    assert "仅供参考" in reply.text
    labels = [b.label for row in reply.buttons for b in row]
    assert labels == ["👍 有帮助", "🙋 没解决，找法律顾问", "📬 订阅每月普法"]
    assert await events(services) == [EventKind.QUESTION, EventKind.FAQ_ANSWER]


async def test_greeting_is_small_talk_and_never_a_case(services: Services) -> None:
    [reply] = await say(services, "你好呀")
    assert "机器人" in reply.text
    assert await events(services) == [EventKind.SMALLTALK]
    async with services.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(CaseRow)) == 0


async def test_unknown_question_opens_a_case_and_notifies_advisers_on_duty(
    services: Services,
) -> None:
    sent = await say(services, "俺家娃当兵退伍回来了，退役安置的钱一直没发下来，咋办")
    to_resident = [m for m in sent if m.chat_id == GRANNY.chat_id]
    to_advisers = {m.chat_id for m in sent if m.chat_id != GRANNY.chat_id}
    assert "#1" in to_resident[0].text
    assert to_advisers == {9001, 9002}  # both advisers are in their Wednesday shift
    notice = next(m for m in sent if m.chat_id == 9001)
    assert notice.buttons[0][0].label == "认领 #1"
    assert "王大妈" in notice.text and "退役" in notice.text
    assert await events(services) == [EventKind.QUESTION, EventKind.HANDOFF]


async def test_off_hours_case_tells_the_resident_when_advisers_start_once_a_day(
    services: Services, clock: ManualClock
) -> None:
    clock.advance(hours=12)  # Wednesday 22:30 in Shanghai
    first = await say(services, "娃当兵退伍回来了，退役金没发")
    assert "明天10:00上班后会回复您" in first[0].text
    assert len(first) == 1  # nobody on duty is notified now
    await services.courier.deliver(await services.staff.close(9001, 1))
    second = await say(services, "宅基地上的老房子兄弟要分咋弄")
    assert "上班后会回复您" not in second[0].text  # at most once a day


async def test_not_solved_button_hands_off_the_original_question(services: Services) -> None:
    [answer] = await say(services, "儿子儿媳妇都不给我养老钱，我七十多了，能告他们吗")
    escalate = answer.buttons[1][0].data
    sent = await press(services, escalate)
    notice = next(m for m in sent if m.chat_id == 9001)
    assert "养老钱" in notice.text
    assert EventKind.FEEDBACK_NOT_HELPFUL in await events(services)


async def test_forged_buttons_change_nothing(services: Services) -> None:
    other = Person(user_id=777, chat_id=777, display_name="路人")
    [answer] = await say(services, "儿子儿媳妇都不给我养老钱，我七十多了，能告他们吗")
    for data in [answer.buttons[1][0].data, "pick:1:no-such-entry", "cat:99", "esc:b:nope", "zz"]:
        [reply] = await press(services, data, other)
        assert "过期" in reply.text
    async with services.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(CaseRow)) == 0


async def test_messages_during_an_open_case_are_added_to_it(services: Services) -> None:
    await say(services, "娃当兵退伍回来了，退役金没发")
    sent = await say(services, "补充一下：是2019年签的合同")
    assert "#1" in sent[0].text
    assert {m.chat_id for m in sent[1:]} == {9001, 9002}
    quiet = await say(services, "还有，合同在我手里")
    assert [m.chat_id for m in quiet if m.chat_id == GRANNY.chat_id] == []  # no repeated ack
    assert (await events(services)).count(EventKind.FOLLOW_UP) == 2


async def test_flood_gets_one_notice_and_is_logged_not_matched(services: Services) -> None:
    for _ in range(20):
        await say(services, "谢谢")
    first = await say(services, "儿子不给养老钱咋办")
    second = await say(services, "儿子不给养老钱咋办")
    assert "太快" in first[0].text and second == []
    kinds = await events(services)
    assert kinds.count(EventKind.FLOOD) == 2 and EventKind.QUESTION not in kinds


async def test_every_reply_is_stored_in_the_outbox_and_marked_sent(services: Services) -> None:
    await say(services, "你好")
    await say(services, "娃当兵退伍回来了，退役金没发")
    async with services.sessions() as session:
        statuses = list(await session.scalars(select(OutboxRow.status)))
    assert statuses and set(statuses) == {"sent"}
