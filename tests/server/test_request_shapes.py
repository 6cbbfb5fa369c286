"""Issue 18, requests: what real clients send to /v1 and /api.

Item 8, OpenAI request shapes: content as a list of parts (text joined with spaces, images
ignored), `stream_options.include_usage`, `max_tokens` (whole sentences with their sources),
`stop`, `n`, null for what OpenAI lets be null, unknown roles, and the housekeeping prompts Open
WebUI and LibreChat send (title, tags, follow-ups, queries); with the `openai` client against a
live server and with raw JSON shaped as those front ends send it. Item 10, history: turns are
checked like questions, and only what retrieval reads is used, so a long history costs no more
than a short one. Item 4 through the interfaces: no "[n]" that is not a citation.
"""
from __future__ import annotations

import json
import re
import time

import openai
import pytest
from server_helpers import QUESTION, parse_sse

from assistant.server.openai_compat import MODEL_ID, count_tokens

PARTS = [{"type": "text", "text": "Hvordan kan fylkeskommunen"}, {"type": "text", "text": "mobilisere private investeringer?"}]
IMAGE = {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}

OPEN_WEBUI_TITLE = """### Task:
Generate a concise, 3-5 word title with an emoji summarizing the chat history.
### Guidelines:
- The title should clearly represent the main theme or subject of the conversation.
- Write the title in the chat's primary language; default to English if multilingual.
### Output:
JSON format: { "title": "your concise title here" }
### Chat History:
<chat_history>
USER: Hvordan kan fylkeskommunen mobilisere private investeringer?
ASSISTANT: Kildene sier følgende: … [1]
</chat_history>"""
OPEN_WEBUI_TAGS = OPEN_WEBUI_TITLE.replace(
    "Generate a concise, 3-5 word title with an emoji summarizing the chat history.",
    "Generate 1-3 broad tags categorizing the main themes of the chat history, along with 1-3 more specific "
    "subtopic tags.").replace('{ "title": "your concise title here" }', '{ "tags": ["tag1", "tag2", "tag3"] }')
OPEN_WEBUI_FOLLOW_UPS = OPEN_WEBUI_TITLE.replace(
    "Generate a concise, 3-5 word title with an emoji summarizing the chat history.",
    "Suggest 3-5 relevant follow-up questions or prompts that the user might naturally ask next in this "
    "conversation.").replace('{ "title": "your concise title here" }', '{ "follow_ups": ["Question 1?", "Question 2?"] }')
OPEN_WEBUI_QUERIES = OPEN_WEBUI_TITLE.replace(
    "Generate a concise, 3-5 word title with an emoji summarizing the chat history.",
    "Analyze the chat history to determine the necessity of generating search queries, in the given language.").replace(
    '{ "title": "your concise title here" }', '{ "queries": ["query1", "query2"] }')
LIBRECHAT_TITLE = ("Please generate a concise, 5-word-or-less title for the conversation, using its same language, "
                   "with no punctuation. Apply title case conventions appropriate for the language. Never directly "
                   "mention the language name or the word \"title\"")


@pytest.fixture(scope="module")
def oa(live_server) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{live_server.url}/v1", api_key="ikke-i-bruk", max_retries=0, timeout=120)


def _markers(text: str) -> set[int]:
    return {int(n) for n in re.findall(r"\[(\d+)\]", text.split("\n\nKilder:")[0])}


# -- 8. request shapes ------------------------------------------------------------------------

def test_content_parts_are_joined_as_text_and_images_ignored(oa):
    plain = oa.chat.completions.create(model=MODEL_ID, messages=[{"role": "user", "content": QUESTION}])
    for content in (PARTS, [*PARTS, IMAGE], [IMAGE, *PARTS], [{"type": "text", "text": "Hvordan kan fylkeskommunen "},
                                                            {"type": "text", "text": "mobilisere private investeringer?"}]):
        r = oa.chat.completions.create(model=MODEL_ID, messages=[{"role": "user", "content": content}])
        assert r.choices[0].message.content == plain.choices[0].message.content
        assert not r.model_extra["refused"]


def test_stream_options_include_usage_sends_a_final_usage_chunk(oa):
    stream = oa.chat.completions.create(model=MODEL_ID, messages=[{"role": "user", "content": QUESTION}], stream=True,
                                        stream_options={"include_usage": True})
    chunks = list(stream)
    assert chunks[-1].choices == [] and chunks[-1].usage is not None
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert chunks[-1].usage.completion_tokens == count_tokens(text) > 0
    assert all(c.usage is None for c in chunks[:-1])
    without = list(oa.chat.completions.create(model=MODEL_ID, messages=[{"role": "user", "content": QUESTION}],
                                              stream=True))
    assert all(c.choices for c in without), "no usage chunk unless asked"


def _reply(oa, stream: bool, **kwargs) -> tuple[str, str, list[dict]]:
    """The reply's text, finish reason and citations, streamed or not."""
    kwargs = {"model": MODEL_ID, "messages": [{"role": "user", "content": QUESTION}], **kwargs}
    if not stream:
        r = oa.chat.completions.create(**kwargs)
        assert r.usage.completion_tokens == count_tokens(r.choices[0].message.content)
        return r.choices[0].message.content, r.choices[0].finish_reason, r.model_extra["citations"]
    chunks = list(oa.chat.completions.create(stream=True, **kwargs))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    last = next(c for c in chunks if c.choices and c.choices[0].finish_reason)
    return text, last.choices[0].finish_reason, last.model_extra["citations"]


def _sources_lines(text: str) -> set[int]:
    return {int(n) for n in re.findall(r"^\[(\d+)\] ", text.split("\n\nKilder:\n")[1], re.M)} if "\n\nKilder:\n" in text else set()


@pytest.mark.parametrize("stream", [False, True])
def test_max_tokens_keeps_whole_sentences_with_their_sources(oa, stream, assistant):
    """Trial: max_tokens 12 gave «… bygge videre…» with no sources. Every limit gives whole
    quoted sentences, each with its marker, and a sources line for each marker."""
    from assistant.server.openai_compat import reply_text

    full = assistant.ask(QUESTION)
    whole = reply_text(full)
    body = whole.split("\n\nKilder:")[0]
    assert len([s for s in full.segments if s.cite]) >= 3
    first = f"{full.segments[0].text}\n\n{full.segments[1].text} [{full.segments[1].cite}]"
    assert full.segments[0].kind == "lead" and body.startswith(first)
    seen = set()
    for limit in (1, 12, 20, count_tokens(whole) // 2, count_tokens(whole) - 1, count_tokens(whole)):
        text, finish, citations = _reply(oa, stream, max_tokens=limit)
        kept = text.split("\n\nKilder:")[0]
        seen.add(kept)
        assert kept.startswith(first), "the lead-in and the first quoted sentence are always kept"
        assert body.startswith(kept) and (kept == body or body[len(kept)] in " \n"), "cut between sentences"
        assert kept.endswith("]"), "each sentence keeps its marker"
        assert _markers(text) == {c["n"] for c in citations} == _sources_lines(text) != set()
        if limit >= count_tokens(whole):
            assert (text, finish) == (whole, "stop")
        else:
            assert finish == "length" and kept != body
            if count_tokens(first) + 20 < limit:
                assert count_tokens(text) <= limit
    assert len(seen) >= 3, "longer limits keep more sentences"


def test_max_tokens_smaller_than_one_sentence_keeps_that_sentence_and_its_source(oa):
    text, finish, citations = _reply(oa, False, max_tokens=3)
    assert finish == "length" and not text.endswith("…")
    assert re.search(r"\[1\]\n\nKilder:\n\[1\] \S", text) and [c["n"] for c in citations] == [1]


def test_max_tokens_cuts_an_answer_without_quotes_on_a_sentence_too():
    """A refusal or small talk has no segments: its own sentences and lines are the units."""
    from assistant.models import Answer
    from assistant.server.openai_compat import plan_reply

    refusal = ("Materialet dekker ikke dette spørsmålet, så jeg kan ikke svare på det. Se s. 4 i veilederen.\n\n"
               "Dette dekker materialet, og kan være i nærheten:\n- Samfunnseffekter\n- Smart spesialisering i Nordland")
    answer = Answer(answer=refusal, refused=True, language="nb")
    cuts = {}
    for limit in (1, 30, 47, 1000):
        pieces, sources, citations, finish = plan_reply(answer, limit)
        cuts[limit] = ("".join(pieces), finish)
        assert refusal.startswith(cuts[limit][0]) and sources == "" and citations == []
    assert cuts[1] == ("Materialet dekker ikke dette spørsmålet, så jeg kan ikke svare på det.", "length")
    assert cuts[30] == ("Materialet dekker ikke dette spørsmålet, så jeg kan ikke svare på det. Se s. 4 i veilederen.",
                        "length")
    assert cuts[47][0].endswith("i nærheten:") and cuts[1000] == (refusal, "stop")


def test_max_tokens_streams_what_any_cut_keeps_before_the_answer_is_complete():
    """The lead-in and the first quoted sentence go out as soon as they come (a written answer
    streams); the rest waits only for what decides whether it fits."""
    from assistant.server.openai_compat import _limited_plans

    answer = {"answer": "x", "language": "nb", "segments": [
        {"text": "Dette står i kildene:", "cite": None, "kind": "lead"},
        {"text": "Første setning.", "cite": 1, "kind": "sentence"},
        {"text": "Andre setning.", "cite": 1, "kind": "sentence"}],
        "citations": [{"n": 1, "doc_id": "d", "title": "T", "authority": "A", "section": "S", "text": "t"}]}
    progress = []

    def events():
        yield {"type": "segment", **answer["segments"][0]}
        yield {"type": "segment", **answer["segments"][1]}
        progress.append("model still writing")
        yield {"type": "segment", **answer["segments"][2]}
        yield {"type": "done", "answer": answer}

    plans = _limited_plans(events(), 1000)
    first = next(plans)
    assert "".join(first.pieces) == "Dette står i kildene:\n\nFørste setning. [1]" and progress == []
    rest = list(plans)
    assert "".join(rest[-1].pieces) == " Andre setning. [1]" and rest[-1].sources == "\n\nKilder:\n[1] T, S"


@pytest.mark.parametrize("stream", [False, True])
def test_stop_ends_the_reply_before_the_first_stop_sequence(oa, stream):
    whole, _, _ = _reply(oa, False)
    for stop, expected in ((["\n\nKilder:"], whole.split("\n\nKilder:")[0]),
                           ("\n\nKilder:", whole.split("\n\nKilder:")[0]),
                           (["finnes ikke", " [1]"], whole.split(" [1]")[0]),
                           (["kildene", "Kilder"], whole.split("kildene")[0])):
        text, finish, citations = _reply(oa, stream, stop=stop)
        assert (text, finish) == (expected, "stop"), stop
        assert {c["n"] for c in citations} == _markers(text)
    text, finish, _ = _reply(oa, stream, stop=["finnes ikke i svaret"])
    assert (text, finish) == (whole, "stop")


def test_unknown_roles_are_a_clear_error_and_null_means_the_default(oa, live_server):
    import httpx

    with pytest.raises(openai.UnprocessableEntityError) as err:
        oa.chat.completions.create(model=MODEL_ID, messages=[{"role": "robot", "content": "Hei"},
                                                             {"role": "user", "content": QUESTION}])
    body = err.value.response.json()
    assert "«robot»" in body["error"] and "Melding 1" in body["error"] and body["type"] == "InputError"
    english = httpx.post(f"{live_server.url}/v1/chat/completions", headers={"Accept-Language": "en"}, timeout=120,
                         json={"messages": [{"role": "robot", "content": "Hei"}]})
    assert english.status_code == 422 and english.json()["error"].startswith("Message 1 has an unknown role «robot»")
    nulls = {"stream": None, "n": None, "stop": None, "max_tokens": None, "max_completion_tokens": None,
             "stream_options": None, "model": None}
    r = httpx.post(f"{live_server.url}/v1/chat/completions", timeout=120,
                   json={"messages": [{"role": "user", "content": QUESTION}], **nulls})
    assert r.status_code == 200 and r.json()["object"] == "chat.completion" and r.json()["choices"][0]["finish_reason"] == "stop"
    r = httpx.post(f"{live_server.url}/v1/chat/completions", timeout=120,
                   json={"messages": [{"role": "user", "content": QUESTION}], "stream": True,
                         "stream_options": {"include_usage": None}})
    assert r.status_code == 200 and r.text.rstrip().endswith("data: [DONE]") and '"usage"' not in r.text
    r = httpx.post(f"{live_server.url}/v1/chat/completions", timeout=120,
                   json={"messages": [{"role": "user", "content": QUESTION}], "stop": ["a", "b", "c", "d", "e"]})
    assert r.status_code == 422


def test_n_above_one_is_a_clear_400(oa):
    with pytest.raises(openai.BadRequestError) as err:
        oa.chat.completions.create(model=MODEL_ID, messages=[{"role": "user", "content": QUESTION}], n=2)
    assert "n = 1" in err.value.response.json()["error"]


@pytest.mark.parametrize("prompt, kind, expected", [
    (OPEN_WEBUI_TITLE, "title", {"title": "Hvordan kan fylkeskommunen mobilisere private investeringer"}),
    (OPEN_WEBUI_TAGS, "tags", {"tags": []}),
    (OPEN_WEBUI_FOLLOW_UPS, "follow_ups", {"follow_ups": []}),
    (OPEN_WEBUI_QUERIES, "queries", {"queries": []}),
])
def test_open_webui_helper_prompts_are_answered_briefly(oa, prompt, kind, expected):
    r = oa.chat.completions.create(model=MODEL_ID, messages=[{"role": "user", "content": prompt}])
    assert json.loads(r.choices[0].message.content) == expected
    assert r.model_extra["helper"] == kind and r.model_extra["citations"] == []


def test_helper_prompts_from_librechat_and_as_raw_json(live_server):
    import httpx

    body = {"model": MODEL_ID, "stream": False, "temperature": 0.2, "user": "abc",
            "messages": [{"role": "user", "content": QUESTION}, {"role": "assistant", "content": "Kildene sier … [1]"},
                         {"role": "user", "content": LIBRECHAT_TITLE}]}
    r = httpx.post(f"{live_server.url}/v1/chat/completions", json=body, timeout=60)
    assert r.status_code == 200, r.text
    title = r.json()["choices"][0]["message"]["content"]
    assert title == "Hvordan kan fylkeskommunen mobilisere private investeringer"
    # Open WebUI streams its chat requests with parts, a system prompt and its own extra fields
    body = {"model": MODEL_ID, "stream": True, "stream_options": {"include_usage": True},
            "messages": [{"role": "system", "content": "Du er en hjelpsom assistent."},
                         {"role": "user", "content": [{"type": "text", "text": QUESTION}, IMAGE]}],
            "metadata": {"chat_id": "x"}, "features": {"web_search": False}, "max_tokens": 2000}
    with httpx.stream("POST", f"{live_server.url}/v1/chat/completions", json=body, timeout=60) as r:
        lines = [line[6:] for line in r.iter_lines() if line.startswith("data: ")]
    assert lines[-1] == "[DONE]"
    chunks = [json.loads(x) for x in lines[:-1]]
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["completion_tokens"] > 0
    assert "[1]" in "".join(c["choices"][0]["delta"].get("content", "") for c in chunks if c["choices"])


def test_a_question_about_titles_is_still_a_question(client):
    r = client.post("/v1/chat/completions", json={"messages": [
        {"role": "user", "content": "Hvilken tittel har veilederen om smart spesialisering?"}]})
    assert r.status_code == 200 and "helper" not in r.json()


# -- 10. history ------------------------------------------------------------------------------

@pytest.mark.parametrize("bad", ["\x00", "\x1b[31m", "\x07", "\ud800"])
def test_history_turns_are_checked_like_questions(client, bad):
    history = [{"role": "user", "content": f"Hva er smart {bad}spesialisering?"}, {"role": "assistant", "content": "…"}]
    for path in ("/api/ask", "/api/ask/stream"):
        r = client.post(path, content=json.dumps({"question": "Gi eksempler på det?", "history": history}),
                        headers={"Content-Type": "application/json"})
        assert r.status_code == 422, r.text
        assert "Tur 1 i samtalehistorikken inneholder tegn som ikke er tekst" in r.json()["error"]
    messages = [{"role": m["role"], "content": m["content"]} for m in history] + [{"role": "user", "content": "Mer?"}]
    r = client.post("/v1/chat/completions", content=json.dumps({"messages": messages}),
                    headers={"Content-Type": "application/json"})
    assert r.status_code == 422 and "samtalehistorikken" in r.json()["error"]


def test_a_long_history_costs_what_a_short_one_does(client):
    filler = ("Dette er en lang tidligere tur om regional utvikling og innovasjon. " * 90)[:6000]
    long = [{"role": "user" if i % 2 == 0 else "assistant", "content": filler} for i in range(38)]
    short = long[-2:]
    for history in (short, long):  # warm
        client.post("/api/ask", json={"question": QUESTION, "history": history})

    def timed(history) -> tuple[float, dict]:
        t0 = time.perf_counter()
        r = client.post("/api/ask", json={"question": QUESTION, "history": history})
        assert r.status_code == 200, r.text
        return time.perf_counter() - t0, r.json()

    t_short, a_short = timed(short)
    t_long, a_long = timed(long)
    assert a_long["query"] == a_short["query"] and a_long["answer"] == a_short["answer"]
    assert t_long < max(3 * t_short, t_short + 0.5), (t_short, t_long)
    messages = [{"role": m["role"], "content": m["content"][:2400]} for m in long * 3][:99]
    messages.append({"role": "user", "content": QUESTION})
    t0 = time.perf_counter()
    r = client.post("/v1/chat/completions", json={"messages": messages})
    assert r.status_code == 200 and time.perf_counter() - t0 < max(3 * t_short, t_short + 0.5) + 0.5


# -- 4. through the interfaces ----------------------------------------------------------------

def test_interfaces_never_show_a_marker_that_is_not_a_citation():
    from assistant.models import Answer, Citation, Segment
    from assistant.server.openai_compat import reply_text
    from assistant.server.render import render_answer
    from assistant.rendering import pieces

    answer = Answer(answer="Kildene sier følgende: Færre satsinger [4][5]. [1]",
                    segments=[Segment(text="Kildene sier følgende:", kind="lead"),
                              Segment(text="Færre og større satsinger [4][5].", cite=1)],
                    citations=[Citation(n=1, doc_id="d", title="Rapport [2]", authority="", section="Del [3]",
                                        text="Færre og større satsinger [4][5].")])
    text = reply_text(answer)
    assert _markers(text) == {1} and "⁽⁴⁾⁽⁵⁾" in text and "Rapport ⁽²⁾, Del ⁽³⁾" in text
    assert "[4]" not in "".join(pieces([{"text": "satsinger [4].", "cite": 1, "kind": "sentence"}]))
    md = render_answer(answer.model_dump(), 0, "nb", show_query=False)
    assert "\\[4\\]" not in md and "⁽⁴⁾⁽⁵⁾" in md and "\\[1\\]" in md


# -- 9. control characters through the HTTP API ----------------------------------------------

def test_checklist_report_over_http_never_fails_on_control_characters(client):
    r = client.post("/api/checklists/organisering/sessions", json={"name": "Navn\x0b\x00", "created_by": "Eier\x1b"})
    assert r.status_code == 201, r.text
    sid = r.json()["session"]["id"]
    r = client.patch(f"/api/sessions/{sid}/items/org-02",
                     json={"status": "delvis", "note": "a\x0bb\x00c\x1b|d", "owner": "Kari\x07", "updated_by": "x\x00"})
    assert r.status_code == 200, r.text
    assert r.json()["note"] == "a\nbc|d" and r.json()["owner"] == "Kari"
    for fmt in ("docx", "md"):
        r = client.get(f"/api/sessions/{sid}/report", params={"format": fmt})
        assert r.status_code == 200, r.text
    assert "a<br>bc\\|d" in client.get(f"/api/sessions/{sid}/report", params={"format": "md"}).text
    r = client.post("/api/feedback", json={"question": "Spørsmål\x00", "rating": -1, "comment": "Kommentar\x0b\x1b",
                                           "answer": {"answer": "svar"}})
    assert r.status_code == 200, r.text
