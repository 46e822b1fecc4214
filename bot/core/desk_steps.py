"""The steps every resident use case shares: find the resident, log, reply, store and commit."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta

from bot.core import texts
from bot.core.faq import FaqEntry, KnowledgeBase
from bot.core.handoff import Handoff
from bot.core.inbound import INBOUND, storable
from bot.core.interactions import EventKind, Interaction
from bot.core.law import LawLibrary
from bot.core.matching.matcher import Matcher
from bot.core.outbox import store_and_commit
from bot.core.ports import (
    Arrival,
    Button,
    ChatRef,
    Clock,
    Outgoing,
    Person,
    Resident,
    SentBatch,
    UnitOfWork,
    UnitOfWorkFactory,
)
from bot.core.scams import ScamChecker


@dataclass(frozen=True, slots=True)
class DeskPolicy:
    """What the desk allows residents and promises them."""

    flood_per_minute: int = 20
    retention_months: int = 24  # told to residents in /privacy


class ResidentSteps:
    """The collaborators of the resident use cases and the steps they have in common."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        kb: KnowledgeBase,
        matcher: Matcher,
        laws: LawLibrary,
        handoff: Handoff,
        policy: DeskPolicy = DeskPolicy(),
        scams: ScamChecker | None = None,
    ) -> None:
        self._uow, self._clock, self._kb = uow, clock, kb
        self._matcher, self._laws, self._handoff, self._policy = matcher, laws, handoff, policy
        self._scams = scams  # None: no scam check (a knowledge base without scam patterns)

    def _answer(
        self, chat_id: ChatRef, entry: FaqEntry, escalate_data: str, *, subscribe: bool = True
    ) -> Outgoing:
        """An entry's answer with its buttons (and, unless told not to, the offer to subscribe
        to the monthly themes: consent is asked, never assumed)."""
        buttons: tuple[tuple[Button, ...], ...] = (
            (Button(texts.HELPFUL, f"fb:{entry.id}"),),
            (Button(texts.NOT_SOLVED, escalate_data),),
        )
        if subscribe:
            buttons += ((Button(texts.SUBSCRIBE, texts.SUBSCRIBE_DATA),),)
        return Outgoing(chat_id, texts.faq_answer(entry), buttons)

    def _category_buttons(self) -> tuple[tuple[Button, ...], ...]:
        cats = self._kb.categories
        return tuple(
            tuple(Button(cats[i], f"cat:{i}") for i in range(start, min(start + 2, len(cats))))
            for start in range(0, len(cats), 2)
        )

    async def _resident(self, uow: UnitOfWork, person: Person) -> Resident:
        person = replace(person, display_name=storable(person.display_name))
        return await uow.residents.get_or_create(person, self._clock.now())

    async def _arrive(self, uow: UnitOfWork, person: Person) -> Arrival:
        """The resident, their inbound messages of the last minute and their active case."""
        person = replace(person, display_name=storable(person.display_name))
        now = self._clock.now()
        return await uow.residents.arrive(person, now, INBOUND, now - timedelta(minutes=1))

    async def _stale(self, uow: UnitOfWork, resident: Resident, person: Person) -> SentBatch:
        """Log a button whose data is unknown, forged or outdated, and say it has expired."""
        await self._log(uow, EventKind.COMMAND, resident, detail="stale_button")
        return await self._finish(uow, [Outgoing(person.chat_id, texts.unreadable_button())])

    async def _log(
        self,
        uow: UnitOfWork,
        kind: EventKind,
        resident: Resident,
        *,
        entry: FaqEntry | None = None,
        score: float | None = None,
        detail: str | None = None,
        text: str | None = None,
    ) -> int:
        event = self._event(kind, resident, entry=entry, score=score, detail=detail, text=text)
        return await uow.interactions.add(event)

    def _event(
        self,
        kind: EventKind,
        resident: Resident,
        *,
        entry: FaqEntry | None = None,
        score: float | None = None,
        detail: str | None = None,
        text: str | None = None,
    ) -> Interaction:
        return Interaction(
            kind=kind,
            at=self._clock.now(),
            resident_id=resident.id,
            faq_id=entry.id if entry else None,
            category=entry.category if entry else None,
            score=round(score, 2) if score is not None else None,
            detail=detail,
            text=text,
        )

    async def _finish(self, uow: UnitOfWork, out: list[Outgoing]) -> SentBatch:
        return await store_and_commit(uow, out, self._clock.now())
