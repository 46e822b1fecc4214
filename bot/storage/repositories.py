"""Repositories: the SQL behind the core's ports. They never commit; the unit of work does."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.interactions import Interaction
from bot.core.ports import (
    Button,
    Case,
    CaseMessage,
    CaseStatus,
    DutyOverride,
    Media,
    Outgoing,
    PendingMessage,
    Person,
    Resident,
)
from bot.storage.models import (
    CaseMessageRow,
    CaseRow,
    DutyOverrideRow,
    InteractionRow,
    OutboxRow,
    ResidentRow,
)

ACTIVE = (CaseStatus.OPEN.value, CaseStatus.CLAIMED.value, CaseStatus.ANSWERED.value)


def _resident(row: ResidentRow) -> Resident:
    return Resident(
        id=row.id,
        user_id=row.user_id,
        chat_id=row.chat_id,
        display_name=row.display_name,
        unreachable=row.unreachable_at is not None,
        last_off_duty_notice=row.last_off_duty_notice,
    )


class SqlResidentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def get_or_create(self, person: Person, at: datetime) -> Resident:
        row = await self._s.scalar(select(ResidentRow).where(ResidentRow.user_id == person.user_id))
        if row is None:
            row = ResidentRow(
                user_id=person.user_id,
                chat_id=person.chat_id,
                display_name=person.display_name[:256],
                created_at=at,
            )
            self._s.add(row)
            await self._s.flush()
        else:
            row.display_name = person.display_name[:256]
            row.chat_id = person.chat_id
            row.unreachable_at = None  # they wrote to us, so they can be reached again
        return _resident(row)

    async def get(self, resident_id: int) -> Resident | None:
        row = await self._s.get(ResidentRow, resident_id)
        return _resident(row) if row else None

    async def mark_unreachable(self, resident_id: int, at: datetime) -> None:
        await self._s.execute(
            update(ResidentRow).where(ResidentRow.id == resident_id).values(unreachable_at=at)
        )

    async def set_off_duty_notice(self, resident_id: int, day: date) -> None:
        await self._s.execute(
            update(ResidentRow)
            .where(ResidentRow.id == resident_id)
            .values(last_off_duty_notice=day)
        )


class SqlInteractionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, event: Interaction) -> int:
        row = InteractionRow(
            at=event.at,
            kind=event.kind.value,
            resident_id=event.resident_id,
            case_id=event.case_id,
            faq_id=event.faq_id,
            category=event.category,
            score=event.score,
            actor_id=event.actor_id,
            actor_name=event.actor_name,
            detail=event.detail,
            text=event.text,
        )
        self._s.add(row)
        await self._s.flush()
        return row.id

    async def question_text(self, event_id: int, resident_id: int) -> str | None:
        return await self._s.scalar(
            select(InteractionRow.text).where(
                InteractionRow.id == event_id, InteractionRow.resident_id == resident_id
            )
        )

    async def count_since(self, resident_id: int, kinds: Sequence[str], since: datetime) -> int:
        await self._s.flush()
        total = await self._s.scalar(
            select(func.count())
            .select_from(InteractionRow)
            .where(
                InteractionRow.resident_id == resident_id,
                InteractionRow.kind.in_(list(kinds)),
                InteractionRow.at >= since,
            )
        )
        return int(total or 0)


def _case(row: CaseRow) -> Case:
    return Case(
        id=row.id,
        resident_id=row.resident_id,
        status=CaseStatus(row.status),
        question=row.question,
        opened_at=row.opened_at,
        faq_id=row.faq_id,
        score=row.score,
        claimed_by=row.claimed_by,
        claimed_by_name=row.claimed_by_name,
        claimed_at=row.claimed_at,
        answered_at=row.answered_at,
        closed_at=row.closed_at,
        reminded_at=row.reminded_at,
        undeliverable=row.undeliverable,
    )


class SqlCaseRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def open(
        self,
        resident_id: int,
        question: str,
        at: datetime,
        faq_id: str | None,
        score: float | None,
    ) -> Case:
        row = CaseRow(
            resident_id=resident_id,
            status=CaseStatus.OPEN.value,
            question=question,
            faq_id=faq_id,
            score=score,
            opened_at=at,
            undeliverable=False,
        )
        self._s.add(row)
        await self._s.flush()
        return _case(row)

    async def get(self, case_id: int) -> Case | None:
        row = await self._s.scalar(
            select(CaseRow).where(CaseRow.id == case_id).execution_options(populate_existing=True)
        )
        return _case(row) if row else None

    async def active_for(self, resident_id: int) -> Case | None:
        row = await self._s.scalar(
            select(CaseRow)
            .where(CaseRow.resident_id == resident_id, CaseRow.status.in_(ACTIVE))
            .order_by(CaseRow.id.desc())
            .limit(1)
        )
        return _case(row) if row else None

    async def claim(self, case_id: int, adviser_id: int, adviser_name: str, at: datetime) -> bool:
        # One conditional UPDATE: the database decides the race between two advisers.
        result = await self._s.execute(
            update(CaseRow)
            .where(CaseRow.id == case_id, CaseRow.status == CaseStatus.OPEN.value)
            .values(
                status=CaseStatus.CLAIMED.value,
                claimed_by=adviser_id,
                claimed_by_name=adviser_name,
                claimed_at=at,
            )
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def mark_answered(self, case_id: int, at: datetime) -> None:
        await self._s.execute(
            update(CaseRow)
            .where(CaseRow.id == case_id, CaseRow.status != CaseStatus.CLOSED.value)
            .values(
                status=CaseStatus.ANSWERED.value,
                answered_at=func.coalesce(CaseRow.answered_at, at),
            )
            .execution_options(synchronize_session=False)
        )

    async def close(self, case_id: int, at: datetime) -> bool:
        result = await self._s.execute(
            update(CaseRow)
            .where(CaseRow.id == case_id, CaseRow.status != CaseStatus.CLOSED.value)
            .values(status=CaseStatus.CLOSED.value, closed_at=at)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def mark_undeliverable(self, case_id: int) -> None:
        await self._s.execute(
            update(CaseRow)
            .where(CaseRow.id == case_id)
            .values(undeliverable=True)
            .execution_options(synchronize_session=False)
        )

    async def mark_reminded(self, case_id: int, at: datetime) -> None:
        await self._s.execute(
            update(CaseRow)
            .where(CaseRow.id == case_id)
            .values(reminded_at=at)
            .execution_options(synchronize_session=False)
        )

    async def list_active(self) -> list[Case]:
        rows = await self._s.scalars(
            select(CaseRow)
            .where(CaseRow.status.in_(ACTIVE))
            .order_by(CaseRow.opened_at, CaseRow.id)
            .execution_options(populate_existing=True)
        )
        return [_case(r) for r in rows]

    async def add_message(self, message: CaseMessage) -> None:
        self._s.add(
            CaseMessageRow(
                case_id=message.case_id,
                author=message.author,
                author_id=message.author_id,
                at=message.at,
                text=message.text,
                media_kind=message.media_kind,
                file_id=message.file_id,
            )
        )

    async def messages(self, case_id: int) -> list[CaseMessage]:
        rows = await self._s.scalars(
            select(CaseMessageRow)
            .where(CaseMessageRow.case_id == case_id)
            .order_by(CaseMessageRow.at, CaseMessageRow.id)
        )
        return [
            CaseMessage(r.case_id, r.author, r.at, r.text, r.author_id, r.media_kind, r.file_id)
            for r in rows
        ]


def _buttons_to_json(buttons: tuple[tuple[Button, ...], ...]) -> list[Any]:
    return [[[b.label, b.data] for b in row] for row in buttons]


def _buttons_from_json(data: list[Any] | None) -> tuple[tuple[Button, ...], ...]:
    return tuple(tuple(Button(label, payload) for label, payload in row) for row in data or [])


def _pending(row: OutboxRow) -> PendingMessage:
    media = None
    if row.media_kind:
        media = Media(row.media_kind, file_id=row.media_file_id, filename=row.media_filename)
    return PendingMessage(
        Outgoing(
            chat_id=row.chat_id,
            text=row.text,
            buttons=_buttons_from_json(row.buttons),
            purpose=row.purpose,
            case_id=row.case_id,
            media=media,
            id=row.id,
        ),
        attempts=row.attempts,
    )


class SqlOutbox:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def put(self, message: Outgoing, at: datetime) -> int:
        row = OutboxRow(
            chat_id=message.chat_id,
            text=message.text,
            buttons=_buttons_to_json(message.buttons),
            purpose=message.purpose,
            case_id=message.case_id,
            media_kind=message.media.kind if message.media else None,
            media_file_id=message.media.file_id if message.media else None,
            media_filename=message.media.filename if message.media else None,
            status="pending",
            attempts=0,
            created_at=at,
            next_attempt_at=at,
        )
        self._s.add(row)
        await self._s.flush()
        return row.id

    async def pending(self, now: datetime, limit: int = 100) -> list[PendingMessage]:
        rows = await self._s.scalars(
            select(OutboxRow)
            .where(OutboxRow.status == "pending", OutboxRow.next_attempt_at <= now)
            .order_by(OutboxRow.id)
            .limit(limit)
        )
        return [_pending(r) for r in rows]

    async def get(self, outbox_id: int) -> PendingMessage | None:
        row = await self._s.get(OutboxRow, outbox_id)
        return _pending(row) if row and row.status == "pending" else None

    async def mark_sent(self, outbox_id: int, message_id: int | None, at: datetime) -> None:
        await self._s.execute(
            update(OutboxRow)
            .where(OutboxRow.id == outbox_id)
            .values(
                status="sent",
                sent_at=at,
                message_id=message_id,
                attempts=OutboxRow.attempts + 1,
            )
        )

    async def mark_retry(self, outbox_id: int, next_at: datetime, error: str) -> None:
        await self._s.execute(
            update(OutboxRow)
            .where(OutboxRow.id == outbox_id)
            .values(
                next_attempt_at=next_at, last_error=error[:512], attempts=OutboxRow.attempts + 1
            )
        )

    async def mark_failed(self, outbox_id: int, error: str, at: datetime) -> None:
        await self._s.execute(
            update(OutboxRow)
            .where(OutboxRow.id == outbox_id)
            .values(
                status="failed",
                last_error=error[:512],
                sent_at=at,
                attempts=OutboxRow.attempts + 1,
            )
        )

    async def case_for_message(self, chat_id: int, message_id: int) -> int | None:
        return await self._s.scalar(
            select(OutboxRow.case_id).where(
                OutboxRow.chat_id == chat_id, OutboxRow.message_id == message_id
            )
        )


class SqlDutyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def overrides(self, now: datetime) -> dict[int, DutyOverride]:
        rows = await self._s.scalars(select(DutyOverrideRow).where(DutyOverrideRow.until > now))
        return {r.telegram_id: DutyOverride(r.telegram_id, r.on_duty, r.until) for r in rows}

    async def set(self, override: DutyOverride) -> None:
        row = await self._s.get(DutyOverrideRow, override.telegram_id)
        if row is None:
            self._s.add(
                DutyOverrideRow(
                    telegram_id=override.telegram_id, on_duty=override.on_duty, until=override.until
                )
            )
        else:
            row.on_duty, row.until = override.on_duty, override.until
