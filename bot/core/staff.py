"""Advisers' and office staff's use cases: claim, answer, close, queue, case thread, duty.

Every action first checks the sender against the roster; a refusal is logged (in its own
transaction, so it is recorded even though nothing else happens) and raised as NotAllowed.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core import staff_texts
from bot.core.errors import AlreadyClaimed, CaseClosed, CaseNotFound, InvalidRequest, NotAllowed
from bot.core.interactions import EventKind, Interaction, case_event
from bot.core.outbox import store_and_commit
from bot.core.ports import (
    Case,
    CaseMessage,
    CaseStatus,
    Clock,
    DutyOverride,
    Media,
    Outgoing,
    SentBatch,
    UnitOfWork,
    UnitOfWorkFactory,
)
from bot.core.roster import Role, Roster, StaffMember
from bot.core.shifts import format_next_start

ANSWER_LIMIT = 3500


@dataclass(frozen=True, slots=True)
class CaseThread:
    case: Case
    resident_name: str
    messages: tuple[CaseMessage, ...]


@dataclass(frozen=True, slots=True)
class DutyBoard:
    on_duty: tuple[StaffMember, ...]
    next_start: str | None  # when the next shift starts, in words; None: no shifts at all


class StaffDesk:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, roster: Roster) -> None:
        self._uow, self._clock, self._roster = uow, clock, roster

    # ------------------------------------------------------------ roles

    async def member(
        self,
        staff_id: int,
        action: str,
        *,
        adviser_only: bool = False,
        office_only: bool = False,
    ) -> StaffMember:
        """The roster member sending ``action``; logs and raises NotAllowed for anyone else
        (and for the other role, when the action is one role's only)."""
        member = self._roster.member(staff_id)
        wanted = Role.ADVISER if adviser_only else Role.OFFICE if office_only else None
        if member is not None and wanted in (None, member.role):
            return member
        async with self._uow() as uow:
            await uow.interactions.add(
                Interaction(
                    EventKind.REFUSED, self._clock.now(), actor_id=staff_id, detail=action[:64]
                )
            )
            await uow.commit()
        raise NotAllowed(action)

    def is_staff(self, staff_id: int) -> bool:
        return self._roster.member(staff_id) is not None

    # ------------------------------------------------------------ cases

    async def claim(self, staff_id: int, case_id: int) -> SentBatch:
        """Take a case; exactly one of two simultaneous claimers wins."""
        adviser = await self.member(staff_id, "claim", adviser_only=True)
        async with self._uow() as uow:
            case = await self._active_case(uow, case_id)
            if case.claimed_by == adviser.id:
                return await self._finish(
                    uow, self._to(adviser, staff_texts.already_yours(case_id))
                )
            await self._claim(uow, case, adviser)
            resident = await uow.residents.get(case.resident_id)
            name = resident.display_name if resident else ""
            out = self._to(adviser, staff_texts.claimed(case_id, name))
            return await self._finish(uow, out)

    async def answer(
        self, staff_id: int, case_id: int, text: str, media: Media | None = None
    ) -> SentBatch:
        """Send an adviser's answer to the resident (claiming the case if nobody holds it)."""
        adviser = await self.member(staff_id, "answer", adviser_only=True)
        text = text.strip()
        if not text and media is None:
            raise InvalidRequest(staff_texts.answer_usage())
        if len(text) > ANSWER_LIMIT:
            raise InvalidRequest(staff_texts.answer_too_long(ANSWER_LIMIT))
        async with self._uow() as uow:
            case = await self._active_case(uow, case_id)
            if case.claimed_by is None:
                await self._claim(uow, case, adviser)
            elif case.claimed_by != adviser.id:
                raise AlreadyClaimed(case_id, case.claimed_by_name or "")
            now = self._clock.now()
            await uow.cases.add_message(
                CaseMessage(
                    case.id,
                    "adviser",
                    now,
                    text or None,
                    adviser.id,
                    media.kind if media else None,
                    media.file_id if media else None,
                    media.file_channel if media else None,
                )
            )
            await uow.cases.mark_answered(case.id, now)
            await uow.interactions.add(case_event(EventKind.CASE_ANSWERED, case, now, adviser))
            resident = await uow.residents.get(case.resident_id)
            if resident is None or resident.chat_id is None:
                raise CaseNotFound(case_id)
            out = [
                Outgoing(
                    resident.chat_id,
                    staff_texts.adviser_answer(case.id, text),
                    purpose="adviser_answer",
                    case_id=case.id,
                    media=media,
                )
            ]
            return await self._finish(uow, out)

    async def answer_reply(
        self,
        staff_id: int,
        chat_id: int,
        replied_message_id: int,
        text: str,
        media: Media | None = None,
    ) -> SentBatch:
        """Answer by replying (in Telegram) to a case notification."""
        await self.member(staff_id, "answer", adviser_only=True)
        async with self._uow() as uow:
            case_id = await uow.outbox.case_for_message(chat_id, replied_message_id)
        if case_id is None:
            raise InvalidRequest(staff_texts.not_a_case_message())
        return await self.answer(staff_id, case_id, text, media)

    async def close(self, staff_id: int, case_id: int) -> SentBatch:
        """Close a case and tell the resident."""
        member = await self.member(staff_id, "close", adviser_only=True)
        async with self._uow() as uow:
            case = await self._active_case(uow, case_id)
            now = self._clock.now()
            await uow.cases.close(case.id, now)
            await uow.interactions.add(case_event(EventKind.CASE_CLOSED, case, now, member))
            out = self._to(member, staff_texts.closed_confirm(case.id))
            resident = await uow.residents.get(case.resident_id)
            if resident and resident.chat_id is not None and not resident.unreachable:
                out.append(
                    Outgoing(resident.chat_id, staff_texts.case_closed(case.id), case_id=case.id)
                )
            return await self._finish(uow, out)

    async def queue(self, staff_id: int) -> str:
        """Active cases, oldest first, with waiting times."""
        cases = await self.active_cases(staff_id)
        return staff_texts.queue(cases, self._clock.now())

    async def active_cases(self, staff_id: int) -> list[Case]:
        """Open, claimed and answered cases, oldest first (the queue, for any adapter)."""
        await self.member(staff_id, "queue")
        async with self._uow() as uow:
            return await uow.cases.list_active()

    async def show(self, staff_id: int, case_id: int) -> str:
        """A case's whole thread."""
        thread = await self.thread(staff_id, case_id)
        return staff_texts.case_thread(
            thread.case, thread.resident_name, list(thread.messages), self._clock.now()
        )

    async def thread(self, staff_id: int, case_id: int) -> CaseThread:
        """A case, its resident's display name and every message of its thread."""
        await self.member(staff_id, "case")
        async with self._uow() as uow:
            case = await uow.cases.get(case_id)
            if case is None:
                raise CaseNotFound(case_id)
            messages = await uow.cases.messages(case_id)
            resident = await uow.residents.get(case.resident_id)
        return CaseThread(case, resident.display_name if resident else "", tuple(messages))

    async def duty(self, staff_id: int, switch: str | None) -> str:
        """Show who is on duty, or switch one's own duty on/off until the next shift boundary."""
        board = await self.duty_board(staff_id, switch)
        return staff_texts.duty_status(board.on_duty, board.next_start)

    async def duty_board(self, staff_id: int, switch: str | None = None) -> DutyBoard:
        """Who is on duty now and when the next shift starts; ``switch`` "on"/"off" first sets
        the sender's own duty until their next shift boundary (advisers only)."""
        member = await self.member(staff_id, "duty")
        now = self._clock.now()
        async with self._uow() as uow:
            if switch in ("on", "off"):
                if member.role is not Role.ADVISER:
                    raise NotAllowed("duty")
                until = self._roster.next_boundary(member, now)
                await uow.duty.set(DutyOverride(member.id, switch == "on", until))
                await uow.interactions.add(
                    Interaction(
                        EventKind.DUTY_SWITCH,
                        now,
                        actor_id=member.id,
                        actor_name=member.name,
                        detail=switch,
                    )
                )
                await uow.commit()
            elif switch is not None:
                raise InvalidRequest(staff_texts.duty_usage())
            overrides = await uow.duty.overrides(now)
        on_duty = self._roster.on_duty(now, overrides)
        next_start = self._roster.next_shift_start(now)
        when = format_next_start(now, next_start, self._roster.timezone) if next_start else None
        return DutyBoard(tuple(on_duty), when)

    # ------------------------------------------------------------ steps

    async def _active_case(self, uow: UnitOfWork, case_id: int) -> Case:
        case = await uow.cases.get(case_id)
        if case is None:
            raise CaseNotFound(case_id)
        if case.status is CaseStatus.CLOSED:
            raise CaseClosed(case_id)
        return case

    async def _claim(self, uow: UnitOfWork, case: Case, adviser: StaffMember) -> None:
        now = self._clock.now()
        if not await uow.cases.claim(case.id, adviser.id, adviser.name, now):
            current = await uow.cases.get(case.id)
            raise AlreadyClaimed(case.id, (current and current.claimed_by_name) or "")
        await uow.interactions.add(case_event(EventKind.CASE_CLAIMED, case, now, adviser))

    def _to(self, member: StaffMember, text: str) -> list[Outgoing]:
        """A confirmation to every chat the member has (Telegram, WeChat)."""
        return [Outgoing(chat, text, purpose="confirm") for chat in member.addresses]

    async def _finish(self, uow: UnitOfWork, out: list[Outgoing]) -> SentBatch:
        return await store_and_commit(uow, out, self._clock.now())
