"""Residents' voice messages, photos and documents, served by the console itself.

The bytes come through the file API of the file's own channel on the server (Telegram's getFile,
WeChat's media/get; :class:`bot.core.files.CaseFiles`): the browser only ever sees
``/cases/N/media/M``, never a bot token, an access token or a channel's file URL.
Voice, audio, video and common image types play or show inline; everything else (documents,
unknown types) is a download, so no file a resident sends can run as a page of the console.
"""

from __future__ import annotations

from datetime import datetime

from aiohttp import web

from bot.adapters.web.common import UPLOAD_LIMIT, failure, render, services_of, staff_page
from bot.core.errors import DeskError
from bot.core.files import FILE_LIMIT, CaseFiles, FileUnavailable, MediaNotFound, extension_of
from bot.core.ports import CaseMessage, Media
from bot.core.signin import ConsoleSession
from bot.core.texts import media_label

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
    ".amr": "audio/amr",  # WeChat's voice: browsers cannot play it, so it is a download
    ".speex": "audio/speex",
}
DEFAULT_EXTENSION = {"voice": ".oga", "photo": ".jpg", "video": ".mp4", "video_note": ".mp4"}
PHOTO_SIGNATURES = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")  # JPEG, PNG: sent as photos
SHOWN = {"voice", "audio", "photo", "video", "video_note"}  # kinds shown in the page itself
# How the case page shows a resident's file; other kinds (documents) get a download link.
SHOWN_AS = {
    "voice": "audio",
    "audio": "audio",
    "photo": "image",
    "video": "video",
    "video_note": "video",
}
EXPIRED = "微信只保存 3 天，这个文件已经过期，取不到了。需要的话请居民重新发送。"


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get(MEDIA, media)


def media_url(case_id: int, number: int) -> str:
    return f"/cases/{case_id}/media/{number}"


def media_view(
    case_id: int, number: int, message: CaseMessage, files: CaseFiles, now: datetime
) -> dict[str, object]:
    """How the case page shows a message's file: its label, how (audio, image, video, else a
    download link), its URL, and whether its channel has dropped it (WeChat: after 3 days)."""
    kind = message.media_kind
    if not kind:
        return {"media": None, "show": None, "url": None, "expired": None}
    show = SHOWN_AS.get(kind)
    if message.file_name and extension_of(message.file_name) not in INLINE:
        show = None  # a format browsers cannot play or show (WeChat's AMR voice): a download
    expired = files.expired(message, now)
    return {
        "media": media_label(kind),
        "show": show,
        "url": media_url(case_id, number) if message.file_id and not expired else None,
        "expired": EXPIRED if expired else None,
    }


def _gone(request: web.Request, reason: str) -> web.Response:
    if reason == "too_big":
        text = f"这个文件超过 {FILE_LIMIT // (1024 * 1024)} MB，网页上打不开，请在聊天软件里查看。"
    elif reason == "expired":
        text = EXPIRED
    else:
        text = "暂时取不到这个文件（可能已过期或网络不通），请稍后再试，或在聊天软件里查看。"
    return render(request, "error.html", {"title": "文件打不开", "message": text}, status=502)


@staff_page
async def media(request: web.Request, session: ConsoleSession) -> web.StreamResponse:
    services = services_of(request)
    case_id, number = int(request.match_info["case_id"]), int(request.match_info["number"])
    try:
        file = await services.files.fetch(session.member.id, case_id, number)
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
