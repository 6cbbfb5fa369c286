"""Fitting the decision models on `train` and calibrating their thresholds on `dev`.

`assistant eval --fit` runs this. Nothing from `test` is read. Two models:

- intent (`assistant/data/intents.json`): multinomial logistic regression over e5 query vectors
  with the classes question, smalltalk and injection, from the hand-written examples in
  `assistant/data/intents.yaml` and the `train` items (answerable and out-of-scope items are
  questions); the small-talk subtype (greeting, thanks, capabilities) is the nearest centroid of
  the hand-written examples. The thresholds for injection and small talk are the lowest that
  wrongly route none of the `dev` items of the other classes (and at least 0.5): a question taken
  for an injection is a false refusal, which users meet more often than injections.
- answerability (`assistant/data/answerability.json`): logistic regression over the decision
  features (`decision.FEATURES`) of the `train` items (answerable: 1, out of scope: 0), asked with
  the decision switched off; the threshold is the one with the highest refusal recall on `dev`
  whose false-refusal rate is at most `MAX_FALSE_REFUSALS`.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..decision import FEATURES, MODEL_FILE as ANSWERABILITY_FILE, PROTOTYPES_FILE, AnswerabilityModel, scope_knn
from ..intents import MODEL_FILE as INTENTS_FILE, SMALLTALK, IntentClassifier, load_examples
from . import metrics as m
from .dataset import Item

MAX_FALSE_REFUSALS = 0.02  # on dev; the target on test is 0.03
REGULARISATION = 1.0  # scikit-learn's C


def _store(path: Path, embedder: str, table: dict) -> None:
    data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    data[embedder] = table
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


SCOPE_EXAMPLES = Path(__file__).resolve().parent.parent / "data" / "scope_examples.yaml"


def scope_examples(path: Path = SCOPE_EXAMPLES) -> list[Item]:
    """The hand-written out-of-scope questions, as `train` items (labelled examples, not evaluation items)."""
    import yaml

    from ..text import detect_language

    questions = yaml.safe_load(path.read_text(encoding="utf-8"))["out_of_scope"]
    return [Item(id=f"example-oos-{n}", kind="out_of_scope", lang=detect_language(q), question=q, evidence=(),
                 facts=(), refuse=True, doc="", split="train") for n, q in enumerate(questions)]


def intent_label(item: Item) -> str:
    return "injection" if item.kind == "injection" else "smalltalk" if item.smalltalk else "question"


def fit_intents(embedder, items: Sequence[Item], path: Path = INTENTS_FILE) -> dict:
    from sklearn.linear_model import LogisticRegression

    examples = load_examples()
    train = [(i.question, intent_label(i)) for i in items if i.split == "train"]
    texts = [t for t, _ in examples] + [t for t, _ in train]
    labels = [("smalltalk" if c in SMALLTALK else c) for _, c in examples] + [c for _, c in train]
    vectors = np.vstack([embedder.embed_query(t) for t in texts])
    model = LogisticRegression(C=REGULARISATION * 10, max_iter=5000, class_weight="balanced").fit(vectors, labels)
    classes = list(model.classes_)
    subtype = {c: np.mean([embedder.embed_query(t) for t, k in examples if k == c], axis=0) for c in SMALLTALK}
    # the subtypes share the smalltalk class's row; the classifier reports the nearest subtype
    weights = [model.coef_[classes.index(c)] for c in classes]
    bias = [model.intercept_[classes.index(c)] for c in classes]
    classifier = IntentClassifier(embedder, classes, np.asarray(weights, dtype=np.float32),
                                  np.asarray(bias, dtype=np.float32), {})
    dev = [i for i in items if i.split == "dev"]
    thresholds = {}
    for cls in ("injection", "smalltalk"):
        probs = classifier.probabilities([i.question for i in dev])[:, classes.index(cls)] if dev else np.array([])
        others = [p for p, i in zip(probs, dev) if intent_label(i) != cls]
        safe = max(others, default=0.0) + 1e-3  # routes no dev item of another class here
        thresholds[cls] = round(float(max(safe, 0.5)), 4)
    table = {"classes": classes, "weights": np.round(np.asarray(weights), 6).tolist(),
             "bias": np.round(np.asarray(bias), 6).tolist(), "thresholds": thresholds,
             "subtypes": {c: np.round(v, 6).tolist() for c, v in subtype.items()},
             "provenance": {"examples": len(examples), "train_items": len(train), "dev_items": len(dev)}}
    _store(path, embedder.name, table)
    return table


def prototypes(embedder, items: Sequence[Item]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(ids, vectors, answerable) of the `train` questions that are answerable or out of scope."""
    chosen = [i for i in items if i.split == "train" and (i.answerable or i.kind == "out_of_scope")]
    vectors = np.vstack([embedder.embed_query(i.question) for i in chosen]).astype(np.float32)
    return [i.id for i in chosen], vectors, np.array([i.answerable for i in chosen])


def with_scope_knn(rows, embedder, protos) -> list[tuple[Item, dict[str, float]]]:
    """Each row's `scope_knn` against the prototypes, leaving a train item's own vector out."""
    ids, vectors, labels = protos
    out = []
    for item, features in rows:
        keep = np.array([pid != item.id for pid in ids])
        qv = embedder.embed_query(item.question)
        out.append((item, {**features, "scope_knn": scope_knn(qv, vectors[keep], labels[keep])}))
    return out


def fit_answerability(rows: Sequence[tuple[Item, dict[str, float]]], embedder: str,
                      path: Path = ANSWERABILITY_FILE, protos=None,
                      prototypes_path: Path = PROTOTYPES_FILE) -> AnswerabilityModel:
    """rows: (item, features) for the train and dev items that reached the decision, with
    `scope_knn` computed against `protos` (see `with_scope_knn`), which are stored beside the model."""
    from sklearn.linear_model import LogisticRegression

    train = [(i, f) for i, f in rows if i.split == "train" and (i.answerable or i.kind == "out_of_scope")]
    x = np.array([[f[k] for k in FEATURES] for _, f in train])
    y = np.array([1 if i.answerable else 0 for i, _ in train])
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=REGULARISATION, max_iter=5000, class_weight="balanced").fit((x - mean) / scale, y)
    fitted = AnswerabilityModel(
        mean=dict(zip(FEATURES, mean.round(6).tolist())), scale=dict(zip(FEATURES, scale.round(6).tolist())),
        coef=dict(zip(FEATURES, model.coef_[0].round(6).tolist())), intercept=round(float(model.intercept_[0]), 6),
        threshold=0.5, provenance={})
    dev = [(i, f) for i, f in rows if i.split == "dev" and (i.answerable or i.refuse)]
    points = [(i.refuse, fitted.probability(f), False) for i, f in dev]
    best = m.calibrate_threshold(points, MAX_FALSE_REFUSALS)
    threshold = best["threshold"] if best["threshold"] is not None else 0.5
    fitted = AnswerabilityModel(fitted.mean, fitted.scale, fitted.coef, fitted.intercept, threshold, {
        "train_answerable": int(y.sum()), "train_out_of_scope": int(len(y) - y.sum()), "dev_items": len(dev),
        "dev_refusal_recall": best["refusal_recall"], "dev_false_refusal_rate": best["false_refusal_rate"],
        "max_false_refusals_on_dev": MAX_FALSE_REFUSALS})
    _store(path, embedder, fitted.to_json())
    if protos is not None:
        stored = dict(np.load(prototypes_path)) if Path(prototypes_path).exists() else {}
        stored[f"{embedder}_vectors"] = protos[1].astype(np.float16)
        stored[f"{embedder}_answerable"] = protos[2]
        np.savez_compressed(prototypes_path, **stored)
    return fitted
