"""One desk, many channels: residents and messages addressed by (channel, external id)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from bot.app import Services
from bot.core.channels import ChannelDesk
from bot.core.courier import Courier
from bot.core.ports import (
    Address,
    Delivery,
    DeliveryOutcome,
    Outgoing,
    Person,
    Transports,
)
from bot.storage.migrate import current_revision, downgrade, head_revision, upgrade
from bot.storage.uow import SqlUnitOfWorkFactory, create_engine
from tests.fakes import RecordingTransport

OPENID = "oWx_resident-0001"
WECHAT = Address("wechat", OPENID)
AT = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


async def test_0010_carries_telegram_rows_over_unchanged(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        await downgrade(engine, "0009")
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO residents (id, user_id, chat_id, display_name, created_at)"
                    " VALUES (7, 4242, 4242, '老王', :at)"
                ),
                {"at": AT.replace(tzinfo=None)},
            )
            await conn.execute(
                text(
                    "INSERT INTO outbox (chat_id, text, buttons, purpose, status, attempts,"
                    " created_at, next_attempt_at) VALUES (4242, '您好', '[]', 'reply', 'pending',"
                    " 0, :at, :at)"
                ),
                {"at": AT.replace(tzinfo=None)},
            )
        await upgrade(engine)
        assert await current_revision(engine) == head_revision()
        async with SqlUnitOfWorkFactory(engine)() as uow:
            resident = await uow.residents.get(7)
            [pending] = await uow.outbox.pending(AT)
        assert resident is not None
        assert (resident.user_id, resident.chat_id, resident.display_name) == (4242, 4242, "老王")
        assert pending.outgoing.chat_id == 4242
        assert pending.outgoing.channel == "telegram"
        assert pending.outgoing.text == "您好"
    finally:
        await engine.dispose()


async def test_a_wechat_resident_is_found_again_by_openid(services: Services) -> None:
    person = Person(WECHAT, WECHAT, "")
    async with services.uow() as uow:
        first = await uow.residents.get_or_create(person, AT)
        again = await uow.residents.get_or_create(person, AT)
        telegram = await uow.residents.get_or_create(Person(4242, 4242, "老王"), AT)
        await uow.commit()
    assert first.id == again.id != telegram.id
    assert first.chat_id == WECHAT
    assert telegram.chat_id == 4242


async def test_each_message_goes_to_its_channels_transport(services: Services) -> None:
    telegram, wechat = RecordingTransport(), RecordingTransport()
    courier = Courier(
        services.uow, services.clock, Transports({"telegram": telegram, "wechat": wechat})
    )
    batch = await services.desk.ask(Person(WECHAT, WECHAT, ""), "打官司要交多少诉讼费？输了谁出？")
    await courier.deliver(batch)
    assert [m.chat_id for m in wechat.sent] == [WECHAT]
    assert "诉讼费" in wechat.sent[0].text
    assert telegram.sent == []
    async with services.uow() as uow:
        assert await uow.outbox.pending(services.clock.now()) == []  # marked sent


async def test_a_held_message_waits_for_the_residents_next_message(services: Services) -> None:
    wechat = RecordingTransport()
    wechat.fail(WECHAT, Delivery(DeliveryOutcome.HELD, error="45015"))  # type: ignore[arg-type]
    courier = Courier(services.uow, services.clock, Transports({"wechat": wechat}))
    now = services.clock.now()
    async with services.uow() as uow:
        held_id = await uow.outbox.put(Outgoing(WECHAT, "顾问的回复"), now)
        await uow.commit()
    await courier.deliver([held_id])
    assert wechat.sent == []
    assert await courier.flush() == 0  # held: not retried on its own

    released = await ChannelDesk(services.uow, services.clock).release(WECHAT)
    assert released[1:] == [held_id]
    await courier.deliver(released)
    assert [m.text for m in wechat.sent][1:] == ["顾问的回复"]
    assert "48 小时" in wechat.sent[0].text
    assert await ChannelDesk(services.uow, services.clock).release(WECHAT) == []
