"""The one core object every interface (CLI, web UI, HTTP API, evaluation) is thin over."""
from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator, Sequence
from functools import cached_property
from pathlib import Path

from .answering import ExtractiveAnswerer
from .scope import Vocabulary, asks_about_present, foreign_specifics, is_injection
from .config import Config
from .embedders import Embedder, get_embedder
from .glossary import Glossary
from .index import Index, IndexReport, build_index
from .models import Answer, DocumentInfo, Hit, Passage, Turn
from .prompts import fixed_texts, template
from .retrieval import HybridRetriever
from .text import ORDINALS, content_terms, detect_language, split_sentences
from .validation import validate_history, validate_question

CALIBRATION = Path(__file__).parent / "data" / "calibration.json"
ANAPHORA = {"det", "dette", "den", "denne", "disse", "de", "dem", "der", "detta", "denna", "dessa", "där",
            "it", "this", "that", "these", "those", "them", "there", "same", "samme", "samma",
            "dens", "dets", "deres", "dess", "deras", "its", "their"}
MARKER_RE = re.compile(r"\s*\[\d+\]")
PREVIOUS_ANSWER_WORDS = 60  # enough to name the topic; a long list would drown the question
ORDINAL_RE = re.compile(
    rf"\b(?:den|det|the)\s+({'|'.join(ORDINALS)})\b(?=\s*(?:av\b|of\b|one\b|punkt|element|item|[?.!,]|$))", re.I)


def retrieval_query(question: str, history: Sequence[Turn], with_answer: bool = True) -> str:
    """A follow-up that leans on an earlier turn ("eksempler på det?") is searched together with
    the last user question and, for retrieval, the start of the answer it got (what "det" most
    likely points to); "den tredje av dem" is searched with the third item the answer listed; a
    self-contained question is searched as it is."""
    previous = next((t.content for t in reversed(history) if t.role == "user"), None)
    if not previous:
        return question
    words = set(re.findall(r"\w+", question.lower()))
    if words & ANAPHORA or len(content_terms(question)) <= 2:
        item = referred_item(question, previous_answer(history))
        if item:
            return f"{item} {question}"
        answer = previous_answer(history) if with_answer else ""
        return " ".join(x for x in (previous, answer_topic(answer), question) if x)
    return question


def previous_answer(history: Sequence[Turn]) -> str:
    return next((t.content for t in reversed(history) if t.role == "assistant"), "")


def quoted_part(answer: str) -> str:
    """What an earlier answer quoted, line by line: without citation markers and fixed lead-ins,
    and nothing from a refusal, which names no topic of the material."""
    if any(text in answer for text in fixed_texts("refusal", "injection")):
        return ""
    for text in fixed_texts("lead", "lead_list", "quoted_in"):
        answer = answer.replace(text, " ")
    return MARKER_RE.sub("", answer)


def enumeration(quoted: str) -> list[str]:
    """The items an earlier answer listed: its list lines, or else the comma-separated parts of
    its first sentence ("Organisering, analyse, … og måling og læring.")."""
    lines = [line.strip()[2:].strip() for line in quoted.splitlines() if line.strip().startswith("- ")]
    if len(lines) >= 2:
        return lines
    sentences = split_sentences(" ".join(quoted.split()))
    parts = [p.strip() for p in re.split(r",\s*", sentences[0].rstrip(".!?:")) if p.strip()] if sentences else []
    if len(parts) < 2:
        return []
    return parts[:-1] + [p for p in re.split(r"\s+(?:og|och|and|eller|or)\s+", parts[-1], maxsplit=1) if p]


def referred_item(question: str, answer: str) -> str | None:
    """What "det siste av dem", "den andre" or "the first one" points to in the list the
    previous answer gave."""
    match = ORDINAL_RE.search(question)
    if not match:
        return None
    items = enumeration(quoted_part(answer))
    index = ORDINALS[match.group(1).lower()]
    return items[index] if -len(items) <= index < len(items) else None


def answer_topic(answer: str) -> str:
    """The start of what an earlier answer quoted, enough to name its topic."""
    return " ".join(quoted_part(answer).split()[:PREVIOUS_ANSWER_WORDS])


class Assistant:
    """Answers questions from the indexed corpus with citations.

    >>> a = Assistant(Config.from_env())
    >>> a.ask("Hva er en regional planstrategi?").citations[0].title
    """

    def __init__(self, config: Config | None = None):
        self.config = config or Config.from_env()

    # -- parts, built on first use ------------------------------------------------------------
    @cached_property
    def embedder(self) -> Embedder:
        return get_embedder(self.config.embedder)

    @cached_property
    def index(self) -> Index:
        return Index.load(self.config, self.embedder.name)

    @cached_property
    def vocabulary(self) -> Vocabulary:
        return Vocabulary(self.index.passages)

    @cached_property
    def retriever(self) -> HybridRetriever:
        return HybridRetriever(self.index, self.embedder, self.config.retrieval, vocabulary=self.vocabulary,
                               glossary=Glossary.in_cache(self.config.cache))

    @cached_property
    def answerer(self) -> ExtractiveAnswerer:
        return ExtractiveAnswerer(self.index.passages, self.embedder, unit_vectors=self.index.unit_vectors,
                                  vocabulary=self.vocabulary,
                                  titles={d.id: d.title for d in self.index.documents.values()})

    @cached_property
    def _calibration(self) -> dict:
        table = json.loads(CALIBRATION.read_text()) if CALIBRATION.exists() else {}
        return table.get(self.embedder.name, {})

    @property
    def refusal_threshold(self) -> float:
        if self.config.refusal_threshold is not None:
            return self.config.refusal_threshold
        return float(self._calibration.get("refusal_threshold", 0.0))

    def threshold_for(self, lang: str) -> float:
        """Calibrated per question language where the evaluation set had enough items for it."""
        if self.config.refusal_threshold is not None:
            return self.config.refusal_threshold
        return float(self._calibration.get("by_language", {}).get(lang, self.refusal_threshold))

    def _reset(self) -> None:
        for name in ("index", "vocabulary", "retriever", "answerer"):
            self.__dict__.pop(name, None)

    # -- indexing -----------------------------------------------------------------------
    def build_index(self, progress: bool = True) -> IndexReport:
        """(Re)build the index from the corpus folder; the old one serves until the new is complete."""
        report = build_index(self.config, self.embedder, progress=progress)
        Glossary.in_cache(self.config.cache)  # reduced now rather than on the first question
        self._reset()
        return report

    def is_ready(self) -> bool:
        try:
            return bool(self.index.passages)
        except Exception:
            return False

    # -- reading the corpus --------------------------------------------------------------
    def documents(self) -> list[DocumentInfo]:
        return list(self.index.documents.values())

    def passages(self, doc_id: str | None = None) -> list[Passage]:
        return [p for p in self.index.passages if doc_id is None or p.doc_id == doc_id]

    # -- answering -----------------------------------------------------------------------
    def retrieve(self, query: str, k: int | None = None) -> list[Hit]:
        return self.retriever.retrieve(query, k or self.config.top_k)

    def ask(self, question: str, history: Sequence[Turn | dict] = ()) -> Answer:
        t0 = time.perf_counter()
        question = validate_question(question, self.config.max_question_chars)
        turns = validate_history(history)
        lang = detect_language(question)
        if is_injection(question):
            return Answer(answer=str(template("injection", lang)), refused=True, language=lang, query="",
                          timings={"total_ms": _ms(t0)})
        pointer = self._checklist_pointer(question, lang)
        if pointer:
            pointer.timings = {"total_ms": _ms(t0)}
            return pointer
        query = retrieval_query(question, turns)
        t1 = time.perf_counter()
        hits = self.retrieve(query)
        t2 = time.perf_counter()
        evidence = self.answerer.gather(retrieval_query(question, turns, with_answer=False), hits,
                                        already_said=previous_answer(turns))
        if asks_about_present(question):
            answer = self._refusal(hits, lang, query, evidence.relevance, reason="present")
        elif (not evidence.units or foreign_specifics(question, self.vocabulary, lang)
              or evidence.relevance < self.threshold_for(lang)):
            answer = self._refusal(hits, lang, query, evidence.relevance)
        else:
            chosen = self.answerer.select(question, evidence)
            if not chosen:
                answer = self._refusal(hits, lang, query, evidence.relevance)
            else:
                answer = self.answerer.compose(chosen, hits, self.index.documents, lang, query, evidence.relevance)
        answer.timings = {"retrieve_ms": _ms(t1, t2), "answer_ms": _ms(t2), "total_ms": _ms(t0)}
        return answer

    def ask_stream(self, question: str, history: Sequence[Turn | dict] = ()) -> Iterator[dict]:
        """Yields {"type": "segment", "text", "cite"} events, then {"type": "citations", "citations"},
        then {"type": "done", "answer": Answer-as-dict}. Validation errors raise before the first event."""
        answer = self.ask(question, history)
        segments = answer.segments or [{"text": answer.answer, "cite": None, "kind": "lead"}]
        for seg in segments:
            s = seg if isinstance(seg, dict) else seg.model_dump()
            yield {"type": "segment", "text": s["text"], "cite": s["cite"], "kind": s["kind"]}
        yield {"type": "citations", "citations": [c.model_dump() for c in answer.citations]}
        yield {"type": "done", "answer": answer.model_dump()}

    def _refusal(self, hits: list[Hit], lang: str, query: str, relevance: float, reason: str | None = None) -> Answer:
        """`reason` names a template that says why, after the plain refusal."""
        topics: list[str] = []
        for h in hits:
            leaf = h.passage.section[-1] if h.passage.section else ""
            if leaf and leaf not in topics and len(leaf) > 3:
                topics.append(leaf)
        topics = topics[:3]
        text = str(template("refusal", lang))
        if reason:
            text += " " + str(template(reason, lang))
        if topics:
            text += "\n\n" + str(template("suggest", lang)) + "\n" + "\n".join(f"- {t}" for t in topics)
        return Answer(answer=text, refused=True, language=lang, query=query, suggestions=topics, relevance=relevance)

    def _checklist_pointer(self, question: str, lang: str) -> Answer | None:
        """A request to walk through a checklist gets a pointer to the walkthrough, not a search."""
        from .checklists import match_checklist_request, pointer_answer

        checklist_id = match_checklist_request(question)
        return pointer_answer(checklist_id, language=lang) if checklist_id else None


def _ms(start: float, end: float | None = None) -> float:
    return round(((end or time.perf_counter()) - start) * 1000, 1)


_default: Assistant | None = None


def default_assistant() -> Assistant:
    """The lazily built process-wide assistant (the only global state)."""
    global _default
    if _default is None:
        _default = Assistant(Config.from_env())
    return _default
