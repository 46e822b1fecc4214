"""Stored WeChat callbacks → the desk's use cases, one sender at a time, each processed once.

Text goes to ``ask`` (a tapped msgmenu item, ``bizmsgmenuid``, to ``press`` like a Telegram
button: untrusted, a stale one gets the stale-button reply); voice with WeChat's
``Recognition`` is asked as text, other voice, images and files open (or follow up) a case for
the adviser, carrying the MediaId (a file's title, a voice's format as its name) so the adviser
gets the file itself, fetched through WeChat's ``media/get``;
anything else gets a polite reply. ``subscribe`` is ``/start``; ``unsubscribe`` marks the resident
unreachable; a custom-menu ``CLICK`` is a button press. Before a message is handled, what was held
for its sender (48-hour rule) is delivered with a short note.

A sender whose openid is on the roster is staff, never a resident: their text is a staff command
and a tapped msgmenu item (「认领 #N」) a staff button (:class:`~bot.core.staff_commands.StaffChat`,
the same use cases as Telegram's commands, role-checked there); anything else gets the list of
commands. Anyone else typing a staff command (``/claim 3``) is refused politely, as on Telegram.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import zlib
from collections.abc import AsyncIterator
from datetime import timedelta

import xmltodict
from wechatpy import parse_message

from bot.app import Services
from bot.core.channels import ChannelDesk
from bot.core.messages import WECHAT
from bot.core.ports import Address, Person, SentBatch
from bot.core.roster import StaffMember
from bot.core.staff_commands import StaffChat
from bot.storage.channel_store import ChannelItem, SqlChannelStore
from bot.storage.tickets import AlreadyProcessed, Ticket, current_update

log = logging.getLogger(__name__)

# Several instances on one PostgreSQL: a sender is answered by one instance at a time (an advisory
# lock, keyed apart from Telegram's chat ids). Waiting for another instance to finish with the
# sender is checked this often, for at most this long (then this instance goes ahead: each
# callback is still processed once, by its mark).
SENDER_RECHECK_SECONDS = 0.05
SENDER_PATIENCE_SECONDS = 30.0
# A callback still unanswered this long after it was stored was left by an instance that died;
# every instance looks for such callbacks this often (``sweep``).
ORPHAN_AFTER = timedelta(seconds=30)
SWEEP_EVERY_SECONDS = 10.0


def sender_lock_key(openid: str) -> int:
    return -(1 << 62) + zlib.crc32(openid.encode())


# The custom menu's CLICK keys (``legaldesk wechat menu``) and the desk command each starts.
MENU_COMMANDS = {"help": "help", "privacy": "privacy"}


class WeChatIntake:
    def __init__(self, services: Services, store: SqlChannelStore) -> None:
        self._services, self._store = services, store
        self._channel = ChannelDesk(services.uow, services.clock)
        self._staff = StaffChat(services.uow, services.clock, services.staff, services.console)
        self._locks: dict[str, asyncio.Lock] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def accept(self, item: ChannelItem) -> None:
        """Store a callback (before WeChat is answered) and process it in the background."""
        if await self._store.store(item, self._services.clock.now()):
            self._spawn(item)

    async def resume(self) -> None:
        """Process what was stored but not processed before a stop or crash."""
        for item in await self._store.pending():
            self._spawn(item)

    async def sweep(self) -> None:
        """Answer callbacks left unanswered by an instance that died (stored more than
        ``ORPHAN_AFTER`` ago), for senders not being answered here; a sender another instance is
        answering waits for its turn."""
        before = self._services.clock.now() - ORPHAN_AFTER
        left = {item.sender: item for item in await self._store.pending(before=before)}
        for sender, item in left.items():
            if sender not in self._locks:
                self._spawn(item)

    async def sweeping(self) -> None:
        """``sweep`` every ``SWEEP_EVERY_SECONDS`` until cancelled (several instances only)."""
        while True:
            await asyncio.sleep(SWEEP_EVERY_SECONDS)
            try:
                await self.sweep()
            except Exception:  # the database may be away for a while: look again later
                log.exception("looking for unanswered WeChat callbacks failed")

    async def drain(self) -> None:
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def _spawn(self, item: ChannelItem) -> None:
        task = asyncio.create_task(self._process(item))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _process(self, item: ChannelItem) -> None:
        lock = self._locks.setdefault(item.sender, asyncio.Lock())
        async with lock, self._sender_held(item.sender):
            # The sender's callbacks stored by any instance, oldest first: this one among them,
            # unless it was answered meanwhile.
            for pending in await self._store.pending(item.sender):
                await self._answer(pending)
        if not lock.locked() and self._locks.get(item.sender) is lock:
            del self._locks[item.sender]

    @contextlib.asynccontextmanager
    async def _sender_held(self, sender: str) -> AsyncIterator[None]:
        """This instance's turn to answer ``sender`` (always granted to a sole instance)."""
        locks, key = self._services.instance.locks, sender_lock_key(sender)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + SENDER_PATIENCE_SECONDS
        held = await locks.claim_chat(key)
        if not held:
            log.info("a WeChat sender is being answered by another instance: waiting")
        while not held and loop.time() < deadline:
            await asyncio.sleep(SENDER_RECHECK_SECONDS)
            held = await locks.claim_chat(key)
        try:
            yield
        finally:
            if held:
                await locks.release_chat(key)

    async def _answer(self, item: ChannelItem) -> None:
        try:
            await self._handle(item)
        except AlreadyProcessed:  # another process (or an earlier life) answered it
            pass
        except Exception as error:  # one bad message must not stop the others
            log.exception("WeChat callback failed")
            await self._store.settle(item.key, self._services.clock.now(), repr(error))
            return
        await self._store.settle(item.key, self._services.clock.now())

    async def _handle(self, item: ChannelItem) -> None:
        fields = item.payload
        chat = Address(WECHAT, item.sender)
        person = Person(chat, chat, "")
        courier = self._services.courier
        message = parse_message(xmltodict.unparse({"xml": fields}))
        member = self._services.settings.roster.member_at(chat)
        if message.type == "event" and getattr(message, "event", "") == "unsubscribe":
            if member is None:
                await self._channel.unfollowed(chat)
            return
        await courier.deliver(await self._channel.release(chat, staff=member is not None))
        # The use case's transaction marks the callback processed with its effects: after a
        # crash it is either answered and marked, or neither (and processed on restart).
        ticket = current_update.set(Ticket(item.key, self._services.clock.now()))
        try:
            if member is not None:
                batch = await self._staff_dispatch(member, chat, message, fields)
            else:
                batch = await self._dispatch(person, message, fields)
        finally:
            current_update.reset(ticket)
        if batch is not None:
            await courier.deliver(batch)

    async def _dispatch(
        self, person: Person, message: object, fields: dict[str, str]
    ) -> SentBatch | None:
        desk = self._services.desk
        kind = getattr(message, "type", "unknown")
        if kind == "text":
            if fields.get("bizmsgmenuid"):
                return await desk.press(person, fields["bizmsgmenuid"])
            text = fields.get("Content", "")
            refused = await self._staff.outsider(person.chat_id, text)
            return refused if refused is not None else await desk.ask(person, text)
        media_id = _media_id(fields)
        if kind == "voice":
            recognition = (fields.get("Recognition") or "").strip()
            if recognition:
                return await desk.ask(person, recognition)
            fmt = str(fields.get("Format") or "").strip().lower()
            name = f"voice.{fmt}" if fmt.isascii() and fmt.isalnum() else None
            return await desk.media(person, "voice", media_id, "", filename=name)
        if kind == "image":
            return await desk.media(person, "photo", media_id, "")
        if kind == "unknown" and fields.get("MsgType") == "file":
            title = str(fields.get("Title") or "")
            name = title.replace("\\", "/").rsplit("/", 1)[-1][-64:] or None
            return await desk.media(person, "document", media_id, title, filename=name)
        if kind == "event":
            event = getattr(message, "event", "")
            if event in ("subscribe", "subscribe_scan"):
                return await desk.start(person)
            if event == "click":
                key = fields.get("EventKey", "")
                if key == "law":
                    return await desk.lookup_law(person, "")
                if key in MENU_COMMANDS:
                    return await desk.start(person, MENU_COMMANDS[key])
                return await desk.press(person, key)
            return None  # VIEW and other events need no answer
        return await desk.media(person, kind, None, "")  # location, link, video ...: polite reply

    async def _staff_dispatch(
        self, member: StaffMember, chat: Address, message: object, fields: dict[str, str]
    ) -> SentBatch | None:
        kind = getattr(message, "type", "unknown")
        if kind == "text":
            if fields.get("bizmsgmenuid"):
                return await self._staff.press(member, chat, fields["bizmsgmenuid"])
            return await self._staff.message(member, chat, fields.get("Content", ""))
        if kind == "event" and getattr(message, "event", "") not in ("subscribe", "click"):
            return None  # VIEW and other events need no answer
        return await self._staff.message(member, chat, "")  # the list of commands


def _media_id(fields: dict[str, str]) -> str | None:
    """The callback's MediaId, if it has a usable one (WeChat's are 64 characters or so)."""
    media_id = str(fields.get("MediaId") or "").strip()
    return media_id if 0 < len(media_id) <= 256 and media_id.isprintable() else None
