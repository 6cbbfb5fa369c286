"""Checklist walkthroughs grounded in the guide: data, sessions, reports.

Heavy dependencies (matplotlib, python-docx) load only when a report is made, and the session
store (SQLAlchemy) only when a session is: `assistant ask` never loads it.
"""
from __future__ import annotations

from .intent import match_checklist_request, pointer_answer
from .loader import get_checklist, load_checklists
from .models import (
    STATUSES,
    Checklist,
    ChecklistGroup,
    ChecklistItem,
    ItemState,
    Progress,
    Session,
    SessionSummary,
    Source,
    normalise_status,
)

__all__ = [
    "STATUSES",
    "Checklist",
    "ChecklistGroup",
    "ChecklistItem",
    "ChecklistService",
    "ItemState",
    "Progress",
    "Session",
    "SessionStore",
    "SessionSummary",
    "Source",
    "get_checklist",
    "load_checklists",
    "match_checklist_request",
    "normalise_status",
    "pointer_answer",
]


def __getattr__(name: str):
    if name == "ChecklistService":
        from .service import ChecklistService

        return ChecklistService
    if name == "SessionStore":
        from .store import SessionStore

        return SessionStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
