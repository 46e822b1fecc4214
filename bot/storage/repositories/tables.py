"""The tables behind the repositories, as Core ``Table`` objects, and shared values."""

from __future__ import annotations

from typing import cast

from sqlalchemy import Table

from bot.core.ports import CaseStatus
from bot.storage.models import (
    CaseMessageRow,
    CaseRow,
    DutyOverrideRow,
    InteractionRow,
    OutboxRow,
    ResidentRow,
)

RESIDENTS = cast(Table, ResidentRow.__table__)
CASES = cast(Table, CaseRow.__table__)
CASE_MESSAGES = cast(Table, CaseMessageRow.__table__)
DUTY = cast(Table, DutyOverrideRow.__table__)
INTERACTIONS = cast(Table, InteractionRow.__table__)
OUTBOX = cast(Table, OutboxRow.__table__)
ACTIVE = (CaseStatus.OPEN.value, CaseStatus.CLAIMED.value, CaseStatus.ANSWERED.value)
