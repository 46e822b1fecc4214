"""`legaldesk run` serves on uvloop (a dependency on Linux), which the benchmarks measure."""

from __future__ import annotations

import asyncio

from bot.commands import run_event_loop


async def _loop_module() -> str:
    await asyncio.sleep(0)
    return type(asyncio.get_running_loop()).__module__


def test_the_bot_runs_on_uvloop() -> None:
    assert run_event_loop(_loop_module()).startswith("uvloop")
