"""Repositories: the SQL behind the core's ports. They never commit; the unit of work does.

Core statements on the unit of work's connection, rows mapped to the core's values by hand: no
ORM session (its identity map and flushes cost more than the SQL on these short transactions).
Selecting a mapped class on a connection yields plain rows of its columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.core.interactions import Interaction
from bot.core.ports import (
    Arrival,
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

RESIDENTS = cast(Table, ResidentRow.__table__)
CASES = cast(Table, CaseRow.__table__)
CASE_MESSAGES = cast(Table, CaseMessageRow.__table__)
DUTY = cast(Table, DutyOverrideRow.__table__)
INTERACTIONS = cast(Table, InteractionRow.__table__)
OUTBOX = cast(Table, OutboxRow.__table__)
ACTIVE = (CaseStatus.OPEN.value, CaseStatus.CLAIMED.value, CaseStatus.ANSWERED.value)


_RESIDENT_COLUMNS = (
    ResidentRow.id,
    ResidentRow.user_id,
    ResidentRow.chat_id,
    ResidentRow.display_name,
    ResidentRow.unreachable_at,
    ResidentRow.last_off_duty_notice,
)


def _resident(row: Any) -> Resident:
    return Resident(
        id=row.id,
        user_id=row.user_id,
        chat_id=row.chat_id,
        display_name=row.display_name,
        unreachable=row.unreachable_at is not None,
        last_off_duty_notice=row.last_off_duty_notice,
    )


# The statements every message runs, built once: constructing a statement (and its cache key)
# costs more than executing it on SQLite. Parameters are bound at execution.
_RESIDENT_BY_USER = select(*_RESIDENT_COLUMNS).where(ResidentRow.user_id == bindparam("user_id"))
_RESIDENT_BY_ID = select(*_RESIDENT_COLUMNS).where(ResidentRow.id == bindparam("resident_id"))
_NEW_RESIDENT = insert(RESIDENTS).returning(RESIDENTS.c.id)
_RESIDENT_WROTE = (
    update(RESIDENTS)
    .where(RESIDENTS.c.id == bindparam("resident_id"))
    .values(display_name=bindparam("name"), chat_id=bindparam("chat"), unreachable_at=None)
)
_NEW_INTERACTION = insert(INTERACTIONS).returning(INTERACTIONS.c.id)
_COUNT_SINCE = (
    select(func.count())
    .select_from(InteractionRow)
    .where(
        InteractionRow.resident_id == bindparam("resident_id"),
        InteractionRow.kind.in_(bindparam("kinds", expanding=True)),
        InteractionRow.at >= bindparam("since"),
    )
)
_QUESTION_TEXT = select(InteractionRow.text).where(
    InteractionRow.id == bindparam("event_id"),
    InteractionRow.resident_id == bindparam("resident_id"),
)


_RECENT = (
    select(func.count())
    .select_from(InteractionRow)
    .where(
        InteractionRow.resident_id == ResidentRow.id,
        InteractionRow.kind.in_(bindparam("kinds", expanding=True)),
        InteractionRow.at >= bindparam("since"),
    )
    .scalar_subquery()
)
_ACTIVE_CASE_ID = (
    select(CaseRow.id)
    .where(CaseRow.resident_id == ResidentRow.id, CaseRow.status.in_(ACTIVE))
    .order_by(CaseRow.id.desc())
    .limit(1)
    .scalar_subquery()
)
_ARRIVAL = select(
    *_RESIDENT_COLUMNS, _RECENT.label("recent"), _ACTIVE_CASE_ID.label("case_id")
).where(ResidentRow.user_id == bindparam("user_id"))


class SqlResidentRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._s = connection

    async def get_or_create(self, person: Person, at: datetime) -> Resident:
        row = (await self._s.execute(_RESIDENT_BY_USER, {"user_id": person.user_id})).first()
        return await self._known(person, at, row)

    async def arrive(
        self, person: Person, at: datetime, kinds: Sequence[str], since: datetime
    ) -> Arrival:
        row = (
            await self._s.execute(
                _ARRIVAL, {"user_id": person.user_id, "kinds": list(kinds), "since": since}
            )
        ).first()
        resident = await self._known(person, at, row)
        if row is None:
            return Arrival(resident)
        case = None
        if row.case_id is not None:
            case = await SqlCaseRepository(self._s).get(row.case_id)
        return Arrival(resident, int(row.recent), case)

    async def _known(self, person: Person, at: datetime, row: Any) -> Resident:
        """The resident of ``row`` brought up to date with ``person``; created if no row."""
        name = person.display_name[:256]
        if row is None:
            new_id = await self._s.scalar(
                _NEW_RESIDENT,
                {
                    "user_id": person.user_id,
                    "chat_id": person.chat_id,
                    "display_name": name,
                    "created_at": at,
                },
            )
            return Resident(int(new_id), person.user_id, person.chat_id, name)
        resident = _resident(row)
        if (row.display_name, row.chat_id) != (name, person.chat_id) or resident.unreachable:
            # they wrote to us, so they can be reached again
            await self._s.execute(
                _RESIDENT_WROTE, {"resident_id": row.id, "name": name, "chat": person.chat_id}
            )
            resident = replace(
                resident, display_name=name, chat_id=person.chat_id, unreachable=False
            )
        return resident

    async def get(self, resident_id: int) -> Resident | None:
        row = (await self._s.execute(_RESIDENT_BY_ID, {"resident_id": resident_id})).first()
        return _resident(row) if row else None

    async def mark_unreachable(self, resident_id: int, at: datetime) -> None:
        await self._s.execute(
            update(RESIDENTS).where(RESIDENTS.c.id == resident_id).values(unreachable_at=at)
        )

    async def set_off_duty_notice(self, resident_id: int, day: date) -> None:
        await self._s.execute(
            update(RESIDENTS).where(RESIDENTS.c.id == resident_id).values(last_off_duty_notice=day)
        )


class SqlInteractionRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._s = connection

    async def add(self, event: Interaction) -> int:
        return int(
            await self._s.scalar(
                _NEW_INTERACTION,
                {
                    "at": event.at,
                    "kind": event.kind.value,
                    "resident_id": event.resident_id,
                    "case_id": event.case_id,
                    "faq_id": event.faq_id,
                    "category": event.category,
                    "score": event.score,
                    "actor_id": event.actor_id,
                    "actor_name": event.actor_name,
                    "detail": event.detail,
                    "text": event.text,
                },
            )
        )

    async def question_text(self, event_id: int, resident_id: int) -> str | None:
        return await self._s.scalar(
            _QUESTION_TEXT, {"event_id": event_id, "resident_id": resident_id}
        )

    async def count_since(self, resident_id: int, kinds: Sequence[str], since: datetime) -> int:
        total = await self._s.scalar(
            _COUNT_SINCE, {"resident_id": resident_id, "kinds": list(kinds), "since": since}
        )
        return int(total or 0)


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
            )
        )

    async def messages(self, case_id: int) -> list[CaseMessage]:
        rows = await self._s.execute(
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


def _pending(row: Any) -> PendingMessage:
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


_NEW_OUTGOING = insert(OUTBOX).returning(OUTBOX.c.id)
_OUTGOING_BY_ID = select(OutboxRow).where(OutboxRow.id == bindparam("outbox_id"))
_SENT = (
    update(OUTBOX)
    .where(OUTBOX.c.id == bindparam("outbox_id"))
    .values(
        status="sent",
        sent_at=bindparam("sent"),
        message_id=bindparam("telegram_message"),
        attempts=OUTBOX.c.attempts + 1,
    )
)


class SqlOutbox:
    def __init__(self, connection: AsyncConnection) -> None:
        self._s = connection

    async def put(self, message: Outgoing, at: datetime) -> int:
        media = message.media
        return int(
            await self._s.scalar(
                _NEW_OUTGOING,
                {
                    "chat_id": message.chat_id,
                    "text": message.text,
                    "buttons": _buttons_to_json(message.buttons),
                    "purpose": message.purpose,
                    "case_id": message.case_id,
                    "media_kind": media.kind if media else None,
                    "media_file_id": media.file_id if media else None,
                    "media_filename": media.filename if media else None,
                    "status": "pending",
                    "attempts": 0,
                    "created_at": at,
                    "next_attempt_at": at,
                },
            )
        )

    async def pending(self, now: datetime, limit: int = 100) -> list[PendingMessage]:
        rows = await self._s.execute(
            select(OutboxRow)
            .where(OutboxRow.status == "pending", OutboxRow.next_attempt_at <= now)
            .order_by(OutboxRow.id)
            .limit(limit)
        )
        return [_pending(r) for r in rows]

    async def get(self, outbox_id: int) -> PendingMessage | None:
        row = (await self._s.execute(_OUTGOING_BY_ID, {"outbox_id": outbox_id})).first()
        return _pending(row) if row and row.status == "pending" else None

    async def mark_sent(self, outbox_id: int, message_id: int | None, at: datetime) -> None:
        await self._s.execute(
            _SENT, {"outbox_id": outbox_id, "sent": at, "telegram_message": message_id}
        )

    async def mark_all_sent(self, sent: Sequence[tuple[int, int | None]], at: datetime) -> None:
        if sent:
            await self._s.execute(
                _SENT, [{"outbox_id": i, "sent": at, "telegram_message": m} for i, m in sent]
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
    def __init__(self, connection: AsyncConnection) -> None:
        self._s = connection

    async def overrides(self, now: datetime) -> dict[int, DutyOverride]:
        rows = await self._s.execute(select(DutyOverrideRow).where(DutyOverrideRow.until > now))
        return {r.telegram_id: DutyOverride(r.telegram_id, r.on_duty, r.until) for r in rows}

    async def set(self, override: DutyOverride) -> None:
        values = {"on_duty": override.on_duty, "until": override.until}
        changed = await self._s.execute(
            update(DUTY).where(DUTY.c.telegram_id == override.telegram_id).values(values)
        )
        if not changed.rowcount:
            await self._s.execute(insert(DUTY).values(telegram_id=override.telegram_id, **values))
