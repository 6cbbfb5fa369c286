"""Building and loading the search index.

Layout under ASSISTANT_HOME:

    index/<embedder>/current            id of the build in use
    index/<embedder>/builds/<id>/       passages.jsonl, documents.json, meta.json, units.npy, sparse.npz (e5),
                                        chroma/ (embedded)
    cache/embeddings/<embedder>/<key>.npy|.npz   one document's vectors, by content (ASSISTANT_CACHE_DIR)

A build is written aside and `current` is switched only when it is complete, so the previous
index stays usable until then. Unchanged documents reuse cached embeddings.
"""
from __future__ import annotations

import hashlib
import json
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
from .store import VectorStore, chroma_client
from .units import units_of

FORMAT_VERSION = 3
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
        try:
            info, doc_passages, text = ingest_source(source)
        except DocumentError as err:
            report.errors.append(str(err))
            continue
        except Exception as err:  # a broken file must never stop the other files
            report.errors.append(str(DocumentError(str(source.path), f"uventet feil ({err.__class__.__name__})")))
            continue
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
    try:
        build_dir.mkdir(parents=True)
        cache = config.cache / "embeddings" / embedder.name
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
        client = chroma_client(build_dir / "chroma", config.chroma_host, config.chroma_port)
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
        (build_dir / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    except BaseException:
        for store in stores:
            store.drop()
        shutil.rmtree(build_dir, ignore_errors=True)
        raise
    _swap(root, build_id)
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


def _swap(root: Path, build_id: str) -> None:
    """Point `current` at the new build atomically; remove builds older than the previous one."""
    current = root / "current"
    previous = current.read_text().strip() if current.exists() else None
    tmp = root / "current.tmp"
    tmp.write_text(build_id)
    os.replace(tmp, current)
    for old in (root / "builds").iterdir():
        if old.name not in (build_id, previous):
            _remove_build(old)


def _remove_build(build_dir: Path) -> None:
    try:
        meta = json.loads((build_dir / "meta.json").read_text())
        if meta.get("chroma_host"):
            client = chroma_client(None, meta["chroma_host"], meta["chroma_port"])
            for name in (meta["collection"], meta.get("doc_collection")):
                if name:
                    VectorStore(client, name).drop()
    except Exception:
        pass
    shutil.rmtree(build_dir, ignore_errors=True)


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

    @property
    def by_id(self) -> dict[str, Passage]:
        return {p.id: p for p in self.passages}

    @classmethod
    def load(cls, config: Config, embedder_name: str) -> "Index":
        root = _root(config, embedder_name)
        current = root / "current"
        if not current.exists():
            raise IndexMissingError("Indeksen er ikke bygget ennå. Kjør `assistant index` først.")
        build_id = current.read_text().strip()
        build_dir = root / "builds" / build_id
        try:
            meta = json.loads((build_dir / "meta.json").read_text(encoding="utf-8"))
            passages = [Passage.model_validate_json(line) for line in
                        (build_dir / "passages.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
            docs = [DocumentInfo.model_validate(d) for d in
                    json.loads((build_dir / "documents.json").read_text(encoding="utf-8"))]
        except (OSError, ValueError) as err:
            raise IndexMissingError(f"Indeksen er ufullstendig eller skadet ({err.__class__.__name__}). "
                                    "Kjør `assistant index` på nytt.") from err
        client = chroma_client(build_dir / "chroma", config.chroma_host or meta.get("chroma_host", ""),
                               config.chroma_port if config.chroma_host else meta.get("chroma_port", 8000))
        store = VectorStore(client, meta["collection"])
        doc_store = VectorStore(client, meta["doc_collection"]) if meta.get("doc_collection") else None
        return cls(build_id, passages, {d.id: d for d in docs}, store, meta, _unit_vectors(build_dir, passages),
                   doc_store, _sparse_rows(build_dir, passages))


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
