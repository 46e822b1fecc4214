"""/console in Telegram: staff get a sign-in link only when the console has an address;
residents get the usual polite refusal."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.core.interactions import EventKind
from bot.storage.models import InteractionRow
from tests.e2e.conftest import Desk

pytestmark = pytest.mark.e2e


async def test_console_without_an_address_and_from_a_resident(desk: Desk) -> None:
    await desk.api.send_text(desk.li, "/console")
    reply = await desk.api.wait_for_message(desk.li, contains="网页工作台")
    assert "还没有开启" in reply.visible_text and "/signin/" not in reply.visible_text
    granny = desk.api.new_user("王大妈")
    await desk.api.send_text(granny, "/console")
    refusal = await desk.api.wait_for_message(granny, contains="抱歉")
    assert "只有法律顾问和服务台工作人员" in refusal.visible_text
    async with desk.services.sessions() as session:
        refused = await session.scalar(
            select(InteractionRow.actor_id).where(InteractionRow.kind == EventKind.REFUSED)
        )
    assert refused == granny.id
