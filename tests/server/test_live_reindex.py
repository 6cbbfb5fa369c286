"""`assistant index` while `assistant serve` runs, with the embedded store and against a Chroma
server: the server switches to each new build by itself, no request fails during the switch, and
/readyz reports the build it serves. An `index` killed half way (SIGKILL) leaves the served index
as it was, and the next `index` completes. Real processes throughout (tests/server/processes.py).
"""
from __future__ import annotations

import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from processes import (ASSISTANT, AppServer, ChromaServer, Load, current_build, make_home, private_cache, run_index,
                       until)

pytestmark = [pytest.mark.slow, pytest.mark.faults]

NOTE_ID = "notat-om-fornyet-indeks"
NOTE = ("# Notat om fornyet indeks\n\nDette notatet legges til mens serveren kjører. Det beskriver hvordan "
        "en ny indeks tas i bruk uten omstart.\n")


def _report(path: Path, lines: int = 24) -> str:
    """A document long enough that embedding it takes seconds: the window to kill `index` in."""
    body = "\n".join(f"Tiltak {i} i prøveregionen gjelder samarbeid mellom bedrift nummer {i}, høgskolen og "
                     f"kommunen om {['havbruk', 'reiseliv', 'skog', 'batterier', 'helse'][i % 5]} i år {2030 + i}."
                     for i in range(lines))
    path.write_text(f"# Rapport fra prøveregionen\n\n{body}\n", encoding="utf-8")
    return path.stem


@pytest.fixture(scope="module", params=["embedded", "chroma-server"])
def served(request, tmp_path_factory, embedding_cache) -> Iterator[tuple[AppServer, dict, ChromaServer | None]]:
    """An indexed home and `assistant serve` over it; with a Chroma server in the second mode."""
    root = tmp_path_factory.mktemp(f"live-{request.param}")
    chroma = ChromaServer(root).start() if request.param == "chroma-server" else None
    try:
        extra = {"CHROMA_HOST": chroma.host, "CHROMA_PORT": str(chroma.port)} if chroma else {}
        env = make_home(root, private_cache(embedding_cache, root / "cache"), **extra)
        run_index(env, timeout=300)
        with AppServer(env, root / "serve.log") as app:
            yield app, env, chroma
    finally:
        if chroma:
            chroma.stop()


def test_reindex_twice_while_serving_switches_without_a_failed_request(served):
    app, env, _ = served
    first = until(app.ready, 30, "the app to be ready")
    assert first == current_build(env)
    corpus = Path(env["ASSISTANT_CORPUS_DIR"])
    served_versions = [first]
    with Load(app) as load:
        until(lambda: load.count() >= 4, 60, "the first answers")
        (corpus / f"{NOTE_ID}.md").write_text(NOTE, encoding="utf-8")  # the first re-index adds a document
        for _ in range(2):
            built = run_index(env)
            until(lambda: app.ready() == built, 30, f"/readyz to report the new build {built}")
            answered = load.count()
            until(lambda: load.count() >= answered + 4, 60, "answers from the new build")
            served_versions.append(built)
    assert load.failures() == [], f"{len(load.failures())} of {load.count()} requests failed: {load.failures()[:3]}"
    assert len(set(served_versions)) == 3, served_versions
    assert set(load.versions) <= set(served_versions), "/readyz is always ready, with a complete build"
    order = [served_versions.index(v) for v in load.versions]
    assert order == sorted(order), "and it never goes back to an older one"
    assert NOTE_ID in {d["id"] for d in app.client.get("/api/documents").json()}, "the new build is the one served"
    assert app.client.get(f"/api/documents/{NOTE_ID}/passages").json()[0]["doc_id"] == NOTE_ID
    assert "Traceback" not in app.log()


def test_index_killed_half_way_leaves_the_served_index_and_the_next_build_completes(served):
    app, env, chroma = served
    before = until(app.ready, 30, "the app to be ready")
    builds = Path(env["ASSISTANT_HOME"]) / "index" / "e5" / "builds"
    existing = {p.name for p in builds.iterdir()}
    report_id = _report(Path(env["ASSISTANT_CORPUS_DIR"]) / "rapport-fra-proveregionen.md")
    proc = subprocess.Popen([str(ASSISTANT), "index", "--quiet"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    try:
        started = until(lambda: [p for p in builds.iterdir() if p.name not in existing] or proc.poll() is not None,
                        90, "the build to start writing")
        assert proc.poll() is None, "the build completed before it could be killed"
        half = started[0]
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=20)
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    assert half.is_dir() and not (half / "meta.json").exists(), "killed half way: the build is incomplete"

    assert current_build(env) == before, "`current` still names the previous build"
    r = app.ask()
    assert r.status_code == 200 and r.json()["citations"], r.text
    assert app.ready() == before

    built = run_index(env)
    assert built not in (before, half.name)
    assert not half.exists(), "the next build removes the half one"
    until(lambda: app.ready() == built, 30, "the server to switch to the completed build")
    assert report_id in {d["id"] for d in app.client.get("/api/documents").json()}
    assert app.ask().status_code == 200
    if chroma is not None:
        import chromadb
        from chromadb.config import Settings

        client = chromadb.HttpClient(host=chroma.host, port=chroma.port, settings=Settings(anonymized_telemetry=False))
        names = {c.name for c in client.list_collections()}
        assert not any(half.name.lower() in n for n in names), "the half build's collections are dropped"
        assert any(built.lower() in n for n in names)
