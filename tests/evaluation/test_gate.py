"""The quality gate over the frozen `test` split, for the default configuration.

Two levels from evals/thresholds.toml:
- the ratchet (levels already reached on `test`) must hold: any regression fails the suite;
- the targets (the product's floors), overall and for every answerable kind. Those not yet met
  are a strict expected failure: the day they are met, the suite says so and the marker must go.
Only aggregate numbers are reported: `test`'s individual items and failures are never shown.
"""
from __future__ import annotations

import pytest

from assistant.evaluation import breakdown, check, load_thresholds
from assistant.evaluation.metrics import contains

pytestmark = pytest.mark.slow


def _report(checks) -> str:
    """The checks that fail, as aggregates (k of n): never which test items failed."""
    return "\n".join(str(c) for c in checks if not c.ok)


def _checks(run, level: str):
    assert {o.split for o in run.outcomes} == {"test"}
    return check(breakdown(run.outcomes, "test"), load_thresholds(level=level))


@pytest.mark.parametrize("scope", ["overall", "per kind"])
def test_ratchet_holds(hybrid_run, scope):
    checks = [c for c in _checks(hybrid_run, "ratchet") if (c.scope == "overall") == (scope == "overall")]
    assert checks
    assert all(c.ok for c in checks), _report(checks)


@pytest.mark.xfail(strict=True, reason="not yet met on test: evidence cited 0.95 overall and 0.90 per kind, "
                                       "refusal recall 0.95, false refusals 0.03 (evals/reports/latest.md)")
def test_overall_targets(hybrid_run):
    checks = [c for c in _checks(hybrid_run, "target") if c.scope == "overall"]
    assert checks
    assert all(c.ok for c in checks), _report(checks)


@pytest.mark.xfail(strict=True, reason="not yet met on test for every kind (evals/reports/latest.md)")
def test_targets_per_answerable_kind(hybrid_run):
    checks = [c for c in _checks(hybrid_run, "target") if c.scope != "overall"]
    assert {c.scope for c in checks} == {"factual", "process", "swedish", "english", "cross_language", "paraphrase",
                                         "followup", "short", "keyword", "typo", "conversation"}
    assert all(c.ok for c in checks), _report(checks)


def test_every_cited_sentence_is_quoted_from_its_passage(hybrid_run):
    """The extractive invariant, over every answer the evaluation produced."""
    assert len(hybrid_run.answers) == len(hybrid_run.outcomes)
    broken = []
    for answer in hybrid_run.answers:
        by_n = {c.n: c for c in answer.citations}
        for seg in answer.segments:
            if seg.cite is None:
                continue
            if seg.cite not in by_n or not contains(by_n[seg.cite].text, seg.text):
                broken.append(seg.text)
        assert all(c.n in {s.cite for s in answer.segments} for c in answer.citations) or not answer.segments, \
            "a citation no sentence uses"
    assert not broken, f"{len(broken)} cited sentences are not quoted from their passage"
