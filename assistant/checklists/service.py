"""The checklist API every interface uses: sessions, answers, navigation, reports, explanations.

>>> svc = ChecklistService(Config.from_env())
>>> s = svc.start_session("oppstart", "Næringsplan 2025")
>>> svc.update_item(s.id, "opp-org-01", status="delvis", note="Mangler NHO", owner="Kari")
>>> svc.progress(s.id).label
'1 av 24'
"""
from __future__ import annotations

import getpass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import Config
from ..errors import ChecklistError, NotFoundError
from . import walkthrough
from .loader import get_checklist, load_checklists
from .models import (MAX_NOTE_CHARS, MAX_SHORT_CHARS, Checklist, ChecklistItem, ItemState, Progress,
                     Session, SessionSummary, normalise_status)
from .store import _UNSET, SessionStore
from ..validation import clean_text

if TYPE_CHECKING:
    from ..models import Answer
    from .explain import Corpus


def parse_due(value: str | date | None) -> date | None:
    """Accept 2025-03-31, 31.03.2025 or a date; "" clears; anything else is a ChecklistError."""
    if value is None or isinstance(value, date):
        return value
    text = value.strip()
    if not text:
        return None
    for fmt in ("%Y-%m-%d", "%d.%m.%Y", "%d.%m.%y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            pass
    raise ChecklistError(f"Ugyldig frist «{value}». Bruk formatet ÅÅÅÅ-MM-DD eller DD.MM.ÅÅÅÅ.")


def _short(value: str, what: str) -> str:
    """A one-line field (name, owner): control characters gone, whitespace collapsed."""
    value = " ".join(clean_text(value).split())
    if len(value) > MAX_SHORT_CHARS:
        raise ChecklistError(f"{what} kan være høyst {MAX_SHORT_CHARS} tegn.")
    return value


class ChecklistService:
    """Checklists (read-only data) plus sessions in the store under `config.sessions_db`."""

    def __init__(self, config: Config | None = None, store: SessionStore | None = None,
                 assistant: "Corpus | None" = None, data_dir: Path | None = None):
        """`assistant`: what `explain` quotes from (the core `Assistant`, given by the interface
        that builds the service; the checklists never build one themselves)."""
        self.config = config or Config.from_env()
        self.store = store or SessionStore(self.config.sessions_db, url=self.config.database_url)
        self._assistant = assistant
        self._data_dir = data_dir

    # -- checklists -----------------------------------------------------------------------
    def list_checklists(self) -> list[Checklist]:
        return list(load_checklists(self._data_dir).values())

    def get_checklist(self, checklist_id: str) -> Checklist:
        return get_checklist(checklist_id, self._data_dir)

    def get_item(self, checklist_id: str, item_id: str) -> ChecklistItem:
        return self.get_checklist(checklist_id).item(item_id)

    # -- sessions -------------------------------------------------------------------------
    def start_session(self, checklist_id: str, name: str | None = None, created_by: str | None = None) -> Session:
        checklist = self.get_checklist(checklist_id)
        name = _short(name or f"{checklist.title} {date.today():%d.%m.%Y}", "Navnet")
        if not name:
            raise ChecklistError("Økten må ha et navn.")
        return self.store.create(checklist.id, name, _short(created_by, "Opprettet av") if created_by is not None
                                 else _user())

    def get_session(self, session_ref: str) -> Session:
        """By id, or by name when exactly one session has that name."""
        try:
            return self.store.get(session_ref)
        except NotFoundError:
            ids = self.store.ids_named(session_ref)
            if len(ids) == 1:
                return self.store.get(ids[0])
            if len(ids) > 1:
                raise ChecklistError(f"Flere økter heter «{session_ref}»; bruk id-en.") from None
            raise

    def list_sessions(self, checklist_id: str | None = None, owner: str | None = None) -> list[SessionSummary]:
        """Sessions, newest first; with `owner`, only those that user started."""
        totals = {c.id: len(c.items) for c in self.list_checklists()}
        return [SessionSummary(total=totals.get(r["checklist_id"], 0), created_by=r.get("created_by") or "", **{
            k: r[k] for k in ("id", "checklist_id", "name", "created_at", "updated_at", "answered")})
            for r in self.store.list(checklist_id) if owner is None or r.get("created_by") == owner]

    def check_access(self, session_ref: str, owner: str | None) -> Session:
        """The session, if `owner` may see it (None: anyone); another user's is "not found"."""
        session = self.get_session(session_ref)
        if owner is not None and session.created_by != owner:
            raise NotFoundError(f"Fant ingen økt med id «{session_ref}».")
        return session

    def rename(self, session_id: str, name: str) -> Session:
        name = _short(name, "Navnet")
        if not name:
            raise ChecklistError("Økten må ha et navn.")
        sid = self.get_session(session_id).id
        self.store.rename(sid, name)
        return self.store.get(sid)

    def delete(self, session_id: str) -> None:
        self.store.delete(self.get_session(session_id).id)

    # -- answers --------------------------------------------------------------------------
    def update_item(self, session_id: str, item_id: str, status: str | None = None, note: str | None = None,
                    owner: str | None = None, due: str | date | None = None,
                    updated_by: str | None = None) -> ItemState:
        """Record what the team decided for one item; None leaves a field as it is, "" clears it.

        Everything is validated before anything is written, so a bad value loses nothing.
        """
        session = self.get_session(session_id)
        self.get_checklist(session.checklist_id).item(item_id)
        fields: dict = {}
        if status is not None:
            fields["status"] = normalise_status(status)
        if note is not None:
            note = clean_text(note)  # a vertical tab or NUL pasted from elsewhere would break the Word report
            if len(note) > MAX_NOTE_CHARS:
                raise ChecklistError(f"Notatet er {len(note)} tegn; høyst {MAX_NOTE_CHARS} tegn er tillatt.")
            fields["note"] = note
        if owner is not None:
            fields["owner"] = _short(owner, "Ansvarlig")
        if due is not None:
            fields["due"] = parse_due(due)
        return self.store.upsert_item(session.id, item_id, updated_by=_short(updated_by, "Oppdatert av")
                                      if updated_by is not None else _user(), **{k: fields.get(k, _UNSET) for k in
                                                       ("status", "note", "owner", "due")})

    def clear_item(self, session_id: str, item_id: str) -> None:
        session = self.get_session(session_id)
        self.get_checklist(session.checklist_id).item(item_id)
        self.store.clear_item(session.id, item_id)

    # -- walkthrough ----------------------------------------------------------------------
    def progress(self, session_id: str) -> Progress:
        session = self.get_session(session_id)
        return walkthrough.progress(self.get_checklist(session.checklist_id), session)

    def resume_index(self, session_id: str) -> int:
        session = self.get_session(session_id)
        return walkthrough.resume_index(self.get_checklist(session.checklist_id), session)

    def next_index(self, session_id: str, index: int) -> int | None:
        return walkthrough.next_index(self._checklist_of(session_id), index)

    def prev_index(self, session_id: str, index: int) -> int:
        return walkthrough.prev_index(self._checklist_of(session_id), index)

    def jump(self, session_id: str, target: int | str) -> int:
        return walkthrough.jump(self._checklist_of(session_id), target)

    def _checklist_of(self, session_id: str) -> Checklist:
        return self.get_checklist(self.get_session(session_id).checklist_id)

    # -- explanations and reports ---------------------------------------------------------
    def explain(self, item: ChecklistItem, assistant: "Corpus | None" = None, lang: str = "nb") -> "Answer":
        """Why the item matters and what to weigh, quoted from the guide text around the item
        (its section, not the item itself), with citations; see `checklists.explain`.
        Raises `ChecklistError` when neither this call nor the service was given an assistant."""
        from .explain import explain_item

        assistant = assistant or self._assistant
        if assistant is None:
            raise ChecklistError("Forklaringer er ikke tilgjengelige: sjekklistene er ikke koblet til assistenten.")
        return explain_item(item, assistant, self.checklist_of_item(item), lang)

    def checklist_of_item(self, item: ChecklistItem) -> Checklist | None:
        return next((c for c in self.list_checklists() if any(i.id == item.id for i in c.items)), None)

    def report(self, session_id: str, format: str = "md") -> str | bytes:
        """The readiness report: Markdown text (chart inlined) or a .docx document as bytes."""
        from .report import render

        session = self.get_session(session_id)
        return render(self.get_checklist(session.checklist_id), session, format, self.config.organisation)

    def write_report(self, session_id: str, path: Path, format: str | None = None) -> Path:
        """Write the report to `path`; Markdown gets its chart as a PNG file beside it."""
        from .report import write

        session = self.get_session(session_id)
        return write(self.get_checklist(session.checklist_id), session, Path(path), format, self.config.organisation)


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return ""
