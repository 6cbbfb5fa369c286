"""Checklist walkthroughs grounded in the guide: data, sessions, reports.

Heavy dependencies (matplotlib, python-docx) load only when a report is made.
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
from .service import ChecklistService
from .store import SessionStore

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
