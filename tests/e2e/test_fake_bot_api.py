"""The fake Bot API server, exercised with the real python-telegram-bot client over HTTP."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
import telegram
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters
from telegram.request import HTTPXRequest

from tests.fakebotapi import FakeBotApi

pytest_plugins = ["tests.fakebotapi.pytest_plugin"]
pytestmark = pytest.mark.e2e


@pytest_asyncio.fixture
async def bot(fake_tg: FakeBotApi) -> AsyncIterator[telegram.Bot]:
    async with telegram.Bot(
        fake_tg.token, base_url=fake_tg.base_url, base_file_url=fake_tg.base_file_url
    ) as real_bot:
        yield real_bot


async def test_get_me_describes_the_bot(bot: telegram.Bot) -> None:
    me = await bot.get_me()
    assert me.id == 123456
    assert me.is_bot
    assert me.username == "legaldesk_test_bot"


async def test_wrong_token_is_unauthorized(fake_tg: FakeBotApi) -> None:
    intruder = telegram.Bot("999:WRONG", base_url=fake_tg.base_url)
    with pytest.raises(InvalidToken):
        await intruder.get_me()


async def test_sent_message_is_observable_with_keyboard_and_reply(
    fake_tg: FakeBotApi, bot: telegram.Bot
) -> None:
    resident = fake_tg.new_user("王大妈")
    question = await fake_tg.send_text(resident, "宅基地能继承吗")
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("有用", callback_data="fb:1:up"),
                InlineKeyboardButton("没用", callback_data="fb:1:down"),
            ]
        ]
    )
    sent = await bot.send_message(
        resident.id,
        "<b>可以</b>，按继承办理",
        parse_mode="HTML",
        reply_markup=keyboard,
        reply_to_message_id=question["message_id"],
    )
    assert sent.text == "可以，按继承办理"
    assert sent.entities[0].type == "bold"
    assert sent.reply_to_message.text == "宅基地能继承吗"

    seen = await fake_tg.wait_for_message(resident)
    assert seen.visible_text == "可以，按继承办理"
    assert seen.text == "<b>可以</b>，按继承办理"
    assert seen.parse_mode == "HTML"
    assert seen.keyboard == [
        [
            {"text": "有用", "callback_data": "fb:1:up"},
            {"text": "没用", "callback_data": "fb:1:down"},
        ]
    ]
    assert seen.reply_to_message_id == question["message_id"]
    assert fake_tg.calls[-1].method == "sendMessage"


async def test_wait_for_message_timeout_reports_what_was_received(
    fake_tg: FakeBotApi, bot: telegram.Bot
) -> None:
    resident = fake_tg.new_user()
    await bot.send_message(resident.id, "您好，请讲")
    with pytest.raises(AssertionError, match="您好，请讲"):
        await fake_tg.wait_for_message(resident, contains="律师", timeout=0.2)


async def test_get_updates_offset_confirms_and_drops_for_good(
    fake_tg: FakeBotApi, bot: telegram.Bot
) -> None:
    resident = fake_tg.new_user()
    for text in ("一", "二", "三"):
        await fake_tg.send_text(resident, text)
    first = await bot.get_updates()
    assert [u.message.text for u in first] == ["一", "二", "三"]

    again = await bot.get_updates(offset=first[1].update_id)
    assert [u.message.text for u in again] == ["二", "三"]
    await fake_tg.wait_until_confirmed(first[0].update_id)

    rewind = await bot.get_updates(offset=first[0].update_id)
    assert [u.message.text for u in rewind] == ["二", "三"]
    assert [u.message.text for u in await bot.get_updates(limit=1)] == ["二"]
    assert await bot.get_updates(offset=first[2].update_id + 1) == ()


async def test_long_poll_wakes_as_soon_as_an_update_arrives(
    fake_tg: FakeBotApi, bot: telegram.Bot
) -> None:
    resident = fake_tg.new_user()
    poll = asyncio.create_task(bot.get_updates(timeout=30, read_timeout=40))
    await fake_tg.wait_for_call("getUpdates")
    await fake_tg.send_text(resident, "在吗")
    async with asyncio.timeout(3):
        updates = await poll
    assert [u.message.text for u in updates] == ["在吗"]


async def test_second_poller_terminates_the_first_with_conflict(
    fake_tg: FakeBotApi, bot: telegram.Bot
) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=30, read_timeout=40))
    await fake_tg.wait_for_call("getUpdates")
    async with telegram.Bot(fake_tg.token, base_url=fake_tg.base_url) as second_instance:
        assert await second_instance.get_updates(timeout=0) == ()
    with pytest.raises(Conflict):
        await first


async def test_application_polling_echoes_a_resident(fake_tg: FakeBotApi) -> None:
    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(
            f"收到：{update.effective_message.text}", do_quote=True
        )

    application = (
        ApplicationBuilder()
        .token(fake_tg.token)
        .base_url(fake_tg.base_url)
        .base_file_url(fake_tg.base_file_url)
        .build()
    )
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    resident = fake_tg.new_user("李大爷")
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0, timeout=5)
        sent = await fake_tg.send_text(resident, "低保怎么申请")
        reply = await fake_tg.wait_for_message(resident)
        await fake_tg.wait_until_confirmed()
        await application.updater.stop()
        await application.stop()
    assert reply.visible_text == "收到：低保怎么申请"
    assert reply.reply_to_message_id == sent["message_id"]
    assert fake_tg.errors == []
    assert fake_tg.pending_updates == []


async def test_rate_limit_surfaces_as_retry_after(fake_tg: FakeBotApi, bot: telegram.Bot) -> None:
    resident = fake_tg.new_user()
    fake_tg.fail_next("sendMessage", status=429, retry_after=7)
    with pytest.raises(RetryAfter) as raised:
        await bot.send_message(resident.id, "第一次")
    assert raised.value.retry_after == dt.timedelta(seconds=7)  # PTB_TIMEDELTA is on in tests
    await bot.send_message(resident.id, "第二次")
    assert [m.visible_text for m in fake_tg.messages_to(resident)] == ["第二次"]


async def test_blocked_resident_and_scripted_403_are_forbidden(
    fake_tg: FakeBotApi, bot: telegram.Bot
) -> None:
    resident, other, bystander = fake_tg.new_user(), fake_tg.new_user(), fake_tg.new_user()
    fake_tg.block(resident)
    with pytest.raises(Forbidden, match="blocked by the user"):
        await bot.send_message(resident.id, "您好")
    fake_tg.fail_next("sendMessage", status=403, chat_id=other)
    await bot.send_message(bystander.id, "别人照常收到")  # the scripted 403 is for `other`
    with pytest.raises(Forbidden):
        await bot.send_message(other.id, "您好")
    fake_tg.unblock(resident)
    await bot.send_message(resident.id, "您好")
    assert [m.visible_text for m in fake_tg.messages_to(resident)] == ["您好"]


async def test_server_errors_and_offline_are_network_errors(
    fake_tg: FakeBotApi, bot: telegram.Bot
) -> None:
    resident = fake_tg.new_user()
    fake_tg.fail_next("sendMessage", status=502)
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.send_message(resident.id, "一")
    fake_tg.go_offline()
    with pytest.raises(NetworkError):
        await bot.send_message(resident.id, "二")
    fake_tg.go_online()
    await bot.send_message(resident.id, "三")
    assert [m.visible_text for m in fake_tg.messages_to(resident)] == ["三"]


async def test_slow_server_times_the_client_out_but_still_delivers(fake_tg: FakeBotApi) -> None:
    resident = fake_tg.new_user()
    fake_tg.delay_next("sendMessage", 0.8)
    request = HTTPXRequest(read_timeout=0.2)
    async with telegram.Bot(fake_tg.token, base_url=fake_tg.base_url, request=request) as bot:
        with pytest.raises(TimedOut):
            await bot.send_message(resident.id, "答复")
    delivered = await fake_tg.wait_for_message(resident, timeout=5)
    assert delivered.visible_text == "答复"


async def test_message_length_is_checked_after_entity_parsing(
    fake_tg: FakeBotApi, bot: telegram.Bot
) -> None:
    resident = fake_tg.new_user()
    await bot.send_message(resident.id, "<b>" + "法" * 4096 + "</b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match="too long"):
        await bot.send_message(resident.id, "法" * 4097)
    with pytest.raises(BadRequest, match="empty"):
        await bot.send_message(resident.id, "<b> </b>", parse_mode="HTML")
    assert len(fake_tg.messages_to(resident)) == 1


@pytest.mark.parametrize(
    ("parse_mode", "text"),
    [
        ("HTML", "3 < 5 岁"),
        ("HTML", "第一行<br>第二行"),
        ("HTML", "<b>未闭合"),
        ("HTML", "<b>错<i>位</b></i>"),
        ("HTML", "<span>无类</span>"),
        ("HTML", "孤立</b>"),
        ("MarkdownV2", "第1047条."),
        ("MarkdownV2", "*未闭合"),
        ("Markdown", "_未闭合"),
    ],
)
async def test_invalid_markup_is_rejected(
    fake_tg: FakeBotApi, bot: telegram.Bot, parse_mode: str, text: str
) -> None:
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(fake_tg.new_user().id, text, parse_mode=parse_mode)
    assert fake_tg.errors[-1].status == 400


async def test_valid_html_entities_are_decoded(fake_tg: FakeBotApi, bot: telegram.Bot) -> None:
    sent = await bot.send_message(
        fake_tg.new_user().id,
        "3 &lt; 5 &amp;&amp; &#25105; <i>斜</i> <tg-spoiler>密</tg-spoiler>",
        parse_mode="HTML",
    )
    assert sent.text == "3 < 5 && 我 斜 密"
    assert [e.type for e in sent.entities] == ["italic", "spoiler"]


async def test_callback_button_press_and_answer(fake_tg: FakeBotApi, bot: telegram.Bot) -> None:
    resident = fake_tg.new_user()
    await bot.send_message(
        resident.id,
        "满意吗？",
        reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton("满意", callback_data="sat:yes")]]
        ),
    )
    shown = await fake_tg.wait_for_message(resident)
    with pytest.raises(AssertionError, match="no button"):
        await fake_tg.press_button(resident, shown, "sat:no")
    query = await fake_tg.press_button(resident, shown, "sat:yes")
    (update,) = await bot.get_updates()
    assert update.callback_query.data == "sat:yes"
    assert update.callback_query.message.message_id == shown.message_id
    await bot.answer_callback_query(update.callback_query.id, text="谢谢")
    assert (await fake_tg.wait_for_callback_answer(query))["text"] == "谢谢"
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query(update.callback_query.id)
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        await bot.send_message(
            resident.id,
            "x",
            reply_markup=InlineKeyboardMarkup(
                [[InlineKeyboardButton("长", callback_data="数" * 22)]]
            ),
        )


async def test_edit_updates_the_observed_message(fake_tg: FakeBotApi, bot: telegram.Bot) -> None:
    resident = fake_tg.new_user()
    sent = await bot.send_message(resident.id, "处理中")
    with pytest.raises(BadRequest, match="not modified"):
        await bot.edit_message_text("处理中", chat_id=resident.id, message_id=sent.message_id)
    await bot.edit_message_text("已转给值班律师", chat_id=resident.id, message_id=sent.message_id)
    (record,) = fake_tg.messages_to(resident)
    assert record.visible_text == "已转给值班律师"
    assert [e["text"] for e in record.edits] == ["处理中"]
    await bot.delete_message(resident.id, sent.message_id)
    assert record.deleted
    with pytest.raises(BadRequest, match="not found"):
        await bot.edit_message_text("再改", chat_id=resident.id, message_id=sent.message_id)


async def test_resident_files_download_and_bot_documents_are_recorded(
    fake_tg: FakeBotApi, bot: telegram.Bot
) -> None:
    resident = fake_tg.new_user()
    await fake_tg.send_voice(resident, b"OggS-voice", duration=4)
    await fake_tg.send_document(resident, b"%PDF-1.4 contract", filename="合同.pdf")
    voice_update, document_update = await bot.get_updates()
    voice_file = await bot.get_file(voice_update.message.voice.file_id)
    assert await voice_file.download_as_bytearray() == bytearray(b"OggS-voice")
    document = document_update.message.document
    assert document.file_name == "合同.pdf"
    assert await (await bot.get_file(document.file_id)).download_as_bytearray() == bytearray(
        b"%PDF-1.4 contract"
    )

    await bot.send_document(
        resident.id, b"PK\x03\x04report", filename="月报.xlsx", caption="十一月月报"
    )
    report = await fake_tg.wait_for_message(resident)
    assert (report.method, report.filename, report.document) == (
        "sendDocument",
        "月报.xlsx",
        b"PK\x03\x04report",
    )
    assert report.visible_text == "十一月月报"


async def test_group_channel_edit_and_raw_updates_reach_the_bot(
    fake_tg: FakeBotApi, bot: telegram.Bot
) -> None:
    resident = fake_tg.new_user("张婶")
    group = fake_tg.new_group("唐驿镇居民群")
    command = await fake_tg.send_text(resident, "/ask@legaldesk_test_bot 工伤", chat=group)
    await fake_tg.edit_text(resident, command, "/ask 工伤认定")
    await fake_tg.post_in_channel("普法讲座通知")
    raw_id = await fake_tg.inject_raw(
        {"message": {"message_id": 9, "date": 0, "chat": {"id": 5, "type": "private"}}}
    )
    group_msg, edited, post, hostile = await bot.get_updates()
    assert group_msg.message.chat.type == "supergroup"
    assert group_msg.message.parse_entity(group_msg.message.entities[0]) == (
        "/ask@legaldesk_test_bot"
    )
    assert edited.edited_message.text == "/ask 工伤认定"
    assert post.channel_post.sender_chat.type == "channel"
    assert hostile.update_id == raw_id
    assert hostile.message.text is None
