"""The quality gate over every evaluation item, for the default configuration.

Two levels from evals/thresholds.toml:
- the ratchet (levels already reached) must hold: any regression fails the suite;
- the targets (the product's floors), overall and hit@5 for every answerable kind, must hold.
Raise the ratchet as the assistant improves.
"""
from __future__ import annotations

import pytest

from assistant.evaluation import breakdown, check, load_thresholds
from assistant.evaluation.metrics import contains

pytestmark = pytest.mark.slow


def _failing_ids(run, name: str) -> str:
    return ", ".join(r["id"] for r in run.records if name in r["failures"]) or "none"


def _report(checks, run) -> str:
    lines = [str(c) for c in checks if not c.ok]
    lines.append(f"retrieval misses: {_failing_ids(run, 'retrieval')}")
    lines.append(f"missed refusals: {_failing_ids(run, 'missed_refusal')}")
    lines.append(f"false refusals: {_failing_ids(run, 'false_refusal')}")
    lines.append(f"imprecise citations: {_failing_ids(run, 'citation_precision')}")
    return "\n".join(lines)


@pytest.mark.parametrize("scope", ["overall", "per kind"])
def test_ratchet_holds(hybrid_run, scope):
    checks = [c for c in check(breakdown(hybrid_run.outcomes), load_thresholds(level="ratchet"))
              if (c.scope == "overall") == (scope == "overall")]
    assert checks
    assert all(c.ok for c in checks), _report(checks, hybrid_run)


def test_overall_floors(hybrid_run):
    checks = [c for c in check(breakdown(hybrid_run.outcomes), load_thresholds()) if c.scope == "overall"]
    assert checks
    assert all(c.ok for c in checks), _report(checks, hybrid_run)


def test_hit_at_5_per_answerable_kind(hybrid_run):
    checks = [c for c in check(breakdown(hybrid_run.outcomes), load_thresholds()) if c.scope != "overall"]
    assert {c.scope for c in checks} == {"factual", "process", "swedish", "english", "cross_language",
                                         "paraphrase", "followup"}
    assert all(c.ok for c in checks), _report(checks, hybrid_run)


def test_every_cited_sentence_is_quoted_from_its_passage(hybrid_run):
    """The extractive invariant, over every answer the evaluation produced."""
    assert len(hybrid_run.answers) == len(hybrid_run.outcomes)
    broken = []
    for record, answer in zip(hybrid_run.records, hybrid_run.answers):
        by_n = {c.n: c for c in answer.citations}
        for seg in answer.segments:
            if seg.cite is None:
                continue
            if seg.cite not in by_n or not contains(by_n[seg.cite].text, seg.text):
                broken.append(f"{record['id']}: [{seg.cite}] {seg.text[:80]!r}")
        assert all(c.n in {s.cite for s in answer.segments} for c in answer.citations) or not answer.segments, \
            f"{record['id']}: a citation no sentence uses"
    assert not broken, "\n".join(broken)
