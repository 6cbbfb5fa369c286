"""`assistant bench --load`: a real `assistant serve` (1 or N worker processes) under an open load
of simulated users, then saturated by clients asking back to back.

Open model (after saturation, below): each of `users` users waits an exponential time with mean `interval` seconds between
questions (Poisson arrivals, `users / interval` questions a second in all), whether or not the
earlier answer has come back, so a slow server meets the same arrivals as a fast one and its
queue shows in the latency (measured from the moment the question was due, so no request is
left out of the count for waiting). Closed model (`saturation`): K clients each asking the next
question as soon as an answer arrives, for a fixed time: the server's answers per second.

The questions are the train and dev items of the evaluation sets (`run.questions`; the test split
is never read). Every request opens its own connection (`Connection: close`), so with several
workers the kernel hands each one to whichever worker accepts first, as it would for many users.
The server's resident memory (all its processes added: the supervisor and every worker) is
sampled every second from /proc; it counts as flat when the last sample is at most
`FLAT_GROWTH` above the sample at one third of the run (after the warm-up, the caches and
thread stacks are in place by then).
"""
from __future__ import annotations

import asyncio
import os
import random
import threading
import time
from pathlib import Path

from ..metrics import percentile
from .worker import saturate, summary

FLAT_GROWTH = 0.10  # RSS at the end at most 10 % above RSS at one third of the run
HEADERS = {"Connection": "close"}


def tree_pids(root: int) -> list[int]:
    """`root` and every process below it (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def rss_mb(pid: int) -> float:
    """Resident memory of a process and all below it, in MB."""
    total = 0
    for p in tree_pids(pid):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return round(total / 1024, 1)


def memory_flat(samples: list[tuple[float, float]], seconds: float) -> dict:
    """RSS at one third of the run and at its end; flat when the end is at most FLAT_GROWTH above."""
    if not samples:
        return {"rss_third_mb": None, "rss_end_mb": None, "growth": None, "flat": None}
    third = min(samples, key=lambda s: abs(s[0] - seconds / 3))[1]
    end = samples[-1][1]
    growth = (end - third) / third if third else None
    return {"rss_start_mb": samples[0][1], "rss_third_mb": third, "rss_end_mb": end,
            "rss_max_mb": max(s[1] for s in samples), "growth": None if growth is None else round(growth, 3),
            "flat": None if growth is None else growth <= FLAT_GROWTH, "flat_bound": FLAT_GROWTH}


async def _open_load(base_url: str, questions: list[dict], users: int, interval: float, seconds: float,
                     seed: int, server_pid: int | None, timeout: float) -> dict:
    import httpx

    rng = random.Random(seed)
    results: list[dict] = []
    samples: list[tuple[float, float]] = []
    pending: set[asyncio.Task] = set()
    loop = asyncio.get_running_loop()
    start = loop.time()
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=0)

    async with httpx.AsyncClient(base_url=base_url, timeout=timeout, limits=limits, headers=HEADERS) as client:

        async def ask(q: dict, due: float) -> None:
            row = {"at_s": round(due - start, 3), "id": q["id"]}
            try:
                r = await client.post("/api/ask", json={"question": q["q"], "history": q.get("history") or []})
                row["status"] = r.status_code
                if r.status_code != 200:
                    row["error"] = r.text[:200]
            except httpx.HTTPError as err:
                row["status"], row["error"] = 0, f"{err.__class__.__name__}: {err}"[:200]
            row["ms"] = round((loop.time() - due) * 1000, 1)  # from when the question was due
            results.append(row)

        async def user(n: int) -> None:
            own = random.Random(rng.random())
            due = start + own.expovariate(1 / interval)
            while due < start + seconds:
                await asyncio.sleep(max(0.0, due - loop.time()))
                task = asyncio.create_task(ask(questions[own.randrange(len(questions))], due))
                pending.add(task)
                task.add_done_callback(pending.discard)
                due += own.expovariate(1 / interval)

        async def sample() -> None:
            while loop.time() - start < seconds:
                if server_pid:
                    samples.append((round(loop.time() - start, 1), await asyncio.to_thread(rss_mb, server_pid)))
                await asyncio.sleep(1.0)

        await asyncio.gather(sample(), *(user(n) for n in range(users)))
        sent_s = loop.time() - start
        if pending:
            await asyncio.wait(set(pending))
        if server_pid:
            samples.append((round(loop.time() - start, 1), rss_mb(server_pid)))
        drained_s = loop.time() - start

    ok = [r["ms"] for r in results if r["status"] == 200]
    errors = [r for r in results if r["status"] != 200]
    kinds: dict[str, int] = {}
    for r in errors:
        kinds[str(r["status"])] = kinds.get(str(r["status"]), 0) + 1
    return {"users": users, "mean_interval_s": interval, "seconds": seconds, "seed": seed,
            "offered_per_s": round(users / interval, 2), "requests": len(results),
            "answered_per_s": round(len(ok) / drained_s, 2) if drained_s else None,
            "sent_s": round(sent_s, 1), "drained_s": round(drained_s, 1),
            "errors": len(errors), "error_kinds": kinds, "error_examples": [r.get("error") for r in errors[:3]],
            **summary(ok), "p99_ms": None if not ok else round(percentile(ok, 99), 1),
            "max_ms": max(ok) if ok else None,
            "memory": memory_flat(samples, seconds), "memory_samples": samples}


def open_load(base_url: str, questions: list[dict], users: int = 50, interval: float = 10.0, seconds: float = 300.0,
              seed: int = 20, server_pid: int | None = None, timeout: float = 60.0) -> dict:
    """`users` simulated users for `seconds` against a running server; latency per request from
    when it was due, status, errors, and the server's RSS (with `server_pid`) every second."""
    if not questions:
        raise ValueError("no questions to ask")
    from concurrent.futures import ThreadPoolExecutor

    # a loop of its own in a thread of its own: the caller's thread may already run one (Playwright's
    # sync API leaves one behind in a test session), and asyncio.run refuses to start inside it
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, _open_load(base_url, questions, users, interval, seconds, seed, server_pid,
                                                   timeout)).result()


def closed_load(base_url: str, questions: list[dict], clients: int, seconds: float, timeout: float = 60.0) -> dict:
    """`clients` asking back to back for `seconds` (worker.saturate over HTTP): answers per second."""
    import httpx

    local, opened = threading.local(), []

    def ask(q: dict) -> None:
        if not hasattr(local, "client"):
            local.client = httpx.Client(base_url=base_url, timeout=timeout, headers=HEADERS)
            opened.append(local.client)
        local.client.post("/api/ask", json={"question": q["q"], "history": q.get("history") or []}).raise_for_status()

    try:
        return saturate(ask, questions, clients, seconds)
    finally:
        for client in opened:
            client.close()


def measure(env: dict, qs: list[dict], workers: int, users: int, interval: float, seconds: float, clients: int,
            saturation_seconds: float, log=None, seed: int = 20) -> dict:
    """One `assistant serve --workers N` from start to stop: warm-up, saturation, then the open load.
    Saturation comes first, on an idle server: after an open load the server overran, it would
    still be answering the questions whose clients gave up (a handler is not stopped when its
    client leaves)."""
    from .run import started_server

    say = log or (lambda text: None)
    with started_server(env, workers=workers) as (proc, base, ready_s):
        start_load = os.getloadavg()
        say(f"{workers} worker(s): ready after {ready_s:.0f} s; warm-up")
        warm = closed_load(base, qs, max(2, 2 * workers), 10.0)
        rss_warm = rss_mb(proc.pid)
        say(f"{workers} worker(s): {clients} clients back to back for {saturation_seconds:g} s")
        saturated = closed_load(base, qs, clients, saturation_seconds)
        say(f"{workers} worker(s): {users} users, one question every {interval:g} s each, for {seconds:g} s")
        opened = open_load(base, qs, users, interval, seconds, seed=seed, server_pid=proc.pid)
        load = os.getloadavg()
        return {"workers": workers, "ready_s": round(ready_s, 1),
                "warm_up": {k: warm[k] for k in ("answers", "errors")}, "rss_after_warmup_mb": rss_warm,
                "open": opened, "saturation": saturated, "rss_end_mb": rss_mb(proc.pid),
                "load_average_start": [round(x, 2) for x in start_load],
                "load_average_end": [round(x, 2) for x in load]}


def run(workers: tuple[int, ...], users: int, interval: float, seconds: float, clients: int,
        saturation_seconds: float, questions: int = 0, quick: bool = False, log=None, done=None) -> dict:
    """`measure` for each worker count against the index in ASSISTANT_HOME; the report's data
    (`report.write`), handed to `done` after each count so a long run leaves a report as it goes."""
    from ...config import Config
    from .run import Options, _env, machine
    from .run import questions as bench_questions

    config = Config.from_env()
    qs = bench_questions(Options(questions=questions))
    env = _env(Path(config.home), Path(config.cache), Path(config.corpus_dir))
    started = time.time()
    data: dict = {"machine": machine(), "sizes": [], "notes": [], "load": [],
                  "options": {"sizes": [], "quick": quick, "questions": len(qs), "threads": clients,
                              "duration_s": saturation_seconds, "load": {
                                  "workers": list(workers), "users": users, "mean_interval_s": interval,
                                  "seconds": seconds, "flat_growth": FLAT_GROWTH}}}
    for n in workers:
        data["load"].append(measure(env, qs, n, users, interval, seconds, clients, saturation_seconds, log=log))
        data["seconds"] = round(time.time() - started, 1)
        if done:
            done(data)
    data["machine"]["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    return data
