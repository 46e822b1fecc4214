"""Residents' voice messages, photos and documents, served by the console itself.

The bytes come through the channel's file API on the server (:class:`bot.core.files.CaseFiles`);
the browser only ever sees ``/cases/N/media/M``: never the bot token or Telegram's file URL.
Voice, audio, video and common image types play or show inline; everything else (documents,
unknown types) is a download, so no file a resident sends can run as a page of the console.
"""

from __future__ import annotations

import logging

from aiohttp import web

from bot.adapters.web.common import UPLOAD_LIMIT, failure, render, services_of, staff_page
from bot.core.errors import DeskError
from bot.core.files import FILE_LIMIT, FileUnavailable, MediaNotFound
from bot.core.ports import Media
from bot.core.signin import ConsoleSession

log = logging.getLogger(__name__)

MEDIA = r"/cases/{case_id:\d{1,12}}/media/{number:\d{1,6}}"
INLINE = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".gif": "image/gif",
    ".oga": "audio/ogg",
    ".ogg": "audio/ogg",
    ".opus": "audio/ogg",
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".wav": "audio/wav",
    ".mp4": "video/mp4",
}
DOWNLOADS = {
    ".pdf": "application/pdf",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".jpg": "image/jpeg",
    ".png": "image/png",
    ".zip": "application/zip",
}
DEFAULT_EXTENSION = {"voice": ".oga", "photo": ".jpg", "video": ".mp4", "video_note": ".mp4"}
PHOTO_SIGNATURES = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")  # JPEG, PNG: sent as photos
SHOWN = {"voice", "audio", "photo", "video", "video_note"}  # kinds shown in the page itself


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get(MEDIA, media)


def media_url(case_id: int, number: int) -> str:
    return f"/cases/{case_id}/media/{number}"


def _gone(request: web.Request, reason: str) -> web.Response:
    if reason == "too_big":
        text = (
            f"这个文件超过 {FILE_LIMIT // (1024 * 1024)} MB，网页上打不开，请在 Telegram 里查看。"
        )
    else:
        text = "暂时取不到这个文件（可能已过期或网络不通），请稍后再试，或在 Telegram 里查看。"
    return render(request, "error.html", {"title": "文件打不开", "message": text}, status=502)


@staff_page
async def media(request: web.Request, session: ConsoleSession) -> web.StreamResponse:
    services = services_of(request)
    case_id, number = int(request.match_info["case_id"]), int(request.match_info["number"])
    try:
        files = services.files
    except RuntimeError:
        log.warning("no file source attached: cannot show case files")
        return _gone(request, "gone")
    try:
        file = await files.fetch(session.member.id, case_id, number)
    except MediaNotFound:
        message = "这个问题里没有这个附件。"
        return render(request, "error.html", {"title": "出错了", "message": message}, status=404)
    except FileUnavailable as error:
        return _gone(request, error.reason)
    except DeskError as error:
        return failure(request, error)
    extension = file.extension or DEFAULT_EXTENSION.get(file.kind, "")
    name = f"case-{case_id}-{number}{extension}"
    if file.kind in SHOWN and extension in INLINE:
        content_type, disposition = INLINE[extension], f'inline; filename="{name}"'
    else:
        content_type = DOWNLOADS.get(extension, "application/octet-stream")
        disposition = f'attachment; filename="{name}"'
    return web.Response(
        body=file.content,
        content_type=content_type,
        headers={"Content-Disposition": disposition, "Cache-Control": "private, no-store"},
    )


class UploadTooBig(Exception):
    """The adviser's file is over :data:`UPLOAD_LIMIT`."""


def uploaded_media(part: object) -> Media | None:
    """An adviser's uploaded file as a message attachment: JPEG and PNG go as a photo, anything
    else as a document under its (cleaned) name; None when no file was chosen."""
    if not isinstance(part, web.FileField) or not part.filename:
        return None
    content = part.file.read(UPLOAD_LIMIT + 1)
    if len(content) > UPLOAD_LIMIT:
        raise UploadTooBig
    if not content:
        return None
    kind = "photo" if content.startswith(PHOTO_SIGNATURES) else "document"
    return Media(kind, filename=_clean_name(part.filename), content=content)


def _clean_name(name: str) -> str:
    """The file's own name, without a path or control characters, at most 64 characters."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(c for c in base if c.isprintable()).strip()
    return base[-64:] or "附件"
