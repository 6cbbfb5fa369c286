"""`assistant eval --llm`: the same items through the extractive and the generative mode, side by side.

The generative mode uses the configured model (ASSISTANT_LLM…) or, without one, the adversarial
server (`adversary.py`, script `mostly` unless told) started on 127.0.0.1 for the run. Per mode:

- faithfulness with the guard off: of the sentences the model wrote that make a claim, the share
  an independent check finds supported by a passage they cite (`metrics.supported_generated`:
  most content words and every number in the passage; a missing or unknown marker fails); with
  the adversarial server, also the share of its own labels (invented or not);
- faithfulness with the guard on: the same check over the sentences the user sees (quotes are
  checked by containment, as in the main report), and how many invented sentences were shown;
- evidence cited, key-fact recall, refusal recall, false refusals, answer language match (the
  answer's prose is in the question's language), modes (generative, fallback), latency p50/p95.
"""
from __future__ import annotations

import json
import time
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from ..config import LLMSettings
from ..generation.answerer import PASSAGES
from ..generation.guard import NOT_CLAIMS, markers
from ..models import Answer
from ..rendering import body
from ..text import detect_language
from . import metrics as m
from .dataset import Item

LLM_LABEL = {"extractive": "extractive (default)", "generative": "generative"}


@dataclass
class ModeRun:
    name: str
    answers: list[tuple[Item, Answer, float]] = field(default_factory=list)
    prompts: dict[str, dict[int, str]] = field(default_factory=dict)  # item id → the passages the model saw

    def add(self, item: Item, answer: Answer, ms: float, prompt: dict[int, str] | None = None) -> None:
        self.answers.append((item, answer, ms))
        if prompt:
            self.prompts[item.id] = prompt


def _written_faithfulness(answer: Answer, passages: dict[int, str]) -> tuple[int, int]:
    """(supported, claims) among what the model wrote, before the guard, by the independent check."""
    gen = answer.trace.generation if answer.trace else None
    if gen is None:
        return 0, 0
    ok = total = 0
    for v in gen.sentences:
        if v.reason in NOT_CLAIMS:
            continue
        total += 1
        ok += any(n in passages and m.supported_generated(v.text, passages[n]) for n in v.cites)
    return ok, total


def _shown_faithfulness(answer: Answer) -> tuple[int, int]:
    """(supported, claims) among the sentences the user sees, each against the passage it cites."""
    if answer.refused:
        return 0, 0
    if answer.mode != "generative":
        return m.faithfulness_counts(answer)
    return m.faithfulness_counts(answer, m.supported_generated)


def language_matches(item: Item, answer: Answer) -> bool:
    """The answer's own prose (quotes and written sentences, no lead-in or notice) is in the question's language."""
    prose = " ".join(markers(s.text)[0] for s in answer.segments if s.cite is not None) or body(answer)
    return detect_language(prose) == item.lang


def summarise(run: ModeRun, labels: dict[str, bool] | None = None) -> dict:
    answerable = [(i, a, t) for i, a, t in run.answers if i.answerable]
    refuse = [(i, a, t) for i, a, t in run.answers if i.refuse]
    answered = [(i, a, t) for i, a, t in answerable if not a.refused]
    written = shown = (0, 0)
    invented_written = invented_shown = 0
    for item, answer, _ in run.answers:
        gen = answer.trace.generation if answer.trace else None
        texts = {c.n: c.text for c in answer.citations}
        if gen is not None:
            w = _written_faithfulness(answer, run.prompts.get(item.id) or texts)
            written = (written[0] + w[0], written[1] + w[1])
            if labels is not None:
                invented = {v.text for v in gen.sentences if labels.get(v.text) is False}
                invented_written += len(invented)
                invented_shown += sum(1 for s in answer.segments if markers(s.text)[0] in invented)
        s = _shown_faithfulness(answer)
        shown = (shown[0] + s[0], shown[1] + s[1])
    facts = [m.fact_recall(a.answer, i.facts) for i, a, _ in answered if i.facts]
    latencies = [t for _, _, t in run.answers]
    modes: dict[str, int] = {}
    verdicts: dict[str, int] = {}  # the guard's verdicts on what the model wrote: kept, or why not
    for _, a, _ in run.answers:
        modes[a.mode] = modes.get(a.mode, 0) + 1
        for v in (a.trace.generation.sentences if a.trace and a.trace.generation else []):
            verdicts[v.reason or "kept"] = verdicts.get(v.reason or "kept", 0) + 1
    return {
        "items": len(run.answers),
        "faithfulness_guard_off": _frac(*written) if written[1] else None,
        "faithfulness_guard_on": _frac(*shown),
        "invented_written": invented_written if labels is not None else None,
        "invented_shown": invented_shown if labels is not None else None,
        "evidence_cited": _frac(sum(any(m.contains_any(m.citation_text(c), i.evidence) for c in a.citations)
                                    for i, a, _ in answered if i.evidence),
                                sum(1 for i, _, _ in answerable if i.evidence)),
        "key_fact_recall": round(sum(facts) / len(facts), 3) if facts else None,
        "refusal_recall": _frac(sum(a.refused for _, a, _ in refuse), len(refuse)),
        "false_refusals": _frac(sum(a.refused for _, a, _ in answerable), len(answerable)),
        "language_match": _frac(sum(language_matches(i, a) for i, a, _ in answered), len(answered)),
        "modes": modes,
        "verdicts": verdicts or None,
        "latency_p50_ms": round(m.percentile(latencies, 50) or 0, 1),
        "latency_p95_ms": round(m.percentile(latencies, 95) or 0, 1),
    }


def _frac(num: int, den: int) -> dict | None:
    return {"value": round(num / den, 3), "n": f"{num}/{den}"} if den else None


def run_llm(evaluation, items: Sequence[Item], settings: LLMSettings | None, script: str = "mostly") -> dict:
    """Both modes over the items; the generative one against `settings`, or the adversarial server
    writing with `script`."""
    from .adversary import AdversaryServer
    from .runner import SETUPS

    setup = SETUPS["hybrid"]
    server = AdversaryServer() if settings is None or not settings.enabled else None
    with server or nullcontext():
        llm = settings if server is None else LLMSettings(backend="openai", base_url=server.url, model=script,
                                                          timeout=30, retries=0)
        runs = {"extractive": ModeRun("extractive"), "generative": ModeRun("generative")}
        assistants = {"extractive": evaluation.assistant(setup),
                      "generative": evaluation.assistant(setup, llm=llm)}
        by_id = None
        for name, assistant in assistants.items():
            for item in evaluation._items(items, f"llm {name}"):
                t0 = time.perf_counter()
                answer = assistant.ask(item.question, list(item.history))
                ms = (time.perf_counter() - t0) * 1000
                prompt = None
                if answer.trace and answer.trace.generation is not None:  # the passages as the model saw them
                    by_id = by_id or assistant.index.by_id
                    top = [by_id[h.passage_id] for h in answer.trace.hits[: assistant.config.top_k]
                           if h.passage_id in by_id and not by_id[h.passage_id].flagged]
                    prompt = {i: p.text for i, p in enumerate(top[:PASSAGES], start=1)}
                runs[name].add(item, answer, ms, prompt)
        labels = None
        if server is not None:
            labels = server.labels()
    return {
        "backend": f"adversarial server (script: {script})" if server is not None else f"{llm.backend}:{llm.model}",
        "items": len(items),
        "modes": {name: summarise(run, labels if name == "generative" else None) for name, run in runs.items()},
    }


ROWS = [("faithfulness, guard off (what the model wrote)", "faithfulness_guard_off"),
        ("faithfulness, guard on (what the user sees)", "faithfulness_guard_on"),
        ("invented sentences written (adversarial labels)", "invented_written"),
        ("invented sentences shown", "invented_shown"),
        ("evidence cited", "evidence_cited"), ("key-fact recall", "key_fact_recall"),
        ("refusal recall", "refusal_recall"), ("false refusals", "false_refusals"),
        ("answer in the question's language", "language_match"), ("modes", "modes"),
        ("guard verdicts on the written sentences", "verdicts"),
        ("latency p50 ms", "latency_p50_ms"), ("latency p95 ms", "latency_p95_ms")]


def _cell(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, dict) and "value" in value:
        return f"{value['value']:.3f} ({value['n']})"
    if isinstance(value, dict):
        return ", ".join(f"{k} {v}" for k, v in sorted(value.items()))
    return str(value)


def markdown(report: dict) -> str:
    modes = report["modes"]
    lines = [f"# Generative vs extractive ({report['items']} items; model: {report['backend']})", "",
             "| | " + " | ".join(LLM_LABEL[n] for n in modes) + " |", "| --- |" + " --- |" * len(modes)]
    lines += [f"| {label} | " + " | ".join(_cell(modes[n].get(key)) for n in modes) + " |" for label, key in ROWS]
    if report.get("note"):
        lines += ["", report["note"]]
    lines += ["", "Faithfulness is checked independently of the guard: a sentence is supported when most of its "
              "content words (stemmed in the three languages) and every number occur in a passage it cites; "
              "quotes must stand in their passage. With the adversarial server the invented sentences are "
              "known by its own labels. Latency includes the model."]
    return "\n".join(lines) + "\n"


def write(report: dict, out: Path, name: str = "llm") -> Path:
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.json").write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    path = out / f"{name}.md"
    path.write_text(markdown(report), encoding="utf-8")
    return path
