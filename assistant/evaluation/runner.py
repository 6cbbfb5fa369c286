"""Running one configuration over the items and scoring every answer.

For each item the runner asks the assistant the question with its history and reads retrieval from
the answer's trace (the hits the assistant searched with, best first), so nothing is re-run. Every configuration gets its
index built from the current corpus and code in a per-embedder home under the evaluation's
working directory; the embedding cache is shared so re-runs only embed what changed.
"""
from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from tqdm import tqdm

from ..config import Config
from ..core import Assistant
from ..embedders import Embedder, get_embedder
from ..models import Answer
from . import metrics as m
from .baseline import TutorialBaseline
from .dataset import Item
from .memo import MemoEmbedder

DEPTH = 10  # retrieval metrics look at this many passages (MRR@10)


@dataclass(frozen=True)
class Setup:
    name: str
    label: str
    embedder: str
    retrieval: str | None = None  # None: the tutorial peer


SETUPS = {s.name: s for s in (
    Setup("hybrid", "Hybrid BM25 + dense e5 (default)", "e5", "hybrid"),
    Setup("bm25", "BM25 only", "e5", "bm25"),
    Setup("dense-e5", "Dense only, e5", "e5", "dense"),
    Setup("dense-minilm", "Dense only, MiniLM", "minilm", "dense"),
    Setup("hybrid-minilm", "Hybrid BM25 + dense MiniLM", "minilm", "hybrid"),
    Setup("baseline", "Tutorial peer: 1,000-char chunks, MiniLM, Chroma top-4", "minilm"),
)}
ALL = ("hybrid", "bm25", "dense-e5", "dense-minilm", "baseline")


@dataclass
class ConfigRun:
    setup: Setup
    outcomes: list[m.Outcome]
    records: list[dict]
    seconds: float
    cold_latency: dict | None = None
    notes: list[str] = field(default_factory=list)
    answers: list[Answer] = field(default_factory=list, repr=False)  # for invariant checks; not reported


class _EvalAssistant(Assistant):
    """The real Assistant with the evaluation's (memoising) embedder."""

    def __init__(self, config: Config, embedder: Embedder):
        super().__init__(config)
        self._given_embedder = embedder

    @cached_property
    def embedder(self) -> Embedder:
        return self._given_embedder


class Evaluation:
    """Working homes, memoised embedders and built indexes for one evaluation run."""

    def __init__(self, workdir: Path, cache_dir: Path, base: Config | None = None, progress: bool = False):
        self.base = base or Config.from_env()
        self.workdir = Path(workdir)
        self.cache_dir = Path(cache_dir)
        self.progress = progress
        self._memos: dict[str, MemoEmbedder] = {}
        self._built: set[str] = set()

    def embedder(self, name: str) -> MemoEmbedder:
        if name not in self._memos:
            self._memos[name] = MemoEmbedder(get_embedder(name), self.cache_dir / "eval")
        return self._memos[name]

    def config(self, setup: Setup, **overrides) -> Config:
        return self.base.with_(home=self.workdir / setup.embedder, cache_dir=self.cache_dir,
                               embedder=setup.embedder, retrieval=setup.retrieval or "dense", **overrides)

    def assistant(self, setup: Setup, embedder: Embedder | None = None, **overrides) -> Assistant:
        """An Assistant for the setup; the index is (re)built once per embedder and run."""
        memo = self.embedder(setup.embedder)
        if setup.embedder not in self._built:
            _EvalAssistant(self.config(setup), memo).build_index(progress=self.progress)
            self._built.add(setup.embedder)
        return _EvalAssistant(self.config(setup, **overrides), embedder or memo)

    def save(self) -> None:
        for memo in self._memos.values():
            memo.save()

    # -- running --------------------------------------------------------------------------------
    def run(self, name: str, items: Sequence[Item], latency_sample: int = 0) -> ConfigRun:
        setup = SETUPS[name]
        start = time.perf_counter()
        if setup.retrieval is None:
            run = self._run_baseline(setup, items)
        else:
            run = self._run_assistant(setup, items)
            if latency_sample:
                run.cold_latency = self.cold_latency(setup, items, latency_sample)
        run.seconds = round(time.perf_counter() - start, 1)
        self.save()
        return run

    def _items(self, items: Sequence[Item], label: str):
        return tqdm(items, desc=label, unit="spm", disable=not self.progress, file=sys.stderr, leave=False)

    def _run_assistant(self, setup: Setup, items: Sequence[Item]) -> ConfigRun:
        assistant = self.assistant(setup)
        texts_of = {p.id: f"{p.section_path}\n{p.text}" for p in assistant.index.passages}
        outcomes, records, answers = [], [], []
        for item in self._items(items, setup.name):
            answer, latency = _timed(assistant, lambda: assistant.ask(item.question, list(item.history)))
            trace = answer.trace
            hits = trace.hits if trace else []
            query = trace.plan.search_query if trace and trace.plan else ""
            texts = [texts_of[h.passage_id] for h in hits if h.passage_id in texts_of]
            retrieved = [{"passage_id": h.passage_id, "doc_id": h.doc_id, "section": h.section,
                          "text": _clip(texts_of.get(h.passage_id, ""))} for h in hits[:3]]
            outcome = score(item, texts, answer, latency)
            outcomes.append(outcome)
            answers.append(answer)
            records.append(record(item, query, retrieved, answer, outcome))
        return ConfigRun(setup, outcomes, records, 0.0, answers=answers)

    def cold_latency(self, setup: Setup, items: Sequence[Item], n: int) -> dict:
        """Latency as a user meets it: the real embedder, no memo, on n items spread over the kinds (-1: all)."""
        assistant = self.assistant(setup, embedder=get_embedder(setup.embedder))
        assistant.retrieve("smart spesialisering")  # load the index and models before timing
        sample = list(items) if n < 0 or n >= len(items) else stratified(items, n)
        times = {}
        for item in self._items(sample, f"{setup.name} latency"):
            t0 = time.perf_counter()
            assistant.ask(item.question, list(item.history))
            times[item.id] = round((time.perf_counter() - t0) * 1000, 1)
        values = list(times.values())
        return {"n": len(values), "p50_ms": m.percentile(values, 50), "p95_ms": m.percentile(values, 95),
                "items": times}

    def _run_baseline(self, setup: Setup, items: Sequence[Item]) -> ConfigRun:
        embedder = self.embedder(setup.embedder).with_live_queries()
        peer = TutorialBaseline(self.base.corpus_dir, embedder, self.workdir / "baseline")
        chunks = peer.build()
        outcomes, records, live = [], [], {}
        for item in self._items(items, setup.name):
            t0 = time.perf_counter()
            hits, latency = _timed(peer, lambda: peer.retrieve(item.question, DEPTH))
            answer = peer.answer_from(item.question, hits)
            live[item.id] = round((time.perf_counter() - t0) * 1000, 1)
            outcome = score(item, [c.text for c, _ in hits], answer, latency, claims=False)
            outcomes.append(outcome)
            retrieved = [{"passage_id": c.id, "doc_id": c.doc_id, "section": "", "text": _clip(c.text)} for c, _ in hits[:3]]
            records.append(record(item, item.question, retrieved, answer, outcome))
        cold = {"n": len(live), "p50_ms": m.percentile(list(live.values()), 50),
                "p95_ms": m.percentile(list(live.values()), 95), "items": live}
        return ConfigRun(setup, outcomes, records, 0.0, cold_latency=cold, notes=[f"{chunks} chunks"])


def _timed(owner, call):
    """(result, milliseconds) of a call, leaving out time the owner's memo spent in the model."""
    memo = owner.embedder if isinstance(owner.embedder, MemoEmbedder) else None
    before = memo.model_seconds if memo else 0.0
    t0 = time.perf_counter()
    result = call()
    seconds = time.perf_counter() - t0 - ((memo.model_seconds - before) if memo else 0.0)
    return result, seconds * 1000


def _clip(text: str, n: int = 120) -> str:
    """Enough of a passage to recognise it in a report."""
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def stratified(items: Sequence[Item], n: int) -> list[Item]:
    """About n items, evenly spread within each kind, in a fixed order."""
    kinds = list(dict.fromkeys(i.kind for i in items))
    per = max(1, round(n / max(len(kinds), 1)))
    out = []
    for kind in kinds:
        group = [i for i in items if i.kind == kind]
        step = max(1, len(group) // per)
        out += group[::step][:per]
    return out


def score(item: Item, texts: Sequence[str], answer: Answer, latency_ms: float, claims: bool = True) -> m.Outcome:
    """One item's outcome from its retrieved texts (best first) and its answer."""
    answered = not answer.refused
    cites = answer.citations if answered else []
    return m.Outcome(
        id=item.id, kind=item.kind, lang=item.lang, refuse=item.refuse, refused=answer.refused, split=item.split,
        smalltalk=item.smalltalk, handled=answer.intent == "smalltalk" and not answer.refused and not answer.citations,
        rank=m.evidence_rank(texts, item.evidence) if item.evidence else None,
        precise=[m.citation_precise(c, item.evidence, item.facts) for c in cites],
        supports=[m.citation_supports(c, answer) for c in cites] if claims else [],
        evidence_cited=any(m.contains_any(m.citation_text(c), item.evidence) for c in cites) if item.evidence else False,
        faithful=m.faithfulness_counts(answer) if claims else (0, 0),
        facts=m.fact_recall(answer.answer, item.facts) if answered else (0.0 if item.facts else None),
        latency_ms=round(latency_ms, 1), relevance=answer.relevance)


def failures(item: Item, o: m.Outcome) -> list[str]:
    """Named ways in which an item failed (empty when it passed everything that applies)."""
    out = []
    if item.refuse:
        if not o.refused:
            out.append("missed_refusal")
    elif item.smalltalk:
        if not o.handled:
            out.append("smalltalk")
    else:
        if o.rank is None or o.rank > 5:
            out.append("retrieval")
        if o.refused:
            out.append("false_refusal")
        elif not o.evidence_cited:
            out.append("citation_recall")
        if not all(o.precise):
            out.append("citation_precision")
        if o.facts is not None and o.facts < 1 and not o.refused:
            out.append("facts")
    if o.faithful[0] < o.faithful[1]:
        out.append("faithfulness")
    return out


def record(item: Item, query: str, retrieved: list[dict], answer: Answer, o: m.Outcome) -> dict:
    return {
        "id": item.id, "kind": item.kind, "lang": item.lang, "split": item.split, "question": item.question,
        "history": list(item.history), "evidence": list(item.evidence), "facts": list(item.facts),
        "doc": item.doc, "refuse": item.refuse, "query": query, "rank": o.rank, "retrieved": retrieved,
        "refused": answer.refused, "answer": answer.answer, "relevance": answer.relevance,
        "action": answer.action,
        "citations": [{"n": c.n, "doc_id": c.doc_id, "passage_id": c.passage_id, "section": c.section,
                       "precise": p} for c, p in zip(answer.citations, o.precise)],
        "missing_facts": [f for f in item.facts if not m.contains(answer.answer, f)] if not answer.refused else list(item.facts),
        "faithful": list(o.faithful), "latency_ms": o.latency_ms, "failures": failures(item, o),
    }
