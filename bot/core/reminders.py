"""Timed duties of the desk: re-announce waiting cases, remind slow answers, greet a new shift.

Run by the Telegram adapter's JobQueue; each run is one unit of work. Nothing is reminded outside
shifts: with nobody on duty the reminders wait for the next shift (whose digest lists the cases).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core import staff_texts
from bot.core.interactions import EventKind, case_event
from bot.core.outbox import store_and_commit
from bot.core.ports import (
    Button,
    Case,
    CaseStatus,
    Clock,
    Outgoing,
    SentBatch,
    UnitOfWork,
    UnitOfWorkFactory,
)
from bot.core.roster import Roster, StaffMember

DIGEST_BUTTONS = 10


@dataclass(frozen=True, slots=True)
class ReminderPolicy:
    unclaimed_after: timedelta = timedelta(minutes=30)  # of on-duty time
    unanswered_after: timedelta = timedelta(hours=24)


class Reminders:
    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, roster: Roster, policy: ReminderPolicy
    ) -> None:
        self._uow, self._clock, self._roster, self._policy = uow, clock, roster, policy

    async def remind(self) -> SentBatch:
        """Re-announce unclaimed cases and remind advisers of claimed, unanswered ones."""
        now = self._clock.now()
        async with self._uow() as uow:
            overrides = await uow.duty.overrides(now)
            on_duty = self._roster.on_duty(now, overrides)
            if not on_duty:
                return SentBatch()
            out: list[Outgoing] = []
            for case in await uow.cases.list_active():
                if case.status is CaseStatus.OPEN:
                    since = case.reminded_at or case.opened_at
                    waited = self._roster.on_duty_minutes_between(since, now, overrides)
                    if waited >= self._policy.unclaimed_after.total_seconds() / 60:
                        out += await self._unclaimed(uow, case, on_duty, now)
                elif case.status is CaseStatus.CLAIMED and case.claimed_by is not None:
                    since = case.reminded_at or case.claimed_at or case.opened_at
                    holder_on_duty = any(m.id == case.claimed_by for m in on_duty)
                    if holder_on_duty and now - since >= self._policy.unanswered_after:
                        out += await self._unanswered(uow, case, now)
            return await self._finish(uow, out, now)

    async def digest(self, since: datetime, until: datetime) -> SentBatch:
        """Send advisers whose shift started in [since, until) the cases waiting for them."""
        starting = self._roster.shift_starts_between(since, until)
        if not starting:
            return SentBatch()
        now = self._clock.now()
        async with self._uow() as uow:
            waiting = [c for c in await uow.cases.list_active() if c.status is CaseStatus.OPEN]
            if not waiting:
                return SentBatch()
            buttons = tuple(
                (Button(f"认领 #{c.id}", f"claim:{c.id}"),) for c in waiting[:DIGEST_BUTTONS]
            )
            members = {m.id: m for _, m in starting}
            text = staff_texts.shift_digest(waiting, now)
            out = [
                Outgoing(chat, text, buttons, purpose="digest")
                for m in members.values()
                for chat in m.addresses
            ]
            return await self._finish(uow, out, now)

    async def _unclaimed(
        self, uow: UnitOfWork, case: Case, on_duty: tuple[StaffMember, ...], now: datetime
    ) -> list[Outgoing]:
        await uow.cases.mark_reminded(case.id, now)
        await uow.interactions.add(case_event(EventKind.REMINDER, case, now, detail="unclaimed"))
        resident = await uow.residents.get(case.resident_id)
        name = resident.display_name if resident else ""
        text = staff_texts.unclaimed_reminder(case.id, name, case.question, case.opened_at, now)
        button = ((Button(f"认领 #{case.id}", f"claim:{case.id}"),),)
        return [
            Outgoing(chat, text, button, purpose="notify", case_id=case.id)
            for m in on_duty
            for chat in m.addresses
        ]

    async def _unanswered(self, uow: UnitOfWork, case: Case, now: datetime) -> list[Outgoing]:
        await uow.cases.mark_reminded(case.id, now)
        await uow.interactions.add(
            case_event(EventKind.REMINDER, case, now, holder=True, detail="unanswered")
        )
        assert case.claimed_by is not None
        text = staff_texts.unanswered_reminder(
            case.id, case.claimed_by_name or "", case.opened_at, now
        )
        holder = self._roster.addresses(case.claimed_by)
        targets = [*holder, *(c for m in self._roster.office for c in m.addresses)]
        return [Outgoing(t, text, purpose="reminder", case_id=case.id) for t in targets]

    async def _finish(self, uow: UnitOfWork, out: list[Outgoing], now: datetime) -> SentBatch:
        return await store_and_commit(uow, out, now)
