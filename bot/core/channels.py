"""What every channel shares beyond the desk's use cases: messages held for a person.

A channel may refuse a message for now (WeChat only lets an account write within 48 hours of the
person's last message). The courier then keeps it ``held``; when the person writes again the
adapter calls :meth:`ChannelDesk.release`, which puts a short note in the outbox and returns the
note and the held messages, in order, for the courier to deliver.
"""

from __future__ import annotations

from bot.core import staff_texts, texts
from bot.core.ports import Address, Clock, Outgoing, Person, UnitOfWorkFactory


class ChannelDesk:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def release(self, chat: Address, *, staff: bool = False) -> list[int]:
        """Outbox ids to deliver now: a note, then what was held for ``chat`` (none if nothing);
        ``staff``: the chat is a staff member's, whose note speaks of notifications."""
        now = self._clock.now()
        async with self._uow() as uow:
            held = await uow.outbox.release_held(chat, now)
            if not held:
                return []
            text = staff_texts.held_notices_note() if staff else texts.held_answers_note()
            note = await uow.outbox.put(Outgoing(chat, text), now)
            await uow.commit()
        return [note, *(p.outgoing.id for p in held if p.outgoing.id is not None)]

    async def unfollowed(self, chat: Address) -> None:
        """The person left the channel (WeChat unsubscribe): nothing more can reach them."""
        now = self._clock.now()
        async with self._uow() as uow:
            resident = await uow.residents.get_or_create(Person(chat, chat, ""), now)
            await uow.residents.mark_unreachable(resident.id, now)
            await uow.commit()
