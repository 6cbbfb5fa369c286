"""Fixtures shared by every test folder."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from assistant.config import PROJECT_ROOT


@pytest.fixture(scope="session")
def embedding_cache() -> Path:
    """One embedding cache for all suites (ASSISTANT_CACHE_DIR, else the gitignored .home/cache):
    embeddings are keyed by content, so each text is embedded once across homes and runs."""
    return Path(os.environ.get("ASSISTANT_CACHE_DIR") or PROJECT_ROOT / ".home" / "cache")
