"""Shared constants and helpers for the core tests (imported by conftest and the test modules)."""
from __future__ import annotations

import hashlib
import json
import re
import socket

from assistant.config import PROJECT_ROOT, Config

# Two real slide decks (Norwegian and Swedish, markdown titles) and a short note of our own:
# small enough that re-embedding one of them takes a moment.
SMALL_FILES = ("002_16a90950402ea54b.txt", "003_4542347fc222d9b8.txt")
SMALL_IDS = ("kmd-innspillsmote-2018", "reglab-larpass-2017")
NOTE_ID = "notat-om-testing"
NOTE_TEXT = (
    "# Notat om testing av indeksen\n\n"
    "Dette notatet finnes bare i testkorpuset. Det beskriver hvordan indeksen bygges på nytt "
    "når en fil i korpusmappen endres.\n"
)
SMALL_QUESTION = "Vad ska Tillväxtverket stötta regionerna med enligt regeringsuppdraget?"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def index_state(config: Config, embedder: str = "e5") -> dict:
    """What must not change when an operation fails: `current`, the set of builds, and the
    content of every build file. Chroma rewrites its own files when a build is opened, so for
    those only the names are compared."""
    root = config.index_dir / embedder
    current = root / "current"
    state: dict = {"current": current.read_text() if current.exists() else None, "files": {}}
    builds = root / "builds"
    state["builds"] = sorted(p.name for p in builds.iterdir()) if builds.is_dir() else []
    if builds.is_dir():
        for path in sorted(builds.rglob("*")):
            if not path.is_file():
                continue
            rel = path.relative_to(builds).as_posix()
            state["files"][rel] = "chroma" if "/chroma/" in f"/{rel}" else hashlib.sha256(path.read_bytes()).hexdigest()
    return state


def eval_questions() -> set[str]:
    """Every question in evals/sets, normalised: the tests must ask their own."""
    out = set()
    for path in (PROJECT_ROOT / "evals" / "sets").glob("*.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                out.add(squash(item["question"]))
                for turn in item.get("history") or []:
                    out.add(squash(turn["content"]))
    return out


def squash(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def exchange(assistant, question: str) -> list:
    """A first question and the assistant's real answer, as the history a client sends back."""
    from assistant.models import Turn

    return [Turn(role="user", content=question), assistant.ask(question).as_turn()]
