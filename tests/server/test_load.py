"""Load against a real `assistant serve` over real HTTP, with the bench's own load generator
(assistant/evaluation/bench/load.py): simulated users arriving as a Poisson process (open model),
questions drawn from the train and dev evaluation items. Bounded for CI: one minute of users and a
smoke run of `assistant bench --load --quick` with two workers. The issue's full measurement
(50 users, one question every 10 s each, for five minutes; then saturation with 1 and 2 workers)
is `assistant bench --load`, and its report is committed in bench/reports/load.md.
"""
from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.evaluation.bench.load import FLAT_GROWTH, closed_load, open_load
from assistant.evaluation.bench.run import Options, questions
from processes import ASSISTANT, AppServer, make_home, run_index

pytestmark = [pytest.mark.slow, pytest.mark.load]

USERS, INTERVAL, SECONDS = 10, 10.0, 60.0  # 1 question a second offered, about 60 in the minute
P95_LIMIT_MS = 10_000


@pytest.fixture(scope="module")
def indexed(tmp_path_factory, embedding_cache) -> Iterator[tuple[Path, dict]]:
    root = tmp_path_factory.mktemp("load")
    env = make_home(root, embedding_cache)
    run_index(env, timeout=300)
    yield root, env


def test_simulated_users_for_a_minute_get_answers_without_errors_and_memory_stays_flat(indexed):
    """10 users, each asking after an exponential wait with mean 10 s, for 60 s, against one
    `assistant serve` process: every request is answered (status 200), p95 stays under
    P95_LIMIT_MS, and RSS at the end is at most FLAT_GROWTH (10 %) above RSS at one third.

    Why these numbers. 1 question a second is well under what one process answers at saturation
    on two cores with nothing else running (several a second, bench/reports/load.md), so a healthy
    server keeps its queue short and p95 is about a second. The suite runs on a shared machine,
    though: with another job using both cores (load average 30 seen while measuring), one process
    answered about 1.1 questions a second, and the issue's 5 a second left a queue that only
    grew. So the offered load is a fifth of the issue's and the limit ten times its 1 s target:
    a busy minute must not fail the suite. What it catches is a server that cannot keep up at
    all (answers serialised behind a lock, an index reloaded per request, a leak): its queue
    grows for the whole minute and p95 goes to tens of seconds, as in the overloaded bench run.
    Errors must be 0 whatever the load: a 500 under concurrency is a bug, not slowness (this
    generator's first run found one, in the query-vector cache). The 10 % memory bound (about 50 MB on
    a 500 MB process) lets the allocator settle; over the minute's 60 answers it only catches a
    leak of about 1 MB an answer or more, so it is a coarse check and the five-minute bench run
    the finer one. The load average goes into every failure message."""
    root, env = indexed
    qs = questions(Options())
    assert qs and all(q["id"] for q in qs)
    with AppServer(env, root / "serve-load.log") as app:
        warm = closed_load(app.url, qs, 2, 5.0)  # models and caches in place before the users arrive
        assert warm["errors"] == 0 and warm["answers"] > 0, warm
        result = open_load(app.url, qs, USERS, INTERVAL, SECONDS, seed=20, server_pid=app.proc.pid)
        log = app.log()
    assert result["errors"] == 0, (result["error_kinds"], result["error_examples"], log[-3000:])
    assert result["requests"] >= 30, result["requests"]  # Poisson with mean 60: below 30 means no load was offered
    seen = {k: result[k] for k in ("p50_ms", "p95_ms", "max_ms", "requests")} | {"load_average": os.getloadavg()}
    memory = result["memory"]
    print(f"load: {seen}, RSS {memory['rss_third_mb']} -> {memory['rss_end_mb']} MB")  # in the log with -s or -rP
    assert result["p95_ms"] <= P95_LIMIT_MS, seen
    assert len(result["memory_samples"]) >= SECONDS * 0.8, "RSS sampled every second"
    assert memory["growth"] <= FLAT_GROWTH, memory | {"load_average": os.getloadavg()}
    assert "Traceback" not in log


def test_bench_load_quick_measures_two_workers_and_writes_its_report(indexed, tmp_path):
    """`assistant bench --load --quick --workers 2` end to end on the same index: a smoke run, so
    only the report's shape and the absence of errors are checked, never its timings."""
    _, env = indexed
    out = tmp_path / "reports"
    proc = subprocess.run([str(ASSISTANT), "bench", "--load", "--quick", "--workers", "2", "--out", str(out)],
                          env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert f"Report: {out / 'quick-load.md'}" in proc.stdout
    data = json.loads((out / "quick-load.json").read_text(encoding="utf-8"))
    (row,) = data["load"]
    assert row["workers"] == 2 and row["open"]["requests"] > 0 and row["open"]["errors"] == 0, row["open"]
    assert row["saturation"]["answers"] > 0 and row["saturation"]["errors"] == 0, row["saturation"]
    assert row["rss_after_warmup_mb"] > 300, "two workers' models are resident"
    assert {c["target"] for c in data["checks"]} == {
        f"{name}, 2 worker(s)" for name in ("errors under the simulated users", "p95 under the simulated users",
                                            "RSS growth from one third of the run to its end")}
    md = (out / "quick-load.md").read_text(encoding="utf-8")
    for heading in ("## Load: simulated users against `assistant serve`", "## Load targets", "**Quick mode**"):
        assert heading in md
