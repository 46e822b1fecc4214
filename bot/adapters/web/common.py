"""What every page shares: the services key, the session and CSRF middleware, page helpers."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import aiohttp_jinja2
from aiohttp import web

from bot.core.errors import (
    AlreadyClaimed,
    CaseClosed,
    CaseNotFound,
    DeskError,
    InvalidRequest,
    NotAllowed,
)
from bot.core.signin import ConsoleSession, SignInFailed, TooManyAttempts

if TYPE_CHECKING:
    from bot.app import Services

SERVICES: web.AppKey[Services] = web.AppKey("services")
SESSION_COOKIE = "ld_session"
UPLOAD_ROUTE = "answer"  # the one form that takes a file (an adviser's answer)
UPLOAD_LIMIT = 10 * 1024 * 1024  # Telegram's limit for photos; documents stay under it too
UPLOAD_TOO_BIG = f"文件太大了：网页上最多上传 {UPLOAD_LIMIT // (1024 * 1024)} MB。"
FORM_COOKIE = "ld_form"  # the CSRF token of forms shown before signing in (double submit)
# The request's session; None when nobody is signed in.
SESSION: web.RequestKey[ConsoleSession | None] = web.RequestKey("session")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
PageHandler = Callable[[web.Request, ConsoleSession], Awaitable[web.StreamResponse]]

HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


def services_of(request: web.Request) -> Services:
    return request.app[SERVICES]


@web.middleware
async def security(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Load the session from its cookie, refuse a POST without the right CSRF token (403,
    nothing done), and add the security headers to every response."""
    if request.path.startswith("/static/") or request.match_info.apps[-1] is not request.app:
        return await handler(request)  # static files; a sub-app mounted beside (a WeChat callback)
    cookie = request.cookies.get(SESSION_COOKIE)
    session = await services_of(request).console.current(cookie)
    if session is not None and request.match_info.route.name == UPLOAD_ROUTE:
        request = request.clone(client_max_size=UPLOAD_LIMIT + 64 * 1024)
    request[SESSION] = session
    if request.method == "POST":
        try:
            form = await request.post()
        except web.HTTPRequestEntityTooLarge:
            context = {"title": "文件太大", "message": UPLOAD_TOO_BIG}
            return _secured(render(request, "error.html", context, status=413))
        sent = form.get("csrf")
        expected = session.csrf if session else request.cookies.get(FORM_COOKIE)
        if not (
            isinstance(sent, str)
            and expected
            and hmac.compare_digest(sent.encode(), expected.encode())
        ):
            raise web.HTTPForbidden(text="表单已过期或来源不明，请返回重新打开页面。")
    return _secured(await handler(request))


def _secured(response: web.StreamResponse) -> web.StreamResponse:
    response.headers.update(HEADERS)
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def staff_page(handler: PageHandler) -> Handler:
    """Signed-in staff only: anyone else is sent to the sign-in page."""

    async def page(request: web.Request) -> web.StreamResponse:
        session: ConsoleSession | None = request[SESSION]
        if session is None:
            if request.method == "GET" and not request.path.endswith(".json"):
                raise web.HTTPFound(f"/signin?next={quote(request.path_qs, safe='')}")
            raise web.HTTPUnauthorized(text="请先登录。")
        return await handler(request, session)

    page.__name__ = handler.__name__
    page.__doc__ = handler.__doc__
    return page


def render(
    request: web.Request, template: str, context: dict[str, Any], status: int = 200
) -> web.Response:
    session: ConsoleSession | None = request[SESSION]
    form_token = None
    if session is None:
        form_token = request.cookies.get(FORM_COOKIE) or secrets.token_urlsafe(32)
    base = {
        "me": session.member if session else None,
        "csrf": session.csrf if session else form_token,
        "path": request.path,
    }
    response = aiohttp_jinja2.render_template(template, request, {**base, **context}, status=status)
    if form_token is not None and request.cookies.get(FORM_COOKIE) != form_token:
        set_cookie(request, response, FORM_COOKIE, form_token, max_age=3600)
    return response


def set_cookie(
    request: web.Request,
    response: web.StreamResponse,
    name: str,
    value: str,
    *,
    max_age: int | None = None,
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        secure=services_of(request).settings.web.secure_cookies,
        samesite="Lax",
    )


def see_other(location: str) -> web.Response:
    """A redirect after a form (303: the browser follows it with GET)."""
    return web.Response(status=303, headers={"Location": location})


def explain(error: DeskError) -> tuple[int, str]:
    """The HTTP status and the polite Chinese text of an expected failure."""
    if isinstance(error, NotAllowed):
        return 403, "抱歉，您的角色不能使用这个功能。"
    if isinstance(error, CaseNotFound):
        return 404, f"没有编号为 #{error.case_id} 的问题。"
    if isinstance(error, CaseClosed):
        return 409, f"问题 #{error.case_id} 已经结束，不能再操作。"
    if isinstance(error, AlreadyClaimed):
        return 409, f"问题 #{error.case_id} 已由 {error.holder} 认领。"
    if isinstance(error, TooManyAttempts):
        return 429, "登录失败次数太多，请 15 分钟后再试。"
    if isinstance(error, SignInFailed):
        if str(error) == "link":
            return (
                403,
                "登录链接无效、已过期或已经用过。"
                "请在 Telegram 或微信公众号里发 /console 重新获取。",
            )
        return 403, "姓名或密码不对。"
    if isinstance(error, InvalidRequest):
        return 400, str(error)
    return 400, "抱歉，操作没有成功。"


def failure(request: web.Request, error: DeskError) -> web.Response:
    status, text = explain(error)
    return render(request, "error.html", {"title": "出错了", "message": text}, status=status)


def source_of(request: web.Request) -> str:
    """Who is trying to sign in, for the attempt limit: the connecting address."""
    return request.remote or "unknown"
