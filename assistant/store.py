"""The dense vector store: Chroma, embedded (a local folder) or a server (CHROMA_HOST).

Both go through the same `VectorStore` so the rest of the program cannot tell them apart. We
always pass our own embeddings; Chroma's default embedding function (which downloads a model)
is never used.
"""
from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .errors import BackendError

log = logging.getLogger(__name__)
UNREACHABLE = "Søketjenesten (Chroma) svarer ikke akkurat nå. Prøv igjen om litt."


def _settings():
    from chromadb.config import Settings

    return Settings(anonymized_telemetry=False, allow_reset=False)


def chroma_client(persist_dir: Path | None, host: str = "", port: int = 8000, timeout: float = 10.0):
    """An embedded Chroma under `persist_dir`, or a client of the server at host:port whose every
    call gives up after `timeout` seconds (raising, which the callers turn into a 503)."""
    import chromadb

    if host and not server_reachable(host, port, timeout):  # the client's own first calls would wait for ever
        raise BackendError(f"Får ikke kontakt med Chroma ({host}:{port}): ingen svar innen {timeout:g} s.")
    try:
        if host:
            return _time_limited(chromadb.HttpClient(host=host, port=port, settings=_settings()), timeout)
        assert persist_dir is not None
        persist_dir.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(persist_dir), settings=_settings())
    except Exception as err:  # connection refused, bad path: chromadb raises several kinds
        where = f"{host}:{port}" if host else str(persist_dir)
        raise BackendError(f"Får ikke kontakt med Chroma ({where}): {err.__class__.__name__}.") from err


def _time_limited(client, timeout: float):
    """The chromadb HTTP client waits without limit (its httpx session has `timeout=None`, and
    chromadb has no setting for it): a server that accepts connections but does not answer held a
    request, and the worker serving it, for ever. Its session is given our limit instead."""
    import httpx

    session = getattr(getattr(client, "_server", None), "_session", None)
    if isinstance(session, httpx.Client):
        session.timeout = httpx.Timeout(timeout)
    else:  # a chromadb release that keeps its session elsewhere: say so rather than hang unnoticed
        log.warning("chromadb's HTTP client has changed; calls to the Chroma server have no time limit")
    return client


class VectorStore:
    """One Chroma collection of passage embeddings, addressed by passage id."""

    def __init__(self, client, collection: str, create: bool = False):
        self.client = client
        self.name = collection
        try:
            if create:
                self.collection = client.create_collection(
                    name=collection, embedding_function=None, configuration={"hnsw": {"space": "cosine"}})
            else:
                self.collection = client.get_collection(name=collection, embedding_function=None)
        except Exception as err:
            raise BackendError(f"Chroma-samlingen «{collection}» er ikke tilgjengelig: {err.__class__.__name__}.") from err

    def add(self, ids: Sequence[str], embeddings: np.ndarray, metadatas: Sequence[dict]) -> None:
        for start in range(0, len(ids), 500):
            end = start + 500
            self.collection.add(ids=list(ids[start:end]), embeddings=embeddings[start:end].tolist(),
                                metadatas=list(metadatas[start:end]))

    def query(self, embedding: np.ndarray, k: int) -> list[tuple[str, float]]:
        """(passage id, cosine similarity) best first."""
        try:
            res = self.collection.query(query_embeddings=[embedding.tolist()], n_results=k, include=["distances"])
        except Exception as err:
            log.warning("Chroma query on %s failed: %r", self.name, err)
            if err.__class__.__name__ == "NotFoundError":
                raise BackendError("Søkeindeksen finnes ikke lenger i Chroma. Kjør `assistant index` på nytt.") from err
            raise BackendError(UNREACHABLE) from err
        return [(pid, 1.0 - float(d)) for pid, d in zip(res["ids"][0], res["distances"][0])]

    def count(self) -> int:
        return self.collection.count()

    def drop(self) -> None:
        self.drop_named(self.client, self.name)

    @staticmethod
    def drop_named(client, name: str) -> None:
        try:
            client.delete_collection(name)
        except Exception:  # noqa: BLE001 - already gone
            pass


def server_reachable(host: str, port: int, timeout: float = 2.0) -> bool:
    """Whether the Chroma server answers its heartbeat within `timeout`: asked directly, since the
    chromadb client waits without limit on a server that accepts but does not answer."""
    import httpx

    try:
        where = f"[{host}]" if ":" in host else host
        return httpx.get(f"http://{where}:{port}/api/v2/heartbeat", timeout=timeout).status_code == 200
    except httpx.HTTPError:
        return False
