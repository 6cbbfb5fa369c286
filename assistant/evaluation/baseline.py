"""The peer: what a user would build from a RAG tutorial, measured on the same items.

Every corpus file is read and cleaned exactly as our ingestion reads it (so both see the same
text), cut into fixed 1,000-character windows overlapping by 200, embedded with
all-MiniLM-L6-v2 and stored in its own Chroma collection. A question is answered with the
dense top 4 chunks, concatenated, as a tutorial without an LLM would show them. It never
refuses, has no notion of conversation history and no sentence-level citations.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from ..corpus import discover
from ..embedders import Embedder
from ..ingest import clean_text
from ..ingest.readers import read_raw
from ..models import Answer, Citation
from ..store import VectorStore, chroma_client

CHUNK_SIZE = 1000
CHUNK_OVERLAP = 200
TOP_K = 4


@dataclass(frozen=True)
class Chunk:
    id: str
    doc_id: str
    title: str
    text: str


def fixed_chunks(text: str, size: int = CHUNK_SIZE, overlap: int = CHUNK_OVERLAP) -> list[str]:
    """Fixed-size character windows; the last one may be shorter. No regard for words or sections."""
    if size <= overlap:
        raise ValueError("chunk size must exceed the overlap")
    text = text.strip()
    step = size - overlap
    out = []
    for start in range(0, max(len(text), 1), step):
        piece = text[start:start + size]
        if piece.strip():
            out.append(piece)
        if start + size >= len(text):
            break
    return out


def corpus_chunks(corpus_dir: Path) -> list[Chunk]:
    chunks = []
    for source in discover(corpus_dir):
        text = clean_text(read_raw(source.path))
        for i, piece in enumerate(fixed_chunks(text)):
            chunks.append(Chunk(f"{source.info.id}#{i}", source.info.id, source.info.title or source.path.stem, piece))
    return chunks


class TutorialBaseline:
    """Dense top-k over fixed-size chunks in Chroma. `build()` before `retrieve()`."""

    def __init__(self, corpus_dir: Path, embedder: Embedder, home: Path):
        self.corpus_dir = corpus_dir
        self.embedder = embedder
        self.home = home
        self.chunks: dict[str, Chunk] = {}
        self.store: VectorStore | None = None

    def build(self) -> int:
        chunks = corpus_chunks(self.corpus_dir)
        vectors = self.embedder.embed_documents([c.text for c in chunks])
        client = chroma_client(self.home / "chroma")
        name = f"tutorial-baseline-{int(time.time() * 1000)}"
        for existing in client.list_collections():
            existing_name = getattr(existing, "name", existing)
            if str(existing_name).startswith("tutorial-baseline-"):
                client.delete_collection(existing_name)
        self.store = VectorStore(client, name, create=True)
        self.store.add([c.id for c in chunks], vectors, [{"doc_id": c.doc_id} for c in chunks])
        self.chunks = {c.id: c for c in chunks}
        return len(chunks)

    def retrieve(self, query: str, k: int = TOP_K) -> list[tuple[Chunk, float]]:
        if self.store is None:
            raise RuntimeError("build() the baseline first")
        return [(self.chunks[cid], score) for cid, score in self.store.query(self.embedder.embed_query(query), k)]

    def ask(self, question: str) -> Answer:
        return self.answer_from(question, self.retrieve(question, TOP_K))

    @staticmethod
    def answer_from(question: str, hits: list[tuple[Chunk, float]]) -> Answer:
        """The top-4 chunks, concatenated and numbered as sources (no quotes, never a refusal)."""
        hits = hits[:TOP_K]
        citations = [Citation(n=i, doc_id=c.doc_id, title=c.title, authority="", section="", text=c.text,
                              passage_id=c.id) for i, (c, _) in enumerate(hits, start=1)]
        return Answer(answer="\n\n".join(c.text for c, _ in hits), citations=citations, query=question)
