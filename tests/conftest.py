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


@pytest.fixture(scope="session")
def pg_cluster():
    """A PostgreSQL server of the test run's own (tests/postgres.py), or a skip saying why not."""
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from postgres import Cluster, binaries

    bin_dir = binaries()
    if bin_dir is None:
        pytest.skip("PostgreSQL is not installed (Debian package `postgresql`; `make install-test` as root "
                    "installs it)")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip("psycopg is not installed (`make install-test`)")
    cluster = Cluster(bin_dir).init().start()
    yield cluster
    cluster.remove()


@pytest.fixture
def pg_url(pg_cluster) -> str:
    """An empty database on the test PostgreSQL server, one per test."""
    return pg_cluster.create_database()
