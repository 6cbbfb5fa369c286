"""`E5Embedder.embed_query` from many threads at once, as a server's thread pool calls it: each
caller gets its own text's vector, never a KeyError from a vector another thread evicted (issue 20's
load test hit that as a 500 under 10 simultaneous users). The engine is replaced by one that is
instant and deterministic, so the threads switch often enough to find an unsafe interleaving."""
from __future__ import annotations

import sys
import threading
from collections import OrderedDict

import numpy as np

from assistant import embedders
from assistant.embedders import E5Embedder


class Engine:
    """A vector that names its text: its first element is the text's hash."""

    def query(self, text: str) -> list[float]:
        return [float(hash(text) % 1_000_003)] + [0.0] * 383


def test_threads_get_their_own_texts_vector_while_others_evict_it(monkeypatch):
    monkeypatch.setattr(embedders, "single_engine_thread", lambda: None)
    embedder = E5Embedder.__new__(E5Embedder)  # the cache and its lock as __init__ makes them, without the model
    embedder._model = Engine()
    embedder._recent = OrderedDict()
    embedder._recent_lock = threading.Lock()
    texts = [f"spørsmål {i}" for i in range(4 * embedders.RECENT_QUERIES)]  # many more than the cache keeps
    failures: list[str] = []
    start = threading.Barrier(8)

    def caller(n: int) -> None:
        start.wait()
        for round_ in range(300):
            text = texts[(n * 7 + round_) % len(texts)]
            try:
                vector = embedder.embed_query(text)
            except Exception as err:  # noqa: BLE001 - any exception is the failure under test
                failures.append(f"{err.__class__.__name__}: {err}")
                continue
            if vector[0] != float(hash(text) % 1_000_003) or vector.dtype != np.float32:
                failures.append(f"wrong vector for {text!r}")

    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        threads = [threading.Thread(target=caller, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    finally:
        sys.setswitchinterval(old)
    assert failures == []
    assert len(embedder._recent) <= embedders.RECENT_QUERIES
