"""Session persistence in SQLite (`Config.sessions_db`).

One row per (session, item), written with a single UPSERT per answer, so two people answering
different items of the same session at once never lose each other's work, and the last write
wins per field of one item. WAL mode lets readers and one writer work side by side; a busy
timeout makes concurrent writers wait instead of failing. A file that is not a readable
database raises ChecklistError and is never overwritten.

A database locked by another process beyond the busy timeout, deleted under a running server or
out of reach raises StoreUnavailableError (HTTP 503) and nothing saved is touched. A deleted file
is noticed on the next call (its inode is gone), created anew with its schema and reported once;
later calls work without a restart. Messages never name the file's path (a server would show it
to its users); the log does.
"""
from __future__ import annotations

import logging
import os
import secrets
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timezone
from pathlib import Path

from ..errors import ChecklistError, NotFoundError, StoreUnavailableError
from .models import ItemState, Session

log = logging.getLogger(__name__)
_UNSET = object()
LOCKED = "Øktdatabasen er låst av en annen prosess. Prøv igjen om litt; ingen lagrede svar er tapt."
UNREACHABLE = ("Øktdatabasen er ikke tilgjengelig akkurat nå. Prøv igjen om litt; "
               "svar som alt er lagret, blir ikke berørt.")
VANISHED = ("Øktdatabasen var slettet og er nå opprettet på nytt, tom: økter som var lagret i den, finnes ikke "
            "lenger. Prøv igjen; nye økter lagres som vanlig.")


def _m001_initial(db: sqlite3.Connection) -> None:
    db.execute("""CREATE TABLE sessions (
        id TEXT PRIMARY KEY, checklist_id TEXT NOT NULL, name TEXT NOT NULL,
        created_at TEXT NOT NULL, updated_at TEXT NOT NULL, created_by TEXT NOT NULL DEFAULT '')""")
    db.execute("""CREATE TABLE item_states (
        session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE, item_id TEXT NOT NULL,
        status TEXT, note TEXT NOT NULL DEFAULT '', owner TEXT NOT NULL DEFAULT '', due TEXT,
        updated_at TEXT NOT NULL, updated_by TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (session_id, item_id))""")
    db.execute("CREATE INDEX sessions_by_checklist ON sessions(checklist_id, updated_at)")


def _m002_conversations(db: sqlite3.Connection) -> None:
    """Web-chat conversations live beside the checklist sessions (assistant/conversations.py)."""
    db.execute("""CREATE TABLE conversations (
        id TEXT PRIMARY KEY, owner TEXT NOT NULL DEFAULT '', title TEXT NOT NULL,
        created_at TEXT NOT NULL, updated_at TEXT NOT NULL, turns TEXT NOT NULL DEFAULT '[]')""")
    db.execute("CREATE INDEX conversations_by_owner ON conversations(owner, updated_at)")


MIGRATIONS = [_m001_initial, _m002_conversations]  # append only; PRAGMA user_version counts the applied ones


def _rollback(db: sqlite3.Connection) -> None:
    try:
        if db.in_transaction:
            db.execute("ROLLBACK")
    except sqlite3.Error:
        pass  # the connection is closed next; SQLite rolls back on close anyway


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


class SessionStore:
    """SQLite-backed sessions. Opens a short-lived connection per call, so it is thread-safe."""

    def __init__(self, path: Path, busy_timeout: float = 10.0):
        self.path = Path(path)
        self.busy_timeout = busy_timeout
        self._identity: tuple[int, int] | None = None  # (device, inode) of the file opened and migrated
        self._lock = threading.Lock()

    # -- connection -----------------------------------------------------------------------
    @contextmanager
    def _db(self, write: bool = False) -> Iterator[sqlite3.Connection]:
        """A connection in one transaction; sqlite errors become Norwegian ChecklistErrors."""
        self._check()
        try:
            db = sqlite3.connect(self.path, timeout=self.busy_timeout, isolation_level=None)
        except sqlite3.Error as err:
            raise self._translate(err) from err
        try:
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA foreign_keys=ON")
            db.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            yield db
            db.execute("COMMIT")
        except sqlite3.Error as err:
            _rollback(db)
            raise self._translate(err) from err
        except BaseException:
            _rollback(db)
            raise
        finally:
            db.close()

    def _check(self) -> None:
        """Open and migrate on first use; afterwards notice the file deleted or replaced under us.

        sqlite3.connect would quietly create an empty file where a deleted one was, and every
        call would then fail on a missing table: the schema is created anew instead, and the call
        that notices says once that the saved sessions are gone. A replaced file (a backup put
        back) is checked and migrated like a new one."""
        if self._identity is None:
            with self._lock:
                if self._identity is None:
                    self._open()
            return
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            with self._lock:
                if self._identity is not None and not self.path.exists():
                    log.error("The session database %s was deleted while in use; creating it anew, empty.",
                              self.path)
                    self._identity = None
                    for suffix in ("-wal", "-shm", "-journal"):  # the deleted database's, never to be replayed
                        Path(f"{self.path}{suffix}").unlink(missing_ok=True)
                    self._open()
                    raise StoreUnavailableError(VANISHED) from None
            if self._identity is None:  # another call found it gone too, and could not create it
                self._check()
            return  # another call created it anew and said so
        except OSError as err:
            raise self._unavailable(err) from err
        if (st.st_dev, st.st_ino) != self._identity:
            with self._lock:
                log.warning("The session database %s was replaced; checking and opening the new file.", self.path)
                self._open()

    def _open(self) -> None:
        """Check the file is a database (reading it first, writing nothing), then migrate."""
        self._identity = None
        try:
            if self.path.exists() and self.path.stat().st_size:
                with self.path.open("rb") as fh:
                    if fh.read(16) != b"SQLite format 3\x00":
                        raise self._corrupt()
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=self.busy_timeout, isolation_level=None)
        except (OSError, sqlite3.Error) as err:
            raise self._unavailable(err) from err
        try:
            if [tuple(r) for r in db.execute("PRAGMA quick_check")] != [("ok",)]:
                raise self._corrupt()
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("BEGIN IMMEDIATE")
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > len(MIGRATIONS):
                log.error("The session database %s has schema version %d; this program knows %d.",
                          self.path, version, len(MIGRATIONS))
                raise ChecklistError("Øktdatabasen er laget av en nyere versjon av programmet.")
            for number, migration in enumerate(MIGRATIONS[version:], start=version + 1):
                migration(db)
                db.execute(f"PRAGMA user_version={number}")
            db.execute("COMMIT")
            st = os.stat(self.path)
        except sqlite3.Error as err:
            raise self._translate(err) from err
        except OSError as err:
            raise self._unavailable(err) from err
        finally:
            _rollback(db)
            db.close()
        self._identity = (st.st_dev, st.st_ino)

    def _corrupt(self) -> ChecklistError:
        log.error("The session database %s is damaged or not a database; it is left as it is.", self.path)
        return ChecklistError(
            f"Øktdatabasen ({self.path.name} i assistentens hjemmemappe) er skadet eller er ikke en database. "
            "Filen er ikke endret. Flytt den til side (eller gjenopprett en sikkerhetskopi) og prøv igjen."
        )

    def _unavailable(self, err: Exception) -> StoreUnavailableError:
        log.error("The session database %s cannot be used: %s", self.path, err)
        self._identity = None  # opened and checked anew on the next call
        return StoreUnavailableError(UNREACHABLE)

    def _translate(self, err: sqlite3.Error) -> ChecklistError:
        text = str(err).lower()
        if "locked" in text or "busy" in text:
            log.warning("The session database %s is locked by another process: %s", self.path, err)
            return StoreUnavailableError(LOCKED)
        if "not a database" in text or "malformed" in text or "corrupt" in text:
            return self._corrupt()
        if "no such table" in text:  # deleted between the check and the connection: sqlite made it empty
            log.error("The session database %s lost its tables (deleted while in use?): %s", self.path, err)
            self._identity = None
            return StoreUnavailableError(VANISHED)
        if any(t in text for t in ("unable to open", "disk i/o", "readonly", "disk is full", "out of memory")):
            return self._unavailable(err)
        log.error("Session database error in %s: %s", self.path, err)
        return ChecklistError(f"Feil i øktdatabasen: {err}")

    # -- sessions -------------------------------------------------------------------------
    def create(self, checklist_id: str, name: str, created_by: str = "") -> Session:
        now = _now()
        with self._db(write=True) as db:
            while True:
                sid = secrets.token_hex(4)
                if not db.execute("SELECT 1 FROM sessions WHERE id=?", (sid,)).fetchone():
                    break
            db.execute("INSERT INTO sessions VALUES (?,?,?,?,?,?)", (sid, checklist_id, name, now, now, created_by))
        return self.get(sid)

    def get(self, session_id: str) -> Session:
        with self._db() as db:
            row = db.execute("SELECT * FROM sessions WHERE id=?", (session_id,)).fetchone()
            if row is None:
                raise NotFoundError(f"Fant ingen økt med id «{session_id}».")
            states = db.execute("SELECT * FROM item_states WHERE session_id=?", (session_id,)).fetchall()
        return Session(
            id=row["id"], checklist_id=row["checklist_id"], name=row["name"], created_at=row["created_at"],
            updated_at=row["updated_at"], created_by=row["created_by"],
            states={s["item_id"]: ItemState(
                status=s["status"], note=s["note"], owner=s["owner"], due=s["due"] or None,
                updated_at=s["updated_at"], updated_by=s["updated_by"]) for s in states},
        )

    def ids_named(self, name: str) -> list[str]:
        with self._db() as db:
            return [r[0] for r in db.execute("SELECT id FROM sessions WHERE name=?", (name,))]

    def list(self, checklist_id: str | None = None) -> list[dict]:
        """Rows with id, checklist_id, name, created_at, updated_at, answered; newest first."""
        sql = """SELECT s.*, (SELECT COUNT(*) FROM item_states i WHERE i.session_id=s.id
                 AND i.status IS NOT NULL) AS answered FROM sessions s"""
        args: tuple = ()
        if checklist_id:
            sql, args = sql + " WHERE s.checklist_id=?", (checklist_id,)
        with self._db() as db:
            return [dict(r) for r in db.execute(sql + " ORDER BY s.updated_at DESC", args)]

    def rename(self, session_id: str, name: str) -> None:
        with self._db(write=True) as db:
            cur = db.execute("UPDATE sessions SET name=?, updated_at=? WHERE id=?", (name, _now(), session_id))
            if not cur.rowcount:
                raise NotFoundError(f"Fant ingen økt med id «{session_id}».")

    def delete(self, session_id: str) -> None:
        with self._db(write=True) as db:
            db.execute("DELETE FROM item_states WHERE session_id=?", (session_id,))
            if not db.execute("DELETE FROM sessions WHERE id=?", (session_id,)).rowcount:
                raise NotFoundError(f"Fant ingen økt med id «{session_id}».")

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
        sets = ", ".join(f"{k}=excluded.{k}" for k in given) + (", " if given else "")
        with self._db(write=True) as db:
            if not db.execute("SELECT 1 FROM sessions WHERE id=?", (session_id,)).fetchone():
                raise NotFoundError(f"Fant ingen økt med id «{session_id}».")
            db.execute(
                f"""INSERT INTO item_states VALUES (?,?,?,?,?,?,?,?)
                ON CONFLICT(session_id, item_id) DO UPDATE SET {sets}
                updated_at=excluded.updated_at, updated_by=excluded.updated_by""",
                (session_id, item_id, values["status"], values["note"], values["owner"], values["due"],
                 now, updated_by),
            )
            db.execute("UPDATE sessions SET updated_at=? WHERE id=?", (now, session_id))
            row = db.execute("SELECT * FROM item_states WHERE session_id=? AND item_id=?",
                             (session_id, item_id)).fetchone()
        return ItemState(status=row["status"], note=row["note"], owner=row["owner"], due=row["due"] or None,
                         updated_at=row["updated_at"], updated_by=row["updated_by"])

    def clear_item(self, session_id: str, item_id: str) -> None:
        with self._db(write=True) as db:
            db.execute("DELETE FROM item_states WHERE session_id=? AND item_id=?", (session_id, item_id))
            db.execute("UPDATE sessions SET updated_at=? WHERE id=?", (_now(), session_id))
