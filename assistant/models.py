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


class Citation(BaseModel):
    n: int
    doc_id: str
    title: str
    authority: str
    section: str
    page: str | None = None
    text: str
    passage_id: str = ""
    quotes: list[str] = Field(default_factory=list, description="answer sentences taken from this passage")


class Turn(BaseModel):
    role: Literal["user", "assistant"]
    content: str


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
    relevance: float | None = Field(default=None, description="how well the material matches; compared with the refusal threshold")


class Segment(BaseModel):
    """One claim of an answer: fixed template text (cite=None) or a sentence quoted from a passage."""

    text: str
    cite: int | None = None
    kind: Literal["lead", "sentence", "item"] = "sentence"


Answer.model_rebuild()
