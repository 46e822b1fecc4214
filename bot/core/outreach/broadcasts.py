"""The office's side of outreach: preview a theme, queue it now, or queue the themes that are due.

Queuing is one unit of work: one broadcast row and one outbox message per reachable subscriber.
A theme is queued once (the database's unique theme), whoever asks and however often.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.core.errors import InvalidRequest
from bot.core.outreach import texts
from bot.core.outreach.ports import BroadcastInfo, OutreachUnitOfWorkFactory
from bot.core.outreach.themes import Theme, Themes
from bot.core.ports import Button, Clock

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Preview:
    theme: Theme
    text: str  # the message as residents will see it (Telegram HTML)
    subscribers: int  # who would receive it now
    queued: BroadcastInfo | None  # set if the theme was queued already


@dataclass(frozen=True, slots=True)
class Queued:
    theme: Theme
    broadcast: BroadcastInfo
    new: bool  # False: it had been queued before, nothing was added


def message_text(theme: Theme) -> str:
    return texts.broadcast(theme.month, theme.title, theme.message)


def message_buttons(theme: Theme) -> tuple[tuple[Button, ...], ...]:
    return (
        (Button(texts.LEARN_MORE, texts.LEARN_MORE_PREFIX + theme.month),),
        (Button(texts.UNSUBSCRIBE, texts.UNSUBSCRIBE_DATA),),
    )


class BroadcastDesk:
    def __init__(self, uow: OutreachUnitOfWorkFactory, clock: Clock, themes: Themes) -> None:
        self._uow, self._clock, self._themes = uow, clock, themes

    @property
    def themes(self) -> Themes:
        return self._themes

    def theme(self, month: str) -> Theme:
        theme = self._themes.get(month.strip())
        if theme is None:
            known = "、".join(t.month for t in self._themes) or "（没有）"
            raise InvalidRequest(f"没有 {month} 这个主题。已有的主题：{known}")
        return theme

    async def preview(self, month: str) -> Preview:
        """What would be sent, and to how many; sends and stores nothing."""
        theme = self.theme(month)
        async with self._uow() as uow:
            subscribers = await uow.subscriptions.count_reachable()
            queued = await uow.broadcasts.find(theme.month)
        return Preview(theme, message_text(theme), subscribers, queued)

    async def queue(self, month: str, origin: str = "command") -> Queued:
        """Queue the theme for every reachable subscriber now (once; a repeat adds nothing)."""
        theme = self.theme(month)
        async with self._uow() as uow:
            made = await uow.broadcasts.queue(
                theme.month,
                theme.title,
                message_text(theme),
                message_buttons(theme),
                self._clock.now(),
                origin,
            )
            if made is not None:
                await uow.commit()
                log.info("theme %s queued for %d subscribers", theme.month, made.recipients)
                return Queued(theme, made, new=True)
        async with self._uow() as uow:  # queued before (or concurrently)
            existing = await uow.broadcasts.find(theme.month)
        assert existing is not None
        return Queued(theme, existing, new=False)

    async def queue_due(self) -> list[Queued]:
        """Queue every theme whose send time has come and that is not queued yet (the job)."""
        now = self._clock.now()
        done = []
        for theme in self._themes.due(now):
            async with self._uow() as uow:
                if await uow.broadcasts.find(theme.month) is not None:
                    continue
            done.append(await self.queue(theme.month, origin="schedule"))
        return [q for q in done if q.new]
