"""Residents' privacy (PIPL): forgetting a resident on request, and the retention period.

/forgetme asks first (「确认删除」/「取消」); confirming replaces every stored text of the resident
(their logged messages, their cases' questions and messages, what was sent about their cases) by
:data:`REDACTED`, drops what was still to be sent to them, closes their open cases and clears
their profile. The resident's row and every logged event stay, anonymous, so that reports keep
counting them. Separately, :meth:`PrivacyDesk.purge` redacts every message text older than the
retention period (``desk.retention_months``); the bot runs it daily and ``legaldesk purge`` on
demand.
"""

from __future__ import annotations

import calendar
import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.core import texts
from bot.core.desk import storable
from bot.core.interactions import EventKind, Interaction, case_event
from bot.core.outbox import store_and_commit
from bot.core.ports import (
    Button,
    Clock,
    Outgoing,
    Person,
    PrivacyUnitOfWork,
    PrivacyUnitOfWorkFactory,
    Redaction,
    Resident,
    SentBatch,
)
from bot.core.roster import Roster

log = logging.getLogger(__name__)

REDACTED = "（已删除）"
CONFIRM_DATA = "forget:yes"
CANCEL_DATA = "forget:no"


def months_before(moment: datetime, months: int) -> datetime:
    """The same moment ``months`` calendar months earlier (the day clamped to the month's end)."""
    if months < 0:
        raise ValueError("months must not be negative")
    years, month_index = divmod(moment.month - 1 - months, 12)
    year, month = moment.year + years, month_index + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


class PrivacyDesk:
    """/forgetme and the retention period."""

    def __init__(
        self,
        uow: PrivacyUnitOfWorkFactory,
        clock: Clock,
        retention_months: int,
        roster: Roster | None = None,
    ) -> None:
        """``roster``: where the adviser holding a withdrawn case is told (their every chat)."""
        if retention_months < 1:
            raise ValueError("retention_months must be at least 1")
        self._uow, self._clock, self._months = uow, clock, retention_months
        self._roster = roster or Roster((), ZoneInfo("UTC"))

    @property
    def retention_months(self) -> int:
        return self._months

    async def offer(self, person: Person) -> SentBatch:
        """Explain what /forgetme deletes and ask for confirmation."""
        async with self._uow() as uow:
            resident = await self._resident(uow, person)
            await self._log(uow, resident, "forgetme")
            buttons = (
                (
                    Button(texts.CONFIRM_FORGET, CONFIRM_DATA),
                    Button(texts.CANCEL_FORGET, CANCEL_DATA),
                ),
            )
            out = [Outgoing(person.chat_id, texts.forget_confirm(), buttons)]
            return await self._finish(uow, out)

    async def press(self, person: Person, data: str) -> SentBatch:
        """Act on 「确认删除」 or 「取消」 (anything else is a stale button)."""
        if data == CONFIRM_DATA:
            return await self.forget(person)
        async with self._uow() as uow:
            resident = await self._resident(uow, person)
            if data == CANCEL_DATA:
                await self._log(uow, resident, "forgetme_cancel")
                return await self._finish(uow, [Outgoing(person.chat_id, texts.forget_cancelled())])
            await self._log(uow, resident, "stale_button")
            return await self._finish(uow, [Outgoing(person.chat_id, texts.unreadable_button())])

    async def forget(self, person: Person) -> SentBatch:
        """Delete the resident's texts and profile; keep anonymous counts; close open cases."""
        async with self._uow() as uow:
            resident = await uow.privacy.find_resident(person.user_id)
            if resident is None:  # already forgotten: a second press, or an old button
                out = [Outgoing(person.chat_id, texts.nothing_to_forget())]
                return await self._finish(uow, out)
            now = self._clock.now()
            out = [Outgoing(person.chat_id, texts.forgotten())]
            while (case := await uow.cases.active_for(resident.id)) is not None:
                await uow.cases.close(case.id, now)
                await uow.interactions.add(
                    case_event(EventKind.CASE_CLOSED, case, now, detail="forgetme")
                )
                if case.claimed_by is not None:
                    out += [
                        Outgoing(chat, texts.case_withdrawn(case.id), purpose="notify")
                        for chat in self._roster.addresses(case.claimed_by)
                    ]
                log.info("case #%d closed: its resident asked to be forgotten", case.id)
            await self._log(uow, resident, "forgetme_confirm")
            await uow.subscriptions.end(resident.id, now)  # no more monthly themes either
            redaction = await uow.privacy.forget_resident(
                resident, REDACTED, texts.resident_mentions(resident.display_name)
            )
            log.info(
                "resident %d forgotten: %d stored row(s) redacted or dropped",
                resident.id,
                redaction.total,
            )
            return await self._finish(uow, out)

    async def purge(self) -> tuple[datetime, Redaction]:
        """Redact every message text older than the retention period; (cutoff, counts)."""
        cutoff = months_before(self._clock.now(), self._months)
        async with self._uow() as uow:
            redaction = await uow.privacy.redact_before(cutoff, REDACTED)
            await uow.commit()
        if redaction.total:
            log.info(
                "retention: redacted %d row(s) older than %s",
                redaction.total,
                cutoff.date().isoformat(),
            )
        return cutoff, redaction

    # ------------------------------------------------------------ steps

    async def _resident(self, uow: PrivacyUnitOfWork, person: Person) -> Resident:
        clean = Person(person.user_id, person.chat_id, storable(person.display_name))
        return await uow.residents.get_or_create(clean, self._clock.now())

    async def _log(self, uow: PrivacyUnitOfWork, resident: Resident, detail: str) -> None:
        await uow.interactions.add(
            Interaction(
                EventKind.COMMAND, self._clock.now(), resident_id=resident.id, detail=detail
            )
        )

    async def _finish(self, uow: PrivacyUnitOfWork, out: list[Outgoing]) -> SentBatch:
        return await store_and_commit(uow, out, self._clock.now())
