"""Health endpoints for a load balancer or an orchestrator.

- ``GET /healthz``: the process is alive and its event loop answers (200, always).
- ``GET /readyz``: it can take traffic: the database answers, its schema is the one this version
  expects — or a newer one, migrated for the next version during a rolling upgrade — and every
  configured channel has started (200; else 503 naming what is missing). An instance that is
  stopping reports 503 at once, so the balancer moves traffic off it first.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from aiohttp import web

from bot.adapters.web.common import services_of
from bot.storage.migrate import current_revision, known_revisions

if TYPE_CHECKING:
    from bot.app import Services

log = logging.getLogger(__name__)
DATABASE_TIMEOUT = 3.0  # seconds; a balancer's probe times out soon after


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/healthz", healthz)
    router.add_get("/readyz", readyz)


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok", "instance": services_of(request).instance.id})


async def readyz(request: web.Request) -> web.Response:
    services = services_of(request)
    database, schema = await _database(services)
    waiting = services.instance.waiting_for
    ready = database and schema in ("current", "newer") and not waiting
    body = {
        "ready": ready,
        "instance": services.instance.id,
        "database": "ok" if database else "unreachable",
        "schema": schema,
        "channels_not_started": waiting,
    }
    return web.json_response(body, status=200 if ready else 503)


async def _database(services: Services) -> tuple[bool, str]:
    """Whether the database answers, and its schema: current, newer (a later version's),
    outdated (``legaldesk migrate`` needed) or unknown."""
    try:
        async with asyncio.timeout(DATABASE_TIMEOUT):
            revision = await current_revision(services.engine)
    except Exception as exc:  # any failure to answer means: not ready
        log.warning("readiness: the database does not answer (%s)", type(exc).__name__)
        return False, "unknown"
    head, *older = known_revisions()
    if revision == head:
        return True, "current"
    return True, "outdated" if revision is None or revision in older else "newer"
