"""The session store under concurrent writers, a corrupt file, a locked database, and a database
deleted or out of reach while in use (tests/server/test_faults.py does the same through HTTP)."""
from __future__ import annotations

import multiprocessing
import sqlite3
import threading

import pytest

from assistant.checklists import ChecklistService, SessionStore
from assistant.config import Config
from assistant.errors import ChecklistError, NotFoundError, StoreUnavailableError


def _answer_items(home: str, url: str, session_id: str, item_ids: list[str], rounds: int) -> None:
    """One 'person': a service of its own answering its items, again and again."""
    svc = ChecklistService(Config(home=__import__("pathlib").Path(home), database_url=url))
    for r in range(rounds):
        for item_id in item_ids:
            svc.update_item(session_id, item_id, status="ja" if r % 2 else "delvis", note=f"{item_id} runde {r}",
                            updated_by=item_id)


def _final_check(service, session_id, item_ids, rounds):
    session = service.get_session(session_id)
    assert sorted(session.states) == sorted(item_ids)
    for item_id in item_ids:
        assert session.states[item_id].note == f"{item_id} runde {rounds - 1}"


def test_two_threads_on_one_session_lose_nothing(backend_config, backend_service):
    config, service = backend_config, backend_service
    s = service.start_session("analyse", "Samtidig")
    items = [i.id for i in service.get_checklist("analyse").items]
    halves = [items[0::2], items[1::2]]
    barrier = threading.Barrier(2)

    def person(ids):
        barrier.wait()
        _answer_items(str(config.home), config.database_url, s.id, ids, rounds=4)

    threads = [threading.Thread(target=person, args=(h,)) for h in halves]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    _final_check(service, s.id, items, rounds=4)


def test_two_processes_on_one_session_lose_nothing(backend_config, backend_service):
    config, service = backend_config, backend_service
    s = service.start_session("analyse", "Samtidig")
    items = [i.id for i in service.get_checklist("analyse").items]
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_answer_items, args=(str(config.home), config.database_url, s.id, half, 3))
             for half in (items[0::2], items[1::2])]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
        assert p.exitcode == 0
    _final_check(service, s.id, items, rounds=3)


def test_same_item_different_fields_at_once_keeps_both(backend_service):
    service = backend_service
    """Person A sets the status while B writes the note: the item keeps both."""
    s = service.start_session("oppstart", "Felt")
    barrier = threading.Barrier(2)

    def set_status():
        barrier.wait()
        service.update_item(s.id, "opp-sh-01", status="nei")

    def set_note():
        barrier.wait()
        service.update_item(s.id, "opp-sh-01", note="Kommunene er ikke varslet")

    threads = [threading.Thread(target=f) for f in (set_status, set_note)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    st = service.get_session(s.id).state("opp-sh-01")
    assert (st.status, st.note) == ("nei", "Kommunene er ikke varslet")


@pytest.mark.parametrize("content", [b"dette er ikke en database\n" * 50,
                                     b"SQLite format 3\x00" + b"\xff" * 4000])
def test_corrupt_database_is_a_clear_error_and_is_not_overwritten(tmp_path, content):
    home = tmp_path / "home"
    home.mkdir()
    config = Config(home=home)
    config.sessions_db.write_bytes(content)
    service = ChecklistService(config)
    with pytest.raises(ChecklistError, match="skadet") as err:
        service.list_sessions()
    assert str(config.sessions_db) not in str(err.value), "a server would show its path to every user"
    assert config.sessions_db.name in str(err.value)
    with pytest.raises(ChecklistError, match="skadet"):
        service.start_session("oppstart", "x")
    assert config.sessions_db.read_bytes() == content


def test_locked_database_is_a_clear_error_and_answers_survive(config):
    service = ChecklistService(config, store=SessionStore(config.sessions_db, busy_timeout=0.2))
    s = service.start_session("oppstart", "Låst")
    service.update_item(s.id, "opp-org-01", status="ja", note="før låsen")
    blocker = sqlite3.connect(config.sessions_db, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StoreUnavailableError, match="låst av en annen prosess"):
            service.update_item(s.id, "opp-org-02", status="nei")
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    service.update_item(s.id, "opp-org-02", status="nei")
    session = service.get_session(s.id)
    assert session.state("opp-org-01").note == "før låsen" and session.state("opp-org-02").status == "nei"


def test_database_uses_wal_and_one_row_per_item(config, service):
    s = service.start_session("organisering", "Rader")
    for _ in range(3):
        service.update_item(s.id, "org-01", status="ja")
    service.update_item(s.id, "org-02", status="nei")
    db = sqlite3.connect(config.sessions_db)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("SELECT COUNT(*) FROM item_states WHERE session_id=?", (s.id,)).fetchone()[0] == 2
    db.close()


def test_deleted_database_is_said_once_then_created_anew(config, service):
    s = service.start_session("oppstart", "Slettes")
    config.sessions_db.unlink()
    with pytest.raises(StoreUnavailableError, match="slettet og er nå opprettet på nytt") as err:
        service.get_session(s.id)
    assert err.value.http_status == 503 and str(config.home) not in str(err.value)
    with pytest.raises(NotFoundError):
        service.get_session(s.id)
    fresh = service.start_session("oppstart", "Ny")
    service.update_item(fresh.id, "opp-org-01", status="ja")
    assert service.get_session(fresh.id).state("opp-org-01").status == "ja"


def test_database_out_of_reach_is_unavailable_until_it_is_back(config, service):
    s = service.start_session("oppstart", "Flyttes")
    service.update_item(s.id, "opp-org-01", status="ja", note="lagret")
    away = config.home / "away.sqlite3"
    config.sessions_db.rename(away)
    config.sessions_db.mkdir()
    try:
        for _ in range(2):
            with pytest.raises(StoreUnavailableError, match="ikke tilgjengelig") as err:
                service.get_session(s.id)
            assert str(config.home) not in str(err.value)
    finally:
        config.sessions_db.rmdir()
        away.rename(config.sessions_db)
    assert service.get_session(s.id).state("opp-org-01").note == "lagret"
