"""The 待处理 queue and the case page: claim, answer, close, through the staff use cases."""

from __future__ import annotations

import logging
from datetime import datetime, tzinfo

from aiohttp import web

from bot.adapters.web.common import (
    UPLOAD_ROUTE,
    UPLOAD_TOO_BIG,
    explain,
    failure,
    render,
    see_other,
    services_of,
    staff_page,
)
from bot.adapters.web.media import UploadTooBig, media_view, uploaded_media
from bot.core.errors import DeskError
from bot.core.ports import Case, CaseStatus, SentBatch
from bot.core.signin import ConsoleSession
from bot.core.staff_texts import waited

log = logging.getLogger(__name__)

STATUS = {
    CaseStatus.OPEN: "待认领",
    CaseStatus.CLAIMED: "已认领",
    CaseStatus.ANSWERED: "已答复",
    CaseStatus.CLOSED: "已结束",
}
DONE = {"claimed": "已认领，请尽快答复。", "answered": "答复已发给居民。", "closed": "问题已结束。"}
CASE = r"/cases/{case_id:\d{1,12}}"


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/", home)
    router.add_get("/queue", queue_page)
    router.add_get("/queue/rows", queue_rows)
    router.add_get(CASE, case_page)
    router.add_post(CASE + "/claim", claim)
    router.add_post(CASE + "/answer", answer, name=UPLOAD_ROUTE)
    router.add_post(CASE + "/close", close)


async def home(request: web.Request) -> web.StreamResponse:
    raise web.HTTPFound("/queue")


def _rows(request: web.Request, cases: list[Case]) -> list[dict[str, object]]:
    services = services_of(request)
    now, zone = services.clock.now(), services.settings.timezone
    return [
        {
            "id": c.id,
            "status": STATUS[c.status],
            "open": c.status is CaseStatus.OPEN,
            "question": c.question,
            "waited": waited(c.opened_at, now),
            "opened": _local(c.opened_at, zone),
            "holder": c.claimed_by_name or "",
        }
        for c in cases
    ]


def _local(at: datetime, zone: tzinfo) -> str:
    return at.astimezone(zone).strftime("%m-%d %H:%M")


@staff_page
async def queue_page(request: web.Request, session: ConsoleSession) -> web.StreamResponse:
    try:
        cases = await services_of(request).staff.active_cases(session.member.id)
    except DeskError as error:
        return failure(request, error)
    return render(request, "queue.html", {"title": "待处理", "rows": _rows(request, cases)})


@staff_page
async def queue_rows(request: web.Request, session: ConsoleSession) -> web.StreamResponse:
    """The queue's rows alone, for the page's polling."""
    try:
        cases = await services_of(request).staff.active_cases(session.member.id)
    except DeskError as error:
        return failure(request, error)
    return render(request, "_queue_rows.html", {"rows": _rows(request, cases)})


async def _case(
    request: web.Request, session: ConsoleSession, notice: str | None = None, status: int = 200
) -> web.StreamResponse:
    services = services_of(request)
    case_id = int(request.match_info["case_id"])
    try:
        thread = await services.staff.thread(session.member.id, case_id)
    except DeskError as error:
        return failure(request, error)
    zone, case, now = services.settings.timezone, thread.case, services.clock.now()
    messages = [
        {
            "mine": m.author == "adviser",
            "author": "法律顾问" if m.author == "adviser" else (thread.resident_name or "居民"),
            "at": _local(m.at, zone),
            "text": m.text or "",
            **media_view(case.id, number, m, services.files, now),
        }
        for number, m in enumerate(thread.messages, start=1)
    ]
    context = {
        "title": f"问题 #{case.id}",
        "case": case,
        "status": STATUS[case.status],
        "waited": waited(case.opened_at, now),
        "holder": case.claimed_by_name or "",
        "resident": thread.resident_name,
        "messages": messages,
        "active": case.is_active,
        "mine": case.claimed_by == session.member.id,
        "adviser": session.member.is_adviser,
        "notice": notice or DONE.get(request.query.get("done", "")),
        "error": status >= 400,
    }
    return render(request, "case.html", context, status=status)


@staff_page
async def case_page(request: web.Request, session: ConsoleSession) -> web.StreamResponse:
    return await _case(request, session)


async def _act(request: web.Request, session: ConsoleSession, action: str) -> web.StreamResponse:
    services = services_of(request)
    case_id, actor = int(request.match_info["case_id"]), session.member.id
    try:
        if action == "claimed":
            batch = await services.staff.claim(actor, case_id)
        elif action == "answered":
            form = await request.post()
            try:
                text, media = str(form.get("text", "")), uploaded_media(form.get("file"))
            except UploadTooBig:
                return await _case(request, session, UPLOAD_TOO_BIG, 413)
            if not text.strip() and media is None:
                return await _case(request, session, "请写回复内容，或选一个文件。", 400)
            batch = await services.staff.answer(actor, case_id, text, media)
        else:
            batch = await services.staff.close(actor, case_id)
    except DeskError as error:
        status, text = explain(error)
        return await _case(request, session, text, status)
    await _deliver(request, batch)
    return see_other(f"/cases/{case_id}?done={action}")


async def _deliver(request: web.Request, batch: SentBatch) -> None:
    """Send now what the use case stored; without a messenger the outbox job sends it later."""
    try:
        courier = services_of(request).courier
    except RuntimeError:
        log.warning("no messenger attached: %d message(s) wait in the outbox", len(batch.ids))
        return
    await courier.deliver(batch)


@staff_page
async def claim(request: web.Request, session: ConsoleSession) -> web.StreamResponse:
    return await _act(request, session, "claimed")


@staff_page
async def answer(request: web.Request, session: ConsoleSession) -> web.StreamResponse:
    return await _act(request, session, "answered")


@staff_page
async def close(request: web.Request, session: ConsoleSession) -> web.StreamResponse:
    return await _act(request, session, "closed")
