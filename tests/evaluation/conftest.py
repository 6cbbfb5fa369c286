"""Fixtures: the default configuration run once over every evaluation item, in a temporary home.

The embedding cache is shared (the `embedding_cache` fixture in tests/conftest.py) so that a
re-run only embeds what changed; the index itself is always built fresh from the corpus.
"""
from __future__ import annotations


import pytest

from assistant.config import Config


@pytest.fixture(scope="session")
def eval_items():
    from assistant.evaluation import load_items

    return load_items()


@pytest.fixture(scope="session")
def hybrid_run(tmp_path_factory, eval_items, embedding_cache):
    """The gate's run: hybrid retrieval with e5, the shipped defaults, the frozen test split."""
    from assistant.evaluation.runner import Evaluation

    evaluation = Evaluation(tmp_path_factory.mktemp("eval-home"), embedding_cache, Config.from_env(env={}))
    return evaluation.run("hybrid", [i for i in eval_items if i.split == "test"])
