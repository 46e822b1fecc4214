"""A resident's path through the real bot over real HTTP: start, FAQ, small talk, hand-off."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.core.interactions import EventKind
from bot.storage.models import CaseRow, InteractionRow
from tests.e2e.conftest import Desk

pytestmark = pytest.mark.e2e


async def logged(desk: Desk) -> list[str]:
    async with desk.services.sessions() as session:
        return list(await session.scalars(select(InteractionRow.kind).order_by(InteractionRow.id)))


async def test_start_greets_says_it_is_a_bot_and_offers_categories(desk: Desk) -> None:
    granny = desk.api.new_user("王大妈")
    await desk.api.send_text(granny, "/start")
    reply = await desk.api.wait_for_message(granny)
    assert "机器人" in reply.visible_text and "仅供参考" in reply.visible_text
    assert "婚姻家庭" in reply.button_texts() and "防范诈骗" in reply.button_texts()
    commands = desk.api.calls_to("setMyCommands")
    assert any("start" in str(c) for c in commands)
    assert await logged(desk) == [EventKind.COMMAND]


async def test_faq_question_gets_the_answer_with_its_legal_basis(desk: Desk) -> None:
    granny = desk.api.new_user("王大妈")
    await desk.api.send_text(granny, "被骗了钱还能追回来吗，要去哪报案")
    reply = await desk.api.wait_for_message(granny)
    assert "紧急止付" in reply.visible_text
    assert "反电信网络诈骗法" in reply.visible_text  # the basis line
    assert reply.button_texts() == ["👍 有帮助", "🙋 没解决，找法律顾问", "📬 订阅每月普法"]
    await desk.api.press_button(granny, reply, reply.callback_data_for("有帮助"))
    thanks = await desk.api.wait_for_message(granny)
    assert "谢谢" in thanks.visible_text
    assert await logged(desk) == [
        EventKind.QUESTION,
        EventKind.FAQ_ANSWER,
        EventKind.FEEDBACK_HELPFUL,
    ]


async def test_greeting_gets_small_talk(desk: Desk) -> None:
    granny = desk.api.new_user("王大妈")
    await desk.api.send_text(granny, "你好")
    reply = await desk.api.wait_for_message(granny)
    assert "您好" in reply.visible_text
    assert await logged(desk) == [EventKind.SMALLTALK]


async def test_unknown_question_is_recorded_as_an_open_case(desk: Desk) -> None:
    granny = desk.api.new_user("王大妈")
    await desk.api.send_text(granny, "俺家娃当兵退伍回来了，退役安置的钱一直没发下来")
    reply = await desk.api.wait_for_message(granny)
    assert "#1" in reply.visible_text and "法律顾问" in reply.visible_text
    async with desk.services.sessions() as session:
        case = await session.get(CaseRow, 1)
    assert case is not None and case.status == "open" and "退役" in case.question
    assert await logged(desk) == [EventKind.QUESTION, EventKind.HANDOFF]


async def test_topic_menu_leads_to_an_answer(desk: Desk) -> None:
    granny = desk.api.new_user("王大妈")
    await desk.api.send_text(granny, "/topics")
    menu = await desk.api.wait_for_message(granny)
    await desk.api.press_button(granny, menu, menu.callback_data_for("继承"))
    questions = await desk.api.wait_for_message(granny)
    await desk.api.press_button(granny, questions, questions.callback_data_for("出嫁的女儿"))
    answer = await desk.api.wait_for_message(granny)
    assert "民法典 第1126条" in answer.visible_text


async def test_law_article_lookup(desk: Desk) -> None:
    granny = desk.api.new_user("王大妈")
    await desk.api.send_text(granny, "/law 反家庭暴力法 23")
    reply = await desk.api.wait_for_message(granny)
    assert "人身安全保护令" in reply.visible_text
    await desk.api.send_text(granny, "民法典第1077条")
    reply = await desk.api.wait_for_message(granny)
    assert "三十日" in reply.visible_text


async def test_html_in_messages_is_escaped(desk: Desk) -> None:
    granny = desk.api.new_user("<b>王</b>&大妈")
    await desk.api.send_text(granny, "/start")
    reply = await desk.api.wait_for_message(granny)
    assert "<b>王</b>&大妈" in reply.visible_text  # shown literally, and Telegram accepted it


async def test_voice_message_opens_a_case_forwarded_to_advisers(desk: Desk) -> None:
    granny = desk.api.new_user("王大妈")
    await desk.api.send_voice(granny, b"OggS-voice-bytes")
    reply = await desk.api.wait_for_message(granny)
    assert "#1" in reply.visible_text
    await desk.api.wait_for_message(desk.li, contains="#1")
    voice = await desk.api.wait_for_call("sendVoice", lambda p: str(p.get("chat_id")) == "9001")
    assert voice.params["voice"]


async def test_group_messages_are_ignored(desk: Desk) -> None:
    granny = desk.api.new_user("王大妈")
    group = desk.api.new_group("唐驿镇居民群")
    await desk.api.send_text(granny, "你好", chat=group)
    await desk.api.send_text(granny, "你好")  # then a private message, which is answered
    reply = await desk.api.wait_for_message(granny)
    assert "您好" in reply.visible_text
    assert desk.api.messages_to(group) == []
