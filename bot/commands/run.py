"""Starting the desk: the Telegram bot (``legaldesk run``) and the terminal shell."""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import Any

from bot.app import build_services, load_knowledge
from bot.commands.database import OUTDATED, OutdatedSchema, prepare_database
from bot.config import Settings
from bot.core.instance import default_instance_id
from bot.logs import show_instance
from bot.storage.cluster import DatabaseInUse, hold_database_file, note_holder

log = logging.getLogger(__name__)


def run(settings: Settings, instance_id: str | None = None) -> int:
    """Serve Telegram until SIGTERM or SIGINT."""
    from bot.adapters.tg.application import build_application
    from bot.adapters.tg.serving import serve

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
    application = build_application(services)
    try:
        return asyncio.run(_serve_with_web(application, services, serve))
    except asyncio.CancelledError:  # a second SIGINT/SIGTERM during the graceful stop
        return 130


async def _serve_with_web(application: Any, services: Any, serve: Any) -> int:
    """The bot, the web console beside it when ``web.listen`` is configured (with the Telegram
    webhook in webhook mode), and the WeChat channel when ``wechat.app_id`` is."""
    runner = stop_wechat = endpoint = None
    if services.settings.telegram.webhook:
        from bot.adapters.tg.webhook import PREFIX, WebhookEndpoint

        endpoint = WebhookEndpoint(services.settings.telegram)
    if services.settings.web.listen:
        from bot.adapters.web import start_web

        runner = await start_web(services, {PREFIX: endpoint.app()} if endpoint else None)
    try:
        if services.settings.wechat.app_id:
            from bot.adapters.wechat import start_wechat

            stop_wechat = await start_wechat(services)
        return int(await serve(application, services, endpoint))
    finally:
        if stop_wechat is not None:
            await stop_wechat()
        if runner is not None:
            await runner.cleanup()


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
