"""`assistant eval`: run the configurations, write the report, optionally calibrate and gate.

Registered in `assistant/cli.py`; imported only when the command runs, since it pulls in
matplotlib and the embedders.
"""
from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Optional

import typer

from ..config import PROJECT_ROOT, Config
from .dataset import DEFAULT_SETS

DEFAULT_OUT = PROJECT_ROOT / "evals" / "reports"


def fit_models(evaluation, items) -> list[str]:
    """Fit the intent and answerability models on `train`, calibrate on `dev` (evaluation/fit.py)."""
    from .fit import fit_answerability, fit_intents, prototypes, scope_examples, with_scope_knn
    from .runner import SETUPS

    setup = SETUPS["hybrid"]
    embedder = evaluation.embedder(setup.embedder)
    intents = fit_intents(embedder, items)
    free = evaluation.assistant(setup)
    free.__dict__["answerability"] = None  # asked with the decision off, to see every item's features
    free.__dict__["intents"] = None
    items = [*items, *scope_examples()]  # hand-written out-of-scope questions join train as labelled examples
    rows = []
    for item in items:
        if item.split in ("train", "dev") and (item.answerable or item.kind == "out_of_scope"):
            answer = free.ask(item.question, list(item.history))
            decision = answer.trace.decision if answer.trace else None
            if decision is not None and decision.features:
                rows.append((item, decision.features))
    protos = prototypes(embedder, items)
    model = fit_answerability(with_scope_knn(rows, embedder, protos), setup.embedder, protos=protos)
    evaluation.save()
    return [f"intents: thresholds {intents['thresholds']} ({intents['provenance']})",
            f"answerability: threshold {model.threshold} ({model.provenance})"]


def eval_cmd(
    config: str = typer.Option("all", "--config", help="hybrid, bm25, dense-e5, dense-minilm, hybrid-minilm, baseline, "
                                                       "or all (every one but hybrid-minilm); comma-separated."),
    sets: Path = typer.Option(DEFAULT_SETS, "--sets", help="Folder of evaluation sets (*.jsonl)."),
    out: Path = typer.Option(DEFAULT_OUT, "--out", help="Where the report goes."),
    kinds: Optional[str] = typer.Option(None, "--kinds", help="Only these kinds, comma-separated."),
    splits: Optional[str] = typer.Option(None, "--splits", help="Only these splits (train, dev, test), comma-separated; "
                                                               "the dev loop is --splits train,dev."),
    quick: bool = typer.Option(False, "--quick", help="About 5 items per kind; writes quick.* instead of latest.*."),
    fit: bool = typer.Option(False, "--fit", help="Fit the intent and answerability models on the train split and "
                                                   "calibrate them on dev (assistant/data/*.json) before measuring."),
    latency_sample: int = typer.Option(-1, "--latency-sample", help="Items of the first configuration timed again "
                                                                      "with the plain embedder (-1: all, 0: none)."),
    check: bool = typer.Option(False, "--check", help="Exit 1 when the gate fails."),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Progress bars on stderr."),
    llm: bool = typer.Option(False, "--llm", help="Generative vs extractive side by side (evaluation/llm.py), with "
                                                  "the configured ASSISTANT_LLM or else the adversarial model server; "
                                                  "writes llm.md."),
    script: str = typer.Option("mostly", "--script", help="With --llm and no ASSISTANT_LLM: the adversarial "
                                                          "server's script (mostly, mixed, copy, invented)."),
    test_model: bool = typer.Option(False, "--test-model", help="With --llm: the pinned small test model "
                                                                 "(evaluation/testmodel.py, the llm-test extra), served "
                                                                 "on 127.0.0.1 for the run; writes llm-real.md."),
    sample: int = typer.Option(0, "--sample", help="About this many items, spread over the kinds (0: all)."),
    guard: bool = typer.Option(False, "--guard", help="Calibrate the citation guard on evals/guard/pairs.yaml and "
                                                      "report its held-out precision and recall."),
) -> None:
    """Mål kvaliteten: gjenfinning, kilder, troskap, avvisning og svartid, per konfigurasjon."""
    from . import report
    from .dataset import DatasetError, load_items
    from .gate import check as gate_check, load_thresholds
    from .metrics import breakdown
    from .runner import ALL, SETUPS, Evaluation, stratified

    # A batch job on a shared machine: one inference thread each unless the caller says otherwise
    # (oversubscribed OpenMP threads made a cold run several times slower on two busy cores).
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    start = time.perf_counter()
    names = list(ALL) if config == "all" else [c.strip() for c in config.split(",") if c.strip()]
    unknown = [n for n in names if n not in SETUPS]
    if unknown or not names:
        raise typer.BadParameter(f"unknown configuration(s) {unknown}; choose from {', '.join(SETUPS)} or all",
                                 param_hint="--config")
    try:
        items = load_items(sets, [k.strip() for k in kinds.split(",")] if kinds else None)
    except DatasetError as err:
        raise typer.BadParameter(str(err), param_hint="--sets") from err
    if splits:
        wanted = {x.strip() for x in splits.split(",") if x.strip()}
        items = [i for i in items if i.split in wanted]
    if fit and (quick or kinds):
        raise typer.BadParameter("fit on the full sets only (without --quick or --kinds)", param_hint="--fit")
    if sample:
        items = stratified(items, sample)
    if quick:
        items = stratified(items, 45)
        latency_sample = 9 if latency_sample < 0 else min(latency_sample, 9)
    base = Config.from_env()
    if guard:
        import json

        from ..embedders import get_embedder
        from ..generation.calibration import calibrate

        typer.echo(json.dumps(calibrate(base.corpus_dir, get_embedder(base.embedder)), indent=1, ensure_ascii=False))
        return
    evaluation = Evaluation(base.home / "eval", base.cache, base, progress=progress)
    if llm:
        from .llm import run_llm, write

        if test_model:
            from ..config import LLMSettings
            from .testmodel import MODEL_NAME, TestModelMissing, TestModelServer

            try:
                with TestModelServer(base.cache) as server:
                    settings = LLMSettings(backend="openai", base_url=server.url, model=MODEL_NAME, timeout=180,
                                           retries=0)
                    report = run_llm(evaluation, items, settings, script)
            except TestModelMissing as err:
                raise typer.BadParameter(str(err), param_hint="--test-model") from err
            report["note"] = (f"The pinned small test model ({MODEL_NAME}, llama.cpp on the CPU via xllamacpp, "
                              f"answers capped at 512 tokens); items: {'a sample spread over the kinds, ' if sample else ''}"
                              f"splits {splits or 'all'}. Not a product default: it only measures the generative mode.")
        else:
            report = run_llm(evaluation, items, base.llm, script)
        evaluation.save()
        typer.echo(f"Report: {write(report, out, 'llm-real' if test_model else 'llm')} "
                   f"({time.perf_counter() - start:.0f} s)")
        return
    if fit:
        for line in fit_models(evaluation, items):
            typer.echo(line, err=True)
    runs = []
    for name in names:
        typer.echo(f"{name}: {SETUPS[name].label} …", err=True)
        runs.append(evaluation.run(name, items, latency_sample=latency_sample if name == names[0] else 0))
        split = "test" if any(o.split == "test" for o in runs[-1].outcomes) else None
        overall = breakdown(runs[-1].outcomes, split)["overall"]
        typer.echo(f"  {split or 'all'}: hit@5 {overall['hit@5'] or 0:.3f}  citation recall {overall['citation_recall'] or 0:.3f}  "
                   f"refusal recall {overall['refusal_recall'] or 0:.3f}  ({runs[-1].seconds:.0f} s)", err=True)
    full_run = not quick and not kinds and not splits and names[0] == "hybrid"
    checks = gate_check(breakdown(runs[0].outcomes, "test"), load_thresholds()) if full_run else []
    data = report.build(runs, checks, time.perf_counter() - start, len(items))
    paths = report.write(data, out, "quick" if quick or kinds or splits else "latest")
    for c in checks:
        typer.echo(f"{'PASS' if c.ok else 'FAIL'} {c}")
    typer.echo(f"Report: {paths['md']} ({time.perf_counter() - start:.0f} s)")
    if check and not all(c.ok for c in checks):
        raise typer.Exit(1)
