"""The records the whole program passes around.

Pydantic models so that the CLI, the HTTP API and the evaluation serialise them the same way.
"""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Language = Literal["nb", "sv", "en"]


class DocumentInfo(BaseModel):
    """One source document and its provenance (from `corpus/manifest.yaml` or defaults)."""

    model_config = ConfigDict(frozen=True)

    id: str
    title: str
    language: str = "nb"
    publisher: str = ""
    date: str = ""
    kind: str = "document"
    authority: str = "Tilleggsdokument (ikke vurdert)"
    path: str = ""
    source_note: str = ""


class Passage(BaseModel):
    """A chunk of a document, cut along its section structure."""

    model_config = ConfigDict(frozen=True)

    id: str
    doc_id: str
    text: str
    section: tuple[str, ...] = ()
    page: int | None = None
    page_end: int | None = None
    language: str = "nb"
    order: int = 0
    page_breaks: tuple[tuple[int, int], ...] = Field(
        default=(), description="(character offset, page) where each run of text on one known page starts; see page_of")
    flagged: bool = Field(default=False, description="the text addresses the assistant with instructions; never quoted")

    @property
    def section_path(self) -> str:
        return " › ".join(self.section)

    @property
    def page_label(self) -> str | None:
        if self.page is None:
            return None
        if self.page_end is None:
            return f"{self.page} ff."
        if self.page_end != self.page:
            return f"{self.page}–{self.page_end}"
        return str(self.page)


class Hit(BaseModel):
    """A retrieved passage with its fused score and per-retriever ranks."""

    passage: Passage
    score: float
    ranks: dict[str, int] = Field(default_factory=dict)
    scores: dict[str, float] = Field(default_factory=dict)
    named: bool = Field(default=False, description="the passage speaks of a document the question names")


class Citation(BaseModel):
    """One cited passage: where it stands (document, section, page label such as "12", "3–4" or
    "Sida 9") and the sentences of the answer quoted from it."""

    n: int
    doc_id: str
    title: str
    authority: str
    section: str
    page: str | None = Field(default=None, coerce_numbers_to_str=True)  # a client may send back 12 for "12"
    text: str
    passage_id: str = ""
    quotes: list[str] = Field(default_factory=list, description="answer sentences taken from this passage")


class Segment(BaseModel):
    """One claim of an answer: fixed template text (cite=None) or a sentence quoted from a passage."""

    text: str
    cite: int | None = None
    kind: Literal["lead", "sentence", "item"] = "sentence"


class Turn(BaseModel):
    """One earlier turn of a conversation. An assistant turn may carry what the answer cited and
    what it searched for (the web UI, widget and API send them back); plain text works too."""

    role: Literal["user", "assistant"]
    content: str
    citations: list[Citation] = Field(default_factory=list, description="an assistant turn's citations, as answered")
    segments: list[Segment] = Field(default_factory=list, description="an assistant turn's claims, as answered")
    query: str = Field(default="", description="what an assistant turn searched for")


Intent = Literal["question", "smalltalk", "checklist", "injection"]


class QueryPlan(BaseModel):
    """What a question asks and where to look: computed once, before retrieval."""

    question: str
    language: Language = "nb"
    intent: Intent = "question"
    search_query: str = Field(description="the stand-alone query retrieval searches with")
    spelled: str = Field(default="", description="the question in the material's spelling (spelling.py)")
    follow_up: bool = Field(default=False, description="searched together with an earlier turn")
    terms: list[str] = Field(default_factory=list, description="the question's terms in the material's other languages (termbase)")
    named_source: str = Field(default="", description="a document the question names (normalised phrase)")
    focus: str = Field(default="", description="the question without source frames and document names, for sentence choice")


class Decision(BaseModel):
    """The one decision to answer or refuse, with its reason and the signals behind it."""

    answer: bool
    reason: str = Field(default="", description="why not: out_of_scope, present, quantity, injection, no_units")
    probability: float | None = Field(default=None, description="answerability from the fitted model, 0–1")
    threshold: float | None = None
    features: dict[str, float] = Field(default_factory=dict)


class TracedHit(BaseModel):
    passage_id: str
    doc_id: str
    section: str
    score: float
    ranks: dict[str, int] = Field(default_factory=dict)


class GuardedSentence(BaseModel):
    """One sentence a language model wrote, and the citation guard's verdict on it."""

    text: str = Field(description="the sentence without its markers")
    cites: list[int] = Field(default_factory=list, description="the passage numbers the model cited (in its prompt)")
    supported: bool = False
    score: float | None = Field(default=None, description="closeness to the best sentence of the supporting passage")
    passage: int | None = Field(default=None, description="the prompt's passage number that supports it")
    reason: str = Field(default="", description="why not: no_claim, echo (the prompt's passage heading "
                                                  "repeated), truncated (cut by the token limit), language, "
                                                  "unknown_citation, similarity, clause, coverage, number, "
                                                  "name, negation, wrong_citation")
    evidence: str = Field(default="", description="the supporting passage's closest sentence")


class GenerationTrace(BaseModel):
    """How a written answer was made: the model, its raw text and the guard's verdicts."""

    backend: str
    model: str = ""
    prompt_version: str = ""
    condensed_query: str = ""
    raw: str = Field(default="", description="what the model wrote, before the guard")
    sentences: list[GuardedSentence] = Field(default_factory=list)
    fallback: str = Field(default="", description="why the extractive answer was given instead: error, timeout, unsupported")
    model_ms: float | None = None


class Trace(BaseModel):
    """How an answer was made, for the evaluation, the UI and debugging: nobody re-runs a stage."""

    plan: QueryPlan | None = None
    hits: list[TracedHit] = Field(default_factory=list)
    decision: Decision | None = None
    generation: GenerationTrace | None = Field(default=None, description="with a language model configured")


class Answer(BaseModel):
    answer: str
    citations: list[Citation] = Field(default_factory=list)
    refused: bool = False
    language: Language = "nb"
    query: str = ""
    timings: dict[str, float] = Field(default_factory=dict)
    suggestions: list[str] = Field(default_factory=list, description="nearby topics offered with a refusal")
    segments: list["Segment"] = Field(default_factory=list, description="the answer as claims, each with its citation")
    action: dict | None = Field(default=None, description="a UI action, e.g. open a checklist walkthrough")
    relevance: float | None = Field(default=None, description="answerability (0–1) from the fitted decision model")
    intent: Intent = "question"
    trace: Trace | None = Field(default=None, description="query plan, hits with scores, decision and reason")
    mode: Literal["extractive", "generative", "extractive-fallback"] = Field(
        default="extractive", description="quoted sentences, sentences a language model wrote (each guarded by its "
                                          "citation), or quotes given because the written answer failed")

    def as_turn(self) -> "Turn":
        """This answer as an earlier turn of a conversation, with the structured state a follow-up
        reads (its citations, segments and search query), so nothing is re-read from its text."""
        return Turn(role="assistant", content=self.answer, citations=self.citations, segments=self.segments,
                    query=self.query)


Answer.model_rebuild()
