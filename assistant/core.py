"""The one core object every interface (CLI, web UI, HTTP API, evaluation) is thin over.

`Assistant.ask` runs one way through typed stages, each computed once:

    message → Intent (intents.py: question, small talk, checklist request, injection)
            → QueryPlan (language, stand-alone search query, named source, focus)
            → retrieval (list[Hit])
            → Evidence (scored sentences and list items, answering.py)
            → Decision (decision.py: answer, or refuse with a reason)
            → Answer, with a Trace of the plan, the hits with their scores and the decision.

Nothing goes back up: the answerer never decides to refuse, and the evaluation reads the trace
instead of re-running retrieval.
"""
from __future__ import annotations

import re
import threading
import time
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cached_property

from .answering import Evidence, ExtractiveAnswerer, QuestionShape
from .checklists.intent import checklists_answer, pointer_answer
from .config import Config
from .decision import AnswerabilityModel, decide, no_evidence
from .embedders import Embedder, get_embedder
from .errors import AssistantError
from .glossary import Glossary
from .index import Index, IndexReport, build_index, current_build
from .intents import Intent, IntentClassifier, classify
from .live import IndexView, LiveIndex
from .models import Answer, Decision, DocumentInfo, Hit, Passage, QueryPlan, Trace, TracedHit, Turn
from .prompts import fixed_texts, template
from .query import named_source, without_source_frame, without_title_phrase
from .retrieval import HybridRetriever
from .spelling import Speller
from .store import UNREACHABLE
from .terms import Termbase
from .scope import Vocabulary, asks_about_present, asks_for_quantity, foreign_specifics, states_quantity
from .text import ORDINALS, detect_language, has_anaphor, split_sentences
from .validation import validate_history, validate_question

MARKER_RE = re.compile(r"\s*\[\d+\]")
CONTEXT_WORDS = 60  # of an earlier turn, enough to name its topic; a long turn would drown the question
QUERY_WORDS = 100  # of a question, what is searched: e5 reads 512 tokens at most, and each list embeds it
ORDINAL_RE = re.compile(
    rf"\b(?:den|det|the)\s+({'|'.join(ORDINALS)})\b(?=\s*(?:av\b|of\b|one\b|punkt|element|item|[?.!,]|$))", re.I)
TRACE_DEPTH = 10
FOLLOW_UP_TOP = 3  # a follow-up when the earlier turn brings a best passage the question alone ranks below this
SMALLTALK_SURE = 0.9  # below this, a message taken for small talk is first tried as a question  # hits kept in the trace (the evaluation's MRR@10), of which top_k are used


# -- conversation state ------------------------------------------------------------------------
def capped(text: str, words: int = CONTEXT_WORDS) -> str:
    return " ".join(text.split()[:words])


def last_turn(history: Sequence[Turn], role: str) -> Turn | None:
    return next((t for t in reversed(history) if t.role == role), None)


def quoted_part(answer: str) -> str:
    """What a plain-text earlier answer quoted (an OpenAI client sends only text): without
    citation markers and fixed lead-ins, and nothing from a refusal, which names no topic."""
    if any(text in answer for text in fixed_texts("refusal", "injection")):
        return ""
    for text in fixed_texts("lead", "lead_list", "quoted_in"):
        answer = answer.replace(text, " ")
    return MARKER_RE.sub("", answer)


def quotes_of(turn: Turn | None) -> list[str]:
    """The sentences and list items an earlier answer quoted, in order: from its segments or
    citations when the client sent them back, else from its text."""
    if turn is None:
        return []
    if turn.segments:
        return [s.text for s in turn.segments if s.cite is not None]
    if turn.citations:
        return [q for c in sorted(turn.citations, key=lambda c: c.n) for q in c.quotes]
    return split_sentences(" ".join(quoted_part(turn.content).split()))


def listed(turn: Turn | None) -> list[str]:
    """The items an earlier answer listed: its list items (segments of kind "item", or the "- "
    lines of a plain-text answer), or else the comma-separated parts of its first sentence
    ("Organisering, analyse, … og måling og læring.")."""
    if turn is None:
        return []
    if turn.segments:
        items = [s.text for s in turn.segments if s.kind == "item"]
    else:
        items = [line.strip()[2:].strip() for line in quoted_part(turn.content).splitlines()
                 if line.strip().startswith("- ")]
    if len(items) >= 2:
        return items
    quotes = quotes_of(turn)
    parts = [p.strip() for p in re.split(r",\s*", quotes[0].rstrip(".!?:")) if p.strip()] if quotes else []
    if len(parts) < 2:
        return []
    return parts[:-1] + [p for p in re.split(r"\s+(?:og|och|and|eller|or)\s+", parts[-1], maxsplit=1) if p]


def referred_item(question: str, turn: Turn | None) -> str | None:
    """What "det siste av dem", "den andre" or "the first one" points to in the list the
    previous answer gave."""
    match = ORDINAL_RE.search(question)
    if not match:
        return None
    items = listed(turn)
    index = ORDINALS[match.group(1).lower()]
    return capped(items[index]) if -len(items) <= index < len(items) else None


def context_of(history: Sequence[Turn]) -> str:
    """What an earlier exchange was about, capped: the last question and, from a turn sent back
    with its search query, that query when it differs from the question (a follow-up's joined
    search), else the start of what its answer quoted. Nothing is said twice."""
    user, answer = last_turn(history, "user"), last_turn(history, "assistant")
    if user is None:
        return ""
    if answer is not None and answer.query:  # a structured turn: its search query names its topic
        query, asked = answer.query.strip(), user.content.strip()
        if query.endswith(asked):  # a follow-up's query is its context and then the question itself
            query = query[: len(query) - len(asked)].strip()
        topic = capped(query)
    else:
        topic = capped(" ".join(quotes_of(answer)))
    return " ".join(x for x in (capped(user.content), topic) if x)


class Assistant:
    """Answers questions from the indexed corpus with citations.

    >>> a = Assistant(Config.from_env())
    >>> a.ask("Hva er en regional planstrategi?").citations[0].title
    """

    def __init__(self, config: Config | None = None):
        self.config = config or Config.from_env()
        self._live = LiveIndex(self._load_view, lambda: current_build(self.config, self.embedder.name))
        self._pinned = threading.local()

    # -- parts, built on first use ------------------------------------------------------------
    @cached_property
    def embedder(self) -> Embedder:
        return get_embedder(self.config.embedder)

    def _load_view(self) -> IndexView:
        return IndexView(Index.load(self.config, self.embedder.name), self.embedder, self.config)

    def _view(self) -> IndexView:
        """The index this call answers from: the one its request pinned, else the current one
        (switched to a newer build by `live.LiveIndex` when `assistant index` completes)."""
        return getattr(self._pinned, "view", None) or self._live.current()

    @contextmanager
    def _pin(self) -> Iterator[IndexView]:
        """One index for the whole of a request, however the current one changes meanwhile."""
        pinned = getattr(self._pinned, "view", None)
        if pinned is not None:
            yield pinned
            return
        self._pinned.view = view = self._live.current()
        try:
            yield view
        finally:
            self._pinned.view = None

    @property
    def index(self) -> Index:
        return self._view().index

    @property
    def vocabulary(self) -> Vocabulary:
        return self._view().vocabulary

    @property
    def retriever(self) -> HybridRetriever:
        return self._view().retriever

    @property
    def answerer(self) -> ExtractiveAnswerer:
        return self._view().answerer

    @property
    def speller(self) -> Speller:
        return self._view().speller

    @property
    def titles(self) -> list[str]:
        return self._view().titles

    @cached_property
    def answerability(self) -> AnswerabilityModel | None:
        return AnswerabilityModel.load(embedder=self.embedder.name)

    @cached_property
    def intents(self) -> IntentClassifier | None:
        return IntentClassifier.load(self.embedder)

    @cached_property
    def generator(self):
        """The language model that writes answers (ASSISTANT_LLM), or None: answers stay extractive."""
        if not self.config.llm.enabled:
            return None
        from .generation import GenerativeAnswerer

        return GenerativeAnswerer(self.config.llm, self.embedder)

    # -- indexing -----------------------------------------------------------------------
    def build_index(self, progress: bool = True) -> IndexReport:
        """(Re)build the index from the corpus folder; the old one serves until the new is complete."""
        report = build_index(self.config, self.embedder, progress=progress)
        Glossary.in_cache(self.config.cache)  # reduced now rather than on the first question
        self._live.reset()
        return report

    @property
    def index_version(self) -> str | None:
        """The id of the index build this assistant answers from (None before one is loaded)."""
        return self._live.version

    def is_ready(self) -> bool:
        return self.readiness()[0]

    def readiness(self) -> tuple[bool, str]:
        """(ready, why not): an index is loaded, has passages, and its vector store answers."""
        try:
            index = self.index
        except Exception as err:  # noqa: BLE001 - readiness is a yes/no question with a reason
            return False, str(err) if isinstance(err, AssistantError) else "Indeksen er ikke lastet."
        if not index.passages:
            return False, "Indeksen er tom."
        if not index.reachable():
            return False, UNREACHABLE
        return True, ""

    # -- reading the corpus --------------------------------------------------------------
    def documents(self) -> list[DocumentInfo]:
        return list(self.index.documents.values())

    def passages(self, doc_id: str | None = None) -> list[Passage]:
        return [p for p in self.index.passages if doc_id is None or p.doc_id == doc_id]

    # -- answering -----------------------------------------------------------------------
    def retrieve(self, query: str, k: int | None = None) -> list[Hit]:
        return self.retriever.retrieve(query, k or self.config.top_k)

    def ask(self, question: str, history: Sequence[Turn | dict] = ()) -> Answer:
        """Answer one message of a conversation (see `_quoted`); with a language model configured,
        a question the material covers is answered in writing, every sentence guarded."""
        with self._pin():  # the writing reads the same index build as the quotes it starts from
            answer = self._quoted(question, history)
            if self._writes(answer):
                answer = self.generator.answer(answer, *self._writing_inputs(answer))
        return answer

    def _quoted(self, question: str, history: Sequence[Turn | dict] = ()) -> Answer:
        """Answer one message of a conversation from quotes.

        `history`: earlier turns, oldest first, as `Turn`s or dicts {role: "user"|"assistant",
        content, citations?, query?}; an assistant turn that carries its citations and query is
        used as structured state, plain text works too. Raises `InputError` (a message safe to
        show) for an empty, too long or non-text question or a malformed history, and
        `IndexMissingError` when no index has been built.
        """
        with self._pin():
            return self._ask(question, history)

    def _ask(self, question: str, history: Sequence[Turn | dict]) -> Answer:
        t0 = time.perf_counter()
        question = unicodedata.normalize("NFC", validate_question(question, self.config.max_question_chars))
        turns = validate_history(history)
        earlier = last_turn(turns, "user")
        lang = detect_language(question, conversation=detect_language(earlier.content) if earlier else None)
        intent = classify(question, self.intents)
        if intent.kind in ("checklist", "injection") or (intent.smalltalk and intent.probability >= SMALLTALK_SURE):
            answer = self._routed(intent, question, lang)
            answer.timings = {"total_ms": _ms(t0)}
            return answer
        answer = self._answer(question, turns, lang, t0)
        if intent.smalltalk and (answer.refused or (answer.relevance or 0.0) < intent.probability):
            # the likelier reading wins: "Hvordan brukes det?" in a conversation is a question
            answer = self._routed(intent, question, lang)
            answer.timings = {"total_ms": _ms(t0)}
        return answer

    def _writes(self, answer: Answer) -> bool:
        """Whether a language model writes this answer: one is configured, and the decision was to
        answer a question from the material (it is never asked what the material does not cover)."""
        return (self.generator is not None and answer.intent == "question" and not answer.refused
                and bool(answer.citations) and answer.trace is not None and answer.trace.plan is not None)

    def _writing_inputs(self, answer: Answer) -> tuple[list[Passage], dict[str, DocumentInfo], dict]:
        """The decision's top passages (best first), the documents and the passages' unit vectors."""
        index = self.index  # the pinned build's, so a re-index between the two steps changes nothing
        by_id = index.by_id
        hits = [by_id[h.passage_id] for h in answer.trace.hits[: self.config.top_k] if h.passage_id in by_id]
        return hits, index.documents, index.unit_vectors

    def _answer(self, question: str, turns: list[Turn], lang: str, t0: float) -> Answer:
        """A question about the material: plan, retrieve, gather, decide, then compose or refuse."""
        plan, hits = self._plan_and_retrieve(question, turns, lang)
        t1 = time.perf_counter()
        used = hits[: self.config.top_k]
        evidence = self.answerer.gather(plan.focus, used, QuestionShape.of(plan.question, lambda subject: Termbase.load().forms_of(subject, lang)))
        decision = self._decide(plan, used, evidence)
        chosen = self.answerer.select(plan.question, evidence) if decision.answer else []
        if decision.answer and not chosen:
            decision = no_evidence()
        if decision.answer:
            answer = self.answerer.compose(chosen, used, self.index.documents, lang, plan.search_query,
                                           decision.probability)
        else:
            answer = self._refusal(used, lang, plan.search_query, decision)
        answer.trace = Trace(plan=plan, decision=decision, hits=[
            TracedHit(passage_id=h.passage.id, doc_id=h.passage.doc_id, section=h.passage.section_path,
                      score=round(h.score, 4), ranks=h.ranks) for h in hits])
        answer.timings = {"retrieve_ms": _ms(t0, t1), "answer_ms": _ms(t1), "total_ms": _ms(t0)}
        return answer

    def _plan_and_retrieve(self, question: str, turns: list[Turn], lang: str) -> tuple[QueryPlan, list[Hit]]:
        """The stand-alone query, and its hits. With an earlier turn, the question is searched
        alone and together with that turn, and the two searches' scores are added
        (`HybridRetriever.retrieve`): the evidence decides whether it is a follow-up, not its
        wording. It counts as one (and is shown as searched with the earlier turn, and its
        sentences are chosen with the earlier question in view) when the best passage of the
        joined search is not among the question's own top `FOLLOW_UP_TOP`. A question that points into the list the earlier answer gave
        ("den tredje av dem") is searched with that item."""
        depth = max(TRACE_DEPTH, self.config.top_k)
        # «sporsmal» is searched as «spørsmål», and «related variety» also as «beslektet mangfold»
        spelled = capped(self.speller.correct(question, lang), QUERY_WORDS)
        terms = Termbase.load().equivalents(spelled, lang)
        searched = f"{spelled} ({', '.join(terms)})" if terms else spelled  # what retrieval and scoring see
        hits = self.retriever.retrieve(searched, depth, language=lang)
        query, follow_up, focus = spelled, False, searched
        item = referred_item(question, last_turn(turns, "assistant"))
        context = context_of(turns)
        # with a language model, a follow-up is rewritten as a stand-alone query and searched as such
        condensed = self.generator.condense(question, turns, lang) if self.generator is not None and context else ""
        if item:
            query, focus = f"{item} {spelled}", f"{item} {searched}"
            hits, follow_up = self.retriever.retrieve(focus, depth, language=lang), True
        elif condensed and condensed.casefold() != question.strip().casefold():
            query = capped(self.speller.correct(condensed, lang), QUERY_WORDS)
            extra = Termbase.load().equivalents(query, lang)
            focus = f"{query} ({', '.join(extra)})" if extra else query
            hits, follow_up = self.retriever.retrieve(focus, depth, language=lang), True
        elif context and hits and not (Termbase.load().used(spelled, lang) and not has_anaphor(spelled, lang)):
            # (a question that names a term of the field and points back to nothing has its own
            # topic, and is neither searched with the earlier turn nor a follow-up)
            combined = self.retriever.retrieve(searched, depth, context=context, language=lang)
            if combined and combined[0].passage.id not in {h.passage.id for h in hits[:FOLLOW_UP_TOP]}:
                user = last_turn(turns, "user")
                query, follow_up = f"{context} {spelled}", True
                focus = f"{capped(user.content)} {searched}" if user else searched
            hits = combined
        named = named_source(question, self.titles)
        plan = QueryPlan(question=question, language=lang, search_query=query, follow_up=follow_up, terms=terms,
                         spelled=spelled,
                         named_source=named.phrase if named else "",
                         focus=without_title_phrase(without_source_frame(focus), self.titles))
        return plan, hits

    def _decide(self, plan: QueryPlan, hits: list[Hit], evidence: Evidence) -> Decision:
        if not evidence.units:
            return no_evidence()
        return decide(self.features(plan, hits, evidence), self.answerability, self.config.refusal_threshold)

    def features(self, plan: QueryPlan, hits: list[Hit], evidence: Evidence) -> dict[str, float]:
        """The decision's signals (`decision.FEATURES`) for one question."""
        units = evidence.units
        top = max(u.score for u in units)
        close = [u for u in units if u.score >= top - 0.03]
        gap_at = min(4, len(hits) - 1)
        question = plan.spelled or plan.question  # «Gavleborg» is the material's «Gävleborg»
        model = self.answerability
        return {
            "dense": evidence.dense,
            "top_unit": top,
            "fused": hits[0].score,
            "fused_gap": hits[0].score - hits[gap_at].score,
            "known": evidence.known,
            "foreign": float(bool(foreign_specifics(question, self.vocabulary, plan.language, self._is_word(plan.language)))),
            "present": float(asks_about_present(question)),
            "quantity_unmet": float(asks_for_quantity(question) and not any(states_quantity(u.text) for u in close)),
            "scope_knn": model.scope_knn(self.embedder.embed_query(plan.focus)) if model else 0.0,
            "lang_sv": float(plan.language == "sv"),
            "lang_en": float(plan.language == "en"),
        }

    def _is_word(self, lang: str):
        """The bokmål dictionary's test of a word, for a bokmål question (None otherwise, or
        without the dictionary): «Stavanger» is a name, «Verden» a word."""
        glossary = self.retriever.glossary
        return glossary.has if lang == "nb" and glossary is not None else None

    def ask_stream(self, question: str, history: Sequence[Turn | dict] = ()) -> Iterator[dict]:
        """Yields {"type": "segment", "text", "cite"} events, then {"type": "citations", "citations"},
        then {"type": "done", "answer": Answer-as-dict}. Validation errors raise before the first event.
        A written answer (ASSISTANT_LLM) streams its sentences as the model writes them; if it falls
        back to the quotes after some were shown, a {"type": "reset"} event comes first."""
        answer = self._quoted(question, history)
        if self._writes(answer):  # written as it streams: each sentence sent once the guard has kept it
            for event in self.generator.stream(answer, *self._writing_inputs(answer)):
                yield {**event, "answer": event["answer"].model_dump()} if event["type"] == "done" else event
            return
        segments = answer.segments or [{"text": answer.answer, "cite": None, "kind": "lead"}]
        for seg in segments:
            s = seg if isinstance(seg, dict) else seg.model_dump()
            yield {"type": "segment", "text": s["text"], "cite": s["cite"], "kind": s["kind"]}
        yield {"type": "citations", "citations": [c.model_dump() for c in answer.citations]}
        yield {"type": "done", "answer": answer.model_dump()}

    def _routed(self, intent: Intent, question: str, lang: str) -> Answer:
        """Messages that are not questions about the material: nothing is searched."""
        if intent.kind == "checklist":
            answer = pointer_answer(intent.checklist_id, language=lang) if intent.checklist_id else checklists_answer(lang)
            answer.intent = "checklist"
            return answer
        if intent.kind == "injection":
            decision = Decision(answer=False, reason="injection", probability=round(1 - intent.probability, 4))
            return Answer(answer=str(template("injection", lang)), refused=True, language=lang, intent="injection",
                          trace=Trace(decision=decision))
        return Answer(answer=str(template(intent.kind, lang)), language=lang, intent="smalltalk",
                      trace=Trace(decision=Decision(answer=True, reason=intent.kind)))

    def _refusal(self, hits: list[Hit], lang: str, query: str, decision: Decision) -> Answer:
        """A plain refusal, a sentence on why where the decision has a specific reason, and up to
        three nearby sections of the material."""
        topics: list[str] = []
        for h in hits:
            leaf = h.passage.section[-1] if h.passage.section else ""
            if leaf and leaf not in topics and len(leaf) > 3:
                topics.append(leaf)
        topics = topics[:3]
        text = str(template("refusal", lang))
        if decision.reason == "present":
            text += " " + str(template("present", lang))
        if topics:
            text += "\n\n" + str(template("suggest", lang)) + "\n" + "\n".join(f"- {t}" for t in topics)
        return Answer(answer=text, refused=True, language=lang, query=query, suggestions=topics,
                      relevance=decision.probability)


def _ms(start: float, end: float | None = None) -> float:
    return round(((end or time.perf_counter()) - start) * 1000, 1)


_default: Assistant | None = None


def default_assistant() -> Assistant:
    """The lazily built process-wide assistant (the only global state)."""
    global _default
    if _default is None:
        _default = Assistant(Config.from_env())
    return _default
