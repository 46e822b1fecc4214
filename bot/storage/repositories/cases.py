"""Cases and their message threads."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.core.ports import Case, CaseMessage, CaseStatus
from bot.storage.models import CaseMessageRow, CaseRow
from bot.storage.repositories.tables import ACTIVE, CASE_MESSAGES, CASES


def _case(row: Any) -> Case:
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


_CASE_BY_ID = select(CaseRow).where(CaseRow.id == bindparam("case_id"))
_ACTIVE_CASE = (
    select(CaseRow)
    .where(CaseRow.resident_id == bindparam("resident_id"), CaseRow.status.in_(ACTIVE))
    .order_by(CaseRow.id.desc())
    .limit(1)
)


class SqlCaseRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._s = connection

    async def open(
        self,
        resident_id: int,
        question: str,
        at: datetime,
        faq_id: str | None,
        score: float | None,
    ) -> Case:
        values = {
            "resident_id": resident_id,
            "status": CaseStatus.OPEN.value,
            "question": question,
            "faq_id": faq_id,
            "score": score,
            "opened_at": at,
            "undeliverable": False,
        }
        row = (await self._s.execute(insert(CASES).values(values).returning(*CASES.c))).one()
        return _case(row)

    async def get(self, case_id: int) -> Case | None:
        row = (await self._s.execute(_CASE_BY_ID, {"case_id": case_id})).first()
        return _case(row) if row else None

    async def active_for(self, resident_id: int) -> Case | None:
        row = (await self._s.execute(_ACTIVE_CASE, {"resident_id": resident_id})).first()
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
        )
        return bool(result.rowcount)

    async def mark_answered(self, case_id: int, at: datetime) -> None:
        await self._s.execute(
            update(CaseRow)
            .where(CaseRow.id == case_id, CaseRow.status != CaseStatus.CLOSED.value)
            .values(
                status=CaseStatus.ANSWERED.value,
                answered_at=func.coalesce(CaseRow.answered_at, at),
            )
        )

    async def close(self, case_id: int, at: datetime) -> bool:
        result = await self._s.execute(
            update(CaseRow)
            .where(CaseRow.id == case_id, CaseRow.status != CaseStatus.CLOSED.value)
            .values(status=CaseStatus.CLOSED.value, closed_at=at)
        )
        return bool(result.rowcount)

    async def mark_undeliverable(self, case_id: int) -> None:
        await self._s.execute(
            update(CaseRow).where(CaseRow.id == case_id).values(undeliverable=True)
        )

    async def mark_reminded(self, case_id: int, at: datetime) -> None:
        await self._s.execute(update(CaseRow).where(CaseRow.id == case_id).values(reminded_at=at))

    async def list_active(self) -> list[Case]:
        rows = await self._s.execute(
            select(CaseRow)
            .where(CaseRow.status.in_(ACTIVE))
            .order_by(CaseRow.opened_at, CaseRow.id)
        )
        return [_case(r) for r in rows]

    async def add_message(self, message: CaseMessage) -> None:
        await self._s.execute(
            insert(CASE_MESSAGES).values(
                case_id=message.case_id,
                author=message.author,
                author_id=message.author_id,
                at=message.at,
                text=message.text,
                media_kind=message.media_kind,
                file_id=message.file_id,
                file_channel=message.file_channel,
                file_name=message.file_name,
            )
        )

    async def messages(self, case_id: int) -> list[CaseMessage]:
        rows = await self._s.execute(
            select(CaseMessageRow)
            .where(CaseMessageRow.case_id == case_id)
            .order_by(CaseMessageRow.at, CaseMessageRow.id)
        )
        return [
            CaseMessage(
                r.case_id,
                r.author,
                r.at,
                r.text,
                r.author_id,
                r.media_kind,
                r.file_id,
                r.file_channel,
                r.file_name,
            )
            for r in rows
        ]
