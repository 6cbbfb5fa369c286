"""Checklist sessions, one row per (session, item), in the storage layer (assistant/database.py):
the SQLite file `Config.sessions_db` by default, PostgreSQL when ASSISTANT_DATABASE_URL is set.

Each answer is a single UPSERT, so two people (or two app processes) answering different items of
the same session at once never lose each other's work, and the last write wins per field of one
item. With SQLite, WAL mode lets readers and one writer work side by side and a busy timeout makes
concurrent writers wait instead of failing; a file that is not a readable database raises
ChecklistError and is never overwritten.

A database locked by another process beyond the busy timeout, deleted under a running server or
out of reach (a PostgreSQL server down) raises StoreUnavailableError (HTTP 503) and nothing saved
is touched. A deleted file is noticed on the next call (its inode is gone), created anew with its
schema and reported once; later calls work without a restart, and so do calls after a PostgreSQL
server comes back. Messages never name the file's path or the server (a server would show it to
its users); the log does.
"""
from __future__ import annotations

import logging
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from sqlalchemy import Connection, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ..database import SESSIONS, Database, item_states, open_database, sessions
from ..database import now as _now
from ..errors import NotFoundError
from .models import ItemState, Session

log = logging.getLogger(__name__)
_UNSET = object()
LOCKED = SESSIONS.locked
UNREACHABLE = SESSIONS.unreachable
VANISHED = SESSIONS.vanished


def _missing(session_id: str) -> NotFoundError:
    return NotFoundError(f"Fant ingen økt med id «{session_id}».")


def _state(row) -> ItemState:
    return ItemState(status=row.status, note=row.note, owner=row.owner, due=row.due or None,
                     updated_at=row.updated_at, updated_by=row.updated_by)


class SessionStore:
    """Sessions in SQLite (`path`) or in the database `url` names. Thread- and process-safe."""

    def __init__(self, path: Path, busy_timeout: float = 10.0, url: str = ""):
        self.path = Path(path)
        self.busy_timeout = busy_timeout
        self.database: Database = open_database(self.path, url, ("sessions",), SESSIONS, busy_timeout)

    @contextmanager
    def _db(self, write: bool = False) -> Iterator[Connection]:
        """One transaction; database errors become Norwegian ChecklistErrors (503 when unavailable)."""
        with self.database.transaction(write=write) as db:
            yield db

    # -- sessions -------------------------------------------------------------------------
    def create(self, checklist_id: str, name: str, created_by: str = "") -> Session:
        now = _now()
        with self._db(write=True) as db:
            while True:
                sid = secrets.token_hex(4)
                if not db.execute(select(sessions.c.id).where(sessions.c.id == sid)).first():
                    break
            db.execute(insert(sessions).values(id=sid, checklist_id=checklist_id, name=name, created_at=now,
                                               updated_at=now, created_by=created_by))
        return self.get(sid)

    def get(self, session_id: str) -> Session:
        with self._db() as db:
            row = db.execute(select(sessions).where(sessions.c.id == session_id)).first()
            if row is None:
                raise _missing(session_id)
            states = db.execute(select(item_states).where(item_states.c.session_id == session_id)).all()
        return Session(id=row.id, checklist_id=row.checklist_id, name=row.name, created_at=row.created_at,
                       updated_at=row.updated_at, created_by=row.created_by,
                       states={s.item_id: _state(s) for s in states})

    def ids_named(self, name: str) -> list[str]:
        with self._db() as db:
            return list(db.execute(select(sessions.c.id).where(sessions.c.name == name)).scalars())

    def list(self, checklist_id: str | None = None) -> list[dict]:
        """Rows with id, checklist_id, name, created_at, updated_at, created_by, answered; newest first."""
        answered = (select(func.count()).select_from(item_states)
                    .where(item_states.c.session_id == sessions.c.id, item_states.c.status.is_not(None))
                    .scalar_subquery().label("answered"))
        query = select(sessions, answered)
        if checklist_id:
            query = query.where(sessions.c.checklist_id == checklist_id)
        with self._db() as db:
            return [dict(r) for r in db.execute(query.order_by(sessions.c.updated_at.desc())).mappings()]

    def rename(self, session_id: str, name: str) -> None:
        with self._db(write=True) as db:
            cur = db.execute(update(sessions).where(sessions.c.id == session_id).values(name=name, updated_at=_now()))
            if not cur.rowcount:
                raise _missing(session_id)

    def delete(self, session_id: str) -> None:
        with self._db(write=True) as db:
            db.execute(delete(item_states).where(item_states.c.session_id == session_id))
            if not db.execute(delete(sessions).where(sessions.c.id == session_id)).rowcount:
                raise _missing(session_id)

    # -- answers --------------------------------------------------------------------------
    def upsert_item(self, session_id: str, item_id: str, *, status=_UNSET, note=_UNSET, owner=_UNSET,
                    due=_UNSET, updated_by: str = "") -> ItemState:
        """Set the given fields of one item atomically; fields left out keep their value."""
        fields = {"status": status, "note": note, "owner": owner, "due": due}
        given = {k: v for k, v in fields.items() if v is not _UNSET}
        if isinstance(given.get("due"), date):
            given["due"] = given["due"].isoformat()
        now = _now()
        values = {"status": None, "note": "", "owner": "", "due": None, **given}
        with self._db(write=True) as db:
            if not db.execute(select(sessions.c.id).where(sessions.c.id == session_id)).first():
                raise _missing(session_id)
            dialect = postgresql if db.dialect.name == "postgresql" else sqlite
            stmt = dialect.insert(item_states).values(session_id=session_id, item_id=item_id, updated_at=now,
                                                      updated_by=updated_by, **values)
            changed = {k: stmt.excluded[k] for k in (*given, "updated_at", "updated_by")}
            db.execute(stmt.on_conflict_do_update(index_elements=["session_id", "item_id"], set_=changed))
            db.execute(update(sessions).where(sessions.c.id == session_id).values(updated_at=now))
            row = db.execute(select(item_states).where(item_states.c.session_id == session_id,
                                                       item_states.c.item_id == item_id)).one()
        return _state(row)

    def clear_item(self, session_id: str, item_id: str) -> None:
        with self._db(write=True) as db:
            db.execute(delete(item_states).where(item_states.c.session_id == session_id,
                                                 item_states.c.item_id == item_id))
            db.execute(update(sessions).where(sessions.c.id == session_id).values(updated_at=_now()))
