"""The whole benchmark: corpora, one worker process per measurement, a live server, the peer.

Every figure for the assistant is measured in the same run, on the same machine and the same
questions as the tutorial pipeline's, so the report can give ratios: a two-core machine shared
with other work makes absolute times vary by a factor of two or more between runs.
"""
from __future__ import annotations

import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ...config import PROJECT_ROOT, Config
from ..dataset import DEFAULT_SETS, load_items
from ..ports import free_port
from ..runner import stratified
from .synthetic import make_corpus
from .worker import RESULT, memory, saturate

START_QUESTION = "Hva skal planprogrammet gjøre rede for?"


@dataclass
class Options:
    sizes: tuple[int, ...] = (1, 10)
    quick: bool = False
    questions: int = 0  # 0: every train and dev item
    threads: int = 4  # callers at saturation
    duration: float = 30.0  # seconds of saturation
    start_runs: int = 3
    embed_texts: int = 200
    profile: bool = True
    peer: bool = True
    server: bool = True
    glossary_from: Path | None = None  # a cache whose dictionary table a cold build may reuse (quick runs)
    workdir: Path = field(default_factory=lambda: Path(Config.from_env().home) / "bench")
    corpus: Path = field(default_factory=lambda: Config.from_env().corpus_dir)
    log: object = None  # callable(str) for progress lines
    done_size: object = None  # callable(data) after each size, so a long run leaves a report as it goes

    @classmethod
    def quick_run(cls, **overrides) -> "Options":
        base = dict(sizes=(1, 2), quick=True, questions=5, threads=2, duration=2.0, start_runs=1, embed_texts=8,
                    profile=False, glossary_from=Config.from_env().cache)
        return cls(**{**base, **overrides})


def _say(opts: Options, text: str) -> None:
    if opts.log:
        opts.log(text)


def questions(opts: Options) -> list[dict]:
    """The train and dev items (test stays unread), as the worker asks them."""
    items = [i for i in load_items(DEFAULT_SETS) if i.split in ("train", "dev")]
    if opts.questions:
        items = stratified(items, opts.questions)[: opts.questions]
    return [{"id": i.id, "kind": i.kind, "q": i.question, "history": list(i.history),
             "evidence": list(i.evidence) if i.answerable else []} for i in items]


def _env(home: Path, cache: Path, corpus: Path) -> dict:
    env = dict(os.environ, ASSISTANT_HOME=str(home), ASSISTANT_CACHE_DIR=str(cache), ASSISTANT_CORPUS_DIR=str(corpus),
               HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", GRADIO_ANALYTICS_ENABLED="False",
               ANONYMIZED_TELEMETRY="False", ASSISTANT_RATE_LIMIT="1000000")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH", "")]))
    return env


def worker(task: str, args: dict, env: dict, timeout: float = 7200) -> tuple[dict, float]:
    """(result, wall seconds from process start to exit) of one worker task."""
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "assistant.evaluation.bench.worker", task], input=json.dumps(args),
                          capture_output=True, text=True, env=env, timeout=timeout, cwd=PROJECT_ROOT)
    wall = time.perf_counter() - t0
    lines = [line for line in proc.stdout.splitlines() if line.startswith(RESULT)]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"bench worker {task} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return json.loads(lines[-1][len(RESULT):]), round(wall, 2)


def assistant_command() -> list[str]:
    script = Path(sys.executable).parent / "assistant"
    return [str(script)] if script.exists() else [sys.executable, "-c", "from assistant.cli import main; main()"]


def start_to_answer(env: dict, runs: int) -> dict:
    """`assistant ask` from process start to its answer printed and the process gone."""
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        proc = subprocess.run([*assistant_command(), "ask", START_QUESTION], capture_output=True, text=True, env=env,
                              timeout=300, cwd=PROJECT_ROOT)
        times.append(time.perf_counter() - t0)
        if proc.returncode != 0:
            raise RuntimeError(f"assistant ask failed: {proc.stderr[-1000:]}")
    return {"runs": [round(t, 2) for t in times], "median_s": round(sorted(times)[len(times) // 2], 2)}


@contextmanager
def started_server(env: dict, workers: int = 1):
    """A real `assistant serve` (with `--workers N` when N > 1) on 127.0.0.1 and a free port, ready:
    (process, base URL, seconds to ready); stopped (its own process group) on exit."""
    import httpx

    port = free_port()
    log = open(Path(env["ASSISTANT_HOME"]) / f"serve-{workers}.log", "w")
    t0 = time.perf_counter()
    extra = ["--workers", str(workers)] if workers > 1 else []
    proc = subprocess.Popen([*assistant_command(), "serve", "--host", "127.0.0.1", "--port", str(port), *extra],
                            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=PROJECT_ROOT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=60) as client:
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"assistant serve stopped: {Path(log.name).read_text()[-1000:]}")
                if time.perf_counter() - t0 > 600:
                    raise RuntimeError("assistant serve was not ready within 600 s")
                try:
                    if client.get("/readyz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.25)
        yield proc, base, time.perf_counter() - t0
    finally:
        _stop(proc)
        log.close()


def serve(env: dict, qs: list[dict], opts: Options) -> dict:
    """A real `assistant serve` on 127.0.0.1: memory after warm-up, one client alone, then
    `threads` clients back to back over HTTP."""
    import httpx

    with started_server(env) as (proc, base, ready), httpx.Client(base_url=base, timeout=60) as client:

        def ask(q: dict) -> None:
            r = client.post("/api/ask", json={"question": q["q"], "history": q.get("history") or []})
            r.raise_for_status()

        for q in qs[:10]:
            ask(q)
        warm = memory(proc.pid)
        alone = saturate(ask, qs, 1, max(opts.duration / 3, 2))
        loaded = saturate(ask, qs, opts.threads, opts.duration)
        return {"ready_s": round(ready, 2), "memory_after_warmup": warm, "memory_end": memory(proc.pid),
                "one_client": alone, "saturation": loaded}


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def embed_texts(corpus: Path, n: int) -> list[str]:
    """Sentences and passages of the real corpus, as the index embeds them."""
    from ...ingest import ingest_source
    from ...corpus import discover
    from ...index import embed_text
    from ...units import units_of

    passages = [p for src in discover(corpus) for p in ingest_source(src)[1]]
    texts = [u.text for p in passages for u in units_of(p)][: n * 3 // 4]
    return texts + [embed_text(p) for p in passages][: n - len(texts)]


def profile_start(env: dict, out: Path) -> Path | None:
    """pyinstrument over one `assistant ask`, when pyinstrument is installed."""
    try:
        import pyinstrument  # noqa: F401
    except ImportError:
        return None
    code = "import sys; from assistant.cli import main; sys.argv = ['assistant', 'ask', %r]; main()" % START_QUESTION
    subprocess.run([sys.executable, "-m", "pyinstrument", "-o", str(out), "-c", code], env=env, capture_output=True, text=True, timeout=300, cwd=PROJECT_ROOT)
    return out if out.exists() else None


def run(opts: Options) -> dict:
    """Every measurement for every size; the report's data."""
    work = Path(opts.workdir)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    qs = questions(opts)
    started = time.time()
    data: dict = {"machine": machine(), "options": {"sizes": list(opts.sizes), "quick": opts.quick,
                                                     "questions": len(qs), "threads": opts.threads,
                                                     "duration_s": opts.duration},
                  "sizes": [], "notes": []}
    source = Path(opts.corpus)
    glossary = next(iter(Path(opts.glossary_from).glob("glossary-*.sqlite3")), None) if opts.glossary_from else None
    for factor in opts.sizes:
        _say(opts, f"{factor}x: corpus")
        folder = work / f"{factor}x"
        corpus = make_corpus(source, folder / "corpus", factor)
        home, cache = folder / "home", folder / "cache"
        cache.mkdir(parents=True)
        if glossary is not None:  # the dictionary table does not depend on the corpus: reduced once, at the first size
            shutil.copy2(glossary, cache / glossary.name)
        env = _env(home, cache, corpus)
        row: dict = {"factor": factor}
        _say(opts, f"{factor}x: cold index build")
        row["build_cold"], row["build_cold"]["wall_s"] = worker("build", {"home": str(home), "cache": str(cache),
                                                                          "corpus": str(corpus)}, env)
        glossary = glossary or next(iter(cache.glob("glossary-*.sqlite3")), None)
        _say(opts, f"{factor}x: unchanged index build ({row['build_cold']['passages']} passages)")
        row["build_unchanged"], row["build_unchanged"]["wall_s"] = worker(
            "build", {"home": str(home), "cache": str(cache), "corpus": str(corpus)}, env)
        _say(opts, f"{factor}x: warm latency, hit@5, threads")
        profile = str(work / f"profile-answer-{factor}x.txt") if opts.profile else None
        row["api"], _ = worker("api", {"home": str(home), "cache": str(cache), "corpus": str(corpus), "questions": qs,
                                       "threads": opts.threads, "duration": opts.duration, "profile": profile}, env)
        if profile and Path(profile).exists():
            row["profile_answer"] = profile
        _say(opts, f"{factor}x: process start to first answer")
        row["start"] = start_to_answer(env, opts.start_runs)
        if opts.server:
            _say(opts, f"{factor}x: server")
            row["server"] = serve(env, qs, opts)
        if opts.peer:
            _say(opts, f"{factor}x: tutorial pipeline")
            peer_home = folder / "peer"
            peer_home.mkdir()
            row["peer"], _ = worker("peer", {"home": str(peer_home), "corpus": str(corpus), "questions": qs,
                                             "threads": opts.threads, "duration": opts.duration}, env)
            starts = [worker("peer-first", {"home": str(peer_home), "question": START_QUESTION}, env)[1]
                      for _ in range(opts.start_runs)]
            row["peer"]["start"] = {"runs": starts, "median_s": sorted(starts)[len(starts) // 2]}
        data["sizes"].append(row)
        if opts.done_size:
            data["seconds"] = round(time.time() - started, 1)
            opts.done_size(data)
    if opts.embed_texts:
        _say(opts, "e5 engine against the batched runtime")
        data["embed"], _ = worker("embed", {"texts": embed_texts(source, opts.embed_texts)},
                                  _env(work / "embed", work / "embed-cache", source))
    if opts.profile:
        first = work / "1x"
        if first.exists():
            out = profile_start(_env(first / "home", first / "cache", first / "corpus"), work / "profile-start.txt")
            if out:
                data["profile_start"] = str(out)
    data["seconds"] = round(time.time() - started, 1)
    data["machine"]["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    return data


def machine() -> dict:
    return {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
            "processor": _cpu_name(), "load_average_start": [round(x, 2) for x in os.getloadavg()],
            "date": time.strftime("%Y-%m-%d %H:%M")}


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()
