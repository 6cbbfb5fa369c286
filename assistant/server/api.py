"""The JSON API under /api: ask (plain and server-sent events), documents, feedback.

Routes are plain `def` so FastAPI runs the (CPU-bound) Assistant in its thread pool.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from ..errors import AssistantError, InputError, NotFoundError
from ..feedback import FeedbackStore
from ..models import Answer, Citation, DocumentInfo, Passage, Turn
from ..validation import MAX_HISTORY_ITEMS, clean_text, validate_history
from .text import check_question

router = APIRouter(prefix="/api", tags=["api"])


class AskRequest(BaseModel):
    question: str = Field(description="The user's question (Norwegian, Swedish or English).")
    history: list[Turn] = Field(default_factory=list, max_length=MAX_HISTORY_ITEMS,
                                description="Earlier turns, oldest first; the last few are used (a long chat does not fail).")


class FeedbackRequest(BaseModel):
    question: str = Field(max_length=20_000)
    answer: Answer
    rating: Literal[1, -1] = Field(description="1 = thumbs up, -1 = thumbs down")
    comment: str = Field(default="", max_length=4000)


class FeedbackResponse(BaseModel):
    id: int


class Health(BaseModel):
    status: str


class Readiness(Health):
    index: str | None = Field(default=None, description="The id of the index build being served; it changes when "
                                                        "`assistant index` completes and the server has switched to it.")
    worker: int = Field(description="The process id of the worker that answered (`assistant serve --workers N` runs "
                                    "N of them on one port; each loads and switches the index on its own).")


def assistant_of(request: Request):
    return request.app.state.assistants.get()


def config_of(request: Request):
    return request.app.state.config


def sse(event: str, data: dict) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def primed(events: Iterator[dict]) -> Iterator[dict]:
    """Pull the first event now, so errors before any output become a normal HTTP error."""
    first = next(events, None)

    def rest() -> Iterator[dict]:
        if first is not None:
            yield first
        yield from events

    return rest()


def sse_stream(events: Iterator[dict], accept_language: str | None = None) -> Iterator[str]:
    """Forward segment/citations/done events; an error mid-stream becomes an `error` event, its
    message in the client's language as every API error (`security.error_body`)."""
    from .security import error_body

    def error(message: str, kind: str) -> str:
        body = error_body(message, kind, accept_language)
        return sse("error", {"type": "error", "error": body["error"], "kind": kind})

    try:
        for ev in events:
            yield sse(str(ev.get("type", "message")), ev)
    except AssistantError as err:
        yield error(str(err), type(err).__name__)
    except Exception:  # noqa: BLE001 - never leak a traceback into the stream
        yield error("Intern feil. Prøv igjen senere.", "InternalError")


@router.post("/ask", response_model=Answer, summary="Ask a question; returns the cited answer")
def ask(body: AskRequest, request: Request) -> Answer:
    question = check_question(body.question, config_of(request).max_question_chars)
    return assistant_of(request).ask(question, validate_history(body.history))


@router.post(
    "/ask/stream",
    summary="Ask a question; server-sent events: segment…, citations, done",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}},
                     "description": "`event: segment|reset|citations|done|error` with JSON `data`; with a language "
                                    "model, each written sentence as the guard keeps it, and `reset` before the "
                                    "quotes replace sentences already sent"}},
)
def ask_stream(body: AskRequest, request: Request) -> StreamingResponse:
    question = check_question(body.question, config_of(request).max_question_chars)
    events = primed(iter(assistant_of(request).ask_stream(question, validate_history(body.history))))
    return StreamingResponse(
        sse_stream(events, request.headers.get("accept-language")),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@router.get("/documents", response_model=list[DocumentInfo], summary="The source documents and their provenance")
def documents(request: Request) -> list[DocumentInfo]:
    return assistant_of(request).documents()


@router.get("/documents/{doc_id}/passages", response_model=list[Passage], summary="A document's passages in order")
def passages(doc_id: str, request: Request) -> list[Passage]:
    a = assistant_of(request)
    if doc_id not in {d.id for d in a.documents()}:
        raise NotFoundError(f"Fant ikke dokumentet {doc_id!r}.")
    return a.passages(doc_id)


@router.post("/feedback", response_model=FeedbackResponse, summary="Store a thumbs up/down on an answer")
def feedback(body: FeedbackRequest, request: Request) -> FeedbackResponse:
    if not body.question.strip():
        raise InputError("Spørsmålet mangler.")
    store: FeedbackStore = request.app.state.feedback
    citations: list[Citation] = body.answer.citations
    fid = store.record(body.question, body.answer, citations, rating=body.rating, comment=body.comment, source="api")
    return FeedbackResponse(id=fid)


health_router = APIRouter(tags=["health"])


@health_router.get("/healthz", response_model=Health, summary="The process is up")
def healthz() -> Health:
    return Health(status="ok")


@health_router.get("/readyz", response_model=Readiness, summary="The index is loaded and searchable (503 until then)",
                   responses={503: {"description": "index not built or not loadable, or the Chroma server not answering"}})
def readyz(request: Request):
    import os

    from fastapi.responses import JSONResponse

    try:
        assistant = assistant_of(request)
        ready, why = assistant.readiness()
        version = assistant.index_version
    except Exception:  # noqa: BLE001 - readiness is a yes/no question
        ready, why, version = False, "Indeksen er ikke lastet.", None
    if ready:
        return Readiness(status="ready", index=version, worker=os.getpid())
    return JSONResponse({"status": "not ready", "error": why, "index": version, "worker": os.getpid()}, status_code=503)
