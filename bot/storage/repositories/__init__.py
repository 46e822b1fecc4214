"""Repositories: the SQL behind the core's ports. They never commit; the unit of work does.

Core statements on the unit of work's connection, rows mapped to the core's values by hand: no
ORM session (its identity map and flushes cost more than the SQL on these short transactions).
Selecting a mapped class on a connection yields plain rows of its columns. The statements every
message runs are built once, at import, with bound parameters: constructing a statement (and its
cache key) cost more than executing it on SQLite.
"""

from bot.storage.repositories.cases import SqlCaseRepository
from bot.storage.repositories.outbox import SqlOutbox
from bot.storage.repositories.people import (
    SqlDutyRepository,
    SqlInteractionRepository,
    SqlResidentRepository,
    resident_from_row,
)
from bot.storage.repositories.tables import ACTIVE

__all__ = [
    "ACTIVE",
    "SqlCaseRepository",
    "SqlDutyRepository",
    "SqlInteractionRepository",
    "SqlOutbox",
    "SqlResidentRepository",
    "resident_from_row",
]
