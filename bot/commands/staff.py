"""``legaldesk staff set-password NAME``: a web-console password for a roster member."""

from __future__ import annotations

import getpass
import sys

from bot.app import build_services, load_knowledge
from bot.commands.database import OUTDATED, OutdatedSchema, prepare_database
from bot.config import Settings
from bot.core.errors import InvalidRequest


def _read_password() -> str | None:
    """Asked twice on a terminal; otherwise the first line of standard input."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("新密码 / new password: ")
    if getpass.getpass("再输一次 / again: ") != first:
        print("legaldesk staff: 两次输入的密码不一样 / the passwords differ", file=sys.stderr)
        return None
    return first


async def set_password(settings: Settings, name: str) -> int:
    if not any(m.name == name.strip() for m in settings.roster.members):
        print(f"legaldesk staff: 名单里没有「{name}」/ not on the roster", file=sys.stderr)
        return 2
    password = _read_password()
    if password is None:
        return 2
    try:
        await prepare_database(settings)
    except OutdatedSchema:
        print(OUTDATED, file=sys.stderr)
        return 2
    services = build_services(settings, load_knowledge(settings))
    try:
        member = await services.console.set_password(name, password)
    except InvalidRequest as exc:
        print(f"legaldesk staff: {exc}", file=sys.stderr)
        return 2
    finally:
        await services.close()
    print(f"已为 {member.name} 设置网页工作台密码 / password set")
    return 0
