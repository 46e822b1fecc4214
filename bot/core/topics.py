"""Residents browsing the desk: the greeting, the FAQ topic menu, an entry opened from it, and
the 「有帮助」 feedback on an answer."""

from __future__ import annotations

from bot.core import texts
from bot.core.desk_steps import ResidentSteps
from bot.core.interactions import EventKind
from bot.core.ports import Button, Outgoing, Person, SentBatch


class TopicMenu(ResidentSteps):
    """The use cases behind /start, /help, /privacy, /topics and the menu's buttons."""

    async def start(self, person: Person, command: str = "start") -> SentBatch:
        """Greet a resident (/start) or explain the desk (/help)."""
        async with self._uow() as uow:
            resident = await self._resident(uow, person)
            await self._log(uow, EventKind.COMMAND, resident, detail=command)
            if command == "help":
                out = [Outgoing(person.chat_id, texts.help_text())]
            elif command == "privacy":
                out = [Outgoing(person.chat_id, texts.privacy(self._policy.retention_months))]
            else:
                out = [
                    Outgoing(
                        person.chat_id,
                        texts.welcome(resident.display_name),
                        (
                            *self._category_buttons(),
                            (Button(texts.SUBSCRIBE, texts.SUBSCRIBE_DATA),),
                        ),
                    )
                ]
            return await self._finish(uow, out)

    async def topics(self, person: Person) -> SentBatch:
        """Show the FAQ categories as buttons."""
        async with self._uow() as uow:
            resident = await self._resident(uow, person)
            await self._log(uow, EventKind.COMMAND, resident, detail="topics")
            out = [Outgoing(person.chat_id, texts.topics_intro(), self._category_buttons())]
            return await self._finish(uow, out)

    async def open_category(self, person: Person, index: int) -> SentBatch:
        """List a category's questions as buttons."""
        categories = self._kb.categories
        async with self._uow() as uow:
            resident = await self._resident(uow, person)
            if not 0 <= index < len(categories):
                return await self._stale(uow, resident, person)
            category = categories[index]
            await self._log(uow, EventKind.COMMAND, resident, detail="category")
            rows = [(Button(e.question, f"faq:{e.id}"),) for e in self._kb.in_category(category)]
            rows.append((Button(texts.BACK_TO_TOPICS, "topics"),))
            out = [Outgoing(person.chat_id, texts.category_intro(category), tuple(rows))]
            return await self._finish(uow, out)

    async def open_entry(self, person: Person, faq_id: str) -> SentBatch:
        """Answer an entry chosen from the topic menu."""
        entry = self._kb.get(faq_id)
        async with self._uow() as uow:
            resident = await self._resident(uow, person)
            if entry is None:
                return await self._stale(uow, resident, person)
            await self._log(uow, EventKind.BROWSE, resident, entry=entry)
            out = [self._answer(person.chat_id, entry, f"esc:b:{entry.id}")]
            return await self._finish(uow, out)

    async def feedback(self, person: Person, faq_id: str) -> SentBatch:
        """Record that an answer helped."""
        entry = self._kb.get(faq_id)
        async with self._uow() as uow:
            resident = await self._resident(uow, person)
            if entry is None:  # forged: never count it as feedback
                return await self._stale(uow, resident, person)
            await self._log(uow, EventKind.FEEDBACK_HELPFUL, resident, entry=entry)
            return await self._finish(uow, [Outgoing(person.chat_id, texts.feedback_thanks())])
