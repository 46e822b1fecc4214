"""Signing in (a one-time link from the bot, or name and password) and signing out."""

from __future__ import annotations

from aiohttp import web

from bot.adapters.web.common import (
    SESSION,
    SESSION_COOKIE,
    failure,
    render,
    see_other,
    services_of,
    set_cookie,
    source_of,
)
from bot.core.errors import DeskError
from bot.core.signin import ConsoleSession


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/signin", signin_page)
    router.add_post("/signin", signin_password)
    # GET only shows a button: link previews and scanners fetch links, and must not use them up.
    router.add_get(r"/signin/{token:[A-Za-z0-9_-]{16,64}}", link_page)
    router.add_post("/signin/link", signin_link)
    router.add_post("/signout", signout)


def _next(request: web.Request, value: object) -> str:
    """Where to go after signing in: a path on this site only."""
    target = value if isinstance(value, str) else ""
    ok = target.startswith("/") and not target.startswith(("//", "/\\")) and "\n" not in target
    return target if ok else "/"


async def signin_page(request: web.Request) -> web.StreamResponse:
    if request[SESSION] is not None:
        raise web.HTTPFound("/")
    return render(
        request, "signin.html", {"title": "登录", "next": _next(request, request.query.get("next"))}
    )


async def link_page(request: web.Request) -> web.StreamResponse:
    return render(request, "link.html", {"title": "登录", "token": request.match_info["token"]})


async def signin_password(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    name, password = str(form.get("name", "")), str(form.get("password", ""))
    try:
        cookie, session = await services_of(request).console.sign_in_password(
            name[:64], password[:256], source_of(request)
        )
    except DeskError as error:
        return failure(request, error)
    return _signed_in(request, cookie, session, _next(request, form.get("next")))


async def signin_link(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    token = str(form.get("token", ""))[:64]
    try:
        cookie, session = await services_of(request).console.redeem_link(token, source_of(request))
    except DeskError as error:
        return failure(request, error)
    return _signed_in(request, cookie, session, "/")


def _signed_in(
    request: web.Request, cookie: str, session: ConsoleSession, target: str
) -> web.StreamResponse:
    response = see_other(target)
    max_age = int((session.expires_at - services_of(request).clock.now()).total_seconds())
    set_cookie(request, response, SESSION_COOKIE, cookie, max_age=max_age)
    return response


async def signout(request: web.Request) -> web.StreamResponse:
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        await services_of(request).console.sign_out(cookie)
    response = see_other("/signin")
    response.del_cookie(SESSION_COOKIE, path="/")
    return response
