"""Two app processes (`assistant serve`, as two workers behind a reverse proxy, the second with an
ASSISTANT_HOME of its own as on another machine) against one Chroma server and one PostgreSQL
server: both write the same checklist session at once and nothing is lost; both answer, a re-index
is picked up by both (the second fetches the build from the Chroma server), a conversation stored
through one is read through the other, and a stopped PostgreSQL is a 503 on both until it is back. Real processes throughout (tests/server/processes.py, tests/postgres.py).
"""
from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from assistant.checklists.store import UNREACHABLE
from processes import QUESTIONS, AppServer, ChromaServer, checklist_session, make_home, private_cache, run_index, until

pytestmark = [pytest.mark.slow, pytest.mark.faults]

CHECKLIST = "analyse"
NOTE_ID = "notat-om-to-arbeidere"
NOTE = ("# Notat om to arbeidere\n\nDette notatet legges til mens to servere kjører mot samme Chroma og samme "
        "database. Begge skal finne det etter neste indeksering.\n")


@pytest.fixture(scope="module")
def workers(tmp_path_factory, embedding_cache, pg_cluster) -> Iterator[tuple[list[AppServer], dict]]:
    """Two `assistant serve` processes over one indexed home, one Chroma server, one PostgreSQL."""
    root = tmp_path_factory.mktemp("workers")
    chroma = ChromaServer(root).start()
    try:
        env = make_home(root, private_cache(embedding_cache, root / "cache"), CHROMA_HOST=chroma.host,
                        CHROMA_PORT=str(chroma.port), ASSISTANT_DATABASE_URL=pg_cluster.create_database())
        run_index(env, timeout=300)
        # the second worker has a home of its own, empty: it finds each build through the Chroma server
        apps = [AppServer(env, root / "serve-1.log"), AppServer({**env, "ASSISTANT_HOME": str(root / "home-2")},
                                                               root / "serve-2.log")]
        for app in apps:  # started one after the other: two cold starts at once starve two cores
            app.start()
        try:
            yield apps, env
        finally:
            for app in apps:
                app.stop()
    finally:
        chroma.stop()


def test_two_workers_write_one_checklist_session_at_once_and_lose_nothing(workers):
    (first, second), env = workers
    items, sid = checklist_session(first.client, CHECKLIST, "To arbeidere")
    rounds, failures = 3, []
    barrier = threading.Barrier(2)

    def person(app: AppServer, own: list[str]) -> None:
        with httpx.Client(base_url=app.url, timeout=60) as client:
            barrier.wait()
            for n in range(rounds):
                for item in own:
                    # every item gets a note from its own worker, and both write the status of the first item
                    for body in ({"note": f"{item} runde {n}", "updated_by": app.url}, {"status": "ja" if n % 2 else "nei"}):
                        target = items[0] if "status" in body else item
                        r = client.patch(f"/api/sessions/{sid}/items/{target}", json=body)
                        if r.status_code != 200:
                            failures.append((r.status_code, r.text))

    threads = [threading.Thread(target=person, args=(app, items[k::2])) for k, app in enumerate((first, second))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert failures == []
    assert not (Path(env["ASSISTANT_HOME"]) / "sessions.sqlite3").exists(), "the sessions are in PostgreSQL"
    for app in (first, second):
        states = app.client.get(f"/api/sessions/{sid}").json()["session"]["states"]
        assert sorted(states) == sorted(items), "every item either worker wrote is there"
        assert {item: states[item]["note"] for item in items} == {item: f"{item} runde {rounds - 1}" for item in items}
        assert states[items[0]]["status"] in ("ja", "nei")


def test_both_workers_answer_and_both_switch_to_a_new_index(workers):
    apps, env = workers
    before = {app.ready() for app in apps}
    assert len(before) == 1 and None not in before, before
    for app in apps:
        r = app.ask(QUESTIONS[1])
        assert r.status_code == 200 and r.json()["citations"], r.text
    (Path(env["ASSISTANT_CORPUS_DIR"]) / f"{NOTE_ID}.md").write_text(NOTE, encoding="utf-8")
    built = run_index(env)
    assert built not in before
    fetched = Path(env["ASSISTANT_HOME"]).parent / "home-2" / "index" / "e5" / "builds"
    for app in apps:
        until(lambda app=app: app.ready() == built, 60, f"{app.url} to serve the new build {built}")
        assert NOTE_ID in {d["id"] for d in app.client.get("/api/documents").json()}
        r = app.ask(QUESTIONS[1])
        assert r.status_code == 200 and r.json()["citations"], r.text
    assert {p.name for p in fetched.iterdir() if not p.name.startswith(".")} == {built, *before}, \
        "the second worker fetched each build into its own home"
    assert "Traceback" not in apps[1].log()


def test_a_conversation_stored_through_one_worker_is_read_through_the_other(workers):
    (first, second), _ = workers
    turn = {"question": QUESTIONS[1], "answer": {"answer": "Et svar.", "citations": []}}
    r = first.client.post("/api/conversations", json={"items": [turn]})
    assert r.status_code in (200, 201), r.text
    cid = r.json()["id"]
    got = second.client.get(f"/api/conversations/{cid}")
    assert got.status_code == 200 and got.json()["items"][0]["question"] == QUESTIONS[1], got.text
    assert cid in {c["id"] for c in second.client.get("/api/conversations").json()}


def test_postgresql_stopped_is_a_503_on_both_workers_until_it_is_back(workers, pg_cluster):
    (first, second), _ = workers
    r = first.client.post(f"/api/checklists/{CHECKLIST}/sessions", json={"name": "Før stansen"})
    sid = r.json()["session"]["id"]
    assert first.client.patch(f"/api/sessions/{sid}/items/ana-for-01", json={"note": "lagret"}).status_code == 200
    pg_cluster.stop()
    try:
        for app in (first, second):
            r = app.client.get(f"/api/sessions/{sid}")
            assert r.status_code == 503 and r.json() == {"error": UNREACHABLE, "type": "StoreUnavailableError"}, r.text
            assert "127.0.0.1" not in r.text and str(pg_cluster.port) not in r.text
            assert app.ask(QUESTIONS[1]).status_code == 200, "answering does not need the database"
    finally:
        pg_cluster.start()
    for app in (first, second):
        r = until(lambda app=app: (r := app.client.get(f"/api/sessions/{sid}")).status_code == 200 and r, 30,
                  "the worker to reach PostgreSQL again")
        assert r.json()["session"]["states"]["ana-for-01"]["note"] == "lagret"
