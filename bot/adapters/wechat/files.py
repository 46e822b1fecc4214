"""WeChat's temporary media (临时素材) behind :class:`bot.core.files.FileSource`: ``media/get``.

A resident's voice, image or file reaches the desk as a MediaId; its bytes are fetched with the
shared access token (a refused token is replaced and the call tried once more). WeChat keeps
temporary media three days: after that ``media/get`` answers 40007 (invalid media_id), which
becomes ``expired``. Errors are logged by code only: the URL carries the access token.
"""

from __future__ import annotations

import logging
import mimetypes
from collections.abc import Mapping
from datetime import timedelta
from email.message import Message

import requests
from wechatpy.exceptions import WeChatClientException

from bot.adapters.wechat.client import WeChatApi
from bot.adapters.wechat.transport import TOKEN_ERRORS
from bot.core.files import FetchedFile, FileUnavailable, extension_of

log = logging.getLogger(__name__)

INVALID_MEDIA_ID = 40007
# Extensions for WeChat's content types the standard table lacks (its voice is AMR or Speex).
EXTENSIONS = {"audio/amr": ".amr", "audio/speex": ".speex", "image/jpeg": ".jpg"}


class WeChatFiles:
    """Fetches a MediaId's bytes; WeChat keeps them ``lifetime`` after the resident sent them."""

    lifetime: timedelta | None = timedelta(days=3)

    def __init__(self, api: WeChatApi) -> None:
        self._api = api

    async def fetch(self, file_id: str, limit: int) -> FetchedFile:
        for _ in range(2):  # a second try only with a fresh token
            try:
                token = await self._api.token()
            except (WeChatClientException, requests.RequestException) as error:
                log.warning("no WeChat access token: %s", type(error).__name__)
                raise FileUnavailable("gone") from None
            try:
                response = await self._api.call(token, "media.download", file_id)
            except WeChatClientException as error:
                if error.errcode in TOKEN_ERRORS:
                    await self._api.refused(token)
                    continue
                log.warning("WeChat media/get refused: errcode %s", error.errcode)
                raise FileUnavailable(
                    "expired" if error.errcode == INVALID_MEDIA_ID else "gone"
                ) from None
            except requests.RequestException as error:
                log.warning("WeChat media/get failed: %s", type(error).__name__)
                raise FileUnavailable("gone") from None
            if not isinstance(response, requests.Response):  # JSON without an errcode
                raise FileUnavailable("gone")
            if len(response.content) > limit:
                raise FileUnavailable("too_big")
            return FetchedFile(response.content, _name(file_id, response.headers))
        raise FileUnavailable("gone")


def _name(media_id: str, headers: Mapping[str, str]) -> str:
    """The file name WeChat gives in Content-Disposition, else the MediaId with the extension of
    the content type."""
    header = Message()
    header["content-disposition"] = headers.get("Content-Disposition", "")
    name = (header.get_filename() or "").replace("\\", "/").rsplit("/", 1)[-1]
    if extension_of(name):
        return name
    content_type = headers.get("Content-Type", "").split(";")[0].strip().lower()
    extension = EXTENSIONS.get(content_type) or mimetypes.guess_extension(content_type) or ""
    return f"{media_id[:32]}{extension}"
