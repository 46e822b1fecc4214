"""Starting the desk: the Telegram bot (``legaldesk run``) and the terminal shell."""

from __future__ import annotations

import asyncio
import sys

from bot.app import build_services, load_knowledge
from bot.commands.database import OUTDATED, OutdatedSchema, prepare_database
from bot.config import Settings


def run(settings: Settings) -> int:
    """Serve Telegram until SIGTERM or SIGINT."""
    from bot.adapters.tg.application import build_application
    from bot.adapters.tg.serving import serve

    knowledge = load_knowledge(settings)  # a broken knowledge base stops start-up here
    try:
        asyncio.run(prepare_database(settings))
    except OutdatedSchema:
        print(OUTDATED, file=sys.stderr)
        return 2
    services = build_services(settings, knowledge)
    application = build_application(services)
    try:
        return asyncio.run(serve(application, services))
    except asyncio.CancelledError:  # a second SIGINT/SIGTERM during the graceful stop
        return 130


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
