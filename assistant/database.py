"""One storage layer for checklist sessions, conversations and feedback (SQLAlchemy Core).

SQLite by default: `sessions.sqlite3` (sessions, item answers, conversations) and
`feedback.sqlite3` under ASSISTANT_HOME, as before. PostgreSQL when `ASSISTANT_DATABASE_URL` is set
(`postgresql+psycopg://user:password@host:5432/db`): every table in that one database, shared by
any number of app processes.

    Database                     an engine, its migrations, one transaction per `transaction()`
    ├── SQLiteDatabase           a file: checked before it is opened, noticed when deleted or replaced
    └── ServerDatabase           PostgreSQL: a pool of connections checked before use

Migrations are named steps per component ("sessions", "feedback"), recorded in `schema_migrations`
and run once each, in order, under a lock (SQLite: BEGIN IMMEDIATE; PostgreSQL: an advisory lock),
so two processes starting at once migrate once. Files made by the hand-written migrations before
this module (PRAGMA user_version for sessions, a `_migrations` table for feedback) are taken over
as they stand: their applied steps are recorded and nothing is created twice.

Errors: a database locked beyond the busy timeout, deleted under a running server, or out of reach
(a PostgreSQL server down) raise StoreUnavailableError (HTTP 503) with a Norwegian message that
names neither a path nor a server; the log does (without the password). The next call tries
again, so the store recovers by itself when the database is back.
"""
from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import (CheckConstraint, Column, Connection, ForeignKey, Index, Integer, MetaData, Table, Text,
                        create_engine, event, exc, insert, select, text)
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

from .errors import ChecklistError, StoreUnavailableError

log = logging.getLogger(__name__)

metadata = MetaData()

sessions = Table(
    "sessions", metadata,
    Column("id", Text, primary_key=True), Column("checklist_id", Text, nullable=False),
    Column("name", Text, nullable=False), Column("created_at", Text, nullable=False),
    Column("updated_at", Text, nullable=False), Column("created_by", Text, nullable=False, server_default=""),
)
Index("sessions_by_checklist", sessions.c.checklist_id, sessions.c.updated_at)

item_states = Table(
    "item_states", metadata,
    Column("session_id", Text, ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True),
    Column("item_id", Text, primary_key=True), Column("status", Text),
    Column("note", Text, nullable=False, server_default=""), Column("owner", Text, nullable=False, server_default=""),
    Column("due", Text), Column("updated_at", Text, nullable=False),
    Column("updated_by", Text, nullable=False, server_default=""),
)

conversations = Table(
    "conversations", metadata,
    Column("id", Text, primary_key=True), Column("owner", Text, nullable=False, server_default=""),
    Column("title", Text, nullable=False), Column("created_at", Text, nullable=False),
    Column("updated_at", Text, nullable=False), Column("turns", Text, nullable=False, server_default="[]"),
)
Index("conversations_by_owner", conversations.c.owner, conversations.c.updated_at)

feedback = Table(
    "feedback", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True), Column("created", Text, nullable=False),
    Column("question", Text, nullable=False), Column("answer_json", Text, nullable=False),
    Column("citations_json", Text, nullable=False), Column("rating", Integer, nullable=False),
    Column("comment", Text, nullable=False, server_default=""), Column("source", Text, nullable=False, server_default=""),
    CheckConstraint("rating IN (-1, 1)", name="feedback_rating"),
    sqlite_autoincrement=True,
)

schema_migrations = Table(
    "schema_migrations", metadata,
    Column("component", Text, primary_key=True), Column("name", Text, primary_key=True),
    Column("applied_at", Text, nullable=False),
)


# -- migrations ---------------------------------------------------------------------------------
Migration = Callable[[Connection], None]


def _create(*tables: Table) -> Migration:
    def step(db: Connection) -> None:
        for table in tables:
            table.create(db)  # with its indexes
    return step


# Append only: a step, once released, is never changed (a later step alters what it made).
MIGRATIONS: dict[str, list[tuple[str, Migration]]] = {
    "sessions": [("m001_initial", _create(sessions, item_states)),
                 ("m002_conversations", _create(conversations))],
    "feedback": [("m001_feedback", _create(feedback))],
}


def _legacy_applied(db: Connection, component: str) -> list[str]:
    """Steps a SQLite file made before this module already ran by hand (their names match)."""
    names = [name for name, _ in MIGRATIONS[component]]
    if component == "sessions":
        version = db.exec_driver_sql("PRAGMA user_version").scalar() or 0
        return names[:version]
    if db.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE type='table' AND name='_migrations'").first():
        return [r[0] for r in db.exec_driver_sql("SELECT name FROM _migrations") if r[0] in names]
    return []


class NewerSchemaError(ChecklistError):
    pass


# -- messages -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Messages:
    """What a user is told, for one kind of store ("Øktdatabasen", "Databasen for tilbakemeldinger")."""

    what: str

    @property
    def locked(self) -> str:
        return f"{self.what} er låst av en annen prosess. Prøv igjen om litt; ingen lagrede svar er tapt."

    @property
    def unreachable(self) -> str:
        return (f"{self.what} er ikke tilgjengelig akkurat nå. Prøv igjen om litt; "
                "svar som alt er lagret, blir ikke berørt.")

    @property
    def vanished(self) -> str:
        return (f"{self.what} var slettet og er nå opprettet på nytt, tom: økter som var lagret i den, finnes ikke "
                "lenger. Prøv igjen; nye økter lagres som vanlig.")

    @property
    def newer(self) -> str:
        return f"{self.what} er laget av en nyere versjon av programmet."


SESSIONS = Messages("Øktdatabasen")
FEEDBACK = Messages("Databasen for tilbakemeldinger")


def now() -> str:
    """A timestamp as every table stores it (ISO 8601, UTC, microseconds: it sorts as text)."""
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


# -- the database ---------------------------------------------------------------------------------
class Database:
    """An engine plus the components it holds; `transaction()` is one transaction on one connection."""

    def __init__(self, components: tuple[str, ...], messages: Messages = SESSIONS):
        self.components = components
        self.messages = messages
        self._lock = threading.Lock()
        self._ready = False

    engine: Engine

    @property
    def where(self) -> str:
        """For the log only: the file, or the server's URL without the password."""
        raise NotImplementedError

    @contextmanager
    def transaction(self, write: bool = False) -> Iterator[Connection]:
        self._check()
        try:
            with self.engine.connect() as db:
                if write:
                    db = db.execution_options(sqlite_write=True)
                with db.begin():
                    yield db
        except exc.DBAPIError as err:
            raise self._translate(err) from err
        except exc.SQLAlchemyError as err:
            raise self._unavailable(err) from err

    def _check(self) -> None:
        if not self._ready:
            with self._lock:
                if not self._ready:
                    self._open()

    def _open(self) -> None:
        try:
            with self.engine.connect() as db:
                with db.execution_options(sqlite_write=True).begin():
                    self._migrate(db)
        except exc.DBAPIError as err:
            raise self._translate(err) from err
        except exc.SQLAlchemyError as err:
            raise self._unavailable(err) from err
        self._ready = True

    def _lock_for_migrations(self, db: Connection) -> None:
        """Hold off other processes migrating the same database until this transaction ends."""

    def _migrate(self, db: Connection) -> None:
        self._lock_for_migrations(db)
        fresh = not db.dialect.has_table(db, "schema_migrations")
        if fresh:
            schema_migrations.create(db)
        done = {(r.component, r.name) for r in db.execute(select(schema_migrations))}
        for component in self.components:
            steps = MIGRATIONS[component]
            known = {name for name, _ in steps}
            recorded = {name for c, name in done if c == component}
            if recorded - known:
                log.error("The database %s has %s migrations this program does not know: %s",
                          self.where, component, sorted(recorded - known))
                raise NewerSchemaError(self.messages.newer)
            legacy = set(self._legacy(db, component)) if fresh else set()
            for name, step in steps:
                if name in recorded:
                    continue
                if name not in legacy:
                    step(db)
                db.execute(insert(schema_migrations).values(component=component, name=name, applied_at=now()))

    def _legacy(self, db: Connection, component: str) -> list[str]:
        return []

    def _translate(self, err: exc.DBAPIError) -> ChecklistError:
        raise NotImplementedError

    def _unavailable(self, err: Exception) -> StoreUnavailableError:
        log.error("The database %s cannot be used: %s", self.where, err)
        self._ready = False  # opened and checked anew on the next call
        return StoreUnavailableError(self.messages.unreachable)

    def dispose(self) -> None:
        self.engine.dispose()


class ServerDatabase(Database):
    """PostgreSQL (or any server SQLAlchemy reaches) through a small pool, each connection pinged
    before use so one broken by a server restart is replaced instead of failing a request."""

    def __init__(self, url: str, components: tuple[str, ...], messages: Messages = SESSIONS,
                 connect_timeout: int = 5, engine: Engine | None = None):
        super().__init__(components, messages)
        args = {"connect_timeout": connect_timeout} if url.startswith("postgresql") else {}
        self.engine = engine or create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10,
                                              pool_timeout=10, connect_args=args)

    @property
    def where(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def _lock_for_migrations(self, db: Connection) -> None:
        if db.dialect.name == "postgresql":
            db.execute(text("SELECT pg_advisory_xact_lock(4242020)"))

    def _translate(self, err: exc.DBAPIError) -> ChecklistError:
        orig = err.orig
        text_ = str(orig).lower()
        if err.connection_invalidated or isinstance(err, exc.OperationalError | exc.InterfaceError):
            if "lock" in text_ and "timeout" in text_:
                log.warning("The database %s is locked: %s", self.where, orig)
                return StoreUnavailableError(self.messages.locked)
            return self._unavailable(orig)
        log.error("Database error in %s: %s", self.where, orig)
        return ChecklistError(f"Feil i databasen: {type(orig).__name__}")


class SQLiteDatabase(Database):
    """A SQLite file, a connection per transaction (so a deleted or replaced file is noticed), WAL,
    and a busy timeout so writers wait for each other instead of failing.

    A file that is not a readable database raises ChecklistError and is never overwritten. sqlite
    would quietly create an empty file where a deleted one was, and every call would then fail on
    a missing table: the schema is created anew instead, and the call that notices says once that
    the saved data are gone. A replaced file (a backup put back) is checked and migrated like a new one."""

    def __init__(self, path: Path, components: tuple[str, ...], messages: Messages = SESSIONS,
                 busy_timeout: float = 10.0):
        super().__init__(components, messages)
        self.path = Path(path)
        self.busy_timeout = busy_timeout
        self._identity: tuple[int, int] | None = None  # (device, inode) of the file opened and migrated
        self.engine = create_engine(f"sqlite:///{self.path}", poolclass=NullPool,
                                    connect_args={"timeout": busy_timeout})
        event.listen(self.engine, "connect", _sqlite_connect)
        event.listen(self.engine, "begin", _sqlite_begin)

    @property
    def where(self) -> str:
        return str(self.path)

    def _check(self) -> None:
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
                    log.error("The database %s was deleted while in use; creating it anew, empty.", self.path)
                    self._identity = None
                    for suffix in ("-wal", "-shm", "-journal"):  # the deleted database's, never to be replayed
                        Path(f"{self.path}{suffix}").unlink(missing_ok=True)
                    self._open()
                    raise StoreUnavailableError(self.messages.vanished) from None
            if self._identity is None:  # another call found it gone too, and could not create it
                self._check()
            return  # another call created it anew and said so
        except OSError as err:
            raise self._unavailable(err) from err
        if (st.st_dev, st.st_ino) != self._identity:
            with self._lock:
                log.warning("The database %s was replaced; checking and opening the new file.", self.path)
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
        except OSError as err:
            raise self._unavailable(err) from err
        try:
            raw = self.engine.raw_connection()  # outside a transaction, where WAL can be switched on
            try:
                if [tuple(r) for r in raw.execute("PRAGMA quick_check")] != [("ok",)]:
                    raise self._corrupt()
                raw.execute("PRAGMA journal_mode=WAL")
            finally:
                raw.close()
            with self.engine.connect() as db:
                with db.execution_options(sqlite_write=True).begin():
                    self._migrate(db)
                    if "sessions" in self.components:  # what the hand-written migrations counted
                        done = db.execute(select(schema_migrations.c.name)
                                          .where(schema_migrations.c.component == "sessions")).all()
                        db.exec_driver_sql(f"PRAGMA user_version={len(done)}")
            st = os.stat(self.path)
        except (exc.DBAPIError, sqlite3.Error) as err:
            raise self._translate(err) from err
        except OSError as err:
            raise self._unavailable(err) from err
        self._identity = (st.st_dev, st.st_ino)
        self._ready = True

    def _legacy(self, db: Connection, component: str) -> list[str]:
        return _legacy_applied(db, component)

    def _corrupt(self) -> ChecklistError:
        log.error("The database %s is damaged or not a database; it is left as it is.", self.path)
        return ChecklistError(
            f"{self.messages.what} ({self.path.name} i assistentens hjemmemappe) er skadet eller er ikke en "
            "database. Filen er ikke endret. Flytt den til side (eller gjenopprett en sikkerhetskopi) og prøv igjen."
        )

    def _unavailable(self, err: Exception) -> StoreUnavailableError:
        self._identity = None
        return super()._unavailable(err)

    def _translate(self, err: exc.DBAPIError | sqlite3.Error) -> ChecklistError:
        orig = getattr(err, "orig", err)
        text_ = str(orig).lower()
        if "locked" in text_ or "busy" in text_:
            log.warning("The database %s is locked by another process: %s", self.path, orig)
            return StoreUnavailableError(self.messages.locked)
        if "not a database" in text_ or "malformed" in text_ or "corrupt" in text_:
            return self._corrupt()
        if "no such table" in text_:  # deleted between the check and the connection: sqlite made it empty
            log.error("The database %s lost its tables (deleted while in use?): %s", self.path, orig)
            self._identity = None
            return StoreUnavailableError(self.messages.vanished)
        if any(t in text_ for t in ("unable to open", "disk i/o", "readonly", "disk is full", "out of memory")):
            return self._unavailable(orig)
        log.error("Database error in %s: %s", self.path, orig)
        return ChecklistError(f"Feil i databasen: {orig}")


def _sqlite_connect(dbapi_connection, _record) -> None:
    """Let SQLAlchemy's begin event issue BEGIN itself (pysqlite would only begin before a write)."""
    dbapi_connection.isolation_level = None
    dbapi_connection.execute("PRAGMA foreign_keys=ON")


def _sqlite_begin(conn: Connection) -> None:
    """BEGIN IMMEDIATE for writers: the write lock is taken (or waited for) up front, so two writers
    never both read and then fail to upgrade."""
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("sqlite_write") else "BEGIN")


_shared: dict[tuple, ServerDatabase] = {}
_engines: dict[str, Engine] = {}
_shared_lock = threading.Lock()


def open_database(path: Path, url: str, components: tuple[str, ...], messages: Messages = SESSIONS,
                  busy_timeout: float = 10.0) -> Database:
    """The database for these components: the SQLite file at `path`, or the server at `url` (one
    engine, so one pool of at most 15 connections, per URL and process, shared by every store)."""
    if not url:
        return SQLiteDatabase(path, components, messages, busy_timeout)
    key = (url, components, messages)
    with _shared_lock:
        if key not in _shared:
            _shared[key] = ServerDatabase(url, components, messages, engine=_engines.get(url))
            _engines[url] = _shared[key].engine
        return _shared[key]


__all__ = ["Database", "SQLiteDatabase", "ServerDatabase", "open_database", "metadata", "sessions",
           "item_states", "conversations", "feedback", "schema_migrations", "MIGRATIONS", "SESSIONS", "FEEDBACK"]
