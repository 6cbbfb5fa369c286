"""Written answers: a language model writes from the numbered top passages, the guard checks every sentence.

The extractive pipeline has already decided to answer (the model is never asked what the
material does not cover) and built the extractive answer, which is the fallback. The model gets
the decision's top passages, numbered, and the question; its tokens are cut into sentences as
they complete (`streaming.SentenceBuffer`), and each sentence is shown only once the guard has
found it supported by a passage it cites (or, without markers, by the passage that supports it
best). Citations are renumbered in the order the answer uses them.

The extractive answer is given instead, with a short notice in the user's language (mode
`extractive-fallback`), when the model fails or times out, or when too little of what it wrote
is supported. A stream that has already shown supported sentences then sends a `reset` event
first. Events are those of `Assistant.ask_stream`: segment…, [reset, segment…], citations, done.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence

from langchain_core.language_models.chat_models import BaseChatModel

from ..config import LLMSettings
from ..embedders import Embedder
from ..ingest.pages import page_of
from ..models import (Answer, Citation, DocumentInfo, GenerationTrace, GuardedSentence, Passage, QueryPlan,
                      Segment, Turn)
from ..prompts import template
from ..rendering import pieces
from .backends import chat_model, describe
from .guard import NOT_CLAIMS, CitationGuard, Source, markers
from .prompts import prompt_set
from .streaming import SentenceBuffer

log = logging.getLogger(__name__)

PASSAGES = 5  # the top passages the model reads, numbered [1]…[5]
MIN_KEPT = 0.5  # of the sentences that make claims, the share the guard must keep; else the extractive answer
DEADLINE_FACTOR = 4  # the whole answer may take this many times the timeout (which bounds each wait)
CONDENSED_WORDS = 40  # a stand-alone query longer than this is not a query
HISTORY_TURNS = 4  # of the conversation, what the condensing prompt sees
SENTENCE_END = (".", "!", "?", "…", "»", '"', "”", ")")  # a piece that ends so was finished before the token limit


class GenerationError(Exception):
    """The model failed (connection, status, timeout, unreadable stream)."""


class GenerativeAnswerer:
    """Writes answers with a chat model behind the citation guard.

    >>> writer = GenerativeAnswerer(config.llm, embedder)
    >>> answer = writer.answer(extractive_answer, passages, documents, unit_vectors)
    """

    def __init__(self, settings: LLMSettings, embedder: Embedder, model: BaseChatModel | None = None,
                 guard: CitationGuard | None = None):
        self.settings = settings
        self.embedder = embedder
        self.model = model or chat_model(settings)
        self.guard = guard or CitationGuard(embedder)

    # -- condensing a follow-up ---------------------------------------------------------------
    def condense(self, question: str, history: Sequence[Turn], lang: str) -> str:
        """A follow-up as a stand-alone search query; '' when the model fails or says nothing usable."""
        lines = [f"{'Bruker' if t.role == 'user' else 'Assistent'}: {' '.join(t.content.split()[:80])}"
                 for t in list(history)[-HISTORY_TURNS:]]
        messages = prompt_set(lang).condense.format_messages(history="\n".join(lines), question=question)
        try:
            reply = self.model.invoke(messages)
        except Exception as err:  # noqa: BLE001 - any failure means: search as without a model
            log.warning("condense failed (%s): %s", describe(self.settings), type(err).__name__)
            return ""
        text = " ".join(str(reply.content).split()).strip(" \"'«»“”")
        text = text.split(":", 1)[1].strip() if text.lower().startswith(("query:", "søk:", "sökning:")) else text
        return text if 0 < len(text.split()) <= CONDENSED_WORDS else ""

    # -- answering ----------------------------------------------------------------------------
    def answer(self, extractive: Answer, passages: Sequence[Passage], documents: dict[str, DocumentInfo],
               unit_vectors: dict | None = None) -> Answer:
        final = extractive
        for event in self.stream(extractive, passages, documents, unit_vectors):
            if event["type"] == "done":
                final = event["answer"]
        return final

    def stream(self, extractive: Answer, passages: Sequence[Passage], documents: dict[str, DocumentInfo],
               unit_vectors: dict | None = None) -> Iterator[dict]:
        """Events as the answer is written: {"type": "segment", text, cite, kind} for each sentence
        the guard keeps, {"type": "reset"} before a fallback that replaces shown sentences,
        {"type": "citations", citations}, {"type": "done", answer: Answer}."""
        t0 = time.perf_counter()
        plan: QueryPlan | None = extractive.trace.plan if extractive.trace else None
        lang = extractive.language
        prompts = prompt_set(lang)
        used = [p for p in passages if not p.flagged][:PASSAGES]
        sources = {i: Source.of(i, p, self.embedder, (unit_vectors or {}).get(p.id),
                                documents[p.doc_id].title if p.doc_id in documents else "")
                   for i, p in enumerate(used, start=1)}
        gen = GenerationTrace(backend=self.settings.backend, model=self.settings.model, prompt_version=prompts.version,
                              condensed_query=plan.search_query if plan and plan.follow_up else "")
        messages = prompts.answer.format_messages(passages=numbered(used, documents),
                                                  question=plan.question if plan else extractive.query)
        headings = [" ".join(heading(p, documents).split()) for p in used]
        numbers: dict[int, int] = {}  # prompt passage number → the answer's citation number
        citations: list[Citation] = []
        segments: list[Segment] = []
        verdicts: list[GuardedSentence] = []
        raw: list[str] = []
        buffer = SentenceBuffer()
        shown = 0

        def guarded(pieces_: list[tuple[str, str]]) -> Iterator[dict]:
            nonlocal shown
            for text, kind in pieces_:
                v = echo(text, headings) or self.guard.check(text, sources, lang)
                verdicts.append(v)
                if v.supported and v.passage is not None:
                    seg = Segment(text=v.text, cite=self._cite(v, sources[v.passage].passage, numbers, citations,
                                                               documents), kind=kind)
                elif v.reason not in NOT_CLAIMS and self.settings.unsupported == "mark":
                    seg = Segment(text=f"{v.text} {template('llm_unsupported', lang)}", cite=None, kind="sentence")
                else:
                    continue
                segments.append(seg)
                shown += 1
                yield {"type": "segment", "text": seg.text, "cite": seg.cite, "kind": seg.kind}

        ended: dict[str, str] = {}
        try:
            for token in self._tokens(messages, t0, ended):
                raw.append(token)
                yield from guarded(buffer.feed(token))
            rest = buffer.flush()
            if ended.get("finish_reason") == "length" and rest and not rest[-1][0].rstrip().endswith(SENTENCE_END):
                cut, cites = markers(rest.pop()[0])  # cut off by the token limit: not a claim the model finished
                verdicts.append(GuardedSentence(text=cut, cites=cites, supported=False, reason="truncated"))
            yield from guarded(rest)
        except GenerationError as err:
            gen.fallback = str(err)
        gen.raw = "".join(raw)
        gen.sentences = verdicts
        gen.model_ms = round((time.perf_counter() - t0) * 1000, 1)
        claims = [v for v in verdicts if v.reason not in NOT_CLAIMS]
        kept = [v for v in claims if v.supported]
        if not gen.fallback and (not kept or len(kept) < MIN_KEPT * len(claims)):
            gen.fallback = "unsupported"
        if gen.fallback:
            if shown:
                yield {"type": "reset"}
            answer = fallback(extractive, gen, lang)
            for seg in answer.segments:
                yield {"type": "segment", "text": seg.text, "cite": seg.cite, "kind": seg.kind}
        else:
            answer = extractive.model_copy(update={
                "answer": "".join(pieces(segments)), "segments": segments, "citations": citations,
                "mode": "generative"})
            answer.trace = extractive.trace.model_copy(update={"generation": gen}) if extractive.trace else None
        answer.timings = {**extractive.timings, "generate_ms": gen.model_ms,
                          "total_ms": round(extractive.timings.get("total_ms", 0.0) + gen.model_ms, 1)}
        yield {"type": "citations", "citations": [c.model_dump() for c in answer.citations]}
        yield {"type": "done", "answer": answer}

    def _tokens(self, messages, t0: float, ended: dict[str, str] | None = None) -> Iterator[str]:
        """The model's text as it streams. A failure before the first token is retried
        (`settings.retries` times); one after it, or past the deadline, ends the answer. Why the
        model stopped (`finish_reason`: stop, length) is put into `ended` when the server says."""
        deadline = t0 + self.settings.timeout * DEADLINE_FACTOR
        for attempt in range(self.settings.retries + 1):
            started = False
            try:
                for chunk in self.model.stream(messages):
                    text = chunk.content if isinstance(chunk.content, str) else "".join(
                        str(part.get("text", "")) if isinstance(part, dict) else str(part) for part in chunk.content)
                    reason = (getattr(chunk, "response_metadata", None) or {}).get("finish_reason")
                    if reason and ended is not None:
                        ended["finish_reason"] = str(reason)
                    if text:
                        started = True
                        yield text
                    if time.perf_counter() > deadline:
                        raise GenerationError("timeout")
                return
            except GenerationError:
                raise
            except Exception as err:  # noqa: BLE001 - connection, status, timeout, malformed stream
                kind = "timeout" if "timeout" in type(err).__name__.lower() else "error"
                log.warning("model failed (%s, attempt %d): %s", describe(self.settings), attempt + 1,
                            type(err).__name__)
                if started or attempt == self.settings.retries or time.perf_counter() > deadline:
                    raise GenerationError(kind) from err

    @staticmethod
    def _cite(v: GuardedSentence, passage: Passage, numbers: dict[int, int], citations: list[Citation],
              documents: dict[str, DocumentInfo]) -> int:
        """The answer's citation number for the passage that supports the sentence (added on first use)."""
        assert v.passage is not None
        if v.passage not in numbers:
            numbers[v.passage] = len(numbers) + 1
            doc = documents.get(passage.doc_id)
            citations.append(Citation(n=numbers[v.passage], doc_id=passage.doc_id,
                                      title=doc.title if doc else passage.doc_id,
                                      authority=doc.authority if doc else "", section=passage.section_path,
                                      page=passage.page_label, text=passage.text, passage_id=passage.id))
        c = citations[numbers[v.passage] - 1]
        if v.evidence and v.evidence not in c.quotes:
            c.quotes.append(v.evidence)  # the passage sentence that supports it, for the page and the highlight
            c.page = page_of(passage, *c.quotes)
        return c.n


def heading(p: Passage, documents: dict[str, DocumentInfo]) -> str:
    """A passage's heading in the prompt: «Title › Section (s. 12)»."""
    doc = documents.get(p.doc_id)
    where = " › ".join(x for x in ((doc.title if doc else p.doc_id), p.section_path) if x)
    return where + (f" (s. {p.page_label})" if p.page_label else "")


def numbered(passages: Sequence[Passage], documents: dict[str, DocumentInfo]) -> str:
    """The passages as the prompt shows them: «[n] Title › Section (s. 12):» and the text."""
    return "\n\n".join(f"[{i}] {heading(p, documents)}:\n{p.text.strip()}" for i, p in enumerate(passages, start=1))


def echo(text: str, headings: Sequence[str]) -> GuardedSentence | None:
    """A verdict for a piece that only repeats (part of) a passage heading of the prompt, as small
    models do when they copy the prompt («[1] Title › Section (s. 12):», which the sentence splitter
    may cut at «5. GJENNOMFØRING»): it makes no claim."""
    clean, cites = markers(text)
    clean = " ".join(clean.split()).rstrip(" :")
    if len(clean) >= 3 and any(clean in h for h in headings):
        return GuardedSentence(text=clean, cites=cites, supported=False, reason="echo")
    return None


def fallback(extractive: Answer, gen: GenerationTrace, lang: str) -> Answer:
    """The extractive answer, opened by a short notice in the user's language."""
    notice = str(template("llm_unavailable" if gen.fallback in ("error", "timeout") else "llm_fallback", lang))
    segments = [Segment(text=notice, cite=None, kind="lead"), *extractive.segments]
    answer = extractive.model_copy(update={"answer": "".join(pieces(segments)), "segments": segments,
                                           "mode": "extractive-fallback"})
    answer.trace = extractive.trace.model_copy(update={"generation": gen}) if extractive.trace else None
    return answer
