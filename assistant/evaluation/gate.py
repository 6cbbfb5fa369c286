"""The quality gate: floors and ceilings from `evals/thresholds.toml` checked against metrics.

One function serves the report, the CLI and the test suite, so they cannot disagree about
whether the assistant passes.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from ..config import PROJECT_ROOT

THRESHOLDS = PROJECT_ROOT / "evals" / "thresholds.toml"


@dataclass(frozen=True)
class Check:
    scope: str  # "overall" or the kind
    metric: str
    value: float | None
    bound: float
    op: str  # ">=" or "<="

    @property
    def ok(self) -> bool:
        if self.value is None:
            return False
        return self.value >= self.bound - 1e-9 if self.op == ">=" else self.value <= self.bound + 1e-9

    def __str__(self) -> str:
        value = "n/a" if self.value is None else f"{self.value:.3f}"
        return f"{self.scope} {self.metric} = {value} (needs {self.op} {self.bound})"


SECTIONS = {"floors", "ceilings", "floors_per_kind"}


def load_thresholds(path: Path = THRESHOLDS, level: str = "target") -> dict:
    """level "target": the floors the product must reach (the top-level tables);
    level "ratchet": the levels already reached (the [ratchet] tables), which may only rise."""
    data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    unknown = set(data) - SECTIONS - {"ratchet"}
    if unknown or set(data.get("ratchet", {})) - SECTIONS:
        raise ValueError(f"{path}: unknown sections {sorted(unknown | (set(data.get('ratchet', {})) - SECTIONS))}")
    if level == "ratchet":
        return data.get("ratchet", {})
    return {k: v for k, v in data.items() if k in SECTIONS}


def check(metrics: dict, thresholds: dict) -> list[Check]:
    """metrics: a `metrics.breakdown` result. Per-kind floors apply to kinds with answerable items."""
    overall = metrics["overall"]
    checks = [Check("overall", k, overall.get(k), float(v), ">=") for k, v in thresholds.get("floors", {}).items()]
    checks += [Check("overall", k, overall.get(k), float(v), "<=") for k, v in thresholds.get("ceilings", {}).items()]
    for kind, kind_metrics in metrics["by_kind"].items():
        if not kind_metrics.get("answerable"):
            continue
        checks += [Check(kind, k, kind_metrics.get(k), float(v), ">=")
                   for k, v in thresholds.get("floors_per_kind", {}).items()]
    return checks
