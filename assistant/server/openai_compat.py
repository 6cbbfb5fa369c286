"""OpenAI-compatible /v1/chat/completions and /v1/models, so intranet chat front-ends and the
`openai` client can use the assistant as a model.

The reply text carries the numbered references plus a "Kilder:" list; the structured citations
ride in an extra top-level `citations` field (the openai client exposes it via `model_extra`).
"""
from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from ..errors import AssistantError, InputError
from ..models import Answer, Turn
from .api import assistant_of, config_of, primed
from .text import check_question, segment_kind, segment_piece, sources_block

router = APIRouter(prefix="/v1", tags=["openai"])

MODEL_ID = "smart-spesialisering"
OWNER = "smart-spesialisering-assistant"
_SOURCES_HEADERS = ("\n\nKilder:\n", "\n\nKällor:\n", "\n\nSources:\n")


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: str
    content: str | list[dict[str, Any]] | None = None


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="allow")  # temperature, max_tokens … are accepted and ignored
    model: str = MODEL_ID
    messages: list[ChatMessage] = Field(min_length=1, max_length=100)
    stream: bool = False


def _text(content: str | list[dict[str, Any]] | None) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    return "".join(str(p.get("text", "")) for p in content if p.get("type") in ("text", "input_text"))


def _strip_sources(text: str) -> str:
    """Our own earlier replies come back as history; drop their sources list."""
    for header in _SOURCES_HEADERS:
        i = text.find(header)
        if i >= 0:
            return text[:i]
    return text


def split_messages(messages: list[ChatMessage]) -> tuple[str, list[Turn]]:
    """The last user message is the question; earlier user/assistant turns are the history."""
    turns = [(m.role, _text(m.content)) for m in messages if m.role in ("user", "assistant")]
    if not turns or turns[-1][0] != "user":
        raise InputError("Den siste meldingen må være fra brukeren (role: user).")
    history = [Turn(role=r, content=_strip_sources(c) if r == "assistant" else c) for r, c in turns[:-1]]
    return turns[-1][1], history


def reply_text(answer: Answer) -> str:
    block = sources_block(answer.citations, answer.language)
    return answer.answer + (f"\n\n{block}" if block else "")


def _usage(prompt: str, completion: str) -> dict[str, int]:
    p, c = len(prompt.split()), len(completion.split())
    return {"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c}


def _citations(answer: Answer) -> list[dict]:
    return [c.model_dump(mode="json") for c in answer.citations]


@router.get("/models", summary="The single model this server offers")
def models() -> dict:
    return {"object": "list", "data": [{"id": MODEL_ID, "object": "model", "created": 0, "owned_by": OWNER}]}


@router.post("/chat/completions", summary="Chat completion (streaming with `stream: true`)")
def chat_completions(body: ChatRequest, request: Request):
    question, history = split_messages(body.messages)
    question = check_question(question, config_of(request).max_question_chars)
    assistant = assistant_of(request)
    cid = f"chatcmpl-{uuid.uuid4().hex}"
    created = int(time.time())
    if not body.stream:
        answer = assistant.ask(question, history)
        content = reply_text(answer)
        return {
            "id": cid,
            "object": "chat.completion",
            "created": created,
            "model": MODEL_ID,
            "system_fingerprint": None,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop", "logprobs": None}],
            "usage": _usage(question, content),
            "citations": _citations(answer),
            "refused": answer.refused,
        }
    events = primed(iter(assistant.ask_stream(question, history)))
    return StreamingResponse(
        _chunks(events, cid, created),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


def _chunk(cid: str, created: int, delta: dict, finish: Literal["stop"] | None = None, **extra: Any) -> str:
    data = {
        "id": cid,
        "object": "chat.completion.chunk",
        "created": created,
        "model": MODEL_ID,
        "system_fingerprint": None,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}],
        **extra,
    }
    return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"


def _chunks(events: Iterator[dict], cid: str, created: int) -> Iterator[str]:
    yield _chunk(cid, created, {"role": "assistant", "content": ""})
    streamed: list[str] = []
    prev_kind: str | None = None
    try:
        for ev in events:
            kind = ev.get("type")
            if kind == "segment":
                piece = segment_piece(ev, prev_kind)
                prev_kind = segment_kind(ev)
                streamed.append(piece)
                yield _chunk(cid, created, {"content": piece})
            elif kind == "done":
                answer = Answer.model_validate(ev["answer"])
                if not streamed:  # a refusal or template answer may come without segments
                    yield _chunk(cid, created, {"content": answer.answer})
                block = sources_block(answer.citations, answer.language)
                if block:
                    yield _chunk(cid, created, {"content": f"\n\n{block}"})
                yield _chunk(cid, created, {}, "stop", citations=_citations(answer), refused=answer.refused)
    except AssistantError as err:
        yield f"data: {json.dumps({'error': {'message': str(err), 'type': type(err).__name__}}, ensure_ascii=False)}\n\n"
    except Exception:  # noqa: BLE001 - never leak a traceback into the stream
        yield 'data: {"error": {"message": "Intern feil. Prøv igjen senere.", "type": "InternalError"}}\n\n'
    yield "data: [DONE]\n\n"
