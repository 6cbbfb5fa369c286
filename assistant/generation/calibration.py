"""Calibrating the citation guard on hand-labelled pairs, and measuring it on a held-out part.

`evals/guard/pairs.yaml` holds (sentence, cited passage, supported?) pairs in bokmål, Swedish and
English, half of them adversarial (a number, year, name or negation changed, a claim added, the
right claim citing the wrong passage). Groups (one claim and its variants) are split by a fixed
hash of their id into a calibration part and a held-out part. The closeness threshold is the
lowest that keeps precision (of the sentences the guard lets through, the share that are
supported) at `TARGET_PRECISION` on the calibration part; precision and recall are then reported
on the held-out part, which the choice never saw.
"""
from __future__ import annotations

import hashlib
import json
from itertools import product
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..config import PROJECT_ROOT
from ..embedders import Embedder
from ..ingest.clean import normalize
from ..models import Passage
from .guard import CALIBRATION, Features, Source, CitationGuard, verdict

PAIRS = PROJECT_ROOT / "evals" / "guard" / "pairs.yaml"
HELD_OUT_SHARE = 0.4
TARGET_PRECISION = 0.95
COVERAGES = (0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)  # least share of a sentence's words its passage must have
CLAUSE_MARGINS = (0.0, 0.02, 0.04, 0.06, 1.0)  # how much less close than the sentence a clause may be (1: no clause check)


@dataclass(frozen=True)
class Pair:
    id: str
    group: str
    lang: str
    kind: str
    sentence: str
    doc: str
    anchor: str

    @property
    def supported(self) -> bool:
        return self.kind == "supported"

    @property
    def split(self) -> str:
        digest = int(hashlib.sha256(self.group.encode()).hexdigest()[:8], 16)
        return "held" if digest % 100 < HELD_OUT_SHARE * 100 else "cal"


def load_pairs(path: Path = PAIRS) -> list[Pair]:
    import yaml

    out: list[Pair] = []
    for group in yaml.safe_load(path.read_text(encoding="utf-8")):
        for i, item in enumerate(group["items"]):
            lang, kind, sentence, *other = item
            doc, anchor = (other[0], other[1]) if other else (group["doc"], group["anchor"])
            out.append(Pair(f"{group['group']}-{i}", group["group"], lang, kind, sentence, doc, anchor))
    return out


def corpus_passages(corpus_dir: Path) -> list[Passage]:
    """Every passage of the corpus as ingestion cuts it (no index needed)."""
    from ..corpus import discover
    from ..ingest import ingest_source

    out: list[Passage] = []
    for source in discover(corpus_dir):
        out += ingest_source(source)[1]
    return out


def find_passage(passages: Sequence[Passage], doc: str, anchor: str) -> Passage:
    needle = normalize(anchor)
    found = [p for p in passages if p.doc_id == doc and needle in normalize(p.text)]
    if len(found) != 1:
        raise LookupError(f"anchor {anchor!r} in {doc} matches {len(found)} passages")
    return found[0]


def measure(pairs: Sequence[Pair], passages: Sequence[Passage], embedder: Embedder) -> list[Features]:
    """The guard's features of every pair (its sentence against its one cited passage)."""
    guard = CitationGuard(embedder, thresholds={})
    sources: dict[str, Source] = {}
    out = []
    for pair in pairs:
        p = find_passage(passages, pair.doc, pair.anchor)
        if p.id not in sources:
            sources[p.id] = Source.of(1, p, embedder)
        out.append(guard.features(pair.sentence, [sources[p.id]], pair.lang))
    return out


def scores(pairs: Sequence[Pair], feats: Sequence[Features], thresholds: dict) -> dict:
    """Precision and recall of "supported" (what the guard lets through), and what it caught per kind."""
    tp = fp = fn = 0
    caught: dict[str, list[int]] = {}
    for pair, f in zip(pairs, feats):
        passed = not verdict(f, thresholds)
        tp += passed and pair.supported
        fp += passed and not pair.supported
        fn += (not passed) and pair.supported
        if not pair.supported:
            caught.setdefault(pair.kind, [0, 0])
            caught[pair.kind][0] += not passed
            caught[pair.kind][1] += 1
    return {"n": len(pairs), "precision": round(tp / (tp + fp), 3) if tp + fp else None,
            "recall": round(tp / (tp + fn), 3) if tp + fn else None, "passed_unsupported": fp,
            "removed_supported": fn, "caught": {k: f"{a}/{b}" for k, (a, b) in sorted(caught.items())}}


def choose_thresholds(pairs: Sequence[Pair], feats: Sequence[Features]) -> dict:
    """Per language group, the closeness thresholds (sentence, and its least close clause) with the
    most recall at precision at least TARGET_PRECISION; the most precise ones if none reaches it."""
    out = {}
    for group in ("same", "cross"):
        part = [(p, f) for p, f in zip(pairs, feats) if f.group == group]
        ps, fs = [p for p, _ in part], [f for _, f in part]
        candidates = sorted({round(f.similarity, 3) for f in fs})
        best, best_key = None, None
        for t, margin, cover in product(candidates, CLAUSE_MARGINS, COVERAGES):
            th = {group: {"similarity": t, "clause": round(t - margin, 3), "coverage": cover}}
            s = scores(ps, fs, th)
            if s["precision"] is None:
                continue
            key = (s["precision"] >= TARGET_PRECISION, s["recall"] if s["precision"] >= TARGET_PRECISION
                   else s["precision"], s["recall"])
            if best_key is None or key > best_key:
                best, best_key = th[group], key
        out[group] = best
    return out


def calibrate(corpus_dir: Path, embedder: Embedder, write: bool = True) -> dict:
    """Choose the threshold on the calibration part, measure it on the held-out part, and (with
    `write`) store it in assistant/data/guard.json."""
    pairs = load_pairs()
    feats = measure(pairs, corpus_passages(corpus_dir), embedder)
    cal = [(p, f) for p, f in zip(pairs, feats) if p.split == "cal"]
    held = [(p, f) for p, f in zip(pairs, feats) if p.split == "held"]
    threshold = choose_thresholds([p for p, _ in cal], [f for _, f in cal])
    report = {
        "embedder": embedder.name, "thresholds": threshold, "target_precision": TARGET_PRECISION,
        "pairs": len(pairs), "adversarial": sum(not p.supported for p in pairs),
        "languages": {lang: sum(p.lang == lang for p in pairs) for lang in ("nb", "sv", "en")},
        "calibration": scores([p for p, _ in cal], [f for _, f in cal], threshold),
        "held_out": scores([p for p, _ in held], [f for _, f in held], threshold),
        "held_out_by_language": {lang: scores([p for p, _ in held if p.lang == lang],
                                              [f for p, f in held if p.lang == lang], threshold)
                                 for lang in ("nb", "sv", "en")},
    }
    if write:
        data = json.loads(CALIBRATION.read_text(encoding="utf-8")) if CALIBRATION.exists() else {"thresholds": {}}
        data["thresholds"][embedder.name] = threshold
        data.setdefault("reports", {})[embedder.name] = report
        CALIBRATION.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return report
