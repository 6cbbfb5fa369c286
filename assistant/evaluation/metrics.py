"""The metrics, as pure functions over answers and per-item outcomes.

Kept free of I/O and of the Assistant so that each definition can be unit-tested on tiny
hand-made examples and read in one place. The report repeats the definitions in prose.
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from ..ingest import normalize
from ..models import Answer, Citation
from ..text import STOPWORDS, content_terms, stems, tokens

NUMBER_RE = re.compile(r"\d+(?:[.,]\d+)*")
MARKER_RE = re.compile(r"\[(\d+)\]")


# -- matching -----------------------------------------------------------------------------------
def contains(text: str, phrase: str) -> bool:
    """Normalised containment, the one notion of "occurs in" used everywhere."""
    needle = normalize(phrase)
    return bool(needle) and needle in normalize(text)


def contains_any(text: str, phrases: Iterable[str]) -> bool:
    hay = normalize(text)
    return any((n := normalize(p)) and n in hay for p in phrases)


def evidence_rank(texts: Sequence[str], evidence: Sequence[str]) -> int | None:
    """1-based rank of the first retrieved text that contains an evidence phrase."""
    for rank, text in enumerate(texts, start=1):
        if contains_any(text, evidence):
            return rank
    return None


# -- faithfulness -------------------------------------------------------------------------------
def supported_extractive(sentence: str, passage: str) -> bool:
    """An extractive answer's sentence is supported when it is quoted from its passage."""
    return contains(passage, sentence)


def supported_generated(sentence: str, passage: str, langs: tuple[str, ...] = ("nb", "sv", "en"),
                        min_overlap: float = 0.6) -> bool:
    """For generated (paraphrased) sentences: most content words occur in the passage, stemmed in
    any of the languages, and every number in the sentence occurs in it (numbers are where paraphrase goes wrong)."""
    numbers = {n.replace(",", ".") for n in NUMBER_RE.findall(sentence)}
    passage_numbers = {n.replace(",", ".") for n in NUMBER_RE.findall(passage)}
    if not numbers <= passage_numbers:
        return False
    passage_terms = set(content_terms(passage, langs))
    words = [w for w in dict.fromkeys(tokens(sentence)) if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]
    if not words:
        return True
    covered = sum(1 for w in words if any(stems([w], lang)[0] in passage_terms for lang in langs))
    return covered / len(words) >= min_overlap


def cited_sentences(answer: Answer) -> list[tuple[str, list[int]]]:
    """(sentence, cited numbers) for every claim of an answer. Extractive answers carry segments;
    otherwise the rendered text is split at citation markers like "… [2]"."""
    if answer.segments:
        return [(s.text, [s.cite]) for s in answer.segments if s.cite is not None]
    out = []
    for part in re.split(r"(?<=\])\s+|(?<=\][.!?])\s+|\n+", answer.answer):
        cites = [int(n) for n in MARKER_RE.findall(part)]
        text = MARKER_RE.sub("", part).strip(" -")
        if cites and text:
            out.append((text, cites))
    return out


def faithfulness_counts(answer: Answer, check: Callable[[str, str], bool] = supported_extractive) -> tuple[int, int]:
    """(supported, total) cited sentences; a sentence is supported if one passage it cites supports it."""
    if answer.refused:
        return 0, 0
    by_n = {c.n: c for c in answer.citations}
    claims = cited_sentences(answer)
    ok = sum(1 for text, ns in claims if any(n in by_n and check(text, by_n[n].text) for n in ns))
    return ok, len(claims)


# -- citations ----------------------------------------------------------------------------------
def citation_text(c: Citation) -> str:
    return f"{c.section}\n{c.text}"


def citation_precise(c: Citation, evidence: Sequence[str], facts: Sequence[str]) -> bool:
    """Strict precision: the cited passage contains an evidence phrase or a key fact of the item."""
    return contains_any(citation_text(c), (*evidence, *facts))


def citation_supports(c: Citation, answer: Answer) -> bool:
    """Loose precision: the cited passage contains every sentence the answer attributes to it
    (a citation no sentence uses does not count as supporting)."""
    claims = [text for text, ns in cited_sentences(answer) if c.n in ns]
    return bool(claims) and all(contains(c.text, t) for t in claims)


def fact_recall(text: str, facts: Sequence[str]) -> float | None:
    if not facts:
        return None
    return sum(contains(text, f) for f in facts) / len(facts)


# -- outcomes and aggregation -------------------------------------------------------------------
@dataclass
class Outcome:
    """What one item scored in one configuration (answer-level facts, no judgement yet)."""

    id: str
    kind: str
    lang: str
    refuse: bool
    refused: bool
    split: str = ""
    smalltalk: bool = False  # a greeting, thanks or "what is this for?": neither answerable nor a refusal
    handled: bool = False  # a smalltalk item got a smalltalk reply (no citations, no refusal)
    rank: int | None = None
    precise: list[bool] = field(default_factory=list)
    supports: list[bool] = field(default_factory=list)
    evidence_cited: bool = False
    faithful: tuple[int, int] = (0, 0)
    facts: float | None = None
    latency_ms: float = 0.0
    relevance: float | None = None


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile (q in 0..100), as numpy's default."""
    if not values:
        return None
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def _mean(xs: Sequence[float]) -> float | None:
    return sum(xs) / len(xs) if xs else None


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


def interval(successes: int, n: int, level: float = 0.95) -> tuple[float, float] | None:
    """Wilson score interval of a proportion: how far a rate measured on n items may be from
    the rate on questions like them (the held-out set, real users)."""
    if not n:
        return None
    from scipy.stats import binomtest

    ci = binomtest(successes, n).proportion_ci(level, method="wilson")
    return float(ci.low), float(ci.high)


def aggregate(outcomes: Sequence[Outcome]) -> dict:
    """All metrics over a group of outcomes; None where a metric has no items to count.
    `counts` holds (successes, n) of every metric that is a proportion, for its interval."""
    ans = [o for o in outcomes if not o.refuse and not o.smalltalk]
    neg = [o for o in outcomes if o.refuse]
    talk = [o for o in outcomes if o.smalltalk]
    answered = [o for o in ans if not o.refused]
    precise = [p for o in answered for p in o.precise]
    supports = [s for o in answered for s in o.supports]
    faith_ok = sum(o.faithful[0] for o in outcomes)
    faith_n = sum(o.faithful[1] for o in outcomes)
    true_ref = sum(o.refused for o in neg)
    false_ref = sum(o.refused for o in ans)
    facts = [0.0 if o.refused else o.facts for o in ans if o.facts is not None]
    latencies = [o.latency_ms for o in outcomes]
    hit1 = [o.rank is not None and o.rank <= 1 for o in ans]
    hit5 = [o.rank is not None and o.rank <= 5 for o in ans]
    cited = [o.evidence_cited and not o.refused for o in ans]
    counts = {
        "hit@1": (sum(hit1), len(ans)),
        "hit@5": (sum(hit5), len(ans)),
        "citation_precision": (sum(precise), len(precise)),
        "citation_support": (sum(supports), len(supports)),
        "citation_recall": (sum(cited), len(ans)),
        "faithfulness": (faith_ok, faith_n),
        "refusal_precision": (true_ref, true_ref + false_ref),
        "refusal_recall": (true_ref, len(neg)),
        "false_refusal_rate": (false_ref, len(ans)),
        "smalltalk_handled": (sum(o.handled for o in talk), len(talk)),
    }
    return {
        "n": len(outcomes),
        "answerable": len(ans),
        "hit@1": _mean(hit1),
        "hit@5": _mean(hit5),
        "mrr": _mean([1 / o.rank if o.rank else 0.0 for o in ans]),
        "citation_precision": _mean(precise),
        "citation_support": _mean(supports),
        "citation_recall": _mean(cited),
        "faithfulness": _ratio(faith_ok, faith_n),
        "fact_recall": _mean(facts),
        "refusal_precision": _ratio(true_ref, true_ref + false_ref) if neg else None,
        "refusal_recall": _ratio(true_ref, len(neg)),
        "false_refusal_rate": _ratio(false_ref, len(ans)),
        "smalltalk_handled": _ratio(sum(o.handled for o in talk), len(talk)),
        "latency_p50_ms": percentile(latencies, 50),
        "latency_p95_ms": percentile(latencies, 95),
        "counts": {k: list(v) for k, v in counts.items()},
    }


def breakdown(outcomes: Sequence[Outcome], split: str | None = None) -> dict[str, dict]:
    """Overall, per kind and per language, each a metrics dict; with `split`, over that split's
    items only (the gate and the headline numbers are `test`'s), and always `by_split`: the
    overall metrics of each split, side by side."""
    splits = {s: [o for o in outcomes if o.split == s] for s in dict.fromkeys(o.split for o in outcomes)}
    if split is not None:
        outcomes = splits.get(split, [])
    kinds = dict.fromkeys(o.kind for o in outcomes)
    langs = dict.fromkeys(o.lang for o in outcomes)
    return {
        "overall": aggregate(outcomes),
        "by_kind": {k: aggregate([o for o in outcomes if o.kind == k]) for k in kinds},
        "by_lang": {g: aggregate([o for o in outcomes if o.lang == g]) for g in langs},
        "by_split": {s: aggregate(group) for s, group in splits.items()},
    }


# -- refusal threshold calibration --------------------------------------------------------------
def calibrate_threshold(points: Sequence[tuple[bool, float | None, bool]], max_false_refusals: float = 0.05
                        ) -> dict[str, float | None]:
    """The refusal threshold with the highest refusal recall whose false-refusal rate stays within
    the limit; among equals the lowest (fewest false refusals), set midway between observed values.

    points: (should_refuse, relevance, refused_regardless) per item, from answers asked with the
    threshold at -inf. An item is refused at threshold t if refused_regardless or relevance < t.
    """
    values = sorted({r for _, r, always in points if r is not None and not always})
    candidates = [values[0] - 1e-3] if values else [0.0]
    candidates += [(a + b) / 2 for a, b in zip(values, values[1:])]
    candidates += [values[-1] + 1e-3] if values else []
    neg = sum(1 for refuse, _, _ in points if refuse)
    pos = len(points) - neg
    best: dict[str, float | None] = {"threshold": None, "refusal_recall": None, "false_refusal_rate": None}
    for t in candidates:
        refused = [always or (r is not None and r < t) for _, r, always in points]
        recall = _ratio(sum(x for x, (refuse, _, _) in zip(refused, points) if refuse), neg)
        frr = _ratio(sum(x for x, (refuse, _, _) in zip(refused, points) if not refuse), pos) or 0.0
        if frr > max_false_refusals:
            continue
        if best["threshold"] is None or (recall or 0.0) > (best["refusal_recall"] or 0.0):
            best = {"threshold": round(t, 4), "refusal_recall": recall, "false_refusal_rate": frr}
    return best
