"""Fixtures: one real index over a small corpus (built once), in-process clients and a live server.

The index is built from three of the real corpus files in a temporary ASSISTANT_HOME, so the
tests exercise the real Assistant end to end without touching the developer's own home.
"""
from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from fastapi.testclient import TestClient  # noqa: E402

from assistant.config import PROJECT_ROOT, Config  # noqa: E402
from assistant.core import Assistant  # noqa: E402
from server_helpers import CHROMIUM, CHROMIUM_ARGS, CORPUS_FILES, OUTPUT_DIR, QUESTION, LiveServer, free_port  # noqa: E402


@pytest.fixture(scope="session")
def assistant(tmp_path_factory, embedding_cache) -> Assistant:
    """The real Assistant over a real index of a three-document corpus."""
    root = tmp_path_factory.mktemp("assistant")
    corpus = root / "corpus"
    corpus.mkdir()
    for name in CORPUS_FILES:
        shutil.copy(PROJECT_ROOT / "corpus" / name, corpus / name)
    config = Config.from_env(env={"ASSISTANT_HOME": str(root / "home"), "ASSISTANT_CORPUS_DIR": str(corpus),
                                  "ASSISTANT_CACHE_DIR": str(embedding_cache)})
    a = Assistant(config)
    a.build_index(progress=False)
    a.ask(QUESTION)  # load the models once, so timing-sensitive tests do not pay for it
    return a


@pytest.fixture
def make_client(assistant, tmp_path) -> Callable[..., TestClient]:
    """A TestClient over the API (no Gradio) with Config overrides; feedback goes to tmp_path."""

    def make(**overrides) -> TestClient:
        from assistant.server.app import create_app

        config = assistant.config.with_(home=tmp_path / "home", **overrides)
        return TestClient(create_app(assistant, config, ui=False), raise_server_exceptions=False)

    return make


@pytest.fixture
def client(make_client) -> TestClient:
    return make_client()


@pytest.fixture(scope="session")
def live_home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("live-home")


@pytest.fixture(scope="session")
def live_server(assistant, live_home) -> Iterator[LiveServer]:
    """The full app (Gradio UI included) served over real HTTP for the client and browser tests."""
    from assistant.server.app import create_app

    config = assistant.config.with_(home=live_home, rate_limit=1000)
    with LiveServer(create_app(assistant, config), free_port()) as server:
        yield server


@pytest.fixture(scope="session")
def output_dir() -> Path:
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    return OUTPUT_DIR


@pytest.fixture(scope="session")
def browser():
    """Debian's headless chromium driven by Playwright for Python (never `playwright install`)."""
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (/usr/bin/chromium)")
    os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()
