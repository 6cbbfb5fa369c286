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
) -> None:
    """Mål hastighet og minne: indeksbygging, svartid, oppstart, server, mot en opplæringsoppskrift."""
    from . import report
    from .run import Options, run

    try:
        factors = tuple(int(x) for x in sizes.split(",") if x.strip())
    except ValueError as err:
        raise typer.BadParameter("sizes are whole numbers, e.g. 1,10", param_hint="--sizes") from err
    if not factors or min(factors) < 1:
        raise typer.BadParameter("sizes are whole numbers of at least 1", param_hint="--sizes")
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
