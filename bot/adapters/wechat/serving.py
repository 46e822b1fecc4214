"""Starting the WeChat channel inside ``legaldesk run``: its transport, file source (media/get),
message server and intake."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.adapters.wechat.client import WeChatApi
from bot.adapters.wechat.endpoint import MessageServer
from bot.adapters.wechat.files import WeChatFiles
from bot.adapters.wechat.intake import WeChatIntake
from bot.adapters.wechat.transport import WeChatTransport
from bot.app import Services
from bot.core.messages import WECHAT
from bot.storage.channel_store import SqlChannelStore

log = logging.getLogger(__name__)

PATH = "/wechat"  # the message server's URL path (服务器地址 https://<host>/wechat)


async def start_wechat(services: Services) -> Callable[[], Awaitable[None]]:
    """Serve the message server on ``wechat.listen`` and deliver WeChat's outbox; returns the
    coroutine function that stops it."""
    settings = services.settings.wechat
    assert settings.app_id and settings.listen, "start_wechat needs wechat.app_id and .listen"
    store = SqlChannelStore(services.uow, WECHAT)
    api = WeChatApi(settings, store, services.clock)
    files = services.file_sources
    services.attach_transport(WeChatTransport(api, files, settings.answer_template_id), WECHAT)
    services.attach_files(WeChatFiles(api), WECHAT)
    intake = WeChatIntake(services, store)
    app = web.Application()
    server = MessageServer(settings, intake.accept).app()
    app.add_subapp(PATH, server)
    runner = web.AppRunner(app, access_log=None)  # the query carries openids: not logged
    await runner.setup()
    host, port = settings.host_port
    await web.TCPSite(runner, host, port).start()
    log.info("WeChat message server on %s:%s%s", host, port, PATH)
    await intake.resume()
    # With other instances on the database, take up what a dead one left unanswered.
    sweeping = asyncio.create_task(intake.sweeping()) if services.instance.clustered else None

    async def stop() -> None:
        if sweeping is not None:
            sweeping.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sweeping
        await runner.cleanup()
        await intake.drain()

    return stop
