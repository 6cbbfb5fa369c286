"""Fixtures for the core tests: the real corpus indexed once, and small corpora to mutate.

The full index lives in a temporary ASSISTANT_HOME; its embedding cache is shared
(ASSISTANT_CACHE_DIR, else the project's gitignored .home/cache) so that embeddings are
computed once across test runs. Tests that change a corpus get their own home and a private
copy of that cache, so they can assert exactly which documents were embedded.
"""
from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from assistant.config import PROJECT_ROOT, SETTINGS, Config  # noqa: E402
from core_helpers import SMALL_FILES, NOTE_ID, NOTE_TEXT  # noqa: E402

CORPUS = PROJECT_ROOT / "corpus"


@pytest.fixture(scope="session")
def core_config(tmp_path_factory, embedding_cache) -> Config:
    """The full corpus in a fresh home, e5 embedder, embedded Chroma, shared embedding cache."""
    return Config(home=tmp_path_factory.mktemp("core-home"), corpus_dir=CORPUS, cache_dir=embedding_cache)


@pytest.fixture(scope="session")
def built(core_config):
    """(assistant, IndexReport) over the full corpus, indexed once per session."""
    from assistant.core import Assistant

    assistant = Assistant(core_config)
    report = assistant.build_index(progress=False)
    return assistant, report


@pytest.fixture(scope="session")
def assistant(built):
    return built[0]


@pytest.fixture(scope="session")
def index_report(built):
    return built[1]


@pytest.fixture(scope="session")
def ingested():
    """Every real corpus file read, cleaned and chunked (no embeddings):
    {doc_id: (source file, info, passages, clean text)}."""
    from assistant.corpus import discover
    from assistant.ingest import ingest_source

    return {s.info.id: (s, *ingest_source(s)) for s in discover(CORPUS)}


@pytest.fixture
def small_corpus(tmp_path, embedding_cache) -> Callable[..., Config]:
    """Factory: a home with a small corpus (two real slide decks and a short note) and a private
    embedding cache seeded from the shared one. Returns the Config; the corpus is config.corpus_dir."""

    def make(name: str = "small", **overrides) -> Config:
        root = tmp_path / name
        corpus = root / "corpus"
        corpus.mkdir(parents=True)
        for file in SMALL_FILES:
            shutil.copy(CORPUS / file, corpus / file)
        shutil.copy(CORPUS / "manifest.yaml", corpus / "manifest.yaml")
        (corpus / f"{NOTE_ID}.md").write_text(NOTE_TEXT, encoding="utf-8")
        cache = root / "cache"
        seed = embedding_cache / "embeddings" / "e5"
        if seed.is_dir():
            shutil.copytree(seed, cache / "embeddings" / "e5")
        return Config(home=root / "home", corpus_dir=corpus, cache_dir=cache).with_(**overrides)

    return make


@pytest.fixture(scope="session")
def cli_env() -> Callable[[Config], dict[str, str | None]]:
    """Environment for the CLI (Config.from_env) that points at a Config and blanks every other
    setting, so the developer's own ASSISTANT_* / CHROMA_* variables cannot leak in."""

    def make(config: Config) -> dict[str, str | None]:
        env: dict[str, str | None] = {s.env: None for s in SETTINGS.values()}
        env.update({
            "ASSISTANT_HOME": str(config.home),
            "ASSISTANT_CORPUS_DIR": str(config.corpus_dir),
            "ASSISTANT_EMBEDDER": config.embedder,
        })
        if config.cache_dir:
            env["ASSISTANT_CACHE_DIR"] = str(config.cache_dir)
        if config.chroma_host:
            env["CHROMA_HOST"] = config.chroma_host
            env["CHROMA_PORT"] = str(config.chroma_port)
        return env

    return make
