"""`assistant serve --workers 2` on one port and one ASSISTANT_HOME (the embedded store, SQLite
sessions): two processes answer, each loads the index itself and both switch to a re-indexed build,
and a checklist session written through the port from two clients at once is intact. Every request
that should be free to reach either worker goes on a connection of its own; /readyz names the
worker that answered (its pid). Real processes throughout (tests/server/processes.py).
"""
from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from processes import QUESTIONS, AppServer, checklist_session, descendants, make_home, private_cache, run_index, until

pytestmark = [pytest.mark.slow, pytest.mark.faults]

FRESH = {"Connection": "close"}
CHECKLIST = "analyse"
NOTE_ID = "notat-om-arbeidsprosesser"
NOTE = ("# Notat om arbeidsprosesser\n\nDette notatet legges til mens én server kjører med to arbeidsprosesser. "
        "Begge skal finne det etter neste indeksering.\n")


@pytest.fixture(scope="module")
def served(tmp_path_factory, embedding_cache) -> Iterator[tuple[AppServer, dict]]:
    root = tmp_path_factory.mktemp("serve-workers")
    env = make_home(root, private_cache(embedding_cache, root / "cache"))  # the re-index embeds a new note
    run_index(env, timeout=300)
    with AppServer(env, root / "serve.log", workers=2) as app:
        yield app, env


def _versions_by_worker(app: AppServer, want: int, timeout: float, what: str,
                        until_version: str | None = None) -> dict[int, str | None]:
    """Ask /readyz on fresh connections until `want` workers have answered (each, when
    `until_version` is given, with that build); {pid: version} as last seen."""
    seen: dict[int, str | None] = {}

    def enough() -> bool:
        version, pid = app.readiness(fresh=True)
        if pid is not None:
            seen[pid] = version
        done = [p for p, v in seen.items() if until_version is None or v == until_version]
        return len(done) >= want

    until(enough, timeout, what, interval=0.05)
    return seen


def test_two_worker_processes_answer_on_one_port(served):
    app, _ = served
    seen = _versions_by_worker(app, 2, 120, "two workers to answer /readyz")
    assert len(seen) == 2, seen
    assert set(seen) <= set(descendants(app.proc.pid)), "the workers are the serve process's children"
    assert app.proc.pid not in seen
    until(lambda: all(app.readiness(fresh=True)[0] for _ in range(4)), 120, "every worker to load the index")
    for question in QUESTIONS:
        r = httpx.post(app.url + "/api/ask", json={"question": question}, headers=FRESH, timeout=60)
        assert r.status_code == 200 and r.json()["citations"], r.text
    assert httpx.get(app.url + "/", headers=FRESH).status_code == 404, "no web chat with several workers"


def test_both_workers_switch_to_a_new_index(served):
    app, env = served
    before = _versions_by_worker(app, 2, 120, "two workers to be ready", until_version=app.ready())
    assert len(set(before.values())) == 1, before
    (Path(env["ASSISTANT_CORPUS_DIR"]) / f"{NOTE_ID}.md").write_text(NOTE, encoding="utf-8")
    built = run_index(env)
    assert built not in before.values()
    after = _versions_by_worker(app, 2, 90, f"both workers to serve the new build {built}", until_version=built)
    assert set(before) <= set(after), "the same two workers, switched without a restart"
    for _ in range(6):  # any worker lists the new document
        docs = httpx.get(app.url + "/api/documents", headers=FRESH, timeout=30).json()
        assert NOTE_ID in {d["id"] for d in docs}
    assert "Traceback" not in app.log()


def test_a_checklist_session_written_through_both_workers_is_intact(served):
    app, env = served
    items, sid = checklist_session(app.client, CHECKLIST, "To prosesser")
    rounds, failures = 3, []
    barrier = threading.Barrier(2)

    def person(own: list[str], tag: str) -> None:
        barrier.wait()
        for n in range(rounds):
            for item in own:
                r = httpx.patch(f"{app.url}/api/sessions/{sid}/items/{item}",
                                json={"note": f"{item} {tag} runde {n}", "status": "ja" if n % 2 else "nei"},
                                headers=FRESH, timeout=60)
                if r.status_code != 200:
                    failures.append((r.status_code, r.text))

    threads = [threading.Thread(target=person, args=(items[k::2], tag)) for k, tag in enumerate(("a", "b"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=180)
    assert failures == []
    assert (Path(env["ASSISTANT_HOME"]) / "sessions.sqlite3").exists(), "one SQLite file under the shared home"
    want = {item: f"{item} {'ab'[k % 2]} runde {rounds - 1}" for k, item in enumerate(items)}
    readers: set[int] = set()
    for _ in range(12):  # read back on fresh connections, through whichever worker takes each
        states = httpx.get(f"{app.url}/api/sessions/{sid}", headers=FRESH, timeout=30).json()["session"]["states"]
        assert {item: states[item]["note"] for item in items} == want
        assert all(states[item]["status"] == ("ja" if (rounds - 1) % 2 else "nei") for item in items)
        readers.add(app.readiness(fresh=True)[1])
    assert len(readers) == 2, "both workers were taking connections while the session was read back"
