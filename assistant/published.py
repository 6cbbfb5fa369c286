"""A build published on the Chroma server, for app processes that do not share ASSISTANT_HOME.

With `CHROMA_HOST`, `assistant index` copies the build's own files (meta, passages, documents,
sentence vectors, latent-term rows; a few hundred kB for today's corpus) into the collection
`<build's collection>-files` on the server, and then, last, writes the build's id into the
collection `assistant-current` (one record per embedder). A process whose home is elsewhere (a
second machine, a container) reads the id from there (`pointed`, what `LiveIndex` checks every
two seconds) and fetches a build its home lacks into `index/<embedder>/builds/<id>/` before it
loads it (`fetch`), so every worker switches to each new build without a shared disk. A build is
fetched into a folder of its own and renamed into place when complete; a fetch that fails leaves
the worker on the build it serves.

Chroma stores documents as text, so a file goes as base64 in parts of `PART_CHARS`; each record
carries a one-number vector (Chroma wants one per record, nothing searches it).
"""
from __future__ import annotations

import base64
import logging
import os
import shutil
import threading
import time
from pathlib import Path

log = logging.getLogger(__name__)

POINTER = "assistant-current"
FILES = ("meta.json", "passages.jsonl", "documents.json", "units.npy", "sparse.npz")
PART_CHARS = 1 << 20
FETCHED = "fetched"  # marks a build this home fetched from the server (and may remove again)
KEEP_FETCHED = 2  # the build in use and the one before, for requests still under way when it switched


def files_collection(collection: str) -> str:
    return f"{collection}-files"


def publish(client, build_dir: Path, collection: str) -> None:
    """Copy the build's files to the server (before `point`)."""
    files = client.get_or_create_collection(files_collection(collection), embedding_function=None)
    ids, documents, metadatas = [], [], []
    for name in FILES:
        path = build_dir / name
        if not path.exists():
            continue
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        parts = [data[i:i + PART_CHARS] for i in range(0, len(data), PART_CHARS)] or [""]
        for n, part in enumerate(parts):
            ids.append(f"{name}#{n}")
            documents.append(part)
            metadatas.append({"file": name, "part": n, "parts": len(parts)})
    files.upsert(ids=ids, documents=documents, metadatas=metadatas, embeddings=[[0.0]] * len(ids))


def point(client, embedder_name: str, build_id: str) -> None:
    """Name `build_id` as the current build on the server: the last step of `assistant index`."""
    pointer = client.get_or_create_collection(POINTER, embedding_function=None)
    pointer.upsert(ids=[embedder_name], documents=[build_id], embeddings=[[0.0]],
                   metadatas=[{"build": build_id, "at": time.time()}])


def pointed(client, embedder_name: str) -> str | None:
    """The build the server names as current, or None when no build was published there."""
    try:
        pointer = client.get_collection(POINTER, embedding_function=None)
    except Exception:  # noqa: BLE001 - chromadb raises NotFoundError (or ValueError in older versions)
        return None
    got = pointer.get(ids=[embedder_name], include=["metadatas"])
    return str(got["metadatas"][0]["build"]) if got["ids"] else None


def fetch(client, collection: str, build_dir: Path) -> bool:
    """Copy a published build's files into `build_dir` (absent before); False when none is published."""
    try:
        files = client.get_collection(files_collection(collection), embedding_function=None)
    except Exception:  # noqa: BLE001 - not published (a build from before publishing, or removed)
        return False
    got = files.get(include=["documents", "metadatas"])
    parts: dict[str, dict[int, str]] = {}
    for doc, meta in zip(got["documents"], got["metadatas"]):
        parts.setdefault(meta["file"], {})[int(meta["part"])] = doc
    if "meta.json" not in parts:
        return False
    tmp = build_dir.with_name(f".fetch-{build_dir.name}-{os.getpid()}-{threading.get_ident()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        for name, pieces in parts.items():
            (tmp / name).write_bytes(base64.b64decode("".join(pieces[n] for n in sorted(pieces))))
        (tmp / FETCHED).write_text(str(time.time()))
        try:
            os.rename(tmp, build_dir)
        except OSError:
            if not (build_dir / "meta.json").exists():  # not another thread's or process's fetch that won
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    log.info("Fetched index build %s from the Chroma server", build_dir.name)
    _prune(build_dir)
    return True


def _prune(kept: Path) -> None:
    """Remove builds fetched earlier beyond the last `KEEP_FETCHED` (their files are read into memory
    when loaded, so a view still in use does not need them)."""
    fetched = sorted((p for p in kept.parent.iterdir() if (p / FETCHED).exists()),
                     key=lambda p: (p / FETCHED).stat().st_mtime, reverse=True)
    for old in fetched[KEEP_FETCHED:]:
        if old != kept:
            shutil.rmtree(old, ignore_errors=True)
