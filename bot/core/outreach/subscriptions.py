"""Residents' side of outreach: subscribe (consent, default off), unsubscribe (at once, also for
what is already queued), and 「了解更多」 under a broadcast (the linked entries; the press is
counted). Callback data is untrusted: anything unknown gets the polite 「按钮已过期」."""

from __future__ import annotations

from bot.core.desk_steps import ResidentSteps
from bot.core.faq import KnowledgeBase
from bot.core.interactions import EventKind
from bot.core.outreach import texts
from bot.core.outreach.ports import OutreachUnitOfWork, OutreachUnitOfWorkFactory
from bot.core.outreach.themes import Themes
from bot.core.ports import Clock, Outgoing, Person, SentBatch

MONTH_DATA = 7  # "YYYY-MM"


class SubscriptionDesk(ResidentSteps):
    """/subscribe, /unsubscribe and the outreach buttons (``sub``, ``unsub``, ``more:YYYY-MM``)."""

    def __init__(
        self, uow: OutreachUnitOfWorkFactory, clock: Clock, kb: KnowledgeBase, themes: Themes
    ) -> None:
        # Only the steps that find the resident, log, answer with an entry and store the replies
        # are used; they need the unit of work, the clock and the knowledge base.
        self._uow, self._clock, self._kb = uow, clock, kb
        self._outreach_uow = uow
        self._themes = themes

    async def press(self, person: Person, data: str) -> SentBatch:
        if data == texts.SUBSCRIBE_DATA:
            return await self.subscribe(person, "button")
        if data == texts.UNSUBSCRIBE_DATA:
            return await self.unsubscribe(person, "button")
        if data.startswith(texts.LEARN_MORE_PREFIX):
            return await self.learn_more(person, data.removeprefix(texts.LEARN_MORE_PREFIX))
        return await self.stale_button(person)

    async def subscribe(self, person: Person, how: str = "command") -> SentBatch:
        async with self._outreach_uow() as uow:
            resident = await self._resident(uow, person)
            if await uow.subscriptions.is_active(resident.id):
                await self._log(uow, EventKind.COMMAND, resident, detail="subscribed_already")
                return await self._finish(uow, [self._say(person, texts.already_subscribed())])
            await uow.subscriptions.start(resident.id, self._clock.now())
            await self._log(uow, EventKind.SUBSCRIBE, resident, detail=how)
            return await self._finish(uow, [self._say(person, texts.subscribed())])

    async def unsubscribe(self, person: Person, how: str = "command") -> SentBatch:
        """End the subscription and withdraw every broadcast message still waiting for them."""
        async with self._outreach_uow() as uow:
            resident = await self._resident(uow, person)
            now = self._clock.now()
            ended = await uow.subscriptions.end(resident.id, now)
            await uow.broadcasts.cancel_for_chat(person.chat_id, now)
            if not ended:
                await self._log(uow, EventKind.COMMAND, resident, detail="unsubscribed_already")
                return await self._finish(uow, [self._say(person, texts.not_subscribed())])
            await self._log(uow, EventKind.UNSUBSCRIBE, resident, detail=how)
            return await self._finish(uow, [self._say(person, texts.unsubscribed())])

    async def learn_more(self, person: Person, month: str) -> SentBatch:
        """The entries a broadcast links to, each with its basis; the press is logged."""
        theme = self._themes.get(month) if len(month) == MONTH_DATA else None
        found = [e for e in map(self._kb.get, theme.links) if e is not None] if theme else []
        async with self._outreach_uow() as uow:
            resident = await self._resident(uow, person)
            if theme is None or not found:
                return await self._stale(uow, resident, person)
            await self._log(uow, EventKind.LEARN_MORE, resident, detail=theme.month)
            out = [self._answer(person.chat_id, e, f"esc:b:{e.id}", subscribe=False) for e in found]
            return await self._finish(uow, out)

    async def stale_button(self, person: Person) -> SentBatch:
        async with self._outreach_uow() as uow:
            return await self._stale(uow, await self._resident(uow, person), person)

    @staticmethod
    def _say(person: Person, text: str) -> Outgoing:
        return Outgoing(person.chat_id, text)


__all__ = ["OutreachUnitOfWork", "SubscriptionDesk"]
