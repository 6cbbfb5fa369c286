"""The items are for measuring, not for tuning: none of their text may appear in the package code.
And the floors may not sink below those the project agreed on."""
from __future__ import annotations

from assistant.config import PROJECT_ROOT
from assistant.evaluation import load_thresholds

AGREED_FLOORS = {"hit@5": 0.95, "refusal_recall": 0.95, "faithfulness": 1.0, "citation_precision": 0.90}
AGREED_CEILINGS = {"false_refusal_rate": 0.05}
AGREED_PER_KIND = {"hit@5": 0.90}


def test_no_question_id_or_evidence_string_in_the_package_code(eval_items):
    sources = {p: p.read_text(encoding="utf-8") for p in (PROJECT_ROOT / "assistant").rglob("*.py")}
    assert sources
    leaks = []
    for item in eval_items:
        for needle in (item.question, item.id, *item.evidence):
            leaks += [f"{item.id}: {needle!r} in {p.relative_to(PROJECT_ROOT)}"
                      for p, text in sources.items() if needle.lower() in text.lower()]
    assert not leaks, "\n".join(leaks)


def test_floors_only_rise():
    t = load_thresholds()
    for metric, floor in AGREED_FLOORS.items():
        assert t["floors"][metric] >= floor, metric
    for metric, ceiling in AGREED_CEILINGS.items():
        assert t["ceilings"][metric] <= ceiling, metric
    for metric, floor in AGREED_PER_KIND.items():
        assert t["floors_per_kind"][metric] >= floor, metric
