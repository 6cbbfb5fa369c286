"""Checklist walkthroughs grounded in the guide: data, sessions, reports."""
from __future__ import annotations

from .loader import get_checklist, load_checklists
from .models import STATUSES, Checklist, ChecklistGroup, ChecklistItem, ItemState, Source, normalise_status

__all__ = ["STATUSES", "Checklist", "ChecklistGroup", "ChecklistItem", "ItemState", "Source", "get_checklist",
           "load_checklists", "normalise_status"]
