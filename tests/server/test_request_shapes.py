"""Issue 18, requests: what real clients send to /v1 and /api.

Item 8, OpenAI request shapes: content as a list of parts (text joined with spaces, images
ignored), `stream_options.include_usage`, `max_tokens`, `n`, and the housekeeping prompts Open
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

from assistant.server.openai_compat import MODEL_ID

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
    assert chunks[-1].usage.completion_tokens == len(text.split()) > 0
    assert all(c.usage is None for c in chunks[:-1])
    without = list(oa.chat.completions.create(model=MODEL_ID, messages=[{"role": "user", "content": QUESTION}],
                                              stream=True))
    assert all(c.choices for c in without), "no usage chunk unless asked"


@pytest.mark.parametrize("stream", [False, True])
def test_max_tokens_cuts_on_a_sentence_and_says_length(oa, stream, assistant):
    from assistant.server.openai_compat import reply_text

    full = assistant.ask(QUESTION)
    assert len([s for s in full.segments if s.cite]) >= 2
    limit = len(reply_text(full).split()) - 1  # one word too few for the whole reply
    kwargs = dict(model=MODEL_ID, messages=[{"role": "user", "content": QUESTION}], max_tokens=limit)
    if stream:
        chunks = list(oa.chat.completions.create(stream=True, **kwargs))
        text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
        finish = next(c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason)
        citations = next(c.model_extra["citations"] for c in chunks if c.choices and c.choices[0].finish_reason)
    else:
        r = oa.chat.completions.create(**kwargs)
        text, finish, citations = r.choices[0].message.content, r.choices[0].finish_reason, r.model_extra["citations"]
        assert r.usage.completion_tokens == len(text.split()) <= limit
    assert len(text.split()) <= limit
    assert finish == "length"
    body = text.split("\n\nKilder:")[0]
    kept = [s.text for s in full.segments if s.cite is not None and s.text in body]
    assert kept and body.rstrip().endswith("]"), "whole quoted sentences, each with its marker"
    assert _markers(text) == {c["n"] for c in citations}
    big = oa.chat.completions.create(model=MODEL_ID, messages=[{"role": "user", "content": QUESTION}], max_tokens=4000)
    assert big.choices[0].finish_reason == "stop"


def test_max_tokens_smaller_than_one_sentence_gives_its_first_words(oa):
    r = oa.chat.completions.create(model=MODEL_ID, messages=[{"role": "user", "content": QUESTION}], max_tokens=3)
    assert r.choices[0].finish_reason == "length" and 0 < len(r.choices[0].message.content.split()) <= 3


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
