"""值班, 报表 (with charts and the CLI's downloads) and 未解决问题 (the FAQ's misses)."""

from __future__ import annotations

from aiohttp import web

from bot.adapters import exports
from bot.adapters.web import charts
from bot.adapters.web.common import (
    failure,
    render,
    see_other,
    services_of,
    staff_page,
)
from bot.core.errors import DeskError
from bot.core.misses import nearest_with, review
from bot.core.misses import total as misses_total
from bot.core.periods import Period, last_complete_month, parse_month
from bot.core.reports import MonthlyReport
from bot.core.signin import ConsoleSession
from bot.storage.misses import miss_events

DOWNLOADS = {
    "csv": (exports.to_csv, "text/csv; charset=utf-8"),
    "xlsx": (
        exports.to_xlsx,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
}


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/duty", duty_page)
    router.add_post("/duty", duty_switch)
    router.add_get("/report", report_page)
    router.add_get(r"/report/download/{format:csv|xlsx}", report_download)
    router.add_get("/misses", misses_page)


# ---------------------------------------------------------------- 值班


async def _duty(
    request: web.Request, session: ConsoleSession, switch: str | None
) -> web.StreamResponse:
    services = services_of(request)
    try:
        board = await services.staff.duty_board(session.member.id, switch)
    except DeskError as error:
        return failure(request, error)
    me = session.member
    context = {
        "title": "值班",
        "on_duty": [m.name for m in board.on_duty],
        "next_start": board.next_start,
        "me_on_duty": any(m.id == me.id for m in board.on_duty),
        "adviser": me.is_adviser,
    }
    return render(request, "duty.html", context)


@staff_page
async def duty_page(request: web.Request, session: ConsoleSession) -> web.StreamResponse:
    return await _duty(request, session, None)


@staff_page
async def duty_switch(request: web.Request, session: ConsoleSession) -> web.StreamResponse:
    switch = str((await request.post()).get("switch", ""))
    response = await _duty(request, session, switch if switch in ("on", "off") else "?")
    return see_other("/duty") if response.status == 200 else response


# ---------------------------------------------------------------- 报表


async def _report(request: web.Request, session: ConsoleSession) -> MonthlyReport:
    services = services_of(request)
    await services.staff.member(session.member.id, "report")
    text = request.query.get("period", "").strip()[:16]
    return await services.reports.build(services.reports.period(text or None))


@staff_page
async def report_page(request: web.Request, session: ConsoleSession) -> web.StreamResponse:
    try:
        report = await _report(request, session)
    except DeskError as error:
        return failure(request, error)
    f = report.figures
    flow = [
        ("居民提问", f.questions),
        ("自动答复", f.faq_answered),
        ("转法律顾问", f.handed_off),
        ("顾问已答复", f.adviser_answered),
        ("期末未结", f.open_at_end),
    ]
    channel_header, channel_rows = exports.channel_table(report)
    context = {
        "title": "报表",
        "label": report.period.label,
        "heading": exports.title(report.period),
        "figures": [(label, value(f)) for label, value in exports.FIGURES],
        "by_day": charts.columns(
            "每日提问数", [(f"{d.month}/{d.day}", n) for d, n in report.by_day]
        ),
        "by_category": charts.bars("各主题提问数", list(report.by_category)),
        "flow": charts.bars("转交与答复", flow),
        "by_adviser": report.by_adviser,
        "top": report.top_entries,
        "channel_header": channel_header,
        "channel_rows": channel_rows,
    }
    return render(request, "report.html", context)


@staff_page
async def report_download(request: web.Request, session: ConsoleSession) -> web.StreamResponse:
    try:
        report = await _report(request, session)
    except DeskError as error:
        return failure(request, error)
    fmt = request.match_info["format"]
    make, content_type = DOWNLOADS[fmt]
    name = f"legaldesk-report-{report.period.label}.{fmt}"
    return web.Response(
        body=make(report),
        headers={
            "Content-Type": content_type,
            "Content-Disposition": f'attachment; filename="{name}"',
        },
    )


# ---------------------------------------------------------------- 未解决问题


@staff_page
async def misses_page(request: web.Request, session: ConsoleSession) -> web.StreamResponse:
    """The office's page: what the FAQ missed in a month, grouped by the nearest entry."""
    services = services_of(request)
    try:
        await services.staff.member(session.member.id, "misses", office_only=True)
        period = _month(request)
    except DeskError as error:
        return failure(request, error)
    engine = services.reader or services.engine
    async with engine.connect() as connection:
        events = await miss_events(connection, period.start, period.end)
    groups = review(events, nearest_with(services.knowledge.matcher), services.settings.timezone)
    context = {
        "title": "未解决问题",
        "label": period.label,
        "groups": groups,
        "total": misses_total(groups),
    }
    return render(request, "misses.html", context)


def _month(request: web.Request) -> Period:
    services = services_of(request)
    text = request.query.get("month", "").strip()[:16]
    zone = services.settings.timezone
    return parse_month(text, zone) if text else last_complete_month(services.clock.now(), zone)
