"""Faults under a running `assistant serve`, through HTTP: the session database deleted, out of
reach or locked by another process, and the Chroma server stopped mid-request or hanging. Each gives 503
with a Norwegian message that names no server path, and each recovers without a restart, with
nothing already saved lost. Real processes throughout (tests/server/processes.py).
"""
from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from assistant.checklists.store import LOCKED, UNREACHABLE as DB_UNREACHABLE, VANISHED
from assistant.store import UNREACHABLE as CHROMA_UNREACHABLE
from processes import AppServer, ChromaServer, Load, make_home, run_index, until

pytestmark = [pytest.mark.slow, pytest.mark.faults]

CHECKLIST, ITEMS = "oppstart", ("opp-org-01", "opp-org-02")
LOCKER = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("PRAGMA locking_mode=EXCLUSIVE")  # readers are shut out too, not only writers
db.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
sys.stdin.readline()
db.execute("ROLLBACK")
"""


@pytest.fixture(scope="module")
def app(tmp_path_factory, embedding_cache) -> Iterator[tuple[AppServer, Path]]:
    """`assistant serve` over an indexed home (embedded Chroma); its home."""
    root = tmp_path_factory.mktemp("faults")
    env = make_home(root, embedding_cache)
    run_index(env, timeout=300)
    with AppServer(env, root / "serve.log") as server:
        yield server, Path(env["ASSISTANT_HOME"])


@pytest.fixture(scope="module")
def chroma_app(tmp_path_factory, embedding_cache) -> Iterator[tuple[AppServer, ChromaServer]]:
    """`assistant serve` against a Chroma server that the test may stop and start again."""
    root = tmp_path_factory.mktemp("faults-chroma")
    with ChromaServer(root) as chroma:
        env = make_home(root, embedding_cache, CHROMA_HOST=chroma.host, CHROMA_PORT=str(chroma.port),
                        ASSISTANT_CHROMA_TIMEOUT=str(CHROMA_TIMEOUT))
        run_index(env, timeout=300)
        with AppServer(env, root / "serve.log") as server:
            yield server, chroma


CHROMA_TIMEOUT = 3  # seconds


def _checked(r: httpx.Response, status: int, home: Path) -> dict:
    """The response has the status, is JSON, and names no path of the server's."""
    assert r.status_code == status, r.text
    assert str(home) not in r.text and str(home.parent) not in r.text and "sqlite3:" not in r.text, r.text
    return r.json() if r.content else {}


def _session_with_answers(client: httpx.Client, home: Path, name: str) -> str:
    sid = _checked(client.post(f"/api/checklists/{CHECKLIST}/sessions", json={"name": name}), 201, home)["session"]["id"]
    _checked(client.patch(f"/api/sessions/{sid}/items/{ITEMS[0]}", json={"status": "ja", "note": "lagret før feilen"}),
             200, home)
    return sid


def test_deleted_session_database_is_a_503_and_the_store_recovers_by_itself(app):
    server, home = app
    c = server.client
    sid = _session_with_answers(c, home, "Før slettingen")
    (home / "sessions.sqlite3").unlink()  # as `rm` under a running server

    body = _checked(c.get(f"/api/sessions/{sid}"), 503, home)
    assert body == {"error": VANISHED, "type": "StoreUnavailableError"}
    assert _checked(c.get(f"/api/sessions/{sid}"), 404, home)["type"] == "NotFoundError", "its data is gone"
    _checked(c.get("/api/conversations"), 200, home)
    fresh = _session_with_answers(c, home, "Etter slettingen")  # no restart
    state = _checked(c.get(f"/api/sessions/{fresh}"), 200, home)["session"]["states"][ITEMS[0]]
    assert state["note"] == "lagret før feilen"
    assert str(home / "sessions.sqlite3") in server.log(), "the path goes to the server's log instead"


def test_session_database_out_of_reach_is_a_503_and_nothing_saved_is_lost(app):
    server, home = app
    c = server.client
    sid = _session_with_answers(c, home, "Før flyttingen")
    db = home / "sessions.sqlite3"
    db.rename(home / "moved.sqlite3")
    db.mkdir()  # whatever stands in its place cannot be opened
    try:
        for _ in range(2):
            assert _checked(c.get(f"/api/sessions/{sid}"), 503, home) == {"error": DB_UNREACHABLE,
                                                                          "type": "StoreUnavailableError"}
        assert _checked(c.post(f"/api/checklists/{CHECKLIST}/sessions", json={"name": "x"}), 503, home)
    finally:
        db.rmdir()
        (home / "moved.sqlite3").rename(db)
    state = _checked(c.get(f"/api/sessions/{sid}"), 200, home)["session"]["states"][ITEMS[0]]
    assert state["note"] == "lagret før feilen"
    _checked(c.patch(f"/api/sessions/{sid}/items/{ITEMS[1]}", json={"status": "nei"}), 200, home)


def test_locked_session_database_is_a_503_and_nothing_saved_is_lost(app):
    """Another process holds an exclusive lock past the server's busy timeout (10 s)."""
    server, home = app
    c = server.client
    sid = _session_with_answers(c, home, "Før låsen")
    locker = subprocess.Popen([sys.executable, "-c", LOCKER, str(home / "sessions.sqlite3")],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert locker.stdout.readline().strip() == "locked"
        with ThreadPoolExecutor(2) as pool:  # both wait out the busy timeout at once
            read = pool.submit(c.get, f"/api/sessions/{sid}")
            write = pool.submit(c.patch, f"/api/sessions/{sid}/items/{ITEMS[1]}", json={"status": "delvis"})
            for r in (read.result(timeout=50), write.result(timeout=50)):
                assert _checked(r, 503, home) == {"error": LOCKED, "type": "StoreUnavailableError"}
    finally:
        locker.stdin.write("\n")
        locker.stdin.close()
        locker.wait(timeout=20)
        locker.stdout.close()
    _checked(c.patch(f"/api/sessions/{sid}/items/{ITEMS[1]}", json={"status": "delvis"}), 200, home)
    states = _checked(c.get(f"/api/sessions/{sid}"), 200, home)["session"]["states"]
    assert states[ITEMS[0]]["note"] == "lagret før feilen" and states[ITEMS[1]]["status"] == "delvis"


def test_chroma_server_stopped_mid_request_is_a_503_and_recovers_when_it_is_back(chroma_app):
    server, chroma = chroma_app
    version = until(server.ready, 30, "the app to be ready")
    with Load(server) as load:
        until(lambda: load.count() >= 2, 60, "the first answers")
        chroma.stop()  # while questions are being answered
        stopped = load.count()
        until(lambda: any(status == 503 for status, _ in load.results[stopped:]), 30, "an answer of 503")
        r = server.client.get("/readyz")
        assert r.status_code == 503 and {k: v for k, v in r.json().items() if k != "worker"} == {
            "status": "not ready", "error": CHROMA_UNREACHABLE, "index": version}
        chroma.start()  # the same port and data
        until(lambda: server.ready() == version, 60, "/readyz to report ready again")
        back = load.count()
        until(lambda: [status for status, _ in load.results[back:]].count(200) >= 2, 60, "answers again")
    failures = load.failures()
    assert failures, "some questions came while Chroma was down"
    assert {status for status, _ in failures} == {503}, failures[:3]
    assert all(body == {"error": CHROMA_UNREACHABLE, "type": "BackendError"} for _, body in failures), failures[:3]
    assert "Traceback" not in server.log()


def test_chroma_server_that_hangs_is_a_503_within_the_time_limit_and_recovers(chroma_app):
    """A Chroma server that accepts connections but answers nothing (here: stopped with SIGSTOP,
    so the kernel still accepts) must not hold requests for ever: each gets its 503 after about
    ASSISTANT_CHROMA_TIMEOUT seconds, and answers come back once the server does."""
    server, chroma = chroma_app
    version = until(server.ready, 60, "the app to be ready")
    assert server.ask().status_code == 200
    chroma.proc.send_signal(signal.SIGSTOP)
    try:
        started = time.monotonic()
        r = server.ask(timeout=60)
        waited = time.monotonic() - started
        assert r.status_code == 503 and r.json() == {"error": CHROMA_UNREACHABLE, "type": "BackendError"}, r.text
        assert waited < CHROMA_TIMEOUT + 15, f"the answer took {waited:.1f} s"
        assert server.client.get("/readyz", timeout=30).status_code == 503
    finally:
        chroma.proc.send_signal(signal.SIGCONT)
    until(lambda: server.ready() == version, 60, "/readyz to report ready again")
    until(lambda: server.ask().status_code == 200, 60, "answers again")
    assert "Traceback" not in server.log()
