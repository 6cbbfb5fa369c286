"""The one decision to answer or refuse, learned from labelled examples rather than hand-set.

The signals (`FEATURES`) come from retrieval and from the scored evidence: how close the best
sentence is, how far the best passage stands ahead, how much of the question the material's words
cover, whether the question names a place, programme or number the material never mentions, asks
about the present, or asks for an amount that no close sentence states; and how much closer the
question is to the nearest answerable `train` question than to the nearest out-of-scope one (e5
vectors of those questions, not their text, are stored with the model as its prototypes). A logistic model over
them, with the question's language as two indicator features so that English and Swedish
questions are not judged by a bokmål yardstick, gives the probability that the material answers
the question. Its coefficients are fitted on the `train` split of the evaluation items and its
threshold is calibrated on `dev` (`assistant eval --fit`, `assistant/evaluation/fit.py`); both are
stored in `assistant/data/answerability.json` with the counts they came from.

One signal is not weighed but decides: a question about the present ("i år", "next week") is
refused whatever the model says, because the material describes the time it was written in. That
is a fact of the material, and too rare among the examples for a fitted weight to carry it.

Inference is numpy only: nothing of scikit-learn is imported to answer a question.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .models import Decision

MODEL_FILE = Path(__file__).parent / "data" / "answerability.json"
PROTOTYPES_FILE = Path(__file__).parent / "data" / "answerability-prototypes.npz"
FEATURES = ("dense", "top_unit", "fused", "fused_gap", "known", "foreign", "quantity_unmet",
            "scope_knn", "lang_sv", "lang_en")
# The reasons, most specific first, that a refusal states when its signal is present.
REASONS = ("quantity_unmet", "foreign")


@dataclass(frozen=True)
class AnswerabilityModel:
    """Standardised logistic regression: p = σ(intercept + Σ coef·(x − mean)/scale)."""

    mean: dict[str, float]
    scale: dict[str, float]
    coef: dict[str, float]
    intercept: float
    threshold: float
    provenance: dict
    prototypes: np.ndarray | None = field(default=None, compare=False, repr=False)  # unit vectors, one a row
    answerable: np.ndarray | None = field(default=None, compare=False, repr=False)  # bool per prototype

    @classmethod
    def load(cls, path: Path = MODEL_FILE, embedder: str = "e5",
             prototypes: Path = PROTOTYPES_FILE) -> "AnswerabilityModel | None":
        """The fitted model for an embedder, or None when none has been fitted for it."""
        if not Path(path).exists():
            return None
        table = json.loads(Path(path).read_text(encoding="utf-8")).get(embedder)
        if not table:
            return None
        vectors = labels = None
        if Path(prototypes).exists():
            with np.load(prototypes) as data:
                if f"{embedder}_vectors" in data:
                    vectors = data[f"{embedder}_vectors"].astype(np.float32)
                    labels = data[f"{embedder}_answerable"].astype(bool)
        return cls(mean=table["mean"], scale=table["scale"], coef=table["coef"], intercept=table["intercept"],
                   threshold=table["threshold"], provenance=table.get("provenance", {}),
                   prototypes=vectors, answerable=labels)

    def scope_knn(self, question_vector: np.ndarray) -> float:
        """Cosine to the nearest answerable prototype minus cosine to the nearest out-of-scope one
        (0 without prototypes)."""
        return scope_knn(question_vector, self.prototypes, self.answerable)

    def to_json(self) -> dict:
        return {"mean": self.mean, "scale": self.scale, "coef": self.coef, "intercept": self.intercept,
                "threshold": self.threshold, "provenance": self.provenance}

    def probability(self, features: dict[str, float]) -> float:
        z = self.intercept + sum(self.coef[f] * (features.get(f, 0.0) - self.mean[f]) / (self.scale[f] or 1.0)
                                 for f in self.coef)
        return 1 / (1 + math.exp(-max(-50.0, min(50.0, z))))


def scope_knn(question_vector: np.ndarray, prototypes: np.ndarray | None, answerable: np.ndarray | None) -> float:
    if prototypes is None or answerable is None or answerable.all() or not answerable.any():
        return 0.0
    sims = prototypes @ question_vector
    return float(sims[answerable].max() - sims[~answerable].max())


def decide(features: dict[str, float], model: AnswerabilityModel | None, threshold: float | None = None) -> Decision:
    """Answer when the model's probability reaches the threshold (`threshold` overrides the
    calibrated one). Without a fitted model every question with evidence is answered.

    >>> decide({"dense": 0.9}, None).answer
    True
    """
    if features.get("present"):
        return Decision(answer=False, reason="present", features=features)
    if model is None:
        return Decision(answer=True, reason="", features=features)
    limit = model.threshold if threshold is None else threshold
    p = model.probability(features)
    if p >= limit:
        return Decision(answer=True, probability=round(p, 4), threshold=limit, features=features)
    reason = next((r for r in REASONS if features.get(r)), "out_of_scope")
    return Decision(answer=False, reason=reason, probability=round(p, 4), threshold=limit, features=features)


def no_evidence() -> Decision:
    return Decision(answer=False, reason="no_units")
