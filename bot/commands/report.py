"""``legaldesk report``: a month's or a year's figures as a table, JSON, CSV or Excel."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bot.commands.database import OUTDATED, OutdatedSchema, prepare_database
from bot.commands.files import emit, unwritable
from bot.config import Settings
from bot.resources import shipped_faq_dir
from bot.storage.uow import create_engine


async def report(
    settings: Settings, *, month: str | None, year: str | None, fmt: str, output: Path | None
) -> int:
    """Print or write the report of a month (default: the last complete one) or a year."""
    from bot.app import build_reports
    from bot.core.clock import SystemClock
    from bot.core.errors import InvalidRequest
    from bot.core.periods import last_complete_month, parse_month, parse_year
    from bot.core.reports import to_json
    from bot.storage.faq_yaml import load_knowledge_base
    from bot.storage.uow import SqlUnitOfWorkFactory

    clock, zone = SystemClock(), settings.timezone
    try:
        if year is not None:
            period = parse_year(year, zone)
        elif month is not None:
            period = parse_month(month, zone)
        else:
            period = last_complete_month(clock.now(), zone)
    except InvalidRequest as exc:
        print(f"legaldesk report: {exc}", file=sys.stderr)
        return 2
    if fmt == "xlsx" and output is None:
        output = Path(f"legaldesk-report-{period.label}.xlsx")
    problem = unwritable(output) if output is not None else None
    if problem:
        print(f"legaldesk report: 无法写入 {output}：{problem}", file=sys.stderr)
        return 1
    kb = load_knowledge_base(settings.faq_dir or shipped_faq_dir())
    try:
        await prepare_database(settings)
    except OutdatedSchema:
        print(OUTDATED, file=sys.stderr)
        return 2
    engine = create_engine(settings.database_url)
    try:
        reports = build_reports(settings, SqlUnitOfWorkFactory(engine, write=False), kb, clock)
        built = await reports.build(period)
    finally:
        await engine.dispose()
    if fmt == "json":
        data = (json.dumps(to_json(built), ensure_ascii=False, indent=2) + "\n").encode()
    else:
        from bot.adapters import exports  # openpyxl takes a while to import

        renderers = {
            "table": lambda r: (exports.to_table(r) + "\n").encode(),
            "csv": exports.to_csv,
            "xlsx": exports.to_xlsx,
        }
        data = renderers[fmt](built)
    problem = emit(data, output)
    if problem is not None:
        print(f"legaldesk report: 无法写入 {output}：{problem}", file=sys.stderr)
        return 1
    if output is not None:
        print(f"已写入 {output}（{period.label}，{fmt}）")
    return 0
