"""Starting the desk: every configured channel in one process (``legaldesk run``), and the
terminal shell."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.app import Services, build_services, load_knowledge
from bot.commands.database import OUTDATED, OutdatedSchema, prepare_database
from bot.config import Settings
from bot.core.instance import default_instance_id
from bot.core.messages import TELEGRAM, WECHAT
from bot.logs import show_instance
from bot.storage.cluster import DatabaseInUse, hold_database_file, note_holder

if TYPE_CHECKING:
    from bot.adapters.tg.webhook import WebhookEndpoint

log = logging.getLogger(__name__)

EXIT_NO_CHANNEL = 2

NO_CHANNEL = """\
没有配置任何渠道（Telegram 或微信公众号），服务台无法接待居民。
No channel is configured (Telegram or a WeChat Official Account), so the desk cannot serve anyone.

Configure one or both; `legaldesk run` starts every channel configured:
  Telegram: in Telegram, open @BotFather, send /newbot and follow the steps; it gives you a
            token. Start with it:  TELEGRAM_BOT_TOKEN=123456:ABC... make run
  WeChat:   set wechat.app_id and wechat.listen in legaldesk.yaml, and WECHAT_APP_SECRET and
            WECHAT_TOKEN (WECHAT_ENCODING_AES_KEY for 安全模式) in the environment; README,
            "WeChat Official Account", shows the 公众号 setup step by step.

Meanwhile, try the desk in this terminal:  .venv/bin/legaldesk shell
"""


@dataclass(frozen=True, slots=True)
class Channel:
    """A channel ``legaldesk run`` can start, and how the settings turn it on."""

    name: str
    configured: Callable[[Settings], bool]


CHANNELS = (
    Channel(TELEGRAM, lambda s: s.telegram_bot_token is not None),
    Channel(WECHAT, lambda s: s.wechat.app_id is not None),
)


def channels_to_start(settings: Settings) -> frozenset[str]:
    """The names of the channels the settings configure."""
    return frozenset(channel.name for channel in CHANNELS if channel.configured(settings))


def run(settings: Settings, instance_id: str | None = None) -> int:
    """Serve every configured channel until SIGTERM or SIGINT; without any, say how to
    configure one and return 2. ``instance_id`` names this process in the logs and /healthz."""
    channels = channels_to_start(settings)
    if not channels:
        print(NO_CHANNEL, file=sys.stderr)
        return EXIT_NO_CHANNEL
    instance_id = instance_id or default_instance_id()
    show_instance(instance_id)
    try:  # SQLite: one instance per database file
        database_lock = hold_database_file(settings.database_url)
    except DatabaseInUse as exc:
        print(exc, file=sys.stderr)
        return 2
    if database_lock is not None:
        note_holder(database_lock, instance_id)
    knowledge = load_knowledge(settings)  # a broken knowledge base stops start-up here
    try:
        asyncio.run(prepare_database(settings))
    except OutdatedSchema:
        print(OUTDATED, file=sys.stderr)
        return 2
    services = build_services(settings, knowledge)
    services.instance.id = instance_id
    log.info("legaldesk instance %s starting", instance_id)
    try:
        return asyncio.run(_serve(services, channels))
    except asyncio.CancelledError:  # a second SIGINT/SIGTERM during the graceful stop
        return 130


async def _serve(services: Services, channels: frozenset[str]) -> int:
    """The web console (when ``web.listen`` is configured; it also serves the Telegram webhook
    in webhook mode) and the WeChat message server beside the main loop. On a stop signal the
    channels beside stop first, while the main loop can still deliver what they leave; then the
    main loop, the web console, and the database last."""
    endpoint = None
    if TELEGRAM in channels and services.settings.telegram.webhook:
        from bot.adapters.tg.webhook import PREFIX, WebhookEndpoint

        endpoint = WebhookEndpoint(services.settings.telegram)
    async with AsyncExitStack() as stack:
        stack.push_async_callback(services.close)
        if services.settings.web.listen:
            from bot.adapters.web import start_web

            mounted = {PREFIX: endpoint.app()} if endpoint is not None else None
            stack.push_async_callback((await start_web(services, mounted)).cleanup)
        beside = await stack.enter_async_context(AsyncExitStack())  # closed once, early or here
        if WECHAT in channels:
            from bot.adapters.wechat import start_wechat

            beside.push_async_callback(await start_wechat(services))
        code = await _main_loop(services, channels, beside.aclose, endpoint)
    log.info("legaldesk stopped")
    return code


async def _main_loop(
    services: Services,
    channels: frozenset[str],
    before_stop: Callable[[], Awaitable[None]],
    endpoint: WebhookEndpoint | None,
) -> int:
    """Telegram (long polling, or the webhook ``endpoint``; its JobQueue runs the periodic jobs)
    when Telegram is configured; otherwise the periodic jobs alone, until SIGTERM or SIGINT."""
    if TELEGRAM in channels:
        from bot.adapters.tg.application import build_application
        from bot.adapters.tg.serving import serve

        return await serve(build_application(services), services, before_stop, endpoint)
    from bot.adapters.serving import serve_jobs

    return await serve_jobs(services, before_stop)


async def shell(settings: Settings) -> int:
    from bot.adapters.console import ConsoleShell

    knowledge = load_knowledge(settings)
    await prepare_database(settings)
    services = build_services(settings, knowledge)
    try:
        await ConsoleShell(services).run()
    finally:
        await services.close()
    return 0
