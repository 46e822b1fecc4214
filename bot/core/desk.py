"""Residents' use cases: ask, pick a choice, give feedback, escalate, send media, look up a law.

Each public method is one use case: it opens one unit of work, records what happened in the
interaction log, stores the replies in the outbox, commits, and returns the outbox ids for the
adapter to deliver after the commit. Browsing the topic menu lives in :mod:`bot.core.topics`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from bot.core import texts
from bot.core.desk_steps import DeskPolicy
from bot.core.inbound import INBOUND, is_blank, storable
from bot.core.interactions import EventKind
from bot.core.law import Citation, parse_article_query, render_article, split_for_messages
from bot.core.matching.matcher import Action, MatchResult
from bot.core.messages import ChatRef, Media, address_of
from bot.core.ports import Arrival, Button, Outgoing, Person, Resident, SentBatch, UnitOfWork
from bot.core.scam_steps import ScamSteps
from bot.core.scams import ScamVerdict, VerdictKind
from bot.core.topics import TopicMenu

__all__ = ["INBOUND", "DeskPolicy", "ResidentDesk", "is_blank", "storable"]

MESSAGE_LIMIT = 3500
_ID = re.compile(r"[0-9]{1,12}")  # ids in callback data: ASCII digits that fit the database


_NOT_A_CHECK = ScamVerdict(VerdictKind.NOT_A_CHECK)


@dataclass(frozen=True, slots=True)
class _Reading:
    """What a resident's text says on its own: blank, a scam check's verdict, an article
    citation, or the FAQ match (each only if the steps before it do not settle the message)."""

    blank: bool = False
    verdict: ScamVerdict = _NOT_A_CHECK
    citation: Citation | None = None
    match: MatchResult | None = None


def _number(text: str) -> int | None:
    return int(text) if _ID.fullmatch(text) else None


class ResidentDesk(TopicMenu, ScamSteps):
    """What residents can do. Stateless apart from its collaborators.

    The topic menu's use cases come from :class:`~bot.core.topics.TopicMenu`, the scam check
    from :class:`~bot.core.scam_steps.ScamSteps`, the shared steps from
    :class:`~bot.core.desk_steps.ResidentSteps`.
    """

    async def ask(self, person: Person, text: str, *, forwarded: bool = False) -> SentBatch:
        """Answer a resident's free-text message: a scam check, FAQ, choices, small talk, or the
        adviser. ``forwarded``: the resident forwarded the message from elsewhere."""
        text = storable(text)
        reading = self._read(text, forwarded)
        async with self._uow() as uow:
            arrival = await self._arrive(uow, person)
            resident = arrival.resident
            if self._flooding(arrival):
                return await self._flood(uow, resident, person, text)
            if reading.blank:  # whitespace, zero-width or bidi marks only: not for the adviser
                await self._log(uow, EventKind.MEDIA, resident, detail="blank")
                return await self._finish(uow, [Outgoing(person.chat_id, texts.not_understood())])
            verdict = reading.verdict
            if self._scam_first(verdict, forwarded):
                out = await self._scam_check(uow, arrival, person, text, verdict)
                return await self._finish(uow, out)
            case = arrival.case
            if case is not None:
                out = await self._handoff.follow_up(uow, resident, case, text=text)
                return await self._finish(uow, out)
            if reading.citation is not None:
                out = await self._law(uow, resident, person.chat_id, reading.citation, text)
                return await self._finish(uow, out)
            result = reading.match
            assert result is not None  # matched whenever neither of the above answers
            if verdict.is_check and result.action not in (Action.ANSWER, Action.CLARIFY):
                out = await self._scam_check(uow, arrival, person, text, verdict)
                return await self._finish(uow, out)
            out = await self._decide(uow, resident, person, text, result)
            return await self._finish(uow, out)

    def _read(self, text: str, forwarded: bool) -> _Reading:
        """Everything ``ask`` may need to know about the text itself. Pure CPU, so it runs before
        the unit of work opens: other chats' transactions (SQLite's single writer, PostgreSQL's
        pooled connections) do not wait for it. The resident's state decides later which part
        counts (a message during an open case or over the flood limit is matched but not
        answered from the FAQ)."""
        if is_blank(text):
            return _Reading(blank=True)
        verdict = self._scam_verdict(text, forwarded)
        if self._scam_first(verdict, forwarded):
            return _Reading(verdict=verdict)
        citation = parse_article_query(text)
        if citation is not None:
            return _Reading(verdict=verdict, citation=citation)
        return _Reading(verdict=verdict, match=self._matcher.match(text))

    async def pick(self, person: Person, question_id: int, faq_id: str) -> SentBatch:
        """Answer the entry a resident picked among the offered choices."""
        entry = self._kb.get(faq_id)
        async with self._uow() as uow:
            resident = await self._resident(uow, person)
            asked = await uow.interactions.question_text(question_id, resident.id)
            if entry is None or asked is None:
                return await self._stale(uow, resident, person)
            await self._log(uow, EventKind.FAQ_ANSWER, resident, entry=entry, detail="clarify")
            out = [self._answer(person.chat_id, entry, f"esc:{question_id}")]
            return await self._finish(uow, out)

    async def press(self, person: Person, data: str) -> SentBatch:
        """Act on a resident's button. Callback data is untrusted: anything unknown is stale."""
        kind, _, rest = data.partition(":")
        question, _, faq_id = rest.partition(":")
        if kind == "topics":
            return await self.topics(person)
        if kind == "cat" and (index := _number(rest)) is not None:
            return await self.open_category(person, index)
        if kind == "faq" and rest:
            return await self.open_entry(person, rest)
        if kind == "fb" and rest:
            return await self.feedback(person, rest)
        if kind == "pick" and (question_id := _number(question)) is not None and faq_id:
            return await self.pick(person, question_id, faq_id)
        if kind == "scam" and (event_id := _number(rest)) is not None:
            return await self.ask_adviser_about(person, event_id)
        if kind == "esc" and question == "b" and faq_id:
            return await self.escalate(person, None, faq_id)
        if kind == "esc" and (question_id := _number(rest)) is not None:
            return await self.escalate(person, question_id, None)
        return await self.stale_button(person)

    async def stale_button(self, person: Person) -> SentBatch:
        """Reply to a button whose data is unknown, forged or outdated."""
        async with self._uow() as uow:
            return await self._stale(uow, await self._resident(uow, person), person)

    async def escalate(
        self, person: Person, question_id: int | None, faq_id: str | None
    ) -> SentBatch:
        """Hand the resident's question to the adviser after 「没解决」 or 「都不是」."""
        entry = self._kb.get(faq_id) if faq_id else None
        async with self._uow() as uow:
            resident = await self._resident(uow, person)
            if question_id is not None:
                question = await uow.interactions.question_text(question_id, resident.id)
            else:
                question = entry.question if entry else None
            if question is None:
                return await self._stale(uow, resident, person)
            await self._log(uow, EventKind.FEEDBACK_NOT_HELPFUL, resident, entry=entry)
            existing = await uow.cases.active_for(resident.id)
            if existing is not None:
                out = await self._handoff.follow_up(uow, resident, existing, text=question)
            else:
                out = await self._handoff.open_case(
                    uow, resident, question, faq_id=faq_id, score=None, reason="not_solved"
                )
            return await self._finish(uow, out)

    async def media(
        self,
        person: Person,
        kind: str,
        file_id: str | None,
        caption: str,
        *,
        filename: str | None = None,
    ) -> SentBatch:
        """Forward voice, photos and documents to the adviser as (part of) a case. ``file_id`` is
        the file's id on the person's own channel (a Telegram file id, a WeChat MediaId);
        ``filename`` its own name when the channel gives one."""
        caption = storable(caption)
        async with self._uow() as uow:
            arrival = await self._arrive(uow, person)
            resident = arrival.resident
            if self._flooding(arrival):
                return await self._flood(uow, resident, person, caption)
            await self._log(uow, EventKind.MEDIA, resident, detail=kind)
            forwardable = kind in {"voice", "audio", "photo", "document", "video", "video_note"}
            if not forwardable:
                return await self._finish(uow, [Outgoing(person.chat_id, texts.not_understood())])
            channel = address_of(person.chat_id).channel
            media = Media(kind, file_id=file_id, filename=filename, channel=channel)
            case = arrival.case
            if case is not None:
                out = await self._handoff.follow_up(
                    uow, resident, case, text=caption or None, media=media
                )
            else:
                question = caption or f"（{texts.media_label(kind)}）"
                out = await self._handoff.open_case(
                    uow, resident, question, faq_id=None, score=None, reason="media", media=media
                )
            return await self._finish(uow, out)

    async def lookup_law(self, person: Person, query: str) -> SentBatch:
        """Reply with the text of a law article (/law)."""
        query = storable(query)
        async with self._uow() as uow:
            resident = await self._resident(uow, person)
            if not query.strip():
                await self._log(uow, EventKind.COMMAND, resident, detail="law")
                return await self._finish(uow, [Outgoing(person.chat_id, texts.law_usage())])
            citation = parse_article_query(query)
            if citation is None:
                await self._log(uow, EventKind.LAW_LOOKUP, resident, detail="not_found")
                out = [Outgoing(person.chat_id, texts.law_not_found(query))]
            else:
                out = await self._law(uow, resident, person.chat_id, citation, query)
            return await self._finish(uow, out)

    # ------------------------------------------------------------ steps

    async def _decide(
        self, uow: UnitOfWork, resident: Resident, person: Person, text: str, result: MatchResult
    ) -> list[Outgoing]:
        chat = person.chat_id
        if result.action is Action.SMALLTALK:
            await self._log(uow, EventKind.SMALLTALK, resident, detail=result.smalltalk)
            return [Outgoing(chat, texts.smalltalk(result.smalltalk))]
        best = self._kb.get(result.best.faq_id) if result.best else None
        question = self._event(
            EventKind.QUESTION,
            resident,
            entry=best,
            score=result.score,
            detail=result.action.value,
            text=text,
        )
        if result.action is Action.ANSWER and best is not None:
            answer = self._event(EventKind.FAQ_ANSWER, resident, entry=best, score=result.score)
            question_id = await uow.interactions.add_question(question, answer)
            return [self._answer(chat, best, f"esc:{question_id}")]
        if result.action is Action.CLARIFY and result.candidates:
            clarify = self._event(EventKind.CLARIFY, resident, entry=best, score=result.score)
            question_id = await uow.interactions.add_question(question, clarify)
            rows = [
                (Button(c.question, f"pick:{question_id}:{c.faq_id}"),) for c in result.candidates
            ]
            rows.append((Button(texts.NONE_OF_THESE, f"esc:{question_id}"),))
            return [Outgoing(chat, texts.clarify(), tuple(rows))]
        await uow.interactions.add(question)
        return await self._handoff.open_case(
            uow,
            resident,
            text,
            faq_id=best.id if best else None,
            score=result.score,
            reason=result.reason or "no_match",
        )

    async def _law(
        self, uow: UnitOfWork, resident: Resident, chat_id: ChatRef, citation: object, query: str
    ) -> list[Outgoing]:
        article = self._laws.lookup(citation.law, citation.number)  # type: ignore[attr-defined]
        if article is None:
            await self._log(uow, EventKind.LAW_LOOKUP, resident, detail="not_found")
            return [Outgoing(chat_id, texts.law_not_found(query))]
        await self._log(uow, EventKind.LAW_LOOKUP, resident, detail=article.citation[:64])
        chunks = split_for_messages(render_article(article), limit=MESSAGE_LIMIT)
        return [Outgoing(chat_id, texts.esc(chunk)) for chunk in chunks]

    def _flooding(self, arrival: Arrival) -> bool:
        """More messages in the last minute (before this one) than the policy allows."""
        return arrival.recent >= self._policy.flood_per_minute

    async def _flood(
        self, uow: UnitOfWork, resident: Resident, person: Person, text: str
    ) -> SentBatch:
        since = self._clock.now() - timedelta(minutes=1)
        warned = await uow.interactions.count_since(resident.id, (EventKind.FLOOD.value,), since)
        await self._log(uow, EventKind.FLOOD, resident, text=text or None)
        out = [] if warned else [Outgoing(person.chat_id, texts.flood_notice())]
        return await self._finish(uow, out)
