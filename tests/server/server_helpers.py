"""Shared constants and the live-server helper for the server tests."""
from __future__ import annotations

import json
import socket
import threading
import time
from pathlib import Path

from assistant.config import PROJECT_ROOT

CORPUS_FILES = ("000_66dc87977bd31094.txt", "002_16a90950402ea54b.txt", "003_4542347fc222d9b8.txt", "manifest.yaml")
QUESTION = "Hvordan kan fylkeskommunen mobilisere private investeringer?"
OUTPUT_DIR = PROJECT_ROOT / "test-output" / "server"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run"]
AXE = Path(__file__).parent / "js" / "node_modules" / "axe-core" / "axe.min.js"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """uvicorn in a background thread on 127.0.0.1 and a free port."""

    def __init__(self, app, port: int):
        import uvicorn

        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        from assistant.server.cli import uvicorn_config

        self.server = uvicorn.Server(uvicorn_config(app, "127.0.0.1", port))  # as `assistant serve` serves it
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> "LiveServer":
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("live server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def parse_sse(text: str) -> list[tuple[str, dict]]:
    """`event:`/`data:` blocks of a server-sent-events body."""
    events = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        events.append((lines["event"], json.loads(lines["data"])))
    return events
