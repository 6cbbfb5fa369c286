"""Stepping through a checklist: pure functions over (Checklist, Session), 0-based indexes.

Kept free of I/O so the terminal walkthrough, the web UI and the HTTP API move the same way.
"""
from __future__ import annotations

from ..errors import NotFoundError
from .models import Checklist, Progress, Session


def progress(checklist: Checklist, session: Session) -> Progress:
    answered = sum(1 for it in checklist.items if session.state(it.id).answered)
    return Progress(answered=answered, total=len(checklist.items))


def first_open(checklist: Checklist, session: Session, start: int = 0) -> int | None:
    """Index of the first unanswered item at or after `start` (wrapping once), or None if done."""
    n = len(checklist.items)
    for k in range(n):
        i = (start + k) % n
        if not session.state(checklist.items[i].id).answered:
            return i
    return None


def resume_index(checklist: Checklist, session: Session) -> int:
    """Where a resumed walkthrough continues: the first unanswered item, else the last item."""
    i = first_open(checklist, session)
    return len(checklist.items) - 1 if i is None else i


def next_index(checklist: Checklist, index: int) -> int | None:
    """The following item, or None after the last one."""
    return index + 1 if index + 1 < len(checklist.items) else None


def prev_index(checklist: Checklist, index: int) -> int:
    return max(index - 1, 0)


def jump(checklist: Checklist, target: int | str) -> int:
    """Index for "gå til N" (1-based number) or an item id."""
    text = str(target).strip()
    if text.isdigit():
        number = int(text)
        if 1 <= number <= len(checklist.items):
            return number - 1
        raise NotFoundError(f"Punkt {number} finnes ikke; sjekklisten har {len(checklist.items)} punkter.")
    return checklist.index_of(text)
