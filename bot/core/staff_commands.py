"""Staff commands as text, for every channel: parsing ``/claim 17`` and friends, and running them
for channels whose replies go through the outbox only (WeChat).

Telegram parses commands with PTB and calls :class:`~bot.core.staff.StaffDesk` itself, but reads
a case number with :func:`case_number` and words refusals with
:func:`~bot.core.staff_texts.refusal`, like :class:`StaffChat` here. A channel without replies to a
message (WeChat answers every callback ``success`` and writes later) hands a staff member's text
to :meth:`StaffChat.message` and a tapped menu item to :meth:`StaffChat.press`; every reply, a
refusal included, is stored in the outbox and delivered after commit.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.core import staff_texts
from bot.core.errors import DeskError, InvalidRequest, NotAllowed
from bot.core.interactions import EventKind, Interaction
from bot.core.messages import ChatRef
from bot.core.outbox import store_and_commit
from bot.core.ports import Clock, Outgoing, SentBatch, UnitOfWorkFactory
from bot.core.roster import StaffMember
from bot.core.signin import ConsoleAccess
from bot.core.staff import StaffDesk
from bot.core.texts import esc

# Chinese words staff may type instead of the commands.
ALIASES = {
    "认领": "claim",
    "回复": "answer",
    "结案": "close",
    "结束": "close",
    "待处理": "queue",
    "查看": "case",
    "值班": "duty",
    "工作台": "console",
}
DUTY_WORDS = {"on": "on", "off": "off", "开": "on", "关": "off", "上班": "on", "下班": "off"}
STAFF_COMMANDS = ("claim", "answer", "close", "queue", "case", "duty", "console", "report")
CLAIM_PREFIX = "claim:"  # the data of a new-case notice's 「认领 #N」 button


@dataclass(frozen=True, slots=True)
class StaffCommand:
    """A command line: ``name`` (claim, answer, ...), the words after it, and the text after
    the first of them, line breaks kept (an answer's body)."""

    name: str
    args: tuple[str, ...]
    rest: str


def parse_command(text: str) -> StaffCommand | None:
    """``/claim 17``, ``/answer 17 内容``, ``认领 17`` ...; None for text that is no command."""
    parts = text.split(maxsplit=1)
    if not parts:
        return None
    head, tail = parts[0], parts[1] if len(parts) > 1 else ""
    if head.startswith("/"):
        name = head[1:].split("@", 1)[0].lower()
    elif head in ALIASES:
        name = ALIASES[head]
    else:
        return None
    name = ALIASES.get(name, name)
    if not name:
        return None
    args = tuple(tail.split())
    rest = tail[len(args[0]) :].strip() if args else ""
    return StaffCommand(name, args, rest)


def case_number(args: tuple[str, ...] | list[str] | None, usage: str) -> int:
    """The case number of a command's first word (``17`` or ``#17``), else InvalidRequest.

    ASCII digits only, at most 12 ("²".isdigit() is true but int("²") fails; 20 digits overflow
    the database's integers)."""
    number = args[0].lstrip("#") if args else ""
    if not (number.isascii() and number.isdigit() and len(number) <= 12):
        raise InvalidRequest(usage)
    return int(number)


class StaffChat:
    """Staff commands and button presses from a channel that replies through the outbox."""

    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, staff: StaffDesk, console: ConsoleAccess
    ) -> None:
        self._uow, self._clock, self._staff, self._console = uow, clock, staff, console

    async def message(self, member: StaffMember, chat: ChatRef, text: str) -> SentBatch:
        """Run the command in ``text`` for ``member`` writing from ``chat``; any other text gets
        the list of commands."""
        command = parse_command(text)
        if command is None:
            return await self._say(chat, staff_texts.staff_hint())
        return await self._run(chat, lambda: self._command(member, chat, command))

    async def outsider(self, chat: ChatRef, text: str) -> SentBatch | None:
        """Someone not on the roster typed a staff command (``/claim 3``): the refusal, logged
        like Telegram's; None for anything else (the resident's question, or a Chinese word
        such as 回复 that residents use too)."""
        command = parse_command(text) if text.lstrip().startswith("/") else None
        if command is None or command.name not in STAFF_COMMANDS:
            return None
        now = self._clock.now()
        async with self._uow() as uow:
            await uow.interactions.add(Interaction(EventKind.REFUSED, now, detail=command.name))
            reply = Outgoing(chat, esc(staff_texts.refusal(NotAllowed(command.name))))
            return await store_and_commit(uow, [reply], now)

    async def press(self, member: StaffMember, chat: ChatRef, data: str) -> SentBatch:
        """A tapped button (「认领 #N」); anything else is not a staff button."""
        if not data.startswith(CLAIM_PREFIX):
            return await self._say(chat, staff_texts.staff_hint())
        usage = staff_texts.claim_usage()
        return await self._run(
            chat,
            lambda: self._staff.claim(member.id, case_number([data[len(CLAIM_PREFIX) :]], usage)),
        )

    async def _command(
        self, member: StaffMember, chat: ChatRef, command: StaffCommand
    ) -> SentBatch:
        staff, who, args = self._staff, member.id, command.args
        match command.name:
            case "claim":
                await staff.member(who, "claim", adviser_only=True)
                return await staff.claim(who, case_number(args, staff_texts.claim_usage()))
            case "answer":
                await staff.member(who, "answer", adviser_only=True)
                case_id = case_number(args, staff_texts.answer_usage())
                return await staff.answer(who, case_id, command.rest)
            case "close":
                await staff.member(who, "close", adviser_only=True)
                return await staff.close(who, case_number(args, staff_texts.close_usage()))
            case "queue":
                return await self._say(chat, await staff.queue(who))
            case "case":
                await staff.member(who, "case")
                case_id = case_number(args, staff_texts.case_usage())
                return await self._say(chat, await staff.show(who, case_id))
            case "duty":
                switch = DUTY_WORDS.get(args[0].lower(), args[0]) if args else None
                return await self._say(chat, await staff.duty(who, switch))
            case "console":
                return await self._console.request_link(who, chat)
        return await self._say(chat, staff_texts.staff_hint())

    async def _run(self, chat: ChatRef, action: Callable[[], Awaitable[SentBatch]]) -> SentBatch:
        try:
            return await action()
        except DeskError as error:
            return await self._say(chat, esc(staff_texts.refusal(error)))

    async def _say(self, chat: ChatRef, text: str) -> SentBatch:
        async with self._uow() as uow:
            return await store_and_commit(uow, [Outgoing(chat, text)], self._clock.now())
