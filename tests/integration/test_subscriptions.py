"""Subscriptions with consent: off by default, opt in and out at once, every step logged."""

from __future__ import annotations

from sqlalchemy import select

from bot.app import Services
from bot.core import texts
from bot.core.interactions import EventKind
from bot.core.ports import Outgoing, Person
from bot.storage.models import InteractionRow
from tests.integration.test_resident_desk import GRANNY, say, transport

SUBSCRIBE_LABEL = "📬 订阅每月普法"


async def press(services: Services, data: str, person: Person = GRANNY) -> list[Outgoing]:
    before = len(transport(services).sent)
    await services.courier.deliver(await services.subscriptions.press(person, data))
    return transport(services).sent[before:]


async def subscribers(services: Services) -> int:
    return (await services.broadcasts.preview("2026-12")).subscribers


async def logged(services: Services, *kinds: EventKind) -> list[tuple[str, str | None]]:
    async with services.sessions() as session:
        rows = await session.execute(
            select(InteractionRow.kind, InteractionRow.detail)
            .where(InteractionRow.kind.in_([k.value for k in kinds]))
            .order_by(InteractionRow.id)
        )
        return [(k, d) for k, d in rows]


def labels(message: Outgoing) -> list[str]:
    return [b.label for row in message.buttons for b in row]


async def test_nobody_is_subscribed_until_they_ask(services: Services) -> None:
    await services.courier.deliver(await services.desk.start(GRANNY))
    [answer] = await say(services, "儿子儿媳妇都不给我养老钱，我七十多了，能告他们吗")
    assert await subscribers(services) == 0
    [welcome] = transport(services).to(GRANNY.chat_id)[:1]
    assert SUBSCRIBE_LABEL in labels(welcome)  # offered under the welcome ...
    assert SUBSCRIBE_LABEL in labels(answer)  # ... and under answers, never assumed


async def test_the_button_subscribes_once_and_unsubscribe_ends_it(services: Services) -> None:
    [reply] = await press(services, "sub")
    assert "订阅成功" in reply.text and "/unsubscribe" in reply.text
    assert await subscribers(services) == 1
    [again] = await press(services, "sub")
    assert "已经订阅" in again.text
    assert await subscribers(services) == 1

    [bye] = await press(services, "unsub")
    assert "已经退订" in bye.text
    assert await subscribers(services) == 0
    [none] = await press(services, "unsub")
    assert "没有订阅" in none.text
    assert await logged(services, EventKind.SUBSCRIBE, EventKind.UNSUBSCRIBE) == [
        ("subscribe", "button"),
        ("unsubscribe", "button"),
    ]


async def test_commands_subscribe_and_unsubscribe(services: Services) -> None:
    await services.courier.deliver(await services.subscriptions.subscribe(GRANNY))
    other = Person(user_id=502, chat_id=502, display_name="李大爷")
    await services.courier.deliver(await services.subscriptions.subscribe(other))
    assert await subscribers(services) == 2
    await services.courier.deliver(await services.subscriptions.unsubscribe(GRANNY))
    assert await subscribers(services) == 1
    assert await logged(services, EventKind.SUBSCRIBE, EventKind.UNSUBSCRIBE) == [
        ("subscribe", "command"),
        ("subscribe", "command"),
        ("unsubscribe", "command"),
    ]


async def test_forged_or_stale_buttons_get_a_polite_answer(services: Services) -> None:
    for data in ("more:9999-99", "more:", "more:2026-12-01", "more:<b>", "subscribe", "unsub:x"):
        [reply] = await press(services, data)
        assert reply.text == texts.unreadable_button()
    assert await subscribers(services) == 0
    assert await logged(services, EventKind.LEARN_MORE, EventKind.SUBSCRIBE) == []


async def test_privacy_and_help_say_what_subscribing_means(services: Services) -> None:
    await services.courier.deliver(await services.desk.start(GRANNY, "privacy"))
    await services.courier.deliver(await services.desk.start(GRANNY, "help"))
    privacy, help_text = (m.text for m in transport(services).to(GRANNY.chat_id))
    assert "每月普法" in privacy and "/unsubscribe" in privacy and "退订" in privacy
    assert "/subscribe" in help_text
