"""Hostile and broken input through the real bot and the fake Bot API (corpus: hostile_inputs.py).

For every input: no handler fails (the error handler is never invoked and nobody gets the
apology), Telegram never answers the bot with an error (the fake rejects malformed HTML, texts
over 4,096 characters and bad buttons with 400, as Telegram does), and every resident input in a
private chat is in the interaction log. Private inputs are sent from a fresh resident each, so that
the flood limit and open cases do not hide what the desk does with the input itself.
"""

from __future__ import annotations

import functools
import itertools
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import or_, select

import tests.fakebotapi.server as fake_server
from bot.adapters.tg.errors import SORRY
from bot.app import Services
from bot.core import staff_texts
from bot.core.desk import is_blank
from bot.core.ports import Case, CaseMessage, CaseStatus, Person, SentBatch
from bot.storage.models import CaseMessageRow, CaseRow, InteractionRow, OutboxRow, ResidentRow
from tests.e2e.conftest import Desk
from tests.e2e.hostile_inputs import (
    BLANK_TEXTS,
    FORGED_CALLBACKS,
    LONE_SURROGATE,
    MARKUP_TEXTS,
    NAMES,
    PRIVATE_TEXTS,
    RAW_PRIVATE,
    RAW_SILENT,
    STAFF_TEXTS,
)
from tests.fakebotapi import BotMessage
from tests.fakebotapi.textparse import EntityParseError, parse

pytestmark = pytest.mark.e2e


@pytest.fixture
async def failures(desk: Desk) -> AsyncIterator[list[BaseException]]:
    """Every exception that reached PTB's error handlers while the test ran."""
    seen: list[BaseException] = []

    async def record(update: object, context: Any) -> None:
        seen.append(context.error)

    desk.app.add_error_handler(record)
    yield seen


async def in_log(desk: Desk, user_ids: set[int]) -> set[int]:
    """Which of these Telegram users have at least one logged interaction."""
    async with desk.services.sessions() as session:
        residents = await session.scalars(
            select(ResidentRow.user_id)
            .join(InteractionRow, InteractionRow.resident_id == ResidentRow.id)
            .where(ResidentRow.user_id.in_(user_ids))
        )
        actors = await session.scalars(
            select(InteractionRow.actor_id).where(InteractionRow.actor_id.in_(user_ids))
        )
        return {u for u in [*residents, *actors] if u is not None}


async def logged_count(desk: Desk, user_id: int) -> int:
    """How many interactions are logged for this Telegram user (as resident or as actor)."""
    async with desk.services.sessions() as session:
        return len(
            list(
                await session.scalars(
                    select(InteractionRow.id)
                    .outerjoin(ResidentRow, InteractionRow.resident_id == ResidentRow.id)
                    .where(or_(ResidentRow.user_id == user_id, InteractionRow.actor_id == user_id))
                )
            )
        )


async def settle(desk: Desk) -> None:
    """Wait until the bot has fetched, stored and handled everything sent so far."""
    await desk.api.wait_until_confirmed()
    await desk.intake.idle()


def assert_clean(desk: Desk, failures: list[BaseException], replies: dict[str, BotMessage]) -> None:
    apologies = [ident for ident, reply in replies.items() if SORRY in reply.visible_text]
    apologies += [
        str(c["chat_id"]) for c in desk.api.calls_to("sendMessage") if SORRY in str(c.get("text"))
    ]
    stats = desk.intake.stats
    problems = {
        "handler errors": [repr(e)[:300] for e in failures],
        "updates retried or given up": stats.retried + stats.failed,
        "apologies": apologies,
        "telegram errors": [f"{e.method} {e.status} {e.description}" for e in desk.api.errors],
    }
    assert problems == {
        "handler errors": [],
        "updates retried or given up": 0,
        "apologies": [],
        "telegram errors": [],
    }


async def test_private_texts_are_answered_logged_and_never_break_html(
    desk: Desk, failures: list[BaseException]
) -> None:
    api, users, replies = desk.api, {}, {}
    for ident, text in PRIVATE_TEXTS:
        users[ident] = user = api.new_user(f"居民 {ident}")
        await api.send_text(user, text)
        replies[ident] = await api.wait_for_message(user)
    await settle(desk)
    assert_clean(desk, failures, replies)
    logged = await in_log(desk, {u.id for u in users.values()})
    assert [ident for ident, user in users.items() if user.id not in logged] == []
    # HTML typed by a resident reaches the adviser literally (escaped, and Telegram accepted it).
    notices = " ".join(m.visible_text for m in api.messages_to(desk.li))
    async with desk.services.sessions() as session:
        questions = set(await session.scalars(select(CaseRow.question)))
    for ident, text in MARKUP_TEXTS:
        if text in questions:
            assert text in notices, ident
    # Nothing invisible bothers the adviser, and nothing is cut into pieces for them.
    for ident, _ in BLANK_TEXTS:
        assert "没看懂" in replies[ident].visible_text, ident
    assert [q for q in questions if is_blank(q)] == []
    assert all(m.visible_text.startswith("🆕 新问题") for m in api.messages_to(desk.li))


async def test_resident_names_are_shown_literally(
    desk: Desk, failures: list[BaseException]
) -> None:
    api, replies = desk.api, {}
    for ident, first, last in NAMES:
        user = api.new_user(first, last_name=last)
        await api.send_text(user, "/start")
        replies[ident] = reply = await api.wait_for_message(user)
        assert "欢迎" in reply.visible_text, ident
        await api.send_text(user, "俺家娃当兵退伍回来了，退役安置的钱一直没发下来")
        replies[ident + "/case"] = await api.wait_for_message(user, contains="#")
    await settle(desk)
    assert_clean(desk, failures, replies)
    assert "<b>王</b>&大妈 </i>" in replies["name-html"].visible_text
    assert "王" * 64 in replies["name-long-64"].visible_text


async def test_forged_and_stale_buttons_are_refused_politely_and_logged(
    desk: Desk, failures: list[BaseException]
) -> None:
    api, replies, users = desk.api, {}, {}
    for ident, data in FORGED_CALLBACKS:
        users[ident] = user = api.new_user(f"居民 {ident}")
        await api.send_text(user, "/start")
        menu = await api.wait_for_message(user)
        query = await api.press_button(user, menu, data, check=False)
        answer = await api.wait_for_callback_answer(query)
        if data.startswith("claim:"):  # a staff button: refused in an alert, nothing sent
            assert answer.get("show_alert") and "法律顾问" in answer["text"], ident
            continue
        replies[ident] = await api.wait_for_message(user)
    await settle(desk)
    assert_clean(desk, failures, replies)
    assert [i for i, r in replies.items() if "按钮已经过期" not in r.visible_text] == []
    counts = {ident: await logged_count(desk, user.id) for ident, user in users.items()}
    # /start is one interaction; the press must be another.
    assert {ident: n for ident, n in counts.items() if n < 2} == {}


async def test_long_threads_and_queues_fit_in_one_message_for_advisers(
    desk: Desk, failures: list[BaseException]
) -> None:
    api, replies = desk.api, {}
    for n in range(3):
        user = api.new_user("<&>" * 30)
        await api.send_text(user, "&<" * 2048)  # 4,096 characters, 18,432 once escaped
        replies[f"question {n}"] = await api.wait_for_message(user, contains="#")
        for _ in range(4 if n == 0 else 0):
            await api.send_text(user, ("补充：" + "欠条<b>" * 800)[:4096])
    await settle(desk)
    for command, shows in (
        ("/case 1", "#1 [待认领]"),
        ("/queue", "待处理问题（3）"),
        ("/case 3", "#3 [待认领]"),
    ):
        await api.send_text(desk.li, command)
        replies[command] = reply = await api.wait_for_message(desk.li, contains=shows)
        assert len(reply.visible_text) <= 4096
    assert "条消息没有显示" in replies["/case 1"].visible_text
    assert "欠条<b>" in replies["/case 1"].visible_text
    await settle(desk)
    assert_clean(desk, failures, replies)


def test_staff_lists_are_cut_to_one_message() -> None:
    now = datetime(2026, 11, 25, 2, 30, tzinfo=UTC)
    cases = [Case(i, i, CaseStatus.OPEN, "<&>" * 40, now) for i in range(1, 201)]
    queue = staff_texts.queue(cases, now)
    assert len(queue) <= 4096 and "还有" in queue and "#1 " in queue  # the oldest first
    parse(queue, "HTML")
    thread = staff_texts.case_thread(
        cases[0],
        "<&>" * 100,
        [CaseMessage(1, "resident", now, f"第{i}条" + "&" * 4000) for i in range(30)],
        now,
    )
    assert len(thread) <= 4096 and "第29条" in thread and "较早的" in thread  # the newest last
    parse(thread, "HTML")


async def test_advisers_mistyped_commands_get_usage_not_tracebacks(
    desk: Desk, failures: list[BaseException]
) -> None:
    api, replies = desk.api, {}
    for ident, text in STAFF_TEXTS:
        await api.send_text(desk.li, text)
        replies[ident] = await api.wait_for_message(desk.li)
    await settle(desk)
    assert_clean(desk, failures, replies)


@pytest.fixture
def ascii_wire(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let the fake put lone surrogates on the wire as JSON escapes (\\ud800), as raw JSON may."""
    monkeypatch.setattr(fake_server, "_dumps", functools.partial(json.dumps, ensure_ascii=True))


async def test_lone_surrogates_in_raw_json_are_survived(
    desk: Desk, failures: list[BaseException], ascii_wire: None
) -> None:
    api, replies, ids = desk.api, {}, itertools.count(880_000_001)
    users: dict[str, int] = {}
    for ident, build in RAW_PRIVATE:
        users[ident] = user_id = next(ids)
        await api.inject_raw(build(user_id, 1))
        replies[ident] = await api.wait_for_message(user_id)
    photographer = api.new_user("拍照的人")
    await api.send_photo(photographer, b"\xff\xd8jpeg", caption=f"合同{LONE_SURROGATE}看看")
    replies["surrogate-caption"] = await api.wait_for_message(photographer)
    editor = api.new_user("改字的人")
    sent = await api.send_text(editor, "老板不给工资怎么办")
    await api.wait_for_message(editor)
    await api.edit_text(editor, sent, f"老板{LONE_SURROGATE}不给工资")
    await settle(desk)
    assert_clean(desk, failures, replies)
    assert "王\ufffd" in replies["surrogate-name"].visible_text
    logged = await in_log(desk, set(users.values()) | {photographer.id})
    assert set(users.values()) | {photographer.id} <= logged
    async with desk.services.sessions() as session:
        stored = [
            *await session.scalars(select(InteractionRow.text)),
            *await session.scalars(select(CaseMessageRow.text)),
            *await session.scalars(select(OutboxRow.text)),
            *await session.scalars(select(ResidentRow.display_name)),
        ]
    assert not [t for t in stored if t and LONE_SURROGATE in t]


async def test_edited_messages_are_answered_and_logged(
    desk: Desk, failures: list[BaseException]
) -> None:
    api, replies, users = desk.api, {}, {}
    for ident, text in [
        ("edit-html", "<b>离婚</b>"),
        ("edit-blank", " "),
        ("edit-command", "/start"),
        ("edit-long", "&" * 4096),
    ]:
        users[ident] = user = api.new_user(f"居民 {ident}")
        sent = await api.send_text(user, "老板不给工资怎么办")
        await api.wait_for_message(user)
        await api.edit_text(user, sent, text)
        replies[ident] = await api.wait_for_message(user)
    await settle(desk)
    assert_clean(desk, failures, replies)
    assert "没看懂" in replies["edit-blank"].visible_text
    assert "欢迎" in replies["edit-command"].visible_text
    # The first message logs a question and its answer; the edit logs at least one more.
    counts = {ident: await logged_count(desk, user.id) for ident, user in users.items()}
    assert {ident: n for ident, n in counts.items() if n < 3} == {}


async def test_groups_and_channels_get_silence(desk: Desk, failures: list[BaseException]) -> None:
    api = desk.api
    group, channel = api.new_group("唐驿镇居民群"), api.new_channel("唐驿镇普法频道")
    member = api.new_user("群成员")
    for _ident, text in PRIVATE_TEXTS[::4]:
        await api.send_text(member, text, chat=group)
        await api.post_in_channel(text, channel=channel)
    await api.send_text(member, "/start@legaldesk_test_bot", chat=group)
    posted = await api.send_text(member, "你好", chat=group)
    await api.press_button(member, posted, "topics", check=False)
    for _ident, update in RAW_SILENT:
        await api.inject_raw(update)
    await settle(desk)
    assert_clean(desk, failures, {})
    assert api.messages_to(group) == [] and api.messages_to(channel) == []
    assert await in_log(desk, {member.id}) == set()


# -------------------------------------------------------------------- the desk, property-based

_user_ids = itertools.count(5_000_001)
HOSTILE_PIECES = st.sampled_from(
    [
        *"<>&\"'/\\*_`[]()~|#\x00\x07\n\t \u3000\u200b\u202e\ufeff😭离婚工资赡养费欠条打",
        LONE_SURROGATE,
        "\udfff",
        "&amp;",
        "<b>",
        "</b>",
        "/start",
        "民法典第1077条",
        "老板不给工资",
    ]
)
TEXTS = st.one_of(
    st.text(max_size=300),
    st.lists(HOSTILE_PIECES, max_size=80).map("".join),
    st.lists(HOSTILE_PIECES, min_size=700, max_size=900).map(lambda p: "".join(p)[:4096]),
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=TEXTS)
async def test_any_text_gets_a_reply_in_valid_telegram_html(services: Services, text: str) -> None:
    user_id = next(_user_ids)  # a new resident each time: no flood limit, no open case
    person = Person(user_id, user_id, "居民")
    batch = await services.desk.ask(person, text)
    assert isinstance(batch, SentBatch) and batch.ids
    async with services.sessions() as session:
        rows = list(await session.scalars(select(OutboxRow).where(OutboxRow.id.in_(batch.ids))))
    for row in rows:
        try:
            visible, _ = parse(row.text, "HTML")
        except EntityParseError as exc:  # pragma: no cover - the failure message
            raise AssertionError(f"invalid HTML {row.text[:200]!r}: {exc}") from exc
        assert len(visible) <= 4096
