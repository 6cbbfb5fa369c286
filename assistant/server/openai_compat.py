"""OpenAI-compatible /v1/chat/completions and /v1/models, so intranet chat front-ends and the
`openai` client can use the assistant as a model.

The reply text carries the numbered references plus a "Kilder:" list; the structured citations
ride in an extra top-level `citations` field (the openai client exposes it via `model_extra`).
"""
from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..errors import AssistantError, InputError
from ..models import Answer, Turn
from ..validation import clean_text, validate_history
from .api import assistant_of, config_of, primed
from .helpers import helper_task
from ..rendering import pieces as body_pieces, sources_block
from ..text import split_sentences
from .text import check_question

router = APIRouter(prefix="/v1", tags=["openai"])

MODEL_ID = "smart-spesialisering"
OWNER = "smart-spesialisering-assistant"
_SOURCES_HEADERS = ("\n\nKilder:\n", "\n\nKällor:\n", "\n\nSources:\n")


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: str
    content: str | list[dict[str, Any] | str] | None = None


ROLES = ("user", "assistant", "system", "developer", "tool", "function")


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="allow")
    include_usage: bool | None = False


class ChatRequest(BaseModel):
    """What OpenAI documents as nullable may be null here too (`stream`, `n`, `stop`, …): null is
    the default."""
    model_config = ConfigDict(extra="allow")  # temperature, top_p, tools … are accepted and ignored
    model: str | None = MODEL_ID
    messages: list[ChatMessage] = Field(min_length=1, max_length=100)
    stream: bool | None = False
    stream_options: StreamOptions | None = None
    max_tokens: int | None = Field(default=None, ge=1, description="Longest reply in tokens (estimated); cut after a "
                                                                   "whole sentence, keeping the first quoted one")
    max_completion_tokens: int | None = Field(default=None, ge=1, description="Same as max_tokens (newer clients)")
    n: int | None = Field(default=1, ge=1, le=128,
                          description="Only 1: the answer is extractive, so every choice would be the same")
    stop: str | list[str] | None = Field(default=None, validate_default=True,
                                         description="Up to 4 sequences; the reply ends before the first")

    @field_validator("stop")
    @classmethod
    def _stops(cls, value: str | list[str] | None) -> list[str]:
        stops = [value] if isinstance(value, str) else list(value or [])
        if len(stops) > 4:
            raise ValueError("at most 4 stop sequences")
        return [x for x in stops if x]

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
    for i, m in enumerate(messages, start=1):
        if m.role not in ROLES:
            raise InputError(f"Melding {i} har en ukjent rolle «{clean_text(m.role)[:40]}»; "
                             f"rollene er {', '.join(ROLES)}.")
    turns = [(m.role, _text(m.content)) for m in messages if m.role in ("user", "assistant")]
    if not turns or turns[-1][0] != "user":
        raise InputError("Den siste meldingen må være fra brukeren (role: user).")
    history = [Turn(role=r, content=_strip_sources(c) if r == "assistant" else c) for r, c in turns[:-1]]
    return turns[-1][1], history


def reply_text(answer: Answer) -> str:
    pieces, sources, _, _ = plan_reply(answer, None)
    return "".join(pieces) + sources


_TOKEN_RE = re.compile(r"\w+|[^\w\s]")


def count_tokens(text: str) -> int:
    """An estimate of the tokens an OpenAI-style tokenizer counts: one per four letters of a word
    (rounded up) and one per punctuation mark. tiktoken (installed with langchain-openai) needs
    its vocabulary downloaded, which an offline server cannot; for Norwegian text this estimate
    is close to its counts and on the high side for long words."""
    return sum(-(-len(t) // 4) for t in _TOKEN_RE.findall(text))


def _units(answer: Answer) -> list[dict]:
    """The reply's units as segments: the answer's own, or for an answer without segments (a
    refusal, small talk) its text's sentences and lines, the first as the lead-in."""
    if answer.segments:
        return [s.model_dump() for s in answer.segments]
    units, sep = [], ""
    for line in answer.answer.strip().split("\n"):  # each line's sentences, with what joined them
        for sentence in split_sentences(line):
            units.append(sep + sentence)
            sep = " "
        sep = "\n" if sep == " " else sep + "\n"
    return [{"text": u, "cite": None, "kind": "raw"} for u in units or [answer.answer]]


def _pieces(units: list[dict]) -> list[str]:
    if units and units[0]["kind"] == "raw":
        return [u["text"] for u in units]
    return body_pieces(units)


def _must_keep(units: list[dict]) -> int:
    """How many units a cut keeps however short the limit: the lead-in and the first quoted
    sentence (a reply is never a lead-in alone, nor a sentence without its source)."""
    return next((i + 1 for i, u in enumerate(units) if u["cite"] is not None), 1)


def plan_reply(answer: Answer, limit: int | None) -> tuple[list[str], str, list[dict], str]:
    """The reply as streamed pieces, the sources block, the citations it uses and the finish
    reason. With a limit (in tokens, `count_tokens`), the reply keeps the lead-in and as many whole
    sentences and list items as fit with the sources they cite, and at least the first quoted
    sentence; "length" says something was left out."""
    units = _units(answer)
    pieces = _pieces(units)
    citations = [c.model_dump(mode="json") for c in answer.citations]

    def sources(cites: list[dict]) -> str:
        block = sources_block(cites, answer.language)
        return f"\n\n{block}" if block else ""

    if limit is None or count_tokens("".join(pieces) + sources(citations)) <= limit:
        return pieces, sources(citations), citations, "stop"
    kept: list[str] = []
    used: set[int] = set()
    must = _must_keep(units)
    for i, (piece, unit) in enumerate(zip(pieces, units)):
        cites = used | ({unit["cite"]} if unit["cite"] is not None else set())
        chosen = [c for c in citations if c["n"] in cites]
        if i >= must and count_tokens("".join(kept) + piece + sources(chosen)) > limit:
            break
        kept.append(piece)
        used = cites
    chosen = [c for c in citations if c["n"] in used]
    return kept, sources(chosen), chosen, "length" if len(kept) < len(pieces) else "stop"


def _usage(prompt: str, completion: str) -> dict[str, int]:
    p, c = count_tokens(prompt), count_tokens(completion)
    return {"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c}


def _citations(answer: Answer) -> list[dict]:
    return [c.model_dump(mode="json") for c in answer.citations]


@router.get("/models", summary="The single model this server offers")
def models() -> dict:
    return {"object": "list", "data": [{"id": MODEL_ID, "object": "model", "created": 0, "owned_by": OWNER}]}


@router.post("/chat/completions", summary="Chat completion (streaming with `stream: true`)")
def chat_completions(body: ChatRequest, request: Request):
    if (body.n or 1) > 1:
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
            content, finish, extra = _stopped(content, finish, extra, body.stop)
            return _completion(cid, created, content, finish, _usage(question, content), extra)
        return _stream(iter([_ReplyPlan(pieces, sources, citations, finish, extra)]), cid, created,
                       question, body.stream_options, body.stop)
    assistant = assistant_of(request)
    limit = body.token_limit
    if not body.stream:
        answer = assistant.ask(question, history)
        pieces, sources, citations, finish = plan_reply(answer, limit)
        content, finish, extra = _stopped("".join(pieces) + sources, finish,
                                          {"citations": citations, "refused": answer.refused, "mode": answer.mode},
                                          body.stop)
        return _completion(cid, created, content, finish, _usage(question, content), extra)
    events = primed(iter(assistant.ask_stream(question, history)))
    plans = _live_plans(events) if limit is None else _limited_plans(events, limit)
    return _stream(plans, cid, created, question, body.stream_options, body.stop)


def _first_stop(text: str, stops: list[str]) -> int:
    """Where the first stop sequence begins in `text`, or -1."""
    found = [i for i in (text.find(x) for x in stops) if i >= 0]
    return min(found) if found else -1


def _cited(extra: dict, text: str) -> dict:
    """`extra` with only the citations whose [n] the text still shows."""
    if "citations" not in extra:
        return extra
    return {**extra, "citations": [c for c in extra["citations"] if f"[{c['n']}]" in text]}


def _stopped(content: str, finish: str, extra: dict, stops: list[str]) -> tuple[str, str, dict]:
    """The reply ended before the first stop sequence (which is left out, as OpenAI does)."""
    at = _first_stop(content, stops)
    if at < 0:
        return content, finish, extra
    content = content[:at]
    return content, "stop", _cited(extra, content)


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


def _limited_plans(events: Iterator[dict], limit: int) -> Iterator[_ReplyPlan]:
    """The answer's events cut to a length limit. What every cut keeps (the lead-in and the first
    quoted sentence, `_must_keep`) is sent as it arrives; the rest once the answer is complete,
    since whether it fits depends on the sources it cites (a written answer names them only at
    the end). A reset (a written answer replaced by its quotes) starts the count again."""
    shown: list[dict] = []
    sent = 0
    for ev in events:
        kind = ev.get("type")
        if kind == "segment":
            shown.append({"text": ev.get("text", ""), "cite": ev.get("cite"), "kind": ev.get("kind")})
            if shown[-1]["cite"] is not None and sent == 0:
                sent = len(shown)  # the lead-in and this first quoted sentence: kept by any cut
                yield _ReplyPlan(body_pieces(shown), "", [], None, {})
        elif kind == "reset":
            shown, sent = [], 0
            yield _ReplyPlan(["\n\n"], "", [], None, {})
        elif kind == "done":
            answer = Answer.model_validate(ev["answer"])
            pieces, sources, citations, finish = plan_reply(answer, limit)
            yield _ReplyPlan(pieces[sent:], sources, citations, finish,
                             {"citations": citations, "refused": answer.refused, "mode": answer.mode})


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
            options: StreamOptions | None, stops: list[str]) -> StreamingResponse:
    return StreamingResponse(
        _chunks(plans, cid, created, question, bool(options and options.include_usage), stops),
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


class _StopCutter:
    """Text streamed piece by piece, ended before the first stop sequence. The last characters
    are held back until the next piece (as many as the longest sequence has, less one), so a
    sequence split between two pieces is still found."""

    def __init__(self, stops: list[str]):
        self.stops, self.hold = stops, max((len(x) for x in stops), default=1) - 1
        self.pending, self.stopped = "", False

    def feed(self, piece: str) -> str:
        """What can be sent now of everything fed so far; after a stop sequence, nothing more."""
        if self.stopped:
            return ""
        self.pending += piece
        at = _first_stop(self.pending, self.stops)
        if at >= 0:
            self.stopped = True
            out, self.pending = self.pending[:at], ""
            return out
        cut = len(self.pending) - self.hold
        out, self.pending = self.pending[:max(cut, 0)], self.pending[max(cut, 0):]
        return out

    def flush(self) -> str:
        out, self.pending = self.pending, ""
        return out


def _chunks(plans: Iterator[_ReplyPlan], cid: str, created: int, question: str, usage: bool,
            stops: list[str] = ()) -> Iterator[str]:
    yield _chunk(cid, created, {"role": "assistant", "content": ""}, usage=usage)
    sent = ""
    cutter = _StopCutter(list(stops))
    try:
        for plan in plans:
            for piece in plan.pieces + ([plan.sources] if plan.sources else []):
                text = cutter.feed(piece)
                if text:
                    sent += text
                    yield _chunk(cid, created, {"content": text}, usage=usage)
            if plan.finish is None and not cutter.stopped:
                continue
            if plan.finish is None:  # stopped early: the answer's last plan still says what it cites
                plan = next((p for p in plans if p.finish is not None), plan)
            rest = cutter.flush()
            if rest:
                sent += rest
                yield _chunk(cid, created, {"content": rest}, usage=usage)
            if cutter.stopped:
                yield _chunk(cid, created, {}, "stop", usage=usage, **_cited(plan.extra, sent))
            else:
                yield _chunk(cid, created, {}, plan.finish, usage=usage, **plan.extra)
            if usage:
                data = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": MODEL_ID,
                        "system_fingerprint": None, "choices": [],
                        "usage": _usage(question, sent)}
                yield f"data: {json.dumps(data, ensure_ascii=False)}\n\n"
            break
    except AssistantError as err:
        yield f"data: {json.dumps({'error': {'message': str(err), 'type': type(err).__name__}}, ensure_ascii=False)}\n\n"
    except Exception:  # noqa: BLE001 - never leak a traceback into the stream
        yield 'data: {"error": {"message": "Intern feil. Prøv igjen senere.", "type": "InternalError"}}\n\n'
    yield "data: [DONE]\n\n"
