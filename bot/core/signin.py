"""Signing staff in to the web console: one-time links, passwords, sessions, attempt limits.

Only roster members get in, and only while they are on the roster. Every secret handed out (a
link's token, a session's cookie) is random and stored only as its SHA-256; passwords are kept
as the hashes a :class:`PasswordHasher` makes. Every sign-in, failure and sign-out is logged.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from collections import defaultdict, deque
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.core import staff_texts
from bot.core.errors import DeskError, InvalidRequest
from bot.core.interactions import EventKind, Interaction
from bot.core.messages import ChatRef
from bot.core.outbox import store_and_commit
from bot.core.ports import Clock, Outgoing, SentBatch, UnitOfWork
from bot.core.roster import Roster, StaffMember
from bot.core.staff import StaffDesk

LINK_TTL = timedelta(minutes=10)
SESSION_TTL = timedelta(hours=12)
PASSWORD_MIN = 10
PASSWORD_MAX = 256
LINK_PURPOSE = "console_link"  # the outbox rows carrying a link; their text is hidden once used
HIDDEN_LINK = "（网页工作台登录链接，已隐藏）"


class SignInFailed(DeskError):
    """A link that is unknown, used or expired, or a wrong name or password."""


class TooManyAttempts(DeskError):
    """Too many failed sign-ins from this browser or for this name; try again later."""


@dataclass(frozen=True, slots=True)
class ConsoleSession:
    member: StaffMember
    csrf: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class StoredSession:
    staff_id: int
    csrf: str
    expires_at: datetime


class ConsoleRepository(Protocol):
    async def add_link(
        self, token_hash: str, staff_id: int, at: datetime, until: datetime
    ) -> None: ...
    async def use_link(self, token_hash: str, at: datetime) -> int | None:
        """Mark an unused, unexpired link used; its staff member's id, or None."""
        ...

    async def add_session(self, token_hash: str, session: StoredSession, at: datetime) -> None: ...
    async def session(self, token_hash: str, at: datetime) -> StoredSession | None:
        """A session neither expired nor ended at ``at``."""
        ...

    async def end_session(self, token_hash: str, at: datetime) -> int | None: ...
    async def hide_links(self, chats: Sequence[ChatRef], purpose: str, marker: str) -> None:
        """Replace the text of the messages of ``purpose`` to these chats by ``marker``."""
        ...

    async def password_hash(self, staff_id: int) -> str | None: ...
    async def set_password(self, staff_id: int, password_hash: str, at: datetime) -> None: ...


class ConsoleUnitOfWork(UnitOfWork, Protocol):
    @property
    def console(self) -> ConsoleRepository: ...


class ConsoleUnitOfWorkFactory(Protocol):
    def __call__(self) -> ConsoleUnitOfWork: ...


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...
    def verify(self, password_hash: str, password: str) -> bool: ...


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class AttemptLimiter:
    """At most ``limit`` failures per key within ``window``; in memory, per process."""

    def __init__(self, limit: int, window: timedelta) -> None:
        self.limit, self.window = limit, window
        self._failures: defaultdict[str, deque[datetime]] = defaultdict(deque)

    def blocked(self, key: str, now: datetime) -> bool:
        times = self._failures.get(key)
        if not times:
            return False
        while times and times[0] <= now - self.window:
            times.popleft()
        return len(times) >= self.limit

    def fail(self, key: str, now: datetime) -> None:
        self._failures[key].append(now)


class ConsoleAccess:
    def __init__(
        self,
        uow: ConsoleUnitOfWorkFactory,
        clock: Clock,
        roster: Roster,
        staff: StaffDesk,
        hasher: PasswordHasher,
        base_url: str | None,
        reads: ConsoleUnitOfWorkFactory | None = None,
    ) -> None:
        """``reads``: units of work that only read (every page checks its session)."""
        self._uow, self._clock, self._roster, self._staff = uow, clock, roster, staff
        self._reads = reads or uow
        self._hasher, self.base_url = hasher, base_url
        self.by_source = AttemptLimiter(20, timedelta(minutes=15))
        self.by_name = AttemptLimiter(5, timedelta(minutes=15))
        self._dummy_hash: str | None = None

    def case_url(self, case_id: int) -> str | None:
        return f"{self.base_url}/cases/{case_id}" if self.base_url else None

    async def request_link(self, staff_id: int, chat: ChatRef | None = None) -> SentBatch:
        """``/console``: a one-time sign-in link, sent to the staff member's own chat where they
        asked (``chat``; by default their first: Telegram if they have it)."""
        member = await self._staff.member(staff_id, "console")
        chat = chat if chat in member.addresses else member.addresses[0]
        if self.base_url is None:
            raise InvalidRequest(staff_texts.console_off())
        token, now = secrets.token_urlsafe(32), self._clock.now()
        async with self._uow() as uow:
            # Only the digest of the token is kept; the message carrying it is hidden once
            # the link is used or a newer one is asked for.
            await uow.console.hide_links(member.addresses, LINK_PURPOSE, HIDDEN_LINK)
            await uow.console.add_link(digest(token), member.id, now, now + LINK_TTL)
            await uow.interactions.add(self._event(EventKind.CONSOLE_LINK, member, now))
            text = staff_texts.console_link(f"{self.base_url}/signin/{token}", LINK_TTL)
            out = [Outgoing(chat, text, purpose=LINK_PURPOSE)]
            return await store_and_commit(uow, out, now)

    async def redeem_link(self, token: str, source: str) -> tuple[str, ConsoleSession]:
        """Sign in with a link's token: the new session's cookie value and the session."""
        now = self._clock.now()
        self._check_limits(source, None, now)
        async with self._uow() as uow:
            staff_id = await uow.console.use_link(digest(token), now)
            member = self._roster.member(staff_id) if staff_id is not None else None
            if member is not None:
                await uow.console.hide_links(member.addresses, LINK_PURPOSE, HIDDEN_LINK)
                return await self._open(uow, member, "link", now)
            await uow.commit()  # a link of someone no longer on the roster stays used
        await self._failed(source, None, "link", now)
        raise SignInFailed("link")

    async def sign_in_password(
        self, name: str, password: str, source: str
    ) -> tuple[str, ConsoleSession]:
        now, name = self._clock.now(), name.strip()
        self._check_limits(source, name, now)
        member = next((m for m in self._roster.members if m.name == name), None)
        async with self._reads() as uow:
            stored = await uow.console.password_hash(member.id) if member else None
        # argon2 takes tens of milliseconds: off the event loop. An unknown name costs the same
        # time as a wrong password.
        right = await asyncio.to_thread(self._hasher.verify, stored or self._dummy(), password)
        if member is None or stored is None or not right:
            await self._failed(source, name, "password", now, member)
            raise SignInFailed("password")
        async with self._uow() as uow:
            return await self._open(uow, member, "password", now)

    async def current(self, cookie: str | None) -> ConsoleSession | None:
        """The live session of a cookie, if its staff member is still on the roster."""
        if not cookie:
            return None
        async with self._reads() as uow:
            stored = await uow.console.session(digest(cookie), self._clock.now())
        member = self._roster.member(stored.staff_id) if stored else None
        if stored is None or member is None:
            return None
        return ConsoleSession(member, stored.csrf, stored.expires_at)

    async def sign_out(self, cookie: str) -> None:
        now = self._clock.now()
        async with self._uow() as uow:
            staff_id = await uow.console.end_session(digest(cookie), now)
            member = self._roster.member(staff_id) if staff_id is not None else None
            if member is not None:
                await uow.interactions.add(self._event(EventKind.CONSOLE_SIGN_OUT, member, now))
            await uow.commit()

    async def set_password(self, name: str, password: str) -> StaffMember:
        """``legaldesk staff set-password NAME``."""
        member = next((m for m in self._roster.members if m.name == name.strip()), None)
        if member is None:
            raise InvalidRequest(f"名单里没有「{name}」。")
        if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
            raise InvalidRequest(f"密码至少 {PASSWORD_MIN} 个字符。")
        async with self._uow() as uow:
            hashed = await asyncio.to_thread(self._hasher.hash, password)
            await uow.console.set_password(member.id, hashed, self._clock.now())
            await uow.commit()
        return member

    # ------------------------------------------------------------ steps

    def _check_limits(self, source: str, name: str | None, now: datetime) -> None:
        if self.by_source.blocked(source, now) or (name and self.by_name.blocked(name, now)):
            raise TooManyAttempts(source)

    async def _failed(
        self,
        source: str,
        name: str | None,
        how: str,
        now: datetime,
        member: StaffMember | None = None,
    ) -> None:
        self.by_source.fail(source, now)
        if name:
            self.by_name.fail(name, now)
        async with self._uow() as uow:
            await uow.interactions.add(
                Interaction(
                    EventKind.CONSOLE_SIGN_IN_FAILED,
                    now,
                    actor_id=member.id if member else None,
                    actor_name=member.name if member else None,
                    detail=how,
                )
            )
            await uow.commit()

    async def _open(
        self, uow: ConsoleUnitOfWork, member: StaffMember, how: str, now: datetime
    ) -> tuple[str, ConsoleSession]:
        cookie, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        stored = StoredSession(member.id, csrf, now + SESSION_TTL)
        await uow.console.add_session(digest(cookie), stored, now)
        await uow.interactions.add(self._event(EventKind.CONSOLE_SIGN_IN, member, now, how))
        await uow.commit()
        return cookie, ConsoleSession(member, csrf, stored.expires_at)

    def _event(
        self, kind: EventKind, member: StaffMember, at: datetime, detail: str | None = None
    ) -> Interaction:
        return Interaction(kind, at, actor_id=member.id, actor_name=member.name, detail=detail)

    def _dummy(self) -> str:
        if self._dummy_hash is None:
            self._dummy_hash = self._hasher.hash(secrets.token_urlsafe(16))
        return self._dummy_hash
