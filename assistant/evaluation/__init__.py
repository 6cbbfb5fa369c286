"""Evaluation harness: metrics over the hand-written items in `evals/sets`, ablations, the tutorial
peer, the report in `evals/reports` and the quality gate in `evals/thresholds.toml`.

    dataset  → items             runner   → one configuration's outcomes (baseline: the peer)
    metrics  → pure definitions  report   → latest.md / .json / .png
    gate     → floors checked    cli      → `assistant eval`

Importing this package is cheap; the runner (models, Chroma) and the report (matplotlib) load
only when used.
"""
from .dataset import KINDS, DatasetError, Item, load_items
from .gate import Check, check, load_thresholds
from .metrics import Outcome, aggregate, breakdown, calibrate_threshold

__all__ = sorted([
    "KINDS", "Check", "DatasetError", "Item", "Outcome", "aggregate", "breakdown", "calibrate_threshold",
    "check", "load_items", "load_thresholds",
])
