"""`assistant bench`. Registered in `assistant/cli.py`; everything heavy is imported when it runs."""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Optional

import typer

from ...config import PROJECT_ROOT

DEFAULT_OUT = PROJECT_ROOT / "bench" / "reports"


def bench_cmd(
    sizes: str = typer.Option("1,10", "--sizes", help="Corpus sizes as multiples of today's corpus, comma-separated "
                                                      "(100 is possible, and takes hours on two cores)."),
    quick: bool = typer.Option(False, "--quick", help="A smoke run for the test suite: sizes 1 and 2 of one small "
                                                      "document, 8 questions, seconds of load; writes quick.*."),
    questions: int = typer.Option(0, "--questions", help="Ask about this many train and dev items (0: all of them)."),
    threads: int = typer.Option(4, "--threads", help="Callers asking back to back at saturation."),
    duration: float = typer.Option(30.0, "--duration", help="Seconds of saturation per measurement."),
    corpus: Optional[Path] = typer.Option(None, "--corpus", help="The real corpus to start from (default: "
                                                                 "ASSISTANT_CORPUS_DIR)."),
    out: Path = typer.Option(DEFAULT_OUT, "--out", help="Where the report goes."),
    no_peer: bool = typer.Option(False, "--no-peer", help="Leave out the tutorial pipeline."),
    no_server: bool = typer.Option(False, "--no-server", help="Leave out the live server."),
    load: bool = typer.Option(False, "--load", help="Only the load test, against the index in ASSISTANT_HOME (run "
                                                    "`assistant index` first): saturation with --threads clients "
                                                    "for --duration s, then simulated users; writes load.*."),
    users: int = typer.Option(50, "--users", min=1, help="--load: simulated users."),
    interval: float = typer.Option(10.0, "--interval", min=0.01, help="--load: mean seconds between one user's "
                                                                       "questions (exponential, open model)."),
    load_seconds: float = typer.Option(300.0, "--load-seconds", min=1, help="--load: seconds of simulated users."),
    workers: str = typer.Option("1,2", "--workers", help="--load: worker counts to measure "
                                                          "(`assistant serve --workers N`), comma-separated."),
) -> None:
    """Mål hastighet og minne: indeksbygging, svartid, oppstart, server, mot en opplæringsoppskrift."""
    from . import report
    from .run import Options, run

    if load:
        _load(report, out, quick, users, interval, load_seconds, workers, threads, duration, questions)
        return

    factors = _whole_numbers(sizes, "sizes", "1,10", "--sizes")
    name = "quick" if quick else "latest"
    log = lambda text: typer.echo(f"bench: {text}", err=True)  # noqa: E731
    partial = lambda data: report.write(json.loads(json.dumps(data)), out, name)  # noqa: E731
    extra = dict(log=log, peer=not no_peer, server=not no_server, done_size=partial)
    if corpus is not None:
        extra["corpus"] = corpus
    if quick:
        opts = Options.quick_run(**extra)
        opts.corpus = _small_corpus(opts.corpus, opts.workdir.parent / "bench-quick-corpus")
        opts.workdir = opts.workdir.parent / "bench-quick"
    else:
        opts = Options(sizes=factors, questions=questions, threads=threads, duration=duration, **extra)
    data = run(opts)
    for key, path in [("profile_start", data.get("profile_start"))] + [
            ("profile_answer", r.get("profile_answer")) for r in data["sizes"]]:
        if path and Path(path).exists():
            out.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, out / Path(path).name)
    paths = report.write(data, out, name)
    for c in data["checks"]:
        if c["value"] is not None:
            typer.echo(f"{'MET ' if c['met'] else 'MISS'} {c['target']} ({c['factor']}x): {c['value']} {c['unit']} "
                       f"(≤ {c['limit']} {c['unit']})")
    typer.echo(f"Report: {paths['md']}")


def _whole_numbers(text: str, what: str, example: str, hint: str) -> tuple[int, ...]:
    try:
        numbers = tuple(int(x) for x in text.split(",") if x.strip())
    except ValueError as err:
        raise typer.BadParameter(f"{what} are whole numbers, e.g. {example}", param_hint=hint) from err
    if not numbers or min(numbers) < 1:
        raise typer.BadParameter(f"{what} are whole numbers of at least 1", param_hint=hint)
    return numbers


def _load(report, out: Path, quick: bool, users: int, interval: float, seconds: float, workers: str, threads: int,
          duration: float, questions: int) -> None:
    from ...config import Config
    from . import load

    counts = _whole_numbers(workers, "worker counts", "1,2", "--workers")
    if not any(Config.from_env().index_dir.glob("*/current")):
        typer.echo("Fant ingen indeks i ASSISTANT_HOME. Kjør `assistant index` først.", err=True)
        raise typer.Exit(2)
    if quick:  # a smoke run for the test suite: seconds, not a measurement
        users, interval, seconds, threads, duration = 5, 2.0, 6.0, 2, 3.0
    name = "quick-load" if quick else "load"
    log = lambda text: typer.echo(f"bench: {text}", err=True)  # noqa: E731
    partial = lambda data: report.write(json.loads(json.dumps(data)), out, name)  # noqa: E731
    data = load.run(counts, users, interval, seconds, threads, duration, questions=questions, quick=quick, log=log,
                    done=partial)
    paths = report.write(data, out, name)
    for c in data["checks"]:
        if c["value"] is not None:
            typer.echo(f"{'MET ' if c['met'] else 'MISS'} {c['target']}: {c['value']} {c['unit']} "
                       f"(≤ {c['limit']} {c['unit']})")
    for row in data["load"]:
        typer.echo(f"{row['workers']} worker(s): saturated {row['saturation']['answers_per_s']} answers/s "
                   f"with {row['saturation']['threads']} clients")
    typer.echo(f"Report: {paths['md']}")


def _small_corpus(source: Path, target: Path) -> Path:
    """The smallest text document of the corpus with its manifest entry: enough for a smoke run."""
    import yaml

    from ...corpus import discover

    smallest = min((s for s in discover(source) if s.path.suffix.lower() in (".txt", ".md")),
                   key=lambda s: s.path.stat().st_size)
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    shutil.copy2(smallest.path, target / smallest.path.name)
    entry = {k: v for k, v in smallest.info.model_dump().items() if k in ("id", "title", "language", "kind") and v}
    (target / "manifest.yaml").write_text(yaml.safe_dump({"documents": [{"file": smallest.path.name, **entry}]},
                                                         allow_unicode=True), encoding="utf-8")
    return target
