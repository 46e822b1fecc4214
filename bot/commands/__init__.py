"""What each CLI command does, on top of the services; ``bot.cli`` parses the arguments.

One module per feature: ``run`` (the bot, the shell), ``faq`` (ask, check, list, eval, misses),
``report``, ``broadcast``, ``privacy`` (purge, backup), ``database`` (migrations before a
command runs).
"""

from bot.commands.broadcast import broadcast
from bot.commands.database import OutdatedSchema, migrate, prepare_database
from bot.commands.faq import (
    ask,
    decision_json,
    faq_check,
    faq_eval,
    faq_list,
    faq_misses,
    format_decision,
    format_entries,
)
from bot.commands.privacy import backup, purge
from bot.commands.report import report
from bot.commands.run import run, shell

__all__ = [
    "OutdatedSchema",
    "ask",
    "backup",
    "broadcast",
    "decision_json",
    "faq_check",
    "faq_eval",
    "faq_list",
    "faq_misses",
    "format_decision",
    "format_entries",
    "migrate",
    "prepare_database",
    "purge",
    "report",
    "run",
    "shell",
]
