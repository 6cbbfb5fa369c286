"""The storage layer (assistant/database.py) on both backends: files made by the hand-written
migrations upgrade in place, migrations run once when processes start together, feedback and
conversations round-trip, and a PostgreSQL server out of reach is a 503 until it is back."""
from __future__ import annotations

import sqlite3
import threading

import pytest
from sqlalchemy import create_engine, insert

from assistant.checklists import ChecklistService, SessionStore
from assistant import database
from assistant.config import Config
from assistant.conversations import Conversations
from assistant.database import ServerDatabase, schema_migrations
from assistant.errors import ChecklistError, StoreUnavailableError
from assistant.feedback import FeedbackStore

# What the hand-written migrations (before the storage layer) made, verbatim.
OLD_SESSIONS = [
    """CREATE TABLE sessions (
        id TEXT PRIMARY KEY, checklist_id TEXT NOT NULL, name TEXT NOT NULL,
        created_at TEXT NOT NULL, updated_at TEXT NOT NULL, created_by TEXT NOT NULL DEFAULT '')""",
    """CREATE TABLE item_states (
        session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE, item_id TEXT NOT NULL,
        status TEXT, note TEXT NOT NULL DEFAULT '', owner TEXT NOT NULL DEFAULT '', due TEXT,
        updated_at TEXT NOT NULL, updated_by TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (session_id, item_id))""",
    "CREATE INDEX sessions_by_checklist ON sessions(checklist_id, updated_at)",
]
OLD_CONVERSATIONS = [
    """CREATE TABLE conversations (
        id TEXT PRIMARY KEY, owner TEXT NOT NULL DEFAULT '', title TEXT NOT NULL,
        created_at TEXT NOT NULL, updated_at TEXT NOT NULL, turns TEXT NOT NULL DEFAULT '[]')""",
    "CREATE INDEX conversations_by_owner ON conversations(owner, updated_at)",
]
OLD_FEEDBACK = """CREATE TABLE feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT, created TEXT NOT NULL, question TEXT NOT NULL,
    answer_json TEXT NOT NULL, citations_json TEXT NOT NULL, rating INTEGER NOT NULL CHECK (rating IN (-1, 1)),
    comment TEXT NOT NULL DEFAULT '', source TEXT NOT NULL DEFAULT '')"""
T = "2025-01-01T10:00:00.000000+00:00"


def _old_sessions_file(path, version: int) -> None:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    for sql in OLD_SESSIONS + (OLD_CONVERSATIONS if version >= 2 else []):
        db.execute(sql)
    db.execute(f"PRAGMA user_version={version}")
    db.execute("INSERT INTO sessions VALUES ('abcd1234', 'oppstart', 'Gammel', ?, ?, 'kari')", (T, T))
    db.execute("INSERT INTO item_states VALUES ('abcd1234', 'opp-org-01', 'ja', 'fra før', '', NULL, ?, 'kari')", (T,))
    if version >= 2:
        db.execute("INSERT INTO conversations VALUES ('c0ffee', 'kari', 'Gammel samtale', ?, ?, '[]')", (T, T))
    db.close()


@pytest.mark.parametrize("version", [1, 2])
def test_a_file_from_the_hand_written_migrations_upgrades_in_place(config, version):
    config.home.mkdir(parents=True)
    _old_sessions_file(config.sessions_db, version)
    service = ChecklistService(config)
    old = service.get_session("abcd1234")
    assert (old.name, old.created_by, old.state("opp-org-01").note) == ("Gammel", "kari", "fra før")
    service.update_item("abcd1234", "opp-org-02", status="nei")
    assert service.get_session("abcd1234").state("opp-org-02").status == "nei"
    convs = Conversations(config)
    if version >= 2:
        assert convs.get("c0ffee", "kari").title == "Gammel samtale"
    made = convs.create("kari", [{"question": "Hva er RIS3?", "answer": None}])
    assert [c.id for c in convs.list("kari")][0] == made.id
    db = sqlite3.connect(config.sessions_db)
    assert db.execute("PRAGMA user_version").fetchone()[0] == 2, "an older program still sees its schema version"
    assert sorted(r[0] for r in db.execute("SELECT name FROM schema_migrations WHERE component='sessions'")) == [
        "m001_initial", "m002_conversations"]
    db.close()
    ChecklistService(config).get_session("abcd1234")  # a second open migrates nothing more


def test_an_old_feedback_file_upgrades_in_place(tmp_path):
    path = tmp_path / "feedback.sqlite3"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE _migrations (name TEXT PRIMARY KEY, applied TEXT NOT NULL)")
    db.execute(OLD_FEEDBACK)
    db.execute("INSERT INTO _migrations VALUES ('m001_feedback', ?)", (T,))
    db.execute("INSERT INTO feedback VALUES (1, ?, 'Hva er RIS3?', '{}', '[]', 1, 'Bra', 'web')", (T,))
    db.commit()
    db.close()
    store = FeedbackStore(path)
    assert store.record("Ny?", {"answer": "x"}, [], rating=-1) == 2
    assert [(r["id"], r["rating"], r["comment"]) for r in store.rows()] == [(1, 1, "Bra"), (2, -1, "")]


def test_a_database_from_a_newer_program_is_refused(backend_config, monkeypatch):
    service = ChecklistService(backend_config)
    service.list_sessions()
    url = backend_config.database_url or f"sqlite:///{backend_config.sessions_db}"
    engine = create_engine(url)
    with engine.begin() as db:
        db.execute(insert(schema_migrations).values(component="sessions", name="m999_future", applied_at=T))
    engine.dispose()
    monkeypatch.setattr(database, "_shared", {})  # as a new process opens it
    with pytest.raises(ChecklistError, match="nyere versjon"):
        ChecklistService(backend_config).list_sessions()


def test_feedback_round_trips(backend_config):
    store = FeedbackStore(backend_config.feedback_db, url=backend_config.database_url)
    first = store.record("Hva er RIS3?", {"answer": "Et svar"}, [{"n": 1}], rating=1, source="web")
    second = store.record("Og så?", {"answer": "Mer"}, [], rating=-1)
    store.update(first, rating=-1, comment="Manglet kilde")
    rows = list(store.rows())
    assert [(r["id"], r["rating"], r["comment"]) for r in rows] == [(first, -1, "Manglet kilde"), (second, -1, "")]
    assert rows[0]["answer"] == {"answer": "Et svar"} and rows[0]["citations"] == [{"n": 1}]


def test_processes_starting_together_migrate_once(pg_url):
    """Four engines (as four app workers have) open one new PostgreSQL database at the same moment."""
    databases = [ServerDatabase(pg_url, ("sessions", "feedback")) for _ in range(4)]
    barrier = threading.Barrier(len(databases))
    errors: list[Exception] = []

    def open_(db: ServerDatabase) -> None:
        barrier.wait()
        try:
            db._check()
        except Exception as err:  # noqa: BLE001 - reported below
            errors.append(err)

    workers = [threading.Thread(target=open_, args=(db,)) for db in databases]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=60)
    try:
        assert not errors, errors
        with databases[0].engine.connect() as db:
            assert len(db.execute(schema_migrations.select()).all()) == 3
    finally:
        for db in databases:
            db.dispose()


def test_postgresql_out_of_reach_is_unavailable_until_it_is_back(pg_cluster, tmp_path):
    url = pg_cluster.create_database()
    config = Config(home=tmp_path / "home", database_url=url)
    service = ChecklistService(config)
    s = service.start_session("oppstart", "Nede")
    service.update_item(s.id, "opp-org-01", status="ja", note="lagret")
    pg_cluster.stop()
    try:
        for _ in range(2):
            with pytest.raises(StoreUnavailableError, match="ikke tilgjengelig") as err:
                service.get_session(s.id)
            assert err.value.http_status == 503
            assert "127.0.0.1" not in str(err.value) and str(pg_cluster.port) not in str(err.value)
    finally:
        pg_cluster.start()
    assert service.get_session(s.id).state("opp-org-01").note == "lagret"
    service.update_item(s.id, "opp-org-02", status="nei")
    assert service.get_session(s.id).state("opp-org-02").status == "nei"


def test_every_store_in_a_process_shares_one_pool_per_database(pg_url, tmp_path):
    sessions = SessionStore(tmp_path / "s.sqlite3", url=pg_url)
    feedback = FeedbackStore(tmp_path / "f.sqlite3", url=pg_url)
    conversations = Conversations(Config(home=tmp_path, database_url=pg_url))
    assert sessions.database.engine is feedback.database.engine is conversations.store.database.engine
