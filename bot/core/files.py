"""Residents' files (voice, photos, documents), fetched through the channel that gave their id.

A file id means something only to its own channel (a Telegram file id to the Bot API, a WeChat
MediaId to WeChat's ``media/get``), so each channel attaches its :class:`FileSource` to
:class:`FileSources`, as each attaches its transport: the web console shows a case's files
through :class:`CaseFiles`, and a channel that cannot send another channel's file by id (Telegram
receiving a WeChat voice) fetches the bytes there and uploads them. The browser never sees a
channel's own address for a file (a Telegram file URL holds the bot token).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.core.cases import CaseMessage
from bot.core.errors import DeskError
from bot.core.staff import StaffDesk

FILE_LIMIT = 20 * 1024 * 1024  # Telegram's getFile limit: bigger files cannot be fetched


class FileUnavailable(DeskError):
    """The channel could not give the file. ``reason``: ``too_big`` (over the size limit),
    ``expired`` (the channel no longer keeps it: WeChat's temporary media last three days) or
    ``gone`` (anything else: refused, network, no such channel running)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class MediaNotFound(DeskError):
    """The case has no file under that number."""


@dataclass(frozen=True, slots=True)
class FetchedFile:
    content: bytes
    name: str  # the channel's file name ("file_3.oga"): its extension tells the type


class FileSource(Protocol):
    """A channel's file API: the bytes of a file it gave the desk an id for."""

    # How long the channel keeps a file; None when it keeps it as long as the desk needs it.
    lifetime: timedelta | None

    async def fetch(self, file_id: str, limit: int) -> FetchedFile:
        """Raises :class:`FileUnavailable` when the file is bigger than ``limit`` bytes or
        cannot be had."""
        ...


class FileSources:
    """One :class:`FileSource` per channel: each file is fetched from the channel of its id."""

    def __init__(self) -> None:
        self._by_channel: dict[str, FileSource] = {}

    def attach(self, channel: str, source: FileSource) -> None:
        self._by_channel[channel] = source

    async def fetch(self, channel: str, file_id: str, limit: int = FILE_LIMIT) -> FetchedFile:
        source = self._by_channel.get(channel)
        if source is None:  # a channel this process does not run
            raise FileUnavailable("gone")
        fetched = await source.fetch(file_id, limit)
        if len(fetched.content) > limit:
            raise FileUnavailable("too_big")
        return fetched

    def expired(self, channel: str, sent_at: datetime, now: datetime) -> bool:
        """Whether the channel has certainly dropped a file sent at ``sent_at`` by ``now``."""
        source = self._by_channel.get(channel)
        lifetime = source.lifetime if source is not None else None
        return lifetime is not None and sent_at + lifetime <= now


@dataclass(frozen=True, slots=True)
class CaseFile:
    kind: str  # "voice" | "photo" | "document" | ...
    content: bytes
    extension: str  # ".oga", ".jpg", ".amr", ".pdf", or "" when unknown


class CaseFiles:
    """The file of message ``number`` (1-based, in thread order) of a case, for roster staff."""

    def __init__(self, staff: StaffDesk, sources: FileSources, limit: int = FILE_LIMIT) -> None:
        self._staff, self._sources, self._limit = staff, sources, limit

    async def fetch(self, staff_id: int, case_id: int, number: int) -> CaseFile:
        thread = await self._staff.thread(staff_id, case_id)  # role check; CaseNotFound
        if not 1 <= number <= len(thread.messages):
            raise MediaNotFound(f"case #{case_id} has no message {number}")
        message = thread.messages[number - 1]
        if not (message.media_kind and message.file_id and message.file_channel):
            raise MediaNotFound(f"message {number} of case #{case_id} has no file")
        fetched = await self._sources.fetch(message.file_channel, message.file_id, self._limit)
        name = fetched.name if extension_of(fetched.name) else (message.file_name or "")
        return CaseFile(message.media_kind, fetched.content, extension_of(name))

    def expired(self, message: CaseMessage, now: datetime) -> bool:
        """Whether the message's file is certainly gone from its channel (WeChat: 3 days)."""
        channel = message.file_channel
        return bool(message.file_id and channel) and self._sources.expired(
            channel or "", message.at, now
        )


def extension_of(name: str) -> str:
    """The file name's extension, lower case, if it is a plain one (".jpg"), else ""."""
    _, dot, ext = name.rpartition(".")
    return f".{ext.lower()}" if dot and ext.isascii() and ext.isalnum() and len(ext) <= 8 else ""
