"""Residents' files (voice, photos, documents) for the web console, fetched through the channel.

The console never hands the browser the channel's own address for a file (a Telegram file URL
holds the bot token): it asks :class:`CaseFiles` for the bytes, which reads them through the
channel's :class:`FileSource` (Telegram's getFile today; WeChat's media API can follow).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.core.errors import DeskError
from bot.core.staff import StaffDesk

FILE_LIMIT = 20 * 1024 * 1024  # Telegram's getFile limit: bigger files cannot be fetched


class FileUnavailable(DeskError):
    """The channel could not give the file: ``too_big`` for the size limit, else ``gone``."""

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

    async def fetch(self, file_id: str, limit: int) -> FetchedFile:
        """Raises :class:`FileUnavailable` when the file is bigger than ``limit`` bytes or
        cannot be had."""
        ...


@dataclass(frozen=True, slots=True)
class CaseFile:
    kind: str  # "voice" | "photo" | "document" | ...
    content: bytes
    extension: str  # ".oga", ".jpg", ".pdf", or "" when unknown


class CaseFiles:
    """The file of message ``number`` (1-based, in thread order) of a case, for roster staff."""

    def __init__(self, staff: StaffDesk, source: FileSource, limit: int = FILE_LIMIT) -> None:
        self._staff, self._source, self._limit = staff, source, limit

    async def fetch(self, staff_id: int, case_id: int, number: int) -> CaseFile:
        thread = await self._staff.thread(staff_id, case_id)  # role check; CaseNotFound
        if not 1 <= number <= len(thread.messages):
            raise MediaNotFound(f"case #{case_id} has no message {number}")
        message = thread.messages[number - 1]
        if not (message.media_kind and message.file_id):
            raise MediaNotFound(f"message {number} of case #{case_id} has no file")
        fetched = await self._source.fetch(message.file_id, self._limit)
        if len(fetched.content) > self._limit:
            raise FileUnavailable("too_big")
        return CaseFile(message.media_kind, fetched.content, _extension(fetched.name))


def _extension(name: str) -> str:
    """The file name's extension, lower case, if it is a plain one (".jpg"), else ""."""
    _, dot, ext = name.rpartition(".")
    return f".{ext.lower()}" if dot and ext.isascii() and ext.isalnum() and len(ext) <= 8 else ""
