"""Chroma server mode (CHROMA_HOST/CHROMA_PORT): a real `chroma run` subprocess, and a clear
BackendError when nothing listens."""
from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.request
from collections.abc import Iterator

import pytest

from assistant.config import PROJECT_ROOT
from assistant.core import Assistant
from assistant.errors import BackendError
from core_helpers import SMALL_QUESTION, eval_questions, free_port, index_state, squash

pytestmark = pytest.mark.slow
CHROMA = PROJECT_ROOT / ".venv" / "bin" / "chroma"
QUESTION = "Hvilke spørsmål bør fylkeskommunen stille om næringslivet i analysen?"


def test_question_is_our_own():
    assert squash(QUESTION) not in eval_questions()


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory) -> Iterator[tuple[str, int]]:
    if not CHROMA.exists():
        pytest.fail(f"{CHROMA} is missing: chromadb installs it")
    port = free_port()
    data = tmp_path_factory.mktemp("chroma-server")
    log = open(data / "server.log", "wb")
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
    proc = subprocess.Popen([str(CHROMA), "run", "--host", "127.0.0.1", "--port", str(port), "--path", str(data / "db")],
                            stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"chroma server did not start: {(data / 'server.log').read_text(errors='replace')[-2000:]}")
            time.sleep(0.25)
        yield "127.0.0.1", port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)
        log.close()


def _server_collections(host: str, port: int) -> set[str]:
    import chromadb
    from chromadb.config import Settings

    client = chromadb.HttpClient(host=host, port=port, settings=Settings(anonymized_telemetry=False))
    return {c.name for c in client.list_collections()}


def test_build_and_answer_against_a_chroma_server(chroma_server, core_config, tmp_path):
    host, port = chroma_server
    config = core_config.with_(home=tmp_path / "home", chroma_host=host, chroma_port=port)
    assistant = Assistant(config)
    report = assistant.build_index(progress=False)
    assert report.errors == [] and report.passages > 100
    build = config.index_dir / "e5" / "builds" / report.build_id
    meta = json.loads((build / "meta.json").read_text(encoding="utf-8"))
    assert (meta["chroma_host"], meta["chroma_port"]) == (host, port)
    assert not (build / "chroma").exists(), "server mode keeps no embedded Chroma files"
    assert meta["collection"] in _server_collections(host, port)
    assert assistant.index.store.count() == report.passages

    answer = assistant.ask(QUESTION)
    assert not answer.refused and answer.citations
    assert any("Næringslivet" in c.section for c in answer.citations)
    hits = assistant.retrieve(QUESTION)
    assert any("dense" in h.ranks for h in hits), "the dense half of hybrid search went to the server"


def test_rebuilds_on_a_server_keep_current_and_previous_collections(chroma_server, small_corpus, monkeypatch):
    """Once its grace period is over, a build older than the previous one is removed with its
    collections (a running server may still read a just-retired build: tests/server/test_live_reindex.py)."""
    from assistant import index

    monkeypatch.setattr(index, "RETIRED_GRACE_SECONDS", 0.0)
    host, port = chroma_server
    config = small_corpus(chroma_host=host, chroma_port=port)
    killed = config.index_dir / "e5" / "builds" / "20000101-000000-1-000"  # its writer died after making its collections
    killed.mkdir(parents=True)
    stale = index.VectorStore(index.chroma_client(None, host, port), index._collection_name("e5", killed.name),
                              create=True)
    ids = []
    for _ in range(3):
        report = Assistant(config).build_index(progress=False)
        ids.append(report.build_id)
        time.sleep(0.01)
    collections = {n for n in _server_collections(host, port) if n.startswith("ss-e5-")}
    metas = [json.loads((config.index_dir / "e5" / "builds" / b / "meta.json").read_text()) for b in ids[1:]]
    assert {m["collection"] for m in metas} <= collections
    assert not any(ids[0].lower() in n for n in collections), "the oldest build's collection is dropped"
    assert stale.name not in collections and not killed.exists(), "so is the half build's, found by its name"
    assert sorted(index_state(config)["builds"]) == sorted(ids[1:])
    answer = Assistant(config).ask(SMALL_QUESTION)
    assert answer.citations and not answer.refused


def test_unreachable_server_on_ask_is_a_clear_backend_error(assistant, core_config):
    port = free_port()
    before = index_state(core_config)
    with pytest.raises(BackendError) as caught:
        Assistant(core_config.with_(chroma_host="127.0.0.1", chroma_port=port)).ask(QUESTION)
    message = str(caught.value)
    assert message.startswith("Får ikke kontakt med Chroma") and f"127.0.0.1:{port}" in message
    assert "Traceback" not in message
    assert index_state(core_config) == before
    assert assistant.ask(QUESTION).citations, "the embedded index still answers"


def test_unreachable_server_on_build_is_a_clear_backend_error(small_corpus):
    config = small_corpus()
    Assistant(config).build_index(progress=False)
    before = index_state(config)
    port = free_port()
    with pytest.raises(BackendError) as caught:
        Assistant(config.with_(chroma_host="127.0.0.1", chroma_port=port)).build_index(progress=False)
    assert f"Får ikke kontakt med Chroma (127.0.0.1:{port})" in str(caught.value)
    assert index_state(config) == before, "nothing is lost: same `current`, no half build"
    assert Assistant(config).ask(SMALL_QUESTION).citations


def test_a_process_with_a_home_of_its_own_finds_and_fetches_each_build_on_the_server(chroma_server, small_corpus):
    """`assistant index` names its build on the server last; a worker elsewhere (another
    ASSISTANT_HOME, nothing shared but the server) reads that pointer and fetches the build."""
    from assistant import index, published

    host, port = chroma_server
    config = small_corpus("indexer", chroma_host=host, chroma_port=port)
    first = Assistant(config).build_index(progress=False).build_id
    worker = config.with_(home=config.home.parent / "worker-home")
    assert index.current_build(worker, "e5") == first, "read from the server: the worker's home is empty"
    answer = Assistant(worker).ask(SMALL_QUESTION)
    assert answer.citations and not answer.refused
    fetched = worker.index_dir / "e5" / "builds" / first
    assert (fetched / published.FETCHED).exists()
    for name in ("meta.json", "passages.jsonl", "documents.json", "units.npy"):
        built = config.index_dir / "e5" / "builds" / first / name
        assert (fetched / name).read_bytes() == built.read_bytes(), name
    second = Assistant(config).build_index(progress=False).build_id
    assert index.current_build(worker, "e5") == second
    assert Assistant(worker).ask(SMALL_QUESTION).citations
    assert (worker.index_dir / "e5" / "builds" / second / "meta.json").exists()
