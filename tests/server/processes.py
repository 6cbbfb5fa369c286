"""Real processes for the live re-index and fault tests: `assistant serve`, `assistant index` and a
Chroma server (`chroma run`), each on 127.0.0.1 and a free port, started and stopped by the test.

Every wait polls for a state against a deadline (`until`); nothing sleeps for a fixed time.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from assistant.config import PROJECT_ROOT, SETTINGS
from server_helpers import CORPUS_FILES, free_port

ASSISTANT = PROJECT_ROOT / ".venv" / "bin" / "assistant"
CHROMA = PROJECT_ROOT / ".venv" / "bin" / "chroma"
QUESTIONS = ("Hvordan kan fylkeskommunen mobilisere private investeringer?",
             "Hva er smart spesialisering?",
             "Hvilke aktører bør delta i arbeidet?")


def until(check: Callable[[], Any], timeout: float, what: str, interval: float = 0.1) -> Any:
    """Poll `check` until it returns something truthy (returned) or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def private_cache(shared: Path, dest: Path) -> Path:
    """A copy of the shared cache's e5 embeddings and dictionary table, so what a test embeds
    anew stays out of the shared cache and is embedded anew on every run."""
    if (shared / "embeddings" / "e5").is_dir():
        shutil.copytree(shared / "embeddings" / "e5", dest / "embeddings" / "e5")
    dest.mkdir(parents=True, exist_ok=True)
    for table in shared.glob("glossary-*.sqlite3"):
        shutil.copy(table, dest / table.name)
    return dest


def make_home(root: Path, cache: Path, **env: str) -> dict[str, str]:
    """A corpus of three real files and an empty home under `root`; the environment for the
    `assistant` command, with every other setting blanked so the developer's own cannot leak in."""
    corpus = root / "corpus"
    corpus.mkdir(parents=True)
    for name in CORPUS_FILES:
        shutil.copy(PROJECT_ROOT / "corpus" / name, corpus / name)
    out = {k: v for k, v in os.environ.items() if k not in {s.env for s in SETTINGS.values()}}
    out.update({"ASSISTANT_HOME": str(root / "home"), "ASSISTANT_CORPUS_DIR": str(corpus),
                "ASSISTANT_CACHE_DIR": str(cache), "ASSISTANT_RATE_LIMIT": "100000", "HF_HUB_OFFLINE": "1",
                "GRADIO_ANALYTICS_ENABLED": "False", "ANONYMIZED_TELEMETRY": "False", **env})
    return out


def run_index(env: dict[str, str], timeout: float = 120) -> str:
    """`assistant index` to completion; the new build's id."""
    proc = subprocess.run([str(ASSISTANT), "index", "--quiet"], env=env, capture_output=True, text=True,
                          timeout=timeout)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return current_build(env)


def current_build(env: dict[str, str]) -> str:
    return (Path(env["ASSISTANT_HOME"]) / "index" / "e5" / "current").read_text().strip()


def descendants(pid: int) -> list[int]:
    """Every process below `pid` (Linux /proc)."""
    from assistant.evaluation.bench.load import tree_pids

    return [p for p in tree_pids(pid) if p != pid]


class Process:
    """A subprocess with its output in a log file; stopped (TERM, then KILL) on exit."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path):
        self.args, self.env, self.log_path = args, env, log
        self.proc: subprocess.Popen | None = None

    def start(self) -> "Process":
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.args, env=self.env, stdout=self._log, stderr=subprocess.STDOUT)
        return self

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                for pid in descendants(self.proc.pid):  # `serve --workers N`: its workers too
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                self.proc.kill()
                self.proc.wait(timeout=20)
        self._log.close()
        self.proc = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class ChromaServer(Process):
    """`chroma run` with a data folder that outlives a stop, so it can be started again."""

    def __init__(self, data: Path):
        self.host, self.port = "127.0.0.1", free_port()
        env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
        super().__init__([str(CHROMA), "run", "--host", self.host, "--port", str(self.port), "--path",
                          str(data / "db")], env, data / "chroma.log")

    def start(self) -> "ChromaServer":
        super().start()
        until(lambda: self._heartbeat() or not self.alive(), 60, "the Chroma server to start")
        assert self.alive(), self.log()[-2000:]
        return self

    def _heartbeat(self) -> bool:
        try:
            return httpx.get(f"http://{self.host}:{self.port}/api/v2/heartbeat", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False


class AppServer(Process):
    """`assistant serve` as an operator starts it (`workers` > 1: `--workers N`)."""

    def __init__(self, env: dict[str, str], log: Path, workers: int = 1):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        extra = ["--workers", str(workers)] if workers > 1 else []
        super().__init__([str(ASSISTANT), "serve", "--host", "127.0.0.1", "--port", str(self.port), *extra], env, log)
        self.client = httpx.Client(base_url=self.url, timeout=60)

    def start(self) -> "AppServer":
        super().start()
        until(lambda: self.ready() or not self.alive(), 90, "the app to report ready", interval=0.25)
        assert self.alive(), self.log()[-3000:]
        return self

    def ready(self) -> str | None:
        """The index version /readyz reports, or None while it is not ready."""
        return self.readiness()[0]

    def readiness(self, fresh: bool = False) -> tuple[str | None, int | None]:
        """(index version or None while not ready, the answering worker's pid) from /readyz;
        `fresh`: on a connection of its own, so with several workers any of them may answer."""
        try:
            r = (httpx.get(self.url + "/readyz", timeout=10, headers={"Connection": "close"}) if fresh
                 else self.client.get("/readyz", timeout=10))
        except httpx.HTTPError:
            return None, None
        body = r.json()
        return (body.get("index") if r.status_code == 200 else None), body.get("worker")

    def ask(self, question: str = QUESTIONS[0], timeout: float = 60) -> httpx.Response:
        return self.client.post("/api/ask", json={"question": question}, timeout=timeout)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        self.client.close()
        super().stop(sig)


def checklist_session(client: httpx.Client, checklist: str, name: str) -> tuple[list[str], str]:
    """A new session of `checklist`: (the checklist's item ids, the session id)."""
    items = [i["id"] for i in client.get(f"/api/checklists/{checklist}").json()["items"]]
    r = client.post(f"/api/checklists/{checklist}/sessions", json={"name": name})
    assert r.status_code == 201, r.text
    return items, r.json()["session"]["id"]


class Load:
    """Clients asking back to back in threads until stopped; every response is recorded as
    (status, JSON body or text) with the version /readyz reported just before."""

    def __init__(self, server: AppServer, clients: int = 2):
        self.server = server
        self.results: list[tuple[int, Any]] = []
        self.versions: list[str | None] = []
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(clients)]

    def _run(self, n: int) -> None:
        with httpx.Client(base_url=self.server.url, timeout=60) as client:
            i = n
            while not self._stop.is_set():
                try:
                    r = client.post("/api/ask", json={"question": QUESTIONS[i % len(QUESTIONS)]})
                    body = r.json() if r.headers.get("content-type", "").startswith("application/json") else r.text
                    self.results.append((r.status_code, body))
                except httpx.HTTPError as err:
                    self.results.append((0, repr(err)))
                if n == 0:
                    self.versions.append(self.server.ready())
                i += 1

    def __enter__(self) -> "Load":
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=90)

    def failures(self) -> list[tuple[int, Any]]:
        return [(status, body) for status, body in self.results if status != 200]

    def count(self) -> int:
        return len(self.results)
