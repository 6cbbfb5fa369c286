"""Fixtures: a fresh ASSISTANT_HOME per test, and the guide's text for grounding checks."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from assistant.config import Config  # noqa: E402
from assistant.corpus import discover  # noqa: E402
from checklist_guide import GuideText  # noqa: E402


@pytest.fixture
def config(tmp_path) -> Config:
    return Config.from_env(env={"ASSISTANT_HOME": str(tmp_path / "home")})


@pytest.fixture
def service(config):
    from assistant.checklists.service import ChecklistService

    return ChecklistService(config)


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    return Config.from_env(env={}).corpus_dir


@pytest.fixture(scope="session")
def corpus_files(corpus_dir) -> dict:
    """doc_id (as the index names documents, from corpus/manifest.yaml) -> source file."""
    return {sf.info.id: sf for sf in discover(corpus_dir)}


@pytest.fixture(scope="session")
def guide_texts(corpus_files):
    """doc_id -> GuideText for every document the checklists cite (raw corpus files)."""
    cache: dict[str, GuideText] = {}

    def get(doc_id: str) -> GuideText:
        if doc_id not in cache:
            assert doc_id in corpus_files, f"no corpus document with id {doc_id}"
            cache[doc_id] = GuideText.from_file(corpus_files[doc_id].path)
        return cache[doc_id]

    return get


@pytest.fixture(params=["sqlite", "postgresql"])
def backend_config(request, tmp_path) -> Config:
    """The same home on each storage backend: SQLite files, or a fresh database on the test run's
    PostgreSQL server (skipped, saying why, where PostgreSQL is not installed)."""
    env = {"ASSISTANT_HOME": str(tmp_path / "home")}
    if request.param == "postgresql":
        env["ASSISTANT_DATABASE_URL"] = request.getfixturevalue("pg_url")
    return Config.from_env(env=env)


@pytest.fixture
def backend_service(backend_config):
    from assistant.checklists.service import ChecklistService

    return ChecklistService(backend_config)
