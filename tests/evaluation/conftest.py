"""Fixtures: the default configuration run once over every evaluation item, in a temporary home.

The embedding cache is shared (ASSISTANT_CACHE_DIR, else the project's .home/cache) so that a
re-run only embeds what changed; the index itself is always built fresh from the corpus.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from assistant.config import PROJECT_ROOT, Config


def shared_cache() -> Path:
    return Path(os.environ.get("ASSISTANT_CACHE_DIR") or PROJECT_ROOT / ".home" / "cache")


@pytest.fixture(scope="session")
def eval_items():
    from assistant.evaluation import load_items

    return load_items()


@pytest.fixture(scope="session")
def hybrid_run(tmp_path_factory, eval_items):
    """The gate's run: hybrid retrieval with e5, the shipped defaults, all items."""
    from assistant.evaluation.runner import Evaluation

    evaluation = Evaluation(tmp_path_factory.mktemp("eval-home"), shared_cache(), Config.from_env(env={}))
    return evaluation.run("hybrid", eval_items, calibrate=False)
