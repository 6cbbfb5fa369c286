"""What kind of message this is, decided before anything is searched: a question about the
material, small talk (a greeting, thanks, "what is this for?"), a request to walk through a
checklist, or an attempt to change the assistant's instructions.

Small talk and injection are recognised by a multinomial logistic model over e5 query vectors,
fitted on labelled examples (`assistant/data/intents.yaml`, written for the purpose, plus the
`train` split of the evaluation items) and calibrated on `dev` (`assistant eval --fit`). An
instruction hidden in one sentence of a longer message is found by classifying each sentence too.
Checklist requests keep their word-class matcher (`checklists.intent`): a fact of the three
languages' words for "checklist" and the phases, not of any question's wording.

Stored in `assistant/data/intents.json` per embedder; without one, every message is a question.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .embedders import Embedder
from .text import split_sentences

MODEL_FILE = Path(__file__).parent / "data" / "intents.json"
EXAMPLES_FILE = Path(__file__).parent / "data" / "intents.yaml"
SMALLTALK = ("greeting", "thanks", "capabilities")  # small talk's subtypes, each with its own reply
SMALLTALK_MAX_WORDS = 12  # longer messages carry a question even when they open with a greeting
MAX_SENTENCES = 6  # of a long message, the sentences classified one by one (each costs an e5 call)
SENTENCE_INJECTION = 0.8  # one sentence alone must be this sure: a short sentence («Hvor begynner jeg?») is easy to misread


@dataclass(frozen=True)
class Intent:
    kind: str  # "question" | "greeting" | "thanks" | "capabilities" | "injection" | "checklist"
    probability: float = 1.0
    checklist_id: str | None = None

    @property
    def smalltalk(self) -> bool:
        return self.kind in SMALLTALK


class IntentClassifier:
    """softmax(W·v + b) over e5 query vectors, classes question, smalltalk and injection;
    `thresholds` are the calibrated minimum probabilities for a message to count as injection or
    small talk, and `subtypes` the centroids that tell a greeting from thanks or a question about
    what the assistant can do."""

    def __init__(self, embedder: Embedder, classes: list[str], weights: np.ndarray, bias: np.ndarray,
                 thresholds: dict[str, float], subtypes: dict[str, np.ndarray] | None = None):
        self.embedder = embedder
        self.classes = list(classes)
        self.weights = weights
        self.bias = bias
        self.thresholds = thresholds
        self.subtypes = subtypes or {}

    @classmethod
    def load(cls, embedder: Embedder, path: Path = MODEL_FILE) -> "IntentClassifier | None":
        if not Path(path).exists():
            return None
        table = json.loads(Path(path).read_text(encoding="utf-8")).get(embedder.name)
        if not table:
            return None
        return cls(embedder, table["classes"], np.asarray(table["weights"], dtype=np.float32),
                   np.asarray(table["bias"], dtype=np.float32), table["thresholds"],
                   {k: np.asarray(v, dtype=np.float32) for k, v in table.get("subtypes", {}).items()})

    def probabilities(self, texts: list[str], vectors: np.ndarray | None = None) -> np.ndarray:
        """Class probabilities, one row per text, columns in `self.classes` order."""
        if vectors is None:
            vectors = np.vstack([self.embedder.embed_query(t) for t in texts])
        logits = vectors @ self.weights.T + self.bias
        logits -= logits.max(axis=1, keepdims=True)
        e = np.exp(logits)
        return e / e.sum(axis=1, keepdims=True)

    def classify(self, message: str) -> Intent:
        sentences = split_sentences(message)
        texts = [message] + (sentences[:MAX_SENTENCES] if len(sentences) > 1 else [])
        vectors = np.vstack([self.embedder.embed_query(t) for t in texts])
        probs = self.probabilities(texts, vectors)
        col = {c: i for i, c in enumerate(self.classes)}
        limit = self.thresholds.get("injection", 1.01)
        whole, parts = float(probs[0, col["injection"]]), probs[1:, col["injection"]]
        injection = max([whole] + [float(p) for p in parts if p >= max(limit, SENTENCE_INJECTION)])
        if injection >= limit:
            return Intent("injection", injection)
        whole = probs[0]
        best = self.classes[int(whole.argmax())]
        if (best == "smalltalk" and whole[col[best]] >= self.thresholds.get("smalltalk", 1.01)
                and len(message.split()) <= SMALLTALK_MAX_WORDS and self.subtypes):
            kind = max(self.subtypes, key=lambda k: float(vectors[0] @ self.subtypes[k]))
            return Intent(kind, float(whole[col[best]]))
        return Intent("question", float(whole[col["question"]]))


def classify(message: str, classifier: IntentClassifier | None) -> Intent:
    """Checklist requests first (their matcher is exact), then the fitted classifier. A message
    about checklists that names no phase is a checklist intent without an id."""
    from .checklists.intent import match_checklist_request, mentions_checklists

    checklist_id = match_checklist_request(message)
    if checklist_id or mentions_checklists(message):
        return Intent("checklist", checklist_id=checklist_id)
    return classifier.classify(message) if classifier else Intent("question")


def load_examples(path: Path = EXAMPLES_FILE) -> list[tuple[str, str]]:
    """(text, class) pairs of the hand-written examples."""
    import yaml

    table = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return [(str(text), label) for label, texts in table.items() for text in texts]
