"""The peer's chunker, the embedding memo, the gate and the report, without models or an index."""
from __future__ import annotations

import json

import numpy as np
import pytest

from assistant.evaluation import check, load_thresholds
from assistant.evaluation.baseline import fixed_chunks
from assistant.evaluation.memo import MemoEmbedder
from assistant.evaluation.metrics import Outcome
from assistant.evaluation.runner import SETUPS, ConfigRun, stratified


def test_fixed_chunks_are_1000_characters_overlapping_by_200():
    text = "".join(chr(97 + i % 26) for i in range(2500))
    chunks = fixed_chunks(text)
    assert [len(c) for c in chunks] == [1000, 1000, 900]
    assert chunks[0][800:] == chunks[1][:200] and chunks[1][800:] == chunks[2][:200]
    assert fixed_chunks("kort tekst") == ["kort tekst"]
    assert fixed_chunks("") == []
    with pytest.raises(ValueError):
        fixed_chunks("x", size=10, overlap=10)


class CountingEmbedder:
    name = "fake"

    def __init__(self):
        self.calls = []

    def embed_query(self, text):
        self.calls.append(("q", text))
        return np.full(3, len(text), dtype=np.float32)

    def embed_documents(self, texts):
        self.calls.append(("d", tuple(texts)))
        return np.array([[len(t), 1, 0] for t in texts], dtype=np.float32).reshape(len(texts), 3)


def test_memo_embeds_each_text_once_and_persists(tmp_path):
    inner = CountingEmbedder()
    memo = MemoEmbedder(inner, tmp_path)
    first = memo.embed_documents(["a", "bb", "a"])
    again = memo.embed_documents(["bb", "ccc"])
    assert inner.calls == [("d", ("a", "bb")), ("d", ("ccc",))]
    assert first[2].tolist() == first[0].tolist() and again[0].tolist() == first[1].tolist()
    memo.embed_query("hei")
    memo.embed_query("hei")
    assert inner.calls[-1] == ("q", "hei") and len(inner.calls) == 3
    assert memo.model_seconds > 0
    memo.save()
    reloaded = MemoEmbedder(CountingEmbedder(), tmp_path)
    assert reloaded.embed_documents(["ccc"]).tolist() == [[3, 1, 0]] and not reloaded.inner.calls
    live = reloaded.with_live_queries()
    live.embed_query("hei")
    live.embed_documents(["ny"])
    assert live.inner.calls == [("q", "hei"), ("d", ("ny",))]
    assert MemoEmbedder._key("d", "ny") in reloaded.vectors  # shared, so saved by the original


def test_stratified_sample_spreads_over_kinds(eval_items):
    sample = stratified(eval_items, 18)
    kinds = [i.kind for i in sample]
    assert len(set(kinds)) == len({i.kind for i in eval_items})
    assert all(abs(kinds.count(k) - kinds.count(kinds[0])) <= 1 for k in set(kinds))


def _run(name, outcomes):
    return ConfigRun(SETUPS[name], outcomes, [], 1.0)


def test_gate_checks_floors_ceilings_and_answerable_kinds():
    from assistant.evaluation.metrics import breakdown

    good = [Outcome(id=f"f{i}", kind="factual", lang="nb", refuse=False, refused=False, rank=1, precise=[True],
                    supports=[True], evidence_cited=True, faithful=(1, 1), facts=1.0) for i in range(20)]
    refusals = [Outcome(id="o", kind="out_of_scope", lang="nb", refuse=True, refused=True)]
    checks = check(breakdown(good + refusals), load_thresholds())
    assert checks and all(c.ok for c in checks)
    assert {c.scope for c in checks} == {"overall", "factual"}  # out_of_scope has no answerable items
    good[0].refused = True
    good[1].refused = True
    failed = [str(c) for c in check(breakdown(good + refusals), load_thresholds()) if not c.ok]
    assert failed == ["overall citation_recall = 0.900 (needs >= 0.95)",
                      "overall false_refusal_rate = 0.100 (needs <= 0.03)"]


def test_report_writes_markdown_json_and_chart(tmp_path):
    from assistant.evaluation import report

    outcomes = [Outcome(id="fact-x", kind="factual", lang="nb", refuse=False, refused=False, rank=2, precise=[True],
                        split="dev"),
                Outcome(id="oos-x", kind="out_of_scope", lang="en", refuse=True, refused=False, split="dev"),
                Outcome(id="fact-t", kind="factual", lang="nb", refuse=False, refused=False, rank=1, precise=[True],
                        split="test")]
    record = {"id": "oos-x", "kind": "out_of_scope", "lang": "en", "question": "Q?", "history": [], "evidence": [],
              "facts": [], "doc": "", "refuse": True, "query": "Q?", "rank": None, "retrieved": [], "refused": False,
              "answer": "Something", "relevance": 0.7, "action": None, "citations": [], "missing_facts": [],
              "faithful": [0, 0], "latency_ms": 3.0, "failures": ["missed_refusal"], "split": "dev"}
    secret = {**record, "id": "fact-t", "question": "held out", "split": "test", "failures": ["retrieval"]}
    runs = [_run("hybrid", outcomes), _run("baseline", outcomes)]
    runs[0].records = [record, secret]
    data = report.build(runs, [], 12.0, 3)
    paths = report.write(data, tmp_path, "t")
    md = paths["md"].read_text()
    assert "| hit@5 | 1.000 | 1.000 |" in md and "missed_refusal" in md and "## Definitions" in md
    # the headline is test's (one item, hit@1 1.0); train/dev/test side by side; test's items never listed
    assert data["configs"]["hybrid"]["metrics"]["overall"]["n"] == 1
    assert set(data["configs"]["hybrid"]["metrics"]["by_split"]) == {"dev", "test"}
    assert "fact-t" not in paths["json"].read_text() and "held out" not in md and "fact-t" not in md
    assert json.loads(paths["json"].read_text())["configs"]["baseline"]["metrics"]["overall"]["faithfulness"] is None
    assert paths["png"].read_bytes()[:4] == b"\x89PNG"


def test_eval_command_is_registered():
    from typer.testing import CliRunner

    from assistant.cli import app

    result = CliRunner().invoke(app, ["eval", "--help"])
    assert result.exit_code == 0 and "--fit" in result.output
    result = CliRunner().invoke(app, ["eval", "--config", "nope"])
    assert result.exit_code == 2


def test_answerability_fit_learns_from_train_and_calibrates_on_dev(tmp_path):
    """Small fakes: answerable items have close evidence, out-of-scope items do not. The fitted
    model separates them, its threshold keeps dev's false refusals within the limit, and test is
    not read."""
    from assistant.decision import AnswerabilityModel, FEATURES
    from assistant.evaluation.dataset import Item
    from assistant.evaluation.fit import MAX_FALSE_REFUSALS, fit_answerability

    def row(i, split, answerable):
        kind = "factual" if answerable else "out_of_scope"
        item = Item(id=f"{split}-{i}", kind=kind, lang="nb", question="q", evidence=("e",) if answerable else (),
                    facts=(), refuse=not answerable, doc="d" if answerable else "", split=split)
        base = 0.9 if answerable else 0.75
        return item, {f: (base + 0.01 * (i % 5) if f.startswith("dense") else 0.0) for f in FEATURES}

    rows = [row(i, s, a) for s in ("train", "dev") for i in range(20) for a in (True, False)]
    rows += [(item, {f: float("nan") for f in FEATURES}) for item, _ in [row(0, "test", True)]]  # never read
    path = tmp_path / "answerability.json"
    model = fit_answerability(rows, "e5", path)
    assert AnswerabilityModel.load(path, "e5") == model
    assert model.provenance["train_answerable"] == 20 and model.provenance["dev_items"] == 40
    assert model.provenance["dev_false_refusal_rate"] <= MAX_FALSE_REFUSALS
    assert model.probability(rows[0][1]) > model.threshold > model.probability(rows[1][1])
