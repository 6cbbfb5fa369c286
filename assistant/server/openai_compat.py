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
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from ..errors import AssistantError, InputError
from ..models import Answer, Turn
from ..validation import validate_history
from .api import assistant_of, config_of, primed
from .helpers import helper_task
from ..rendering import pieces as body_pieces, sources_block
from .text import check_question

router = APIRouter(prefix="/v1", tags=["openai"])

MODEL_ID = "smart-spesialisering"
OWNER = "smart-spesialisering-assistant"
_SOURCES_HEADERS = ("\n\nKilder:\n", "\n\nKällor:\n", "\n\nSources:\n")


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: str
    content: str | list[dict[str, Any] | str] | None = None


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="allow")
    include_usage: bool = False


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="allow")  # temperature, top_p, tools … are accepted and ignored
    model: str = MODEL_ID
    messages: list[ChatMessage] = Field(min_length=1, max_length=100)
    stream: bool = False
    stream_options: StreamOptions | None = None
    max_tokens: int | None = Field(default=None, ge=1, description="Longest reply in words; cut after a whole sentence")
    max_completion_tokens: int | None = Field(default=None, ge=1, description="Same as max_tokens (newer clients)")
    n: int = Field(default=1, ge=1, le=128, description="Only 1: the answer is extractive, so every choice would be the same")

    @property
    def token_limit(self) -> int | None:
        limits = [x for x in (self.max_tokens, self.max_completion_tokens) if x]
        return min(limits) if limits else None


TEXT_PARTS = ("text", "input_text", "output_text")


def _text(content: str | list[dict[str, Any] | str] | None) -> str:
    """A message's text. Parts (as Open WebUI, LibreChat and the Responses API send them) are
    joined with a space where neither side has one; image, audio and file parts are ignored."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    out = ""
    for part in content:
        piece = part if isinstance(part, str) else (str(part.get("text") or "") if part.get("type") in TEXT_PARTS else "")
        if not piece:
            continue
        if out and not out[-1].isspace() and not piece[0].isspace():
            out += " "
        out += piece
    return out


def _strip_sources(text: str) -> str:
    """Our own earlier replies come back as history; drop their sources list."""
    for header in _SOURCES_HEADERS:
        i = text.find(header)
        if i >= 0:
            return text[:i]
    return text


def split_messages(messages: list[ChatMessage]) -> tuple[str, list[Turn]]:
    """The last user message is the question; earlier user/assistant turns are the history
    (system, developer and tool messages are not part of the conversation we answer)."""
    turns = [(m.role, _text(m.content)) for m in messages if m.role in ("user", "assistant")]
    if not turns or turns[-1][0] != "user":
        raise InputError("Den siste meldingen må være fra brukeren (role: user).")
    history = [Turn(role=r, content=_strip_sources(c) if r == "assistant" else c) for r, c in turns[:-1]]
    return turns[-1][1], history


def reply_text(answer: Answer) -> str:
    pieces, sources, _, _ = plan_reply(answer, None)
    return "".join(pieces) + sources


def _words(text: str) -> int:
    return len(text.split())


def plan_reply(answer: Answer, limit: int | None) -> tuple[list[str], str, list[dict], str]:
    """The reply as streamed pieces, the sources block, the citations it uses and the finish
    reason. With a limit (in words, which is what `usage` counts) the reply keeps whole sentences
    and list items, and only the sources they cite; "length" says it was cut."""
    segments = [s.model_dump() for s in answer.segments] or [{"text": answer.answer, "cite": None, "kind": "lead"}]
    pieces = body_pieces(segments)
    citations = [c.model_dump(mode="json") for c in answer.citations]

    def sources(cites: list[dict]) -> str:
        block = sources_block(cites, answer.language)
        return f"\n\n{block}" if block else ""

    if limit is None or _words("".join(pieces) + sources(citations)) <= limit:
        return pieces, sources(citations), citations, "stop"
    kept: list[str] = []
    used: set[int] = set()
    for piece, seg in zip(pieces, segments):
        cites = used | ({seg["cite"]} if seg.get("cite") is not None else set())
        chosen = [c for c in citations if c["n"] in cites]
        if _words("".join(kept) + piece + sources(chosen)) > limit:
            break
        kept.append(piece)
        used = cites
    if not any(seg.get("cite") is not None for seg in segments[:len(kept)]) and len(kept) < len(pieces):
        kept = [_cut_words("".join(pieces), limit)]  # not even one quoted sentence fits: its first words
        used = set()
    chosen = [c for c in citations if c["n"] in used]
    return kept, sources(chosen), chosen, "length"


def _cut_words(text: str, limit: int) -> str:
    """The first `limit` words, ending at the last full stop among them if there is one."""
    words = text.split(" ")
    out, count = [], 0
    for w in words:
        count += len(w.split())
        if count > limit:
            break
        out.append(w)
    cut = " ".join(out).rstrip()
    end = max(cut.rfind(". "), cut.rfind(".\n"), cut.rfind("\n"))
    return cut[:end + 1].rstrip() if end > 0 and cut[end] == "." else cut + "…"


def _usage(prompt: str, completion: str) -> dict[str, int]:
    p, c = _words(prompt), _words(completion)
    return {"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c}


def _citations(answer: Answer) -> list[dict]:
    return [c.model_dump(mode="json") for c in answer.citations]


@router.get("/models", summary="The single model this server offers")
def models() -> dict:
    return {"object": "list", "data": [{"id": MODEL_ID, "object": "model", "created": 0, "owned_by": OWNER}]}


@router.post("/chat/completions", summary="Chat completion (streaming with `stream: true`)")
def chat_completions(body: ChatRequest, request: Request):
    if body.n > 1:
        raise HTTPException(400, "Bare ett svar per forespørsel støttes (n = 1): svarene er sitater fra kildene, "
                                 "så flere valg ville vært like.")
    question, history = split_messages(body.messages)
    helper = helper_task(question, body.messages)
    if helper is None:
        question = check_question(question, config_of(request).max_question_chars)
        history = validate_history(history)
    cid = f"chatcmpl-{uuid.uuid4().hex}"
    created = int(time.time())
    if helper is not None:
        kind, content = helper
        pieces, sources, citations, finish = [content], "", [], "stop"
        extra = {"citations": [], "refused": False, "helper": kind}
        if not body.stream:
            return _completion(cid, created, content, finish, _usage(question, content), extra)
        return _stream(iter([_ReplyPlan(pieces, sources, citations, finish, extra)]), cid, created,
                       question, body.stream_options)
    assistant = assistant_of(request)
    limit = body.token_limit
    if not body.stream:
        answer = assistant.ask(question, history)
        pieces, sources, citations, finish = plan_reply(answer, limit)
        content = "".join(pieces) + sources
        return _completion(cid, created, content, finish, _usage(question, content),
                           {"citations": citations, "refused": answer.refused, "mode": answer.mode})
    events = primed(iter(assistant.ask_stream(question, history)))
    return _stream(_plans(events, limit), cid, created, question, body.stream_options)


def _completion(cid: str, created: int, content: str, finish: str, usage: dict, extra: dict) -> dict:
    return {
        "id": cid,
        "object": "chat.completion",
        "created": created,
        "model": MODEL_ID,
        "system_fingerprint": None,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": finish,
                     "logprobs": None}],
        "usage": usage,
        **extra,
    }


class _ReplyPlan:
    def __init__(self, pieces: list[str], sources: str, citations: list[dict], finish: str | None, extra: dict):
        self.pieces, self.sources, self.citations, self.finish, self.extra = pieces, sources, citations, finish, extra


def _plans(events: Iterator[dict], limit: int | None) -> Iterator[_ReplyPlan]:
    """The answer's events become reply plans: without a length limit, each segment as it comes (a
    written answer streams), then the sources; with one, the whole answer cut to the limit."""
    if limit is None:
        yield from _live_plans(events)
        return
    for ev in events:
        if ev.get("type") == "done":
            answer = Answer.model_validate(ev["answer"])
            pieces, sources, citations, finish = plan_reply(answer, limit)
            yield _ReplyPlan(pieces, sources, citations, finish, {"citations": citations, "refused": answer.refused})


def _live_plans(events: Iterator[dict]) -> Iterator[_ReplyPlan]:
    """One plan per segment as it arrives, and a last one with the sources. A reset (a written
    answer replaced by the quotes) cannot take back what a client has shown: the quotes follow
    after a blank line, opened by their notice."""
    shown: list[dict] = []
    for ev in events:
        kind = ev.get("type")
        if kind == "segment":
            shown.append({"text": ev.get("text", ""), "cite": ev.get("cite"), "kind": ev.get("kind")})
            yield _ReplyPlan([body_pieces(shown)[-1]], "", [], None, {})
        elif kind == "reset":
            shown = []
            yield _ReplyPlan(["\n\n"], "", [], None, {})
        elif kind == "done":
            answer = Answer.model_validate(ev["answer"])
            citations = _citations(answer)
            block = sources_block(citations, answer.language)
            yield _ReplyPlan([], f"\n\n{block}" if block else "", citations, "stop",
                             {"citations": citations, "refused": answer.refused, "mode": answer.mode})


def _stream(plans: Iterator[_ReplyPlan], cid: str, created: int, question: str,
            options: StreamOptions | None) -> StreamingResponse:
    return StreamingResponse(
        _chunks(plans, cid, created, question, bool(options and options.include_usage)),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


def _chunk(cid: str, created: int, delta: dict, finish: str | None = None, usage: bool = False, **extra: Any) -> str:
    data = {
        "id": cid,
        "object": "chat.completion.chunk",
        "created": created,
        "model": MODEL_ID,
        "system_fingerprint": None,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}],
        **({"usage": None} if usage else {}),
        **extra,
    }
    return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"


def _chunks(plans: Iterator[_ReplyPlan], cid: str, created: int, question: str, usage: bool) -> Iterator[str]:
    yield _chunk(cid, created, {"role": "assistant", "content": ""}, usage=usage)
    sent = ""
    try:
        for plan in plans:
            for piece in plan.pieces:
                sent += piece
                yield _chunk(cid, created, {"content": piece}, usage=usage)
            if plan.sources:
                sent += plan.sources
                yield _chunk(cid, created, {"content": plan.sources}, usage=usage)
            if plan.finish is None:
                continue
            yield _chunk(cid, created, {}, plan.finish, usage=usage, **plan.extra)
            if usage:
                data = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": MODEL_ID,
                        "system_fingerprint": None, "choices": [],
                        "usage": _usage(question, sent)}
                yield f"data: {json.dumps(data, ensure_ascii=False)}\n\n"
    except AssistantError as err:
        yield f"data: {json.dumps({'error': {'message': str(err), 'type': type(err).__name__}}, ensure_ascii=False)}\n\n"
    except Exception:  # noqa: BLE001 - never leak a traceback into the stream
        yield 'data: {"error": {"message": "Intern feil. Prøv igjen senere.", "type": "InternalError"}}\n\n'
    yield "data: [DONE]\n\n"
