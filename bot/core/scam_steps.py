"""The scam check inside a resident's message: warn, or hand the message to the adviser.

A step of :meth:`~bot.core.desk.ResidentDesk.ask`, in its unit of work. The checker
(:class:`~bot.core.scams.ScamChecker`) decides. A warning, and a forwarded message it cannot
place, are answered before anything else; a typed or pasted message it cannot place (「…是真的吗」
also ends residents' own legal questions) is a check only if the FAQ neither answers it nor offers
choices, and does not interrupt the resident's open case.

This module logs the check (``SCAM_CHECK``, detail: the pattern id or ``unsure``) and says what
the resident and the adviser read. A resident is never told that a message is safe: a message the
checker cannot classify goes to the adviser, flagged 疑似诈骗.
"""

from __future__ import annotations

from bot.core import texts
from bot.core.desk_steps import ResidentSteps
from bot.core.faq import FaqEntry
from bot.core.interactions import EventKind
from bot.core.ports import (
    Arrival,
    Button,
    ChatRef,
    Outgoing,
    Person,
    Resident,
    SentBatch,
    UnitOfWork,
)
from bot.core.scam_texts import ASK_ADVISER, adviser_flag, scam_unsure, scam_warning
from bot.core.scams import UNSURE_DETAIL, ScamPattern, ScamVerdict, VerdictKind

HANDOFF_REASON = "scam"  # the HANDOFF event's detail for a check handed to the adviser


class ScamSteps(ResidentSteps):
    """Recognise a scam-check request and answer it."""

    async def ask_adviser_about(self, person: Person, event_id: int) -> SentBatch:
        """「还是拿不准，找法律顾问」 under a warning: the checked message goes to the adviser,
        flagged 疑似诈骗 (into the open case, if there is one)."""
        async with self._uow() as uow:
            resident = await self._resident(uow, person)
            text = await uow.interactions.question_text(event_id, resident.id)
            if text is None:  # not this resident's message, or forgotten: the button is stale
                return await self._stale(uow, resident, person)
            flag = adviser_flag(self._scam_verdict(text, True))
            case = await uow.cases.active_for(resident.id)
            if case is not None:
                out = await self._handoff.follow_up(uow, resident, case, text=text, flag=flag)
            else:
                out = await self._open_flagged(uow, resident, text, flag)
            return await self._finish(uow, out)

    @staticmethod
    def _scam_first(verdict: ScamVerdict, forwarded: bool) -> bool:
        """Whether the check answers before the open case and the FAQ: a warning, or a
        forwarded message the checker cannot place."""
        return verdict.kind is VerdictKind.WARN or (forwarded and verdict.is_check)

    def _scam_verdict(self, text: str, forwarded: bool) -> ScamVerdict:
        if self._scams is None:
            return ScamVerdict(VerdictKind.NOT_A_CHECK)
        return self._scams.check(text, forwarded=forwarded)

    async def _scam_check(
        self, uow: UnitOfWork, arrival: Arrival, person: Person, text: str, verdict: ScamVerdict
    ) -> list[Outgoing]:
        """Log the check and answer it: a warning, or the adviser (the open case, or a new one)."""
        resident, case, pattern = arrival.resident, arrival.case, verdict.pattern
        entry = self._kb.get(pattern.entry) if pattern is not None else None
        event_id = await self._log(
            uow,
            EventKind.SCAM_CHECK,
            resident,
            entry=entry,
            score=verdict.score,
            detail=pattern.id if pattern is not None else UNSURE_DETAIL,
            text=text,
        )
        flag = adviser_flag(verdict)
        if case is not None:  # the adviser on the case sees the message too, flagged
            passed = await self._handoff.follow_up(
                uow,
                resident,
                case,
                text=text,
                flag=flag,
                acknowledge=False,
            )
            if pattern is not None:
                return [self._warning(person.chat_id, pattern, entry, None), *passed]
            reply = Outgoing(person.chat_id, scam_unsure(case.id), case_id=case.id)
            return [reply, *passed]
        if pattern is not None:
            return [self._warning(person.chat_id, pattern, entry, event_id)]
        return await self._open_flagged(uow, resident, text, flag)

    async def _open_flagged(
        self, uow: UnitOfWork, resident: Resident, text: str, flag: str
    ) -> list[Outgoing]:
        """A new case for the adviser, flagged 疑似诈骗; the resident is told its number."""
        return await self._handoff.open_case(
            uow,
            resident,
            text,
            faq_id=None,
            score=None,
            reason=HANDOFF_REASON,
            flag=flag,
            reply=scam_unsure,
        )

    def _warning(
        self, chat_id: ChatRef, pattern: ScamPattern, entry: FaqEntry | None, event_id: int | None
    ) -> Outgoing:
        """The warning naming the pattern, with its entry's basis; the buttons: helpful, and
        (without an open case) the adviser, who then gets the checked message."""
        rows: list[tuple[Button, ...]] = []
        if entry is not None:
            rows.append((Button(texts.HELPFUL, f"fb:{entry.id}"),))
        if event_id is not None:
            rows.append((Button(ASK_ADVISER, f"scam:{event_id}"),))
        basis = entry.basis if entry is not None else ()
        return Outgoing(chat_id, scam_warning(pattern, basis), tuple(rows))
