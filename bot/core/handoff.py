"""Turning a question into a case for the legal adviser, inside a use case's unit of work.

Not a use case itself: :class:`~bot.core.desk.ResidentDesk` calls these steps in its own
transaction, so the case, its log events and every notification commit together.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from bot.core import staff_texts, texts
from bot.core.interactions import EventKind, Interaction
from bot.core.messages import ChatRef, telegram_id
from bot.core.ports import (
    Button,
    Case,
    CaseMessage,
    Clock,
    Media,
    Outgoing,
    Resident,
    UnitOfWork,
)
from bot.core.roster import Roster
from bot.core.shifts import format_next_start

ACK_QUIET = timedelta(minutes=2)


class Handoff:
    def __init__(
        self, clock: Clock, roster: Roster, case_url: Callable[[int], str | None] | None = None
    ) -> None:
        """``case_url``: the web console's page of a case, added to new-case notices."""
        self._clock, self._roster, self._case_url = clock, roster, case_url

    async def open_case(
        self,
        uow: UnitOfWork,
        resident: Resident,
        question: str,
        *,
        faq_id: str | None,
        score: float | None,
        reason: str,
        media: Media | None = None,
        flag: str | None = None,
        reply: Callable[[int, str | None], str] = texts.handed_off,
    ) -> list[Outgoing]:
        """Open a case, notify the advisers on duty (``flag``: a line marking it, such as
        🚩 疑似诈骗) and tell the resident with ``reply(case id, when advisers start)``.
        ``media``: the resident's file, passed on to the advisers with the notice."""
        now = self._clock.now()
        case = await uow.cases.open(resident.id, question, now, faq_id, score)
        await uow.cases.add_message(_resident_message(case.id, resident, now, question, media))
        await uow.interactions.add(
            Interaction(
                EventKind.HANDOFF,
                now,
                resident_id=resident.id,
                case_id=case.id,
                faq_id=faq_id,
                score=score,
                detail=reason[:64],
            )
        )
        overrides = await uow.duty.overrides(now)
        on_duty = self._roster.on_duty(now, overrides)
        out = [
            self._notice(chat, case, resident, now, media, flag)
            for member in on_duty
            for chat in member.addresses
        ]
        next_start = None
        if not on_duty:
            local_day = now.astimezone(self._roster.timezone).date()
            if resident.last_off_duty_notice != local_day:
                start = self._roster.next_shift_start(now)
                if start is not None:
                    next_start = format_next_start(now, start, self._roster.timezone)
                    await uow.residents.set_off_duty_notice(resident.id, local_day)
        if resident.chat_id is not None:
            out.insert(
                0,
                Outgoing(resident.chat_id, reply(case.id, next_start), case_id=case.id),
            )
        return out

    async def follow_up(
        self,
        uow: UnitOfWork,
        resident: Resident,
        case: Case,
        *,
        text: str | None,
        media: Media | None = None,
        flag: str | None = None,
        acknowledge: bool = True,
    ) -> list[Outgoing]:
        """Add to an open case and pass it on; ``acknowledge``: tell the resident (at most once
        in a while), unless the caller replies itself."""
        now = self._clock.now()
        recent = await uow.interactions.count_since(
            resident.id, (EventKind.FOLLOW_UP.value,), now - ACK_QUIET
        )
        await uow.cases.add_message(_resident_message(case.id, resident, now, text, media))
        await uow.interactions.add(
            Interaction(
                EventKind.FOLLOW_UP,
                now,
                resident_id=resident.id,
                case_id=case.id,
                detail=media.kind if media else None,
                text=text,
            )
        )
        out: list[Outgoing] = []
        if case.claimed_by is not None:
            targets = list(self._roster.addresses(case.claimed_by))
        else:
            on_duty = self._roster.on_duty(now, await uow.duty.overrides(now))
            targets = [chat for m in on_duty for chat in m.addresses]
        for chat in targets:
            out.append(
                Outgoing(
                    chat,
                    staff_texts.case_follow_up(case.id, resident.display_name, text, flag),
                    purpose="notify",
                    case_id=case.id,
                    media=_forwarded(media),
                )
            )
        if acknowledge and not recent and resident.chat_id is not None:
            out.insert(
                0, Outgoing(resident.chat_id, texts.follow_up_added(case.id), case_id=case.id)
            )
        return out

    def _notice(
        self,
        chat_id: ChatRef,
        case: Case,
        resident: Resident,
        now: datetime,
        media: Media | None,
        flag: str | None = None,
    ) -> Outgoing:
        text = staff_texts.case_notice(
            case.id, resident.display_name, case.question, case.opened_at, now, flag
        )
        url = self._case_url(case.id) if self._case_url else None
        return Outgoing(
            chat_id,
            text + staff_texts.console_case_link(url) if url else text,
            ((Button(f"认领 #{case.id}", f"claim:{case.id}"),),),
            purpose="notify",
            case_id=case.id,
            media=_forwarded(media),
        )


def _resident_message(
    case_id: int, resident: Resident, at: datetime, text: str | None, media: Media | None
) -> CaseMessage:
    """A resident's message in the case thread, with the channel its file belongs to."""
    return CaseMessage(
        case_id,
        "resident",
        at,
        text,
        telegram_id(resident.user_id),
        media.kind if media else None,
        media.file_id if media else None,
        media.file_channel if media else None,
        media.filename if media and media.file_id else None,
    )


def _forwarded(media: Media | None) -> Media | None:
    """The resident's file as the advisers receive it; None when there is no file to send."""
    return media if media is not None and media.file_id else None
