"""Building and loading the search index.

Layout under ASSISTANT_HOME:

    index/<embedder>/current            id of the build in use
    index/<embedder>/builds/<id>/       passages.jsonl, documents.json, meta.json, units.npy, sparse.npz (e5),
                                        chroma/ (embedded)
    cache/embeddings/<embedder>/<key>.npy|.npz   one document's vectors, by content (ASSISTANT_CACHE_DIR)

A build is written aside and `current` is switched (by an atomic rename) only when it is
complete, so the previous index stays usable until then, also when the build is killed half way.
Unchanged documents reuse cached embeddings.

A running server reads `current` every few seconds and switches to a new build by itself
(`live.py`). So that requests still under way on the build it left can finish, a build is removed
(with its Chroma collections) only when it is neither current nor the one before, and was retired
more than `RETIRED_GRACE_SECONDS` ago. A build being written holds a lock on its `.building` file;
one whose writer died (no lock held) is removed by the next build.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import re
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy import sparse
from tqdm import tqdm

from .config import Config
from .corpus import discover, manifest_warnings
from .embedders import Embedder, bulk, has_sparse
from .errors import AssistantError, DocumentError, IndexMissingError
from .ingest import drop_duplicates, ingest_source
from .models import DocumentInfo, Passage
from . import published
from .store import VectorStore, chroma_client, server_reachable
from .units import units_of

log = logging.getLogger(__name__)

FORMAT_VERSION = 3
RETIRED_GRACE_SECONDS = 120.0  # a retired build outlives every request that may still be reading it
BUILDING = ".building"  # locked (flock) by the process writing the build, removed when it is complete
RETIRED = "retired"  # written into a build when another build replaces it as `current`
BRACKETED_TAIL = re.compile(r"\s*\(.*?\)\s*$")  # "(lysbilder)" describes the file, not the content


@dataclass
class IndexReport:
    build_id: str
    documents: int
    passages: int
    embedded: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)
    duplicates: int = 0
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)  # manifest entries without a file, documents with no text …
    flagged: list[str] = field(default_factory=list)  # passages that address the assistant; never quoted


def embed_text(p: Passage) -> str:
    """What the dense model sees: the section path gives short passages their context."""
    return f"{p.section_path}\n{p.text}" if p.section else p.text


def document_text(p: Passage, title: str) -> str:
    """The passage as part of its document: a slide table of milestones says little on its own,
    but "… Norra Mellansverige › Planerade milstolpar" places it. Kept as a
    second view beside `embed_text`, which matches statements that need no context better."""
    return f"{BRACKETED_TAIL.sub('', title)}\n{embed_text(p)}"


def _root(config: Config, embedder_name: str) -> Path:
    return config.index_dir / embedder_name


def _collection_name(embedder_name: str, build_id: str, view: str = "") -> str:
    return f"ss-{embedder_name}-{build_id}".replace("_", "-").lower()[:56] + (f"-{view}" if view else "")


def _cached(path: Path, compute, load, save):
    """(value, reused): a document's vectors from the content-keyed cache, or computed and stored."""
    if path.exists():
        try:
            return load(path), True
        except (OSError, ValueError):
            path.unlink(missing_ok=True)
    value = compute()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.stem}.tmp{path.suffix}")
    save(tmp, value)
    os.replace(tmp, path)
    return value, False


def _key(kind: str, texts: list[str]) -> str:
    return hashlib.sha256(("\x1e".join([kind, *texts])).encode()).hexdigest()[:24]


def _cached_embeddings(cache: Path, embedder: Embedder, texts: list[str]) -> tuple[np.ndarray, bool]:
    return _cached(cache / f"{_key(embedder.name, texts)}.npy",
                   lambda: embedder.embed_documents(texts) if texts else np.zeros((0, 1), dtype=np.float32),
                   np.load, np.save)


def _cached_sparse(cache: Path, embedder: Embedder, texts: list[str]):
    return _cached(cache / f"{_key('sparse-' + embedder.name, texts)}.npz",
                   lambda: embedder.embed_sparse(texts), sparse.load_npz, sparse.save_npz)[0]


def build_index(config: Config, embedder: Embedder, progress: bool = True) -> IndexReport:
    start = time.perf_counter()
    root = _root(config, embedder.name)
    build_id = time.strftime("%Y%m%d-%H%M%S") + f"-{os.getpid()}-{int(time.time() * 1000) % 1000:03d}"
    build_dir = root / "builds" / build_id
    report = IndexReport(build_id, 0, 0)
    sources = discover(config.corpus_dir)
    report.warnings += manifest_warnings(config.corpus_dir, sources)
    ingested = []
    for source in tqdm(sources, desc="Leser dokumenter", unit="dok", disable=not progress, file=sys.stderr):
        notes: list[str] = []
        try:
            info, doc_passages, text = ingest_source(source, notes)
        except DocumentError as err:
            report.errors.append(str(err))
            continue
        except Exception as err:  # a broken file must never stop the other files
            report.errors.append(str(DocumentError(str(source.path), f"uventet feil ({err.__class__.__name__})")))
            continue
        finally:
            report.warnings += notes
        if not doc_passages:
            report.warnings.append(f"Filen {source.path.name} er hoppet over: den har ingen tekst å søke i "
                                   "(tom, eller bare en overskrift).")
            continue
        ingested.append((info, doc_passages, text))
        report.flagged += [f"{source.path.name} ({p.id}): «{_excerpt(p.text)}»" for p in doc_passages if p.flagged]
    if not ingested:
        raise AssistantError("Ingen dokumenter kunne leses; indeksen er ikke endret. " + " ".join(report.errors))
    passages, dropped = drop_duplicates(ingested)
    report.duplicates = len(dropped)
    stores: list[VectorStore] = []
    client = lock = None
    try:
        build_dir.mkdir(parents=True)
        lock = _hold_build_lock(build_dir)
        vectors: list[np.ndarray] = []
        doc_vectors: list[np.ndarray] = []
        kept_by_doc: dict[str, list[Passage]] = {}
        for p in passages:
            kept_by_doc.setdefault(p.doc_id, []).append(p)
        unit_vectors: list[np.ndarray] = []
        sparse_rows = []
        # counts texts (passages in two views, sentences, latent terms), so it moves within the guide
        sizes = {i: (2 + has_sparse(embedder)) * len(ps) + sum(len(units_of(p)) for p in ps)
                 for i, ps in kept_by_doc.items()}
        bar = tqdm(total=sum(sizes.values()), desc="Lager embeddinger", unit="tekst", disable=not progress, file=sys.stderr)
        embedder, done = bulk(embedder, bar.update), 0
        cache = config.cache / "embeddings" / getattr(embedder, "cache_name", embedder.name)  # one runtime's vectors
        for info, _, _ in ingested:
            doc_passages = kept_by_doc.get(info.id, [])
            if not doc_passages:
                continue
            done += sizes[info.id]
            texts = [embed_text(p) for p in doc_passages]
            vecs, reused = _cached_embeddings(cache, embedder, texts)
            in_doc, _ = _cached_embeddings(cache, embedder, [document_text(p, info.title) for p in doc_passages])
            units, _ = _cached_embeddings(cache, embedder, [u.text for p in doc_passages for u in units_of(p)])
            (report.reused if reused else report.embedded).append(info.id)
            vectors.append(vecs)
            doc_vectors.append(in_doc)
            unit_vectors.append(units)
            if has_sparse(embedder):
                sparse_rows.append(_cached_sparse(cache, embedder, texts))
            bar.update(done - bar.n)  # cached documents count at once
        bar.close()
        ordered = [p for info, _, _ in ingested for p in kept_by_doc.get(info.id, [])]
        client = chroma_client(build_dir / "chroma", config.chroma_host, config.chroma_port, config.chroma_timeout)
        collection = _collection_name(embedder.name, build_id)
        doc_collection = _collection_name(embedder.name, build_id, "doc")
        for name, parts in ((collection, vectors), (doc_collection, doc_vectors)):
            stores.append(VectorStore(client, name, create=True))
            stores[-1].add([p.id for p in ordered], _stack(parts), [{"doc_id": p.doc_id, "order": p.order} for p in ordered])
        np.save(build_dir / "units.npy", _stack(unit_vectors))
        if sparse_rows:
            sparse.save_npz(build_dir / "sparse.npz", sparse.vstack(sparse_rows).tocsr())
        with open(build_dir / "passages.jsonl", "w", encoding="utf-8") as fh:
            for p in ordered:
                fh.write(p.model_dump_json() + "\n")
        docs = [info.model_dump() for info, _, _ in ingested]
        (build_dir / "documents.json").write_text(json.dumps(docs, ensure_ascii=False, indent=1), encoding="utf-8")
        meta = {"format": FORMAT_VERSION, "build_id": build_id, "embedder": embedder.name, "collection": collection,
                "doc_collection": doc_collection,
                "chroma_host": config.chroma_host, "chroma_port": config.chroma_port, "duplicates": dropped,
                "errors": report.errors, "warnings": report.warnings, "flagged": report.flagged,
                "created": time.time()}
        _write_atomic(build_dir / "meta.json", json.dumps(meta, ensure_ascii=False, indent=1))
        if config.chroma_host:  # for workers with a home of their own (published.py)
            published.publish(client, build_dir, collection)
    except BaseException:
        for store in stores:
            store.drop()
        shutil.rmtree(build_dir, ignore_errors=True)
        if lock is not None:
            lock.close()
        raise
    finally:
        _close(client)
    try:
        _swap(config, root, build_id)  # still locked: a build running beside this one leaves it alone
        if config.chroma_host:
            server = chroma_client(None, config.chroma_host, config.chroma_port, config.chroma_timeout)
            try:
                published.point(server, embedder.name, build_id)  # last: every worker may now switch
            finally:
                _close(server)
    finally:
        (build_dir / BUILDING).unlink(missing_ok=True)
        lock.close()
    report.documents = len(ingested)
    report.passages = len(ordered)
    report.seconds = time.perf_counter() - start
    return report


def _stack(parts: list[np.ndarray]) -> np.ndarray:
    """One matrix from per-document blocks; a document with no rows (a passage with no sentence
    to quote) adds none, whatever shape its empty block has."""
    parts = [m for m in parts if len(m)]
    return np.vstack(parts) if parts else np.zeros((0, 384), dtype=np.float32)


def _excerpt(text: str, chars: int = 100) -> str:
    text = " ".join(text.split())
    return text if len(text) <= chars else text[:chars].rsplit(" ", 1)[0] + " …"


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _hold_build_lock(build_dir: Path):
    """An open file on which this process holds an exclusive lock while it writes the build; the
    kernel lets go of it when the process dies, however it dies."""
    fh = open(build_dir / BUILDING, "w")
    fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    fh.write(str(os.getpid()))
    fh.flush()
    return fh


def _being_built(build_dir: Path) -> bool:
    """True while a live process writes this build."""
    try:
        with open(build_dir / BUILDING) as fh:
            fcntl.flock(fh, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except FileNotFoundError:
        return False
    except OSError:  # the lock is held
        return True
    return False


_pointer_clients: dict[tuple[str, int], object] = {}


def current_build(config: Config, embedder_name: str) -> str | None:
    """The id of the current build, or None: with a Chroma server the one published there (so a
    worker with a home of its own sees new builds), else (or while the server is out of reach)
    the one `current` names. One small read, cheap to call often."""
    if config.chroma_host and server_reachable(config.chroma_host, config.chroma_port, timeout=1.0):
        key = (config.chroma_host, config.chroma_port)
        try:
            if key not in _pointer_clients:
                _pointer_clients[key] = chroma_client(None, *key, config.chroma_timeout)
            build = published.pointed(_pointer_clients[key], embedder_name)
            if build:
                return build
        except Exception as err:  # noqa: BLE001 - the local pointer is the fallback
            _pointer_clients.pop(key, None)
            log.warning("Could not read the current build from the Chroma server: %r", err)
    try:
        return (_root(config, embedder_name) / "current").read_text().strip() or None
    except OSError:
        return None


def _swap(config: Config, root: Path, build_id: str) -> None:
    """Point `current` at the new build atomically, mark the one it replaces as retired, and
    remove the builds no request can still be reading (see the module's docstring)."""
    current = root / "current"
    previous = current.read_text().strip() if current.exists() else None
    _write_atomic(current, build_id)
    if previous and previous != build_id and (root / "builds" / previous).is_dir():
        (root / "builds" / previous / RETIRED).write_text(str(time.time()))
    for old in (root / "builds").iterdir():
        if old.name in (build_id, previous) or not old.is_dir() or _being_built(old):
            continue
        retired = old / RETIRED  # none: its writer died before it became current, or it predates the marker
        age = time.time() - retired.stat().st_mtime if retired.exists() else float("inf")
        if age >= RETIRED_GRACE_SECONDS:
            _remove_build(config, old)


def _remove_build(config: Config, build_dir: Path) -> None:
    """Delete a build's files and, on a Chroma server, its collections. A build whose writer was
    killed has no meta.json: its collections are found by the names every build gives them."""
    try:
        meta = json.loads((build_dir / "meta.json").read_text())
    except (OSError, ValueError):
        meta = {"chroma_host": config.chroma_host, "chroma_port": config.chroma_port,
                "collection": _collection_name(build_dir.parent.parent.name, build_dir.name)}
    try:
        if meta.get("chroma_host"):
            client = chroma_client(None, meta["chroma_host"], meta["chroma_port"], config.chroma_timeout)
            base = meta["collection"]
            for name in (base, meta.get("doc_collection") or f"{base}-doc", published.files_collection(base)):
                VectorStore.drop_named(client, name)
            _close(client)
    except Exception:  # noqa: BLE001 - an unreachable server keeps a few stale collections; not fatal
        log.warning("Could not remove the Chroma collections of the old build %s", build_dir.name, exc_info=True)
    shutil.rmtree(build_dir, ignore_errors=True)


def _close(client) -> None:
    """Let go of a Chroma client (an embedded one holds its files and memory until closed)."""
    close = getattr(client, "close", None)
    if close is not None:
        try:
            close()
        except Exception:  # noqa: BLE001
            pass


@dataclass
class Index:
    """A loaded, complete build."""

    build_id: str
    passages: list[Passage]
    documents: dict[str, DocumentInfo]
    store: VectorStore
    meta: dict
    unit_vectors: dict[str, np.ndarray] = field(default_factory=dict)
    doc_store: VectorStore | None = None  # the passages embedded with their document title (format 2)
    sparse: object | None = None  # scipy CSR, one row of latent terms per passage (format 3, e5)
    server: tuple[str, int] | None = None  # the Chroma server's (host, port); None when embedded

    @property
    def by_id(self) -> dict[str, Passage]:
        return {p.id: p for p in self.passages}

    @classmethod
    def load(cls, config: Config, embedder_name: str) -> "Index":
        root = _root(config, embedder_name)
        build_id = current_build(config, embedder_name)
        if not build_id:
            raise IndexMissingError("Indeksen er ikke bygget ennå. Kjør `assistant index` først.")
        build_dir = root / "builds" / build_id
        if config.chroma_host and not (build_dir / "meta.json").exists():  # built by a worker with another home
            server = chroma_client(None, config.chroma_host, config.chroma_port, config.chroma_timeout)
            try:
                published.fetch(server, _collection_name(embedder_name, build_id), build_dir)
            except OSError as err:
                raise IndexMissingError(f"Indeksen kunne ikke hentes fra Chroma ({err.__class__.__name__}).") from err
            finally:
                _close(server)
        try:
            meta = json.loads((build_dir / "meta.json").read_text(encoding="utf-8"))
            passages = [Passage.model_validate_json(line) for line in
                        (build_dir / "passages.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
            docs = [DocumentInfo.model_validate(d) for d in
                    json.loads((build_dir / "documents.json").read_text(encoding="utf-8"))]
        except (OSError, ValueError) as err:
            raise IndexMissingError(f"Indeksen er ufullstendig eller skadet ({err.__class__.__name__}). "
                                    "Kjør `assistant index` på nytt.") from err
        host = config.chroma_host or meta.get("chroma_host", "")
        port = config.chroma_port if config.chroma_host else meta.get("chroma_port", 8000)
        client = chroma_client(build_dir / "chroma", host, port, config.chroma_timeout)
        try:
            store = VectorStore(client, meta["collection"])
            doc_store = VectorStore(client, meta["doc_collection"]) if meta.get("doc_collection") else None
        except BaseException:
            _close(client)
            raise
        return cls(build_id, passages, {d.id: d for d in docs}, store, meta, _unit_vectors(build_dir, passages),
                   doc_store, _sparse_rows(build_dir, passages), (host, port) if host else None)

    def reachable(self) -> bool:
        """Whether the vector store can answer now: always for the embedded store, and for a
        Chroma server when it answers its heartbeat."""
        return self.server is None or server_reachable(*self.server)

    def close(self) -> None:
        """Let go of the Chroma client; the index must not be searched afterwards."""
        _close(self.store.client)


def _sparse_rows(build_dir: Path, passages: list[Passage]):
    path = build_dir / "sparse.npz"
    if not path.exists():
        return None
    try:
        matrix = sparse.load_npz(path).tocsr()
    except (OSError, ValueError):
        return None
    return matrix if matrix.shape[0] == len(passages) else None


def _unit_vectors(build_dir: Path, passages: list[Passage]) -> dict[str, np.ndarray]:
    """Per passage, the embeddings of its units, in the order `units_of` gives them."""
    path = build_dir / "units.npy"
    if not path.exists():
        return {}
    matrix = np.load(path)
    out: dict[str, np.ndarray] = {}
    offset = 0
    for p in passages:
        n = len(units_of(p))
        out[p.id] = matrix[offset: offset + n]
        offset += n
    return out if offset == len(matrix) else {}
