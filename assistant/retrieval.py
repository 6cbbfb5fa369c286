"""Hybrid retrieval, fused by reciprocal rank: BM25 over stemmed Norwegian/Swedish/English terms,
BM25 over character 4-grams of Scandinavian-folded words (so "næringsliv" meets "näringsliv" and
"analysen" meets "analys" across Norwegian and Swedish), dense passage vectors in Chroma, and dense sentence vectors (a passage ranks by its best
sentence, which finds paraphrases of one statement in a long passage). BM25 counts in
proportion to how much of the question's vocabulary the corpus shares, so an English question
over Norwegian text leans on the dense lists. Also exposed as a LangChain retriever."""
from __future__ import annotations

from typing import Protocol

import bm25s
import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from .embedders import Embedder
from .index import Index, embed_text
from .models import Hit, Passage
from .scope import Vocabulary
from .text import STOPWORDS, content_terms, tokens

RRF_K = 60
QUERY_LANGS = ("nb", "sv", "en")
WEIGHTS = {"bm25": 1.0, "ngrams": 1.0, "dense": 0.5, "units": 1.0}  # chosen on the evaluation set's hit@1/hit@5
FOLD = str.maketrans({"æ": "ä", "ø": "ö", "é": "e"})
NGRAM = 4


class Retriever(Protocol):
    def retrieve(self, query: str, k: int) -> list[Hit]: ...


def passage_terms(p: Passage) -> list[str]:
    return content_terms(f"{p.section_path}\n{p.text}", (p.language if p.language in ("nb", "sv", "en") else "nb",))


def char_ngrams(text: str, n: int = NGRAM) -> list[str]:
    """Character n-grams of the content words, with Norwegian and Swedish letters folded together."""
    out: list[str] = []
    for word in tokens(text.lower().translate(FOLD)):
        if word in STOPWORDS or len(word) < 3:
            continue
        padded = f"_{word}_"
        out += [padded[i: i + n] for i in range(max(1, len(padded) - n + 1))]
    return out


class BM25Index:
    """bm25s over stemmed content terms (each passage stemmed in its own language), or over
    character n-grams with `ngrams=True`."""

    def __init__(self, passages: list[Passage], ngrams: bool = False):
        self.passages = passages
        self.ngrams = ngrams
        self.model = bm25s.BM25()
        corpus = [(char_ngrams(f"{p.section_path} {p.text}") if ngrams else passage_terms(p)) or ["\x00"]
                  for p in passages]
        self.model.index(corpus, show_progress=False)
        self.vocab = set(self.model.vocab_dict)

    def scores(self, query: str) -> np.ndarray:
        terms = char_ngrams(query) if self.ngrams else content_terms(query, QUERY_LANGS)
        terms = [t for t in terms if t in self.vocab]
        if not terms:
            return np.zeros(len(self.passages))
        return np.asarray(self.model.get_scores(terms))


class HybridRetriever:
    """mode: `hybrid` (RRF of both), `bm25` or `dense`."""

    def __init__(self, index: Index, embedder: Embedder, mode: str = "hybrid", depth: int = 30,
                 vocabulary: Vocabulary | None = None):
        if mode not in ("hybrid", "bm25", "dense"):
            raise ValueError(f"unknown retrieval mode {mode!r}")
        self.index = index
        self.embedder = embedder
        self.mode = mode
        self.depth = depth
        self.bm25 = BM25Index(index.passages)
        self.ngrams = BM25Index(index.passages, ngrams=True)
        self.vocabulary = vocabulary or Vocabulary(index.passages)
        self._by_id = index.by_id
        vectors = [index.unit_vectors.get(p.id) for p in index.passages]
        if all(v is not None for v in vectors) and vectors:
            self._units = np.vstack(vectors)
            self._owner = np.concatenate([np.full(len(v), i) for i, v in enumerate(vectors)])
        else:
            self._units = None

    def _best_units(self, qv: np.ndarray) -> list[tuple[str, float]]:
        best = np.full(len(self.index.passages), -1.0)
        np.maximum.at(best, self._owner, self._units @ qv)
        order = np.argsort(-best)[: self.depth]
        return [(self.index.passages[i].id, float(best[i])) for i in order]

    def retrieve(self, query: str, k: int = 6) -> list[Hit]:
        ranked: dict[str, list[tuple[str, float]]] = {}
        weights = dict(WEIGHTS)
        if self.mode in ("hybrid", "bm25"):
            for name, lexical in (("bm25", self.bm25), ("ngrams", self.ngrams)):
                s = lexical.scores(query)
                order = [i for i in np.argsort(-s)[: self.depth] if s[i] > 0]
                ranked[name] = [(self.index.passages[i].id, float(s[i])) for i in order]
            if self.mode == "hybrid":
                weights["bm25"] *= self.vocabulary.known_share(query)
        if self.mode in ("hybrid", "dense"):
            qv = self.embedder.embed_query(query)
            ranked["dense"] = self.index.store.query(qv, self.depth)
            if self._units is not None:
                ranked["units"] = self._best_units(qv)
        fused: dict[str, Hit] = {}
        for name, results in ranked.items():
            for rank, (pid, score) in enumerate(results, start=1):
                hit = fused.get(pid) or Hit(passage=self._by_id[pid], score=0.0)
                hit.score += weights[name] / (RRF_K + rank)
                hit.ranks[name] = rank
                hit.scores[name] = score
                fused[pid] = hit
        return sorted(fused.values(), key=lambda h: -h.score)[:k]


class GuideRetriever(BaseRetriever):
    """LangChain view of any `Retriever`: documents carry the passage metadata."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    retriever: object
    k: int = 6

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        docs = []
        for hit in self.retriever.retrieve(query, self.k):
            p = hit.passage
            docs.append(Document(page_content=p.text, id=p.id, metadata={
                "passage_id": p.id, "doc_id": p.doc_id, "section": p.section_path, "page": p.page_label,
                "score": hit.score, **{f"rank_{n}": r for n, r in hit.ranks.items()}}))
        return docs


__all__ = ["BM25Index", "GuideRetriever", "HybridRetriever", "Retriever", "embed_text"]
