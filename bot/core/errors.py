"""Domain errors, one small tree that adapters map to friendly text in one place.

DeskError
├── NotAllowed          the sender lacks the role the action needs
├── CaseNotFound        no case with that number
├── CaseClosed          the case is closed; nothing more can be done to it
├── AlreadyClaimed      another adviser holds the case (``holder`` names them)
└── InvalidRequest      arguments that make no sense (a bad month, an empty answer, ...)
"""

from __future__ import annotations


class DeskError(Exception):
    """Base of every expected, user-explainable failure of a use case."""


class NotAllowed(DeskError):
    """The sender is not on the roster with a role that may do this."""


class CaseNotFound(DeskError):
    def __init__(self, case_id: int) -> None:
        super().__init__(f"case #{case_id} not found")
        self.case_id = case_id


class CaseClosed(DeskError):
    def __init__(self, case_id: int) -> None:
        super().__init__(f"case #{case_id} is closed")
        self.case_id = case_id


class AlreadyClaimed(DeskError):
    def __init__(self, case_id: int, holder: str) -> None:
        super().__init__(f"case #{case_id} is held by {holder}")
        self.case_id = case_id
        self.holder = holder


class InvalidRequest(DeskError):
    """The request cannot be understood; the message says how to put it right (Chinese)."""
