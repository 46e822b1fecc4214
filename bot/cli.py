"""The ``legaldesk`` command line: a thin layer over the services; errors become one clear line."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot.config import ConfigError, Settings, load_settings
from bot.logs import configure_logging
from bot.storage.faq_yaml import FaqError

EXIT_USAGE = 2
REPORT_FORMATS = ("table", "json", "csv", "xlsx")

NO_WEBHOOK_SECRET = (
    "legaldesk: telegram.mode is webhook: set TELEGRAM_WEBHOOK_SECRET (1-256 characters from "
    "A-Z, a-z, 0-9, _ and -; Telegram sends it with every update)"
)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="legaldesk", description="法律顾问服务台 — the township legal help desk."
    )
    p.add_argument(
        "--config",
        type=Path,
        help="settings file (default: $LEGALDESK_CONFIG, then ./legaldesk.yaml)",
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="start the desk: every configured channel (Telegram, WeChat)")
    run.add_argument(
        "--instance-id",
        help="this instance's name in the logs and /healthz (default: host:pid)",
    )
    sub.add_parser("migrate", help="upgrade the database schema to the latest revision")
    sub.add_parser("shell", help="chat with the desk as a resident, in this terminal")
    ask = sub.add_parser("ask", help="answer one question and print the decision")
    ask.add_argument("text", help="the question, as a resident would write it")
    ask.add_argument("--json", action="store_true", help="print JSON")

    faq = sub.add_parser("faq", help="knowledge-base tools").add_subparsers(
        dest="faq_command", required=True, metavar="FAQ_COMMAND"
    )
    check = faq.add_parser("check", help="validate the knowledge base; report file and line")
    check.add_argument("dir", nargs="?", type=Path, help="FAQ folder (default: configured)")
    lst = faq.add_parser("list", help="print the entries")
    lst.add_argument("--json", action="store_true", help="print JSON")
    ev = faq.add_parser("eval", help="measure matching on a labelled question file")
    ev.add_argument("file", type=Path, help="YAML in the format of dev-questions.yaml")
    ev.add_argument("--json", action="store_true", help="print JSON with every result")
    ev.add_argument(
        "--section",
        action="append",
        default=[],
        metavar="TEXT",
        help="only the questions under the section headers (# ===== TITLE =====) whose title "
        "contains TEXT (repeatable)",
    )
    ev.add_argument(
        "--skip-section",
        action="append",
        default=[],
        metavar="TEXT",
        help="leave out the sections whose title contains TEXT (repeatable)",
    )
    _report_parser(sub)
    _broadcast_parser(sub)
    wechat = sub.add_parser("wechat", help="WeChat Official Account tools").add_subparsers(
        dest="wechat_command", required=True, metavar="ACTION"
    )
    wechat.add_parser("menu", help="create the account's custom menu (常见问题, 找法律顾问, ...)")
    staff = sub.add_parser("staff", help="staff tools: the web console's passwords").add_subparsers(
        dest="staff_command", required=True, metavar="ACTION"
    )
    password = staff.add_parser(
        "set-password",
        help="set NAME's web-console password (asked twice; or the first line of stdin)",
    )
    password.add_argument("name", metavar="NAME", help="the staff member's name in the roster")
    _privacy_parsers(sub, faq)
    return p


def _privacy_parsers(sub: Any, faq: Any) -> None:
    misses = faq.add_parser(
        "misses",
        help="handed-off and 「没解决」 questions, grouped by the nearest FAQ entry",
        description="What residents asked that the FAQ could not answer (questions handed to the "
        "adviser, answers marked 「没解决」) in one month, matched again against today's FAQ and "
        "grouped under the nearest entry with its score: near misses want new alternates, the "
        "rest new entries. The month is a calendar month in the configured timezone.",
    )
    misses.add_argument(
        "--month",
        metavar="YYYY-MM",
        help="a calendar month, e.g. 2024-03 (default: the last complete month)",
    )
    misses.add_argument(
        "--format",
        default="table",
        choices=("table", "csv"),
        help="table (default, on screen) or csv (UTF-8 with BOM, opens in Excel)",
    )
    misses.add_argument(
        "--output", "-o", type=Path, metavar="PATH", help="write to this file (default: the screen)"
    )
    sub.add_parser(
        "purge",
        help="redact message texts older than the retention period",
        description="Replace every stored message text older than desk.retention_months (the "
        "residents' questions, case messages, sent messages) by 「（已删除）」 and print how many "
        "rows were redacted. The bot does the same daily. Counts for reports are kept.",
    )
    backup = sub.add_parser(
        "backup",
        help="consistent copy of the embedded SQLite database (also while the bot runs)",
        description="Copy the SQLite database with SQLite's online backup API: a consistent "
        "snapshot even while the bot is writing. For PostgreSQL use pg_dump instead.",
    )
    backup.add_argument("path", type=Path, help="the file to write the copy to")
    backup.add_argument("--force", action="store_true", help="replace PATH if it exists")


def _broadcast_parser(sub: Any) -> None:
    cast = sub.add_parser(
        "broadcast",
        help="the monthly theme (faq/themes/): preview it, or send it to the subscribers",
        description="Monthly legal-education themes are defined in faq/themes/*.yaml; the bot "
        "sends each at its send_at by itself. preview prints the message and counts the "
        "subscribers (nothing is sent); send queues it now, once (the running bot delivers it).",
    ).add_subparsers(dest="broadcast_command", required=True, metavar="ACTION")
    for action, text in (
        ("preview", "print the message and count the subscribers; sends nothing"),
        ("send", "queue it for every subscriber now (once; a repeat does nothing)"),
    ):
        parser = cast.add_parser(action, help=text)
        parser.add_argument("theme", metavar="THEME", help="the theme's month, e.g. 2026-12")


def _report_parser(sub: Any) -> None:
    rep = sub.add_parser(
        "report",
        help="the office's monthly or yearly report (screen, JSON, CSV or XLSX)",
        description="Figures from the interaction log for one month or one year. Months and "
        "days are calendar months and days in the configured timezone. No resident names, ids "
        "or messages appear in a report.",
    )
    when = rep.add_mutually_exclusive_group()
    when.add_argument(
        "--month",
        metavar="YYYY-MM",
        help="a calendar month, e.g. 2024-03 (default: the last complete month)",
    )
    when.add_argument(
        "--year", metavar="YYYY", help="a whole year: a twelve-month table plus totals"
    )
    rep.add_argument(
        "--format",
        default="table",
        choices=REPORT_FORMATS,
        help="table (default: readable, on screen), json, csv (UTF-8 with BOM, "
        "opens in Excel) or xlsx (sheets with charts)",
    )
    rep.add_argument(
        "--output",
        "-o",
        type=Path,
        metavar="PATH",
        help="write to this file (default: the screen; for xlsx "
        "legaldesk-report-<period>.xlsx in the current folder)",
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # PTB 22 announces that RetryAfter.retry_after becomes a timedelta; opt in (both are handled).
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    try:
        settings = load_settings(args.config, os.environ)
    except ConfigError as exc:
        print(f"legaldesk: config error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    configure_logging(settings.log_level)
    try:
        return _dispatch(args, settings)
    except FaqError as exc:
        print("legaldesk: the knowledge base has problems:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    from bot import commands

    if args.command == "run":
        if (
            settings.telegram_bot_token is not None
            and settings.telegram.webhook
            and settings.telegram.webhook_secret is None
        ):
            print(NO_WEBHOOK_SECRET, file=sys.stderr)
            return EXIT_USAGE
        return commands.run(settings, args.instance_id)
    if args.command == "migrate":
        return asyncio.run(commands.migrate(settings))
    if args.command == "shell":
        return asyncio.run(commands.shell(settings))
    if args.command == "ask":
        return _print(commands.ask(settings, args.text), args.json, commands.format_decision)
    if args.command == "report":
        return asyncio.run(
            commands.report(
                settings, month=args.month, year=args.year, fmt=args.format, output=args.output
            )
        )
    if args.command == "broadcast":
        return asyncio.run(commands.broadcast(settings, args.broadcast_command, args.theme))
    if args.command == "wechat":
        from bot.commands.wechat import wechat_menu

        return asyncio.run(wechat_menu(settings))
    if args.command == "staff":
        from bot.commands.staff import set_password

        return asyncio.run(set_password(settings, args.name))
    if args.command == "purge":
        return asyncio.run(commands.purge(settings))
    if args.command == "backup":
        return asyncio.run(commands.backup(settings, args.path, force=args.force))
    if args.command == "faq":
        if args.faq_command == "misses":
            return asyncio.run(
                commands.faq_misses(settings, month=args.month, fmt=args.format, output=args.output)
            )
        if args.faq_command == "check":
            return commands.faq_check(settings, args.dir)
        if args.faq_command == "list":
            return _print(commands.faq_list(settings), args.json, commands.format_entries)
        if args.faq_command == "eval":
            return commands.faq_eval(
                settings,
                args.file,
                as_json=args.json,
                sections=args.section,
                skip_sections=args.skip_section,
            )
    raise AssertionError(f"unhandled command {args.command}")


def _print(data: Any, as_json: bool, render: Any) -> int:
    if as_json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        print(render(data))
    return 0
