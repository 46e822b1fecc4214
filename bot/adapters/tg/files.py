"""The Telegram file API behind :class:`bot.core.files.FileSource`: getFile, then the download.

PTB's ``File.file_path`` is the full download URL, token included: only its last part (the file
name) leaves this module, and errors are logged by class name only.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from urllib.parse import urlsplit

from telegram import Bot
from telegram.error import BadRequest, TelegramError

from bot.core.files import FetchedFile, FileUnavailable

log = logging.getLogger(__name__)


class TelegramFiles:
    """Telegram keeps a file as long as its id is stored: no lifetime."""

    lifetime: timedelta | None = None

    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def fetch(self, file_id: str, limit: int) -> FetchedFile:
        try:
            file = await self._bot.get_file(file_id)
            if file.file_size is not None and file.file_size > limit:
                raise FileUnavailable("too_big")
            content = await file.download_as_bytearray()
        except BadRequest as exc:
            too_big = "too big" in exc.message.lower()
            log.warning("getFile refused: %s", "too big" if too_big else type(exc).__name__)
            raise FileUnavailable("too_big" if too_big else "gone") from None
        except TelegramError as exc:
            log.warning("file download failed: %s", type(exc).__name__)
            raise FileUnavailable("gone") from None
        if len(content) > limit:
            raise FileUnavailable("too_big")
        name = urlsplit(file.file_path or "").path.rsplit("/", 1)[-1]
        return FetchedFile(bytes(content), name)
