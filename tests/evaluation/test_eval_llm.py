"""`assistant eval --llm` (assistant/evaluation/llm.py): generative vs extractive side by side, against
the adversarial model server (started on 127.0.0.1 for the run), on a few items."""
from __future__ import annotations

from assistant.config import Config


def test_eval_llm_reports_both_modes(tmp_path, eval_items, embedding_cache):
    from assistant.evaluation.llm import markdown, run_llm, write
    from assistant.evaluation.runner import Evaluation, stratified

    items = stratified([i for i in eval_items if i.split == "dev" and i.kind in ("factual", "english", "out_of_scope")], 6)
    evaluation = Evaluation(tmp_path / "eval", embedding_cache, Config.from_env(env={}))
    report = run_llm(evaluation, items, None, "mostly")
    ext, gen = report["modes"]["extractive"], report["modes"]["generative"]
    assert ext["items"] == gen["items"] == len(items)
    assert ext["faithfulness_guard_off"] is None and ext["faithfulness_guard_on"]["value"] == 1.0
    assert gen["invented_written"] > 0 and gen["invented_shown"] == 0
    assert gen["faithfulness_guard_off"]["value"] < gen["faithfulness_guard_on"]["value"] == 1.0
    assert gen["modes"].get("generative", 0) >= 1
    assert ext["refusal_recall"] == gen["refusal_recall"]  # the same decision refuses in both modes
    text = markdown(report)
    assert "faithfulness, guard off" in text and "answer in the question's language" in text
    assert write(report, tmp_path / "out").read_text(encoding="utf-8") == text
