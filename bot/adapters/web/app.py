"""The console application: templates, static files, the security middleware, the routes."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import aiohttp_jinja2
import jinja2
from aiohttp import web

from bot.adapters.web import cases, health, media, office, signin
from bot.adapters.web.common import SERVICES, security

if TYPE_CHECKING:
    from bot.app import Services

log = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent


def build_web_app(services: Services) -> web.Application:
    app = web.Application(middlewares=[security], client_max_size=256 * 1024)
    app[SERVICES] = services
    aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=jinja2.select_autoescape(default=True),
        undefined=jinja2.StrictUndefined,
    )
    app.router.add_static("/static", HERE / "static", append_version=True)
    signin.add_routes(app.router)
    cases.add_routes(app.router)
    media.add_routes(app.router)
    office.add_routes(app.router)
    health.add_routes(app.router)
    return app


async def start_web(
    services: Services, mounted: Mapping[str, web.Application] | None = None
) -> web.AppRunner:
    """Serve the console on ``web.listen``, with other endpoints ``mounted`` beside it
    (prefix → sub-application: the Telegram webhook); the caller awaits ``runner.cleanup()`` to
    stop. No access log: a sign-in link's path holds its token."""
    app = build_web_app(services)
    for prefix, other in (mounted or {}).items():
        app.add_subapp(prefix, other)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    host, port = services.settings.web.host_port
    await web.TCPSite(runner, host, port).start()
    log.info("web console listening on %s:%d", host, port)
    return runner
