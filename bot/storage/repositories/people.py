"""Residents (and what each of their messages needs to know), the interaction log, duty."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.core.interactions import Interaction
from bot.core.messages import TELEGRAM, Address, ChatRef
from bot.core.ports import (
    Arrival,
    DutyOverride,
    Person,
    Resident,
)
from bot.storage.models import (
    CaseRow,
    DutyOverrideRow,
    InteractionRow,
    ResidentRow,
)
from bot.storage.repositories.cases import SqlCaseRepository
from bot.storage.repositories.tables import ACTIVE, DUTY, INTERACTIONS, RESIDENTS

_RESIDENT_COLUMNS = (
    ResidentRow.id,
    ResidentRow.channel,
    ResidentRow.external_id,
    ResidentRow.user_id,
    ResidentRow.chat_id,
    ResidentRow.display_name,
    ResidentRow.unreachable_at,
    ResidentRow.last_off_duty_notice,
)


def resident_from_row(row: Any) -> Resident:
    user_id: ChatRef | None = row.user_id
    chat_id: ChatRef | None = row.chat_id
    if row.channel != TELEGRAM:  # a forgotten resident (/forgetme) has no openid left
        user_id = chat_id = Address(row.channel, row.external_id) if row.external_id else None
    return Resident(
        id=row.id,
        user_id=user_id,
        chat_id=chat_id,
        display_name=row.display_name,
        unreachable=row.unreachable_at is not None,
        last_off_duty_notice=row.last_off_duty_notice,
    )


# The statements every message runs, built once with bound parameters.
_BY_USER = ResidentRow.user_id == bindparam("user_id")
_BY_ADDRESS = (ResidentRow.channel == bindparam("channel")) & (
    ResidentRow.external_id == bindparam("external_id")
)
_RESIDENT_BY_USER = select(*_RESIDENT_COLUMNS).where(_BY_USER)
_RESIDENT_BY_ADDRESS = select(*_RESIDENT_COLUMNS).where(_BY_ADDRESS)
_RESIDENT_BY_ID = select(*_RESIDENT_COLUMNS).where(ResidentRow.id == bindparam("resident_id"))
_NEW_RESIDENT = insert(RESIDENTS).returning(RESIDENTS.c.id)
_RESIDENT_WROTE = (
    update(RESIDENTS)
    .where(RESIDENTS.c.id == bindparam("resident_id"))
    .values(display_name=bindparam("name"), chat_id=bindparam("chat"), unreachable_at=None)
)
# Several rows in one statement; their ids come back in the order of the rows.
_NEW_INTERACTIONS = insert(INTERACTIONS).returning(INTERACTIONS.c.id, sort_by_parameter_order=True)
_NEW_EXCHANGE = insert(INTERACTIONS).returning(INTERACTIONS.c.id, INTERACTIONS.c.kind)
_INTERACTION_COLUMNS = (  # the fields of an Interaction, each stored in the column of its name
    "at",
    "kind",
    "resident_id",
    "case_id",
    "faq_id",
    "category",
    "score",
    "actor_id",
    "actor_name",
    "detail",
    "text",
)
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


def _arrival(where: Any) -> Select[Any]:
    """The resident by user id, their messages of some kinds since a time, their active case."""
    recent = (
        select(func.count())
        .select_from(InteractionRow)
        .where(
            InteractionRow.resident_id == ResidentRow.id,
            InteractionRow.kind.in_(bindparam("kinds", expanding=True)),
            InteractionRow.at >= bindparam("since"),
        )
        .scalar_subquery()
    )
    active_case = (
        select(CaseRow.id)
        .where(CaseRow.resident_id == ResidentRow.id, CaseRow.status.in_(ACTIVE))
        .order_by(CaseRow.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    return select(*_RESIDENT_COLUMNS, recent.label("recent"), active_case.label("case_id")).where(
        where
    )


_ARRIVAL = _arrival(_BY_USER)
_ARRIVAL_BY_ADDRESS = _arrival(_BY_ADDRESS)


def _who(person: Person) -> dict[str, Any]:
    """The parameters that find a person's row: a Telegram user id, else (channel, external id)."""
    if isinstance(person.user_id, Address):
        return {"channel": person.user_id.channel, "external_id": person.user_id.id}
    return {"user_id": person.user_id}


class SqlResidentRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._s = connection

    async def get_or_create(self, person: Person, at: datetime) -> Resident:
        who = _who(person)
        query = _RESIDENT_BY_USER if "user_id" in who else _RESIDENT_BY_ADDRESS
        row = (await self._s.execute(query, who)).first()
        return await self._known(person, at, row)

    async def arrive(
        self, person: Person, at: datetime, kinds: Sequence[str], since: datetime
    ) -> Arrival:
        who = _who(person)
        query = _ARRIVAL if "user_id" in who else _ARRIVAL_BY_ADDRESS
        params = {**who, "kinds": list(kinds), "since": since}
        row = (await self._s.execute(query, params)).first()
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
        address = isinstance(person.chat_id, Address)
        chat = None if address else person.chat_id
        if row is None:
            new_id = await self._s.scalar(_NEW_RESIDENT, _new_resident(person, name, at))
            return Resident(int(new_id), person.user_id, person.chat_id, name)
        resident = resident_from_row(row)
        if (row.display_name, row.chat_id) != (name, chat) or resident.unreachable:
            # they wrote to us, so they can be reached again
            await self._s.execute(
                _RESIDENT_WROTE, {"resident_id": row.id, "name": name, "chat": chat}
            )
            resident = replace(
                resident, display_name=name, chat_id=person.chat_id, unreachable=False
            )
        return resident

    async def get(self, resident_id: int) -> Resident | None:
        row = (await self._s.execute(_RESIDENT_BY_ID, {"resident_id": resident_id})).first()
        return resident_from_row(row) if row else None

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
        [question_id] = await self.add_all([event])
        return question_id

    async def add_all(self, events: Sequence[Interaction]) -> list[int]:
        if not events:
            return []
        rows = [_interaction_row(e) for e in events]
        return [int(i) for i in (await self._s.scalars(_NEW_INTERACTIONS, rows)).all()]

    async def add_question(self, question: Interaction, reply: Interaction) -> int:
        if question.kind is reply.kind:
            raise ValueError("a question and its reply are events of different kinds")
        rows = [_interaction_row(question), _interaction_row(reply)]
        # One INSERT for both rows (SQLAlchemy's "insertmanyvalues"). Its RETURNING rows come in
        # no promised order, and asking SQLAlchemy to sort them by parameter makes it send one
        # INSERT per row on SQLite; so the question's row is told apart by its kind instead.
        returned = await self._s.execute(_NEW_EXCHANGE, rows)
        return next(int(r.id) for r in returned if r.kind == question.kind.value)

    async def question_text(self, event_id: int, resident_id: int) -> str | None:
        return await self._s.scalar(
            _QUESTION_TEXT, {"event_id": event_id, "resident_id": resident_id}
        )

    async def count_since(self, resident_id: int, kinds: Sequence[str], since: datetime) -> int:
        total = await self._s.scalar(
            _COUNT_SINCE, {"resident_id": resident_id, "kinds": list(kinds), "since": since}
        )
        return int(total or 0)


class SqlDutyRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._s = connection

    async def overrides(self, now: datetime) -> dict[int, DutyOverride]:
        rows = await self._s.execute(select(DutyOverrideRow).where(DutyOverrideRow.until > now))
        return {r.staff_id: DutyOverride(r.staff_id, r.on_duty, r.until) for r in rows}

    async def set(self, override: DutyOverride) -> None:
        values = {"on_duty": override.on_duty, "until": override.until}
        changed = await self._s.execute(
            update(DUTY).where(DUTY.c.staff_id == override.staff_id).values(values)
        )
        if not changed.rowcount:
            await self._s.execute(insert(DUTY).values(staff_id=override.staff_id, **values))


def _new_resident(person: Person, name: str, at: datetime) -> dict[str, Any]:
    row: dict[str, Any] = {"display_name": name, "created_at": at}
    if isinstance(person.user_id, Address):
        return {**row, "channel": person.user_id.channel, "external_id": person.user_id.id}
    return {**row, "channel": TELEGRAM, "user_id": person.user_id, "chat_id": person.chat_id}


def _interaction_row(event: Interaction) -> dict[str, Any]:
    """The row of an interaction: its fields under the same names, the kind as its value."""
    row = {column: getattr(event, column) for column in _INTERACTION_COLUMNS}
    row["kind"] = event.kind.value
    return row
