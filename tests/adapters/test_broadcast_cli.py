"""``legaldesk broadcast preview|send THEME`` through the entry point."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.cli import main
from bot.storage.migrate import upgrade
from bot.storage.models import OutboxRow, ResidentRow, SubscriptionRow
from bot.storage.uow import create_engine, create_sessionmaker
from tests.conftest import STAFF_YAML, WEDNESDAY_MORNING


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, str]:
    """A desk whose database has three residents, two of them subscribed."""
    for name in ("DATABASE_URL", "LEGALDESK_TIMEZONE", "LEGALDESK_CONFIG", "LEGALDESK_FAQ_DIR"):
        monkeypatch.delenv(name, raising=False)
    url = f"sqlite+aiosqlite:///{tmp_path / 'desk.sqlite3'}"
    path = tmp_path / "legaldesk.yaml"
    path.write_text(STAFF_YAML + f"database_url: {url}\n", encoding="utf-8")

    async def fill() -> None:
        engine = create_engine(url)
        await upgrade(engine)
        async with create_sessionmaker(engine)() as session:
            for n in (1, 2, 3):
                session.add(
                    ResidentRow(
                        id=n, user_id=700 + n, chat_id=700 + n, created_at=WEDNESDAY_MORNING
                    )
                )
            await session.flush()
            for n in (1, 2):
                session.add(SubscriptionRow(resident_id=n, started_at=WEDNESDAY_MORNING))
            await session.commit()
        await engine.dispose()

    asyncio.run(fill())
    return path, url


def outbox_rows(url: str) -> int:
    async def count() -> int:
        engine = create_engine(url)
        try:
            async with engine.connect() as connection:
                return int(await connection.scalar(select(func.count()).select_from(OutboxRow)))
        finally:
            await engine.dispose()

    return asyncio.run(count())


def run(capsys: pytest.CaptureFixture[str], config: Path, *args: str) -> tuple[int, str, str]:
    code = main(["--config", str(config), "broadcast", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_preview_prints_the_message_and_counts_subscribers_and_sends_nothing(
    config: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    path, url = config
    code, out, _ = run(capsys, path, "preview", "2026-12")
    assert code == 0
    assert "现在的订阅者：2 位" in out
    assert "2026年12月普法：预防老年人诈骗" in out and "<b>" not in out
    assert "2026-12-10 09:30" in out
    assert outbox_rows(url) == 0


def test_send_queues_once_and_a_repeat_adds_nothing(
    config: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    path, url = config
    code, out, _ = run(capsys, path, "send", "2026-12")
    assert code == 0 and "2 位订阅者" in out and "已排队" in out
    code, out, _ = run(capsys, path, "send", "2026-12")
    assert code == 0 and "已经发送过" in out
    assert outbox_rows(url) == 2
    code, out, _ = run(capsys, path, "preview", "2026-12")
    assert "已经发送过" in out


def test_an_unknown_theme_is_a_clear_error(
    config: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, config[0], "send", "2031-05")
    assert code == 2
    assert "没有 2031-05 这个主题" in err and "2026-12" in err
