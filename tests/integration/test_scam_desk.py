"""The scam check in the desk, against a real database (SQLite, and PostgreSQL when set up):
a warning naming the pattern, the adviser for what it cannot classify, never "it is safe"."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import func, select

from bot.app import Services
from bot.core.interactions import EventKind
from bot.core.periods import parse_month
from bot.core.ports import Outgoing, Person
from bot.storage.misses import miss_events
from bot.storage.models import CaseRow, InteractionRow
from tests.integration.test_resident_desk import GRANNY, press, say
from tests.scam_samples import ORDINARY_NOTICE, SCAM_TEXTS

REASSURING = ("是安全的", "没有问题", "没问题", "放心", "不是骗局", "不是诈骗", "是真的")
UNCLE = Person(user_id=502, chat_id=502, display_name="李大爷")
UNSURE_TEXT = "您有一份重要文件待查收，详情请点击 http://ab12.cc/x9 查看"


def visible(message: Outgoing) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", message.text))


def reassures(text: str) -> bool:
    return any(word in text.replace("是不是", "") for word in REASSURING)


async def forward(services: Services, text: str, person: Person = GRANNY) -> list[Outgoing]:
    before = len(services.transport().sent)  # type: ignore[attr-defined]
    await services.courier.deliver(await services.desk.ask(person, text, forwarded=True))
    return services.transport().sent[before:]  # type: ignore[attr-defined,no-any-return]


async def logged(services: Services) -> list[tuple[str, str | None, str | None]]:
    async with services.sessions() as session:
        rows = await session.execute(
            select(InteractionRow.kind, InteractionRow.detail, InteractionRow.faq_id).order_by(
                InteractionRow.id
            )
        )
        return [tuple(r) for r in rows.all()]  # type: ignore[misc]


async def cases(services: Services) -> int:
    async with services.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(CaseRow)) or 0)


@pytest.mark.parametrize("pattern_id", sorted(SCAM_TEXTS))
async def test_a_forwarded_scam_gets_the_warning_of_its_pattern(
    services: Services, pattern_id: str
) -> None:
    checker = services.knowledge.scams
    assert checker is not None
    pattern = checker.pattern(pattern_id)
    assert pattern is not None
    entry = services.knowledge.kb.get(pattern.entry)
    assert entry is not None
    [reply] = await forward(services, SCAM_TEXTS[pattern_id])
    text = visible(reply)
    assert text.startswith(f"⚠️ 这很像「{pattern.name}」骗局。")
    assert "96110" in text and "110" in text and "不要转账" in text
    assert "法律依据：" + "；".join(entry.basis) in text
    assert not reassures(text)
    labels = [b.label for row in reply.buttons for b in row]
    assert labels == ["👍 有帮助", "🙋 还是拿不准，找法律顾问"]
    assert await logged(services) == [(EventKind.SCAM_CHECK, pattern_id, entry.id)]
    assert await cases(services) == 0


async def test_pasted_scam_text_is_checked_too(services: Services) -> None:
    [reply] = await say(services, SCAM_TEXTS["verification-code"])
    assert "这很像「验证码索取」骗局" in visible(reply)


async def test_asking_for_a_check_sends_an_unclear_message_to_the_adviser_flagged(
    services: Services,
) -> None:
    sent = await say(services, "帮我看看这条短信：明天下午三点老地方见")
    to_resident = [m for m in sent if m.chat_id == GRANNY.chat_id]
    notices = [m for m in sent if m.chat_id != GRANNY.chat_id]
    assert len(to_resident) == 1
    text = visible(to_resident[0])
    assert "拿不准" in text and "法律顾问" in text and "#1" in text and "96110" in text
    assert not reassures(text)
    assert {m.chat_id for m in notices} == {9001, 9002}
    assert all("🚩 疑似诈骗" in m.text and "老地方见" in m.text for m in notices)
    assert await logged(services) == [
        (EventKind.SCAM_CHECK, "unsure", None),
        (EventKind.HANDOFF, "scam", None),
    ]


async def test_a_forwarded_link_it_cannot_place_goes_to_the_adviser(services: Services) -> None:
    sent = await forward(services, UNSURE_TEXT)
    assert "拿不准" in visible(sent[0])
    assert any("疑似诈骗" in m.text and "链接" in m.text for m in sent if m.chat_id == 9001)
    assert await cases(services) == 1


async def test_an_ordinary_forwarded_notice_is_not_called_a_scam(services: Services) -> None:
    sent = await forward(services, ORDINARY_NOTICE)
    for message in sent:
        text = visible(message)
        assert "骗局" not in text and "疑似诈骗" not in text
        assert not reassures(text)
    assert all(kind != EventKind.SCAM_CHECK for kind, _, _ in await logged(services))


async def test_a_question_about_fraud_gets_the_faq_answer_not_a_check(services: Services) -> None:
    [reply] = await say(services, "被骗了钱还能追回来吗，要去哪报案")
    assert "反电信网络诈骗法" in reply.text and "这很像" not in reply.text
    assert [kind for kind, _, _ in await logged(services)] == [
        EventKind.QUESTION,
        EventKind.FAQ_ANSWER,
    ]


async def test_ask_adviser_under_a_warning_hands_the_checked_message_over_flagged(
    services: Services,
) -> None:
    [warning] = await forward(services, SCAM_TEXTS["task-rebate"])
    sent = await press(services, warning.buttons[1][0].data)
    to_resident = [m for m in sent if m.chat_id == GRANNY.chat_id]
    assert len(to_resident) == 1 and "#1" in visible(to_resident[0])
    assert not reassures(visible(to_resident[0]))
    notice = next(m for m in sent if m.chat_id == 9001)
    assert "点赞员" in notice.text and "🚩 疑似诈骗" in notice.text and "刷单" in notice.text
    assert await cases(services) == 1
    assert (EventKind.HANDOFF, "scam", None) in await logged(services)
    other = Person(user_id=777, chat_id=777, display_name="路人")
    for data in [warning.buttons[1][0].data, "scam:999999", "scam:x", "scam:"]:
        [reply] = await press(services, data, other)
        assert "过期" in reply.text
    assert await cases(services) == 1


async def test_with_an_open_case_the_adviser_sees_the_checked_message_flagged(
    services: Services,
) -> None:
    await say(services, "俺家娃当兵退伍回来了，退役安置的钱一直没发下来，咋办")
    sent = await forward(services, SCAM_TEXTS["impersonate-officials"])
    to_resident = [m for m in sent if m.chat_id == GRANNY.chat_id]
    assert len(to_resident) == 1 and "这很像「冒充公检法」骗局" in visible(to_resident[0])
    assert to_resident[0].buttons[0][0].label == "👍 有帮助"
    assert len(to_resident[0].buttons) == 1  # the adviser already has it: no second case
    follow_ups = [m for m in sent if m.chat_id == 9001]
    assert len(follow_ups) == 1 and "🚩 疑似诈骗" in follow_ups[0].text
    assert "#1" in follow_ups[0].text and "刑侦大队" in follow_ups[0].text
    sent = await forward(services, UNSURE_TEXT)
    assert "拿不准" in visible(sent[0]) and "#1" in visible(sent[0])
    assert await cases(services) == 1


async def test_scam_checks_count_towards_the_flood_limit(services: Services) -> None:
    limit = services.desk._policy.flood_per_minute
    for _ in range(limit):
        await forward(services, SCAM_TEXTS["prize-subsidy"])
    [notice] = await forward(services, SCAM_TEXTS["prize-subsidy"])
    assert "太快" in notice.text


async def test_a_check_handed_to_the_adviser_is_not_an_faq_miss(services: Services) -> None:
    await forward(services, UNSURE_TEXT)
    await say(services, "俺家娃当兵退伍回来了，退役安置的钱一直没发下来，咋办", UNCLE)
    month = parse_month("2026-11", services.settings.timezone)
    async with services.sessions() as session:
        misses = await miss_events(session, month.start, month.end)
    assert [m.text for m in misses] == ["俺家娃当兵退伍回来了，退役安置的钱一直没发下来，咋办"]


async def test_help_mentions_the_scam_check(services: Services) -> None:
    before = len(services.transport().sent)  # type: ignore[attr-defined]
    await services.courier.deliver(await services.desk.start(GRANNY, "help"))
    [reply] = services.transport().sent[before:]  # type: ignore[attr-defined]
    assert "转发给我" in reply.text and "骗局" in reply.text


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        ("有人说女儿出嫁了就不能继承娘家的房子，是真的吗", "inheritance-equal-daughters"),
        ("邻居说借钱给人当担保人，人家不还钱就得我来还，是真的吗", "guarantee"),
    ],
)
async def test_a_typed_question_ending_is_it_true_gets_its_faq_answer(
    services: Services, question: str, entry: str
) -> None:
    [reply] = await say(services, question)
    assert "骗局" not in reply.text and "疑似诈骗" not in reply.text
    assert [(k, f) for k, _, f in await logged(services)] == [
        (EventKind.QUESTION, entry),
        (EventKind.FAQ_ANSWER, entry),
    ]


async def test_a_typed_unclear_message_in_an_open_case_is_an_ordinary_follow_up(
    services: Services,
) -> None:
    await say(services, "俺家娃当兵退伍回来了，退役安置的钱一直没发下来，咋办")
    sent = await say(services, "帮我看看这条短信：明天下午三点老地方见")
    assert "已补充到您的问题 #1" in visible(sent[0])
    assert all("疑似诈骗" not in m.text for m in sent)
    assert EventKind.SCAM_CHECK not in [k for k, _, _ in await logged(services)]
