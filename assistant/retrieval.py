"""Hybrid retrieval over up to nine lists of scores:

- BM25 over stemmed Norwegian/Swedish/English terms;
- BM25 over character 4-grams of Scandinavian-folded words in Norwegian spelling (so
  "næringsliv" meets "näringsliv", "analysen" meets "analys" and "specialisation" meets
  "spesialisering" across Norwegian, Swedish and English);
- dense passage vectors in Chroma, the passage with its section path;
- dense passage vectors of the passage within its document (title first), also in Chroma;
- dense sentence vectors (a passage ranks by its best sentence, which finds paraphrases of one
  statement in a long passage);
- sparse "latent terms" of the passage from the e5 package's sparse-autoencoder head: weak
  alone, but it matches concepts where neither words nor whole-passage meaning do;
- the passage and sentence vectors once more, against the question's content words alone
  ("satsinger lykkes" for "Hvordan vet vi om satsingene vil lykkes?"): without the frame of the
  question, e5 weighs what it is about;
- the sentence vectors against a Norwegian question spelled out by the dictionary's first sense of
  each of its uncommon words (`glossary.py`, `spelled_out`): an officer's «universitetene» or
  «bransjer» meets the guide's «forskningsinstitusjoner» and «næring».

The question's texts (itself, its content words, its senses) are embedded in one engine call, and
its sparse vector beside them in a second thread (`embedders.embed_sparse_soon`).

The second passage view (within its document) is a fifth of a cold index build. Without it train
and dev each cited the evidence for one item more, but a question the guide answers ("How do we
choose priorities?", a test) was answered from a slide of Swedish labels: it stays
(evals/EXPERIMENTS.md).

Each list's scores are standardised (z-scores over the corpus) and summed with equal weights.
Unlike reciprocal-rank fusion this keeps how far ahead a passage is: a passage first in three
lists is not overtaken by one that is merely present in all of them. BM25 counts in proportion to
how much of the question's vocabulary the corpus shares, so an English question over Norwegian
text leans on the dense lists.

A question that names a document ("… i Norra Mellansverige-prosjektet")
is searched with the rest of its words, and the passages that speak of the named thing (in their
title, section path or text, so also the guide's box on that project) come first. Left in the
query, the name matches every slide of the deck about equally and drowns what was asked.

Also exposed as a LangChain retriever."""
from __future__ import annotations

from itertools import islice
from typing import Protocol

import bm25s
import numpy as np

from .embedders import Embedder, embed_queries, embed_sparse_soon, has_sparse
from .glossary import Glossary
from .index import Index, embed_text
from .ingest.clean import normalize
from .models import Hit, Passage
from .query import named_source
from .scope import Vocabulary
from .text import LANGS, STOPWORDS, char_ngrams, content_terms, detect_language, tokens

WEIGHTS = {"bm25": 1.0, "ngrams": 1.0, "dense": 1.0, "document": 1.0, "units": 1.0, "sparse": 1.0,
           "dense_words": 1.0, "units_words": 1.0, "units_gloss": 1.0}
DENSE_DEPTH = 500  # Chroma results per dense list; passages further down count as its lowest score


def spelled_out(question: np.ndarray, senses: np.ndarray) -> np.ndarray:
    """The question's vector spelled out by the dictionary senses of its words (rows of
    `senses`): the question and the senses' mean, weighted equally, normalised to length 1.

    Why not embed the question and its senses as one text, as this list once did: that text runs
    to 100-150 tokens, and e5 costs about 1.2 ms a token on one core, so it took most of an
    answer's time (170 ms of about 250). Embedded apart, each sense is a short text that recurs
    across questions and is kept (`embedders.RECENT_QUERIES`). Measured on train and dev against
    the one long text: evidence cited equal on train, one dev item fewer; hit@5 -3 on train."""
    if not len(senses):  # no uncommon word the dictionary knows: the question as it is
        return question.astype(np.float32)
    combined = question + senses.mean(axis=0)
    return (combined / np.linalg.norm(combined)).astype(np.float32)


class Retriever(Protocol):
    def retrieve(self, query: str, k: int) -> list[Hit]: ...


def passage_terms(p: Passage) -> list[str]:
    return content_terms(f"{p.section_path}\n{p.text}", (p.language if p.language in LANGS else "nb",))


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
        terms = char_ngrams(query) if self.ngrams else content_terms(query, LANGS)
        terms = [t for t in terms if t in self.vocab]
        if not terms:
            return np.zeros(len(self.passages))
        return np.asarray(self.model.get_scores(terms))


class HybridRetriever:
    """mode: `hybrid` (all lists), `bm25` (the two lexical lists) or `dense` (the six dense lists)."""

    def __init__(self, index: Index, embedder: Embedder, mode: str = "hybrid", vocabulary: Vocabulary | None = None,
                 glossary: Glossary | None = None):
        if mode not in ("hybrid", "bm25", "dense"):
            raise ValueError(f"unknown retrieval mode {mode!r}")
        self.index = index
        self.glossary = glossary
        self.embedder = embedder
        self.mode = mode
        self.bm25 = BM25Index(index.passages)
        self.ngrams = BM25Index(index.passages, ngrams=True)
        self.vocabulary = vocabulary or Vocabulary(index.passages)
        titles = {d.id: d.title for d in index.documents.values()}
        self.titles = sorted(set(titles.values()))
        self._spoken = [" " + normalize(" ".join((titles.get(p.doc_id, ""), p.section_path, p.text))) + " "
                        for p in index.passages]  # what a passage speaks of, for a document named in the question
        self._position = {p.id: i for i, p in enumerate(index.passages)}
        vectors = [index.unit_vectors.get(p.id) for p in index.passages]
        if all(v is not None for v in vectors) and vectors:
            self._units = np.vstack(vectors)
            counts = np.array([len(v) for v in vectors])
            self._owned = np.flatnonzero(counts)  # passages with sentence vectors, in order
            self._starts = np.concatenate([[0], np.cumsum(counts)[:-1]])[self._owned]  # their first row
        else:
            self._units = None

    def _best_units(self, *qvs: np.ndarray) -> list[np.ndarray]:
        """Each query vector's best sentence per passage: one product over the sentence matrix
        for all of them (it is read from memory once, which is most of the cost at 100x)."""
        best = np.full((len(qvs), len(self.index.passages)), -1.0)
        sims = self._units @ np.stack(qvs, axis=1)  # [sentences, len(qvs)]
        best[:, self._owned] = np.maximum.reduceat(sims, self._starts, axis=0).T  # a passage's rows are contiguous
        return list(best)

    def _dense(self, store, qv: np.ndarray) -> np.ndarray:
        found = store.query(qv, min(DENSE_DEPTH, len(self.index.passages)))
        scores = np.full(len(self.index.passages), np.nan)
        for pid, score in found:
            if pid in self._position:
                scores[self._position[pid]] = score
        return np.nan_to_num(scores, nan=np.nanmin(scores) if found else 0.0)

    def score_lists(self, query: str, language: str | None = None) -> dict[str, np.ndarray]:
        """Raw scores of every passage in each list the mode uses, in `index.passages` order.
        `language`: the question's (nb, sv, en), which decides whether the dictionary list is
        used; detected from `query` when not given."""
        lists: dict[str, np.ndarray] = {}
        sparse = (embed_sparse_soon(self.embedder, [query]) if self.mode == "hybrid" and self.index.sparse is not None
                  and has_sparse(self.embedder) else None)
        if self.mode in ("hybrid", "bm25"):
            lists["bm25"] = self.bm25.scores(query)
            lists["ngrams"] = self.ngrams.scores(query)
        if self.mode in ("hybrid", "dense"):
            words = " ".join(w for w in tokens(query) if w not in STOPWORDS)
            spell = (self.glossary is not None and self._units is not None
                     and (language or detect_language(query)) == "nb")
            glosses = self.glossary.glosses(query) if spell else []
            vectors = embed_queries(self.embedder, [query, *([words] if words else []), *glosses])
            qv = vectors[0]
            lists["dense"] = self._dense(self.index.store, qv)
            if self.index.doc_store is not None:
                lists["document"] = self._dense(self.index.doc_store, qv)
            against = {"units": qv}  # the sentence lists, in one product
            if words:
                against["units_words"] = vectors[1]
            if spell:  # every Norwegian question has the list, so that two searches sum alike (`retrieve`'s context)
                against["units_gloss"] = spelled_out(qv, vectors[1 + bool(words):])
            best = dict(zip(against, self._best_units(*against.values()))) if self._units is not None else {}
            if "units" in best:
                lists["units"] = best["units"]
            if words:
                lists["dense_words"] = self._dense(self.index.store, vectors[1])
            lists.update((name, best[name]) for name in ("units_words", "units_gloss") if name in best)
        if sparse is not None:
            lists["sparse"] = np.asarray(self.index.sparse @ sparse.result().toarray().ravel()).ravel()
        return lists

    def retrieve(self, query: str, k: int = 6, context: str = "", language: str | None = None) -> list[Hit]:
        """The k best passages; those that speak of a document the question names come first, so
        their fused scores need not fall monotonically across that boundary.

        `context` (an earlier turn of a conversation, capped by the caller): the query is also
        searched with the context before it, and the two searches' fused scores are added. A
        follow-up that says little alone ("Hvor ofte skal den utarbeides?") is decided by the
        joined search, whose scores stand out; a new topic keeps its own passages, which stand out
        in its own search and are not drowned by the earlier one.

        `language`: the question's, for both searches, so that they sum the same lists (an English
        question joined with a Norwegian turn is not read as Norwegian in one of them and given
        the dictionary list there only); detected from each searched text when not given."""
        if not self.index.passages:
            return []
        named = named_source(query, self.titles)
        fused, lists = self._fused(named.rest if named else query, query, language)
        if context:
            joined, _ = self._fused(f"{context} {named.rest if named else query}", f"{context} {query}", language)
            fused = fused + joined
        first = np.array([f" {named.phrase} " in t for t in self._spoken] if named else [False] * len(fused))
        # The order is by the rest of the question, the named passages first; the score each hit
        # carries is by the whole question when a document is named, so that how far the best
        # passage stands out still says how well the material matches what was asked.
        score = self._fused(query, query, language)[0] if first.any() and not context else fused
        hits = []
        order = (j for j in np.lexsort((-fused, ~first)) if not self.index.passages[j].flagged)  # never quote a flagged passage
        for i in islice(order, k):
            if self.mode == "bm25" and not (lists["bm25"][i] > 0 or lists["ngrams"][i] > 0) and not context:
                break  # BM25 alone: no shared term, no hit
            hits.append(Hit(passage=self.index.passages[i], score=float(score[i]),
                            ranks={n: _rank(s, i) for n, s in lists.items()},
                            scores={n: float(s[i]) for n, s in lists.items()}, named=bool(first[i])))
        return hits

    def _fused(self, searched: str, query: str, language: str | None = None) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Each list's scores standardised and summed (BM25 weighted by how much of the query's
        vocabulary the corpus knows); and the raw lists."""
        lists = self.score_lists(searched, language)
        weights = dict(WEIGHTS)
        if self.mode == "hybrid":
            weights["bm25"] *= self.vocabulary.known_share(query)
        fused = np.zeros(len(self.index.passages))
        for name, scores in lists.items():
            std = scores.std()
            if std > 0:
                fused += weights[name] * (scores - scores.mean()) / std
        return fused, lists


def _rank(scores: np.ndarray, i: int) -> int:
    """Passage i's place in one list (1 = best), ties in passage order: what a stable sort of
    the whole list would give, for one passage, without sorting thousands of them."""
    return int(np.count_nonzero(scores > scores[i]) + np.count_nonzero(scores[:i] == scores[i]) + 1)


def __getattr__(name: str):
    """`GuideRetriever`, the LangChain view, is built on first use: LangChain takes most of a
    second to import, and answering a question does not need it."""
    if name == "GuideRetriever":
        from .langchain_view import GuideRetriever

        return GuideRetriever
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["BM25Index", "GuideRetriever", "HybridRetriever", "Retriever", "embed_text"]
