"""The `openai` Python package as a real client of a live server."""
from __future__ import annotations

import time

import httpx
import openai
import pytest
from server_helpers import QUESTION

from assistant.server.openai_compat import MODEL_ID


@pytest.fixture(scope="module")
def oa(live_server) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{live_server.url}/v1", api_key="ikke-i-bruk", max_retries=0, timeout=120)


def test_models(oa):
    assert [m.id for m in oa.models.list()] == [MODEL_ID]


def test_chat_completion_is_grounded_with_references(oa, assistant):
    r = oa.chat.completions.create(model=MODEL_ID, messages=[{"role": "user", "content": QUESTION}])
    content = r.choices[0].message.content
    expected = assistant.ask(QUESTION)
    assert content.startswith(expected.answer)
    assert "[1]" in content and "\n\nKilder:\n[1] " in content
    assert r.choices[0].finish_reason == "stop"
    citations = r.model_extra["citations"]
    assert citations[0]["n"] == 1 and citations[0]["title"] == expected.citations[0].title
    assert citations[0]["text"] and citations[0]["quotes"]


def test_streaming_chat_completion_matches_non_streaming(oa):
    messages = [{"role": "system", "content": "Svar kort."}, {"role": "user", "content": QUESTION}]
    full = oa.chat.completions.create(model=MODEL_ID, messages=messages).choices[0].message.content
    stream = oa.chat.completions.create(model=MODEL_ID, messages=messages, stream=True)
    pieces, finish, citations = [], None, None
    for chunk in stream:
        delta = chunk.choices[0].delta
        if delta.content:
            pieces.append(delta.content)
        if chunk.choices[0].finish_reason:
            finish = chunk.choices[0].finish_reason
            citations = chunk.model_extra.get("citations")
    assert len(pieces) > 2  # it really streams
    assert "".join(pieces) == full
    assert finish == "stop" and citations and citations[0]["n"] == 1


def test_follow_up_uses_history(oa):
    first = oa.chat.completions.create(model=MODEL_ID, messages=[{"role": "user", "content": QUESTION}])
    messages = [{"role": "user", "content": QUESTION},
                {"role": "assistant", "content": first.choices[0].message.content},
                {"role": "user", "content": "Gi eksempler på det?"}]
    r = oa.chat.completions.create(model=MODEL_ID, messages=messages)
    assert r.model_extra["citations"]


def test_errors_reach_the_client(oa, live_server):
    with pytest.raises(openai.UnprocessableEntityError):
        oa.chat.completions.create(model=MODEL_ID, messages=[{"role": "user", "content": "  "}])
    with pytest.raises(openai.UnprocessableEntityError):
        oa.chat.completions.create(model=MODEL_ID, messages=[{"role": "assistant", "content": "Hei"}])


def test_wrong_key_is_rejected_by_a_keyed_server(assistant, tmp_path):
    from server_helpers import LiveServer, free_port

    from assistant.server.app import create_app

    app = create_app(assistant, assistant.config.with_(home=tmp_path, api_keys=("riktig",)), ui=False)
    with LiveServer(app, free_port()) as server:
        bad = openai.OpenAI(base_url=f"{server.url}/v1", api_key="feil", max_retries=0)
        with pytest.raises(openai.AuthenticationError):
            bad.models.list()
        good = openai.OpenAI(base_url=f"{server.url}/v1", api_key="riktig", max_retries=0)
        assert good.models.list().data[0].id == MODEL_ID


def test_api_latency(live_server, output_dir):
    """p50 of ~20 answers through the HTTP API (written to test-output for the notes)."""
    times, core = [], []
    with httpx.Client(base_url=live_server.url, timeout=60) as c:
        for i in range(20):
            t0 = time.perf_counter()
            r = c.post("/api/ask", json={"question": QUESTION if i % 2 else "Hva er smart spesialisering?"})
            times.append(time.perf_counter() - t0)
            assert r.status_code == 200
            core.append(r.json()["timings"]["total_ms"])
    times.sort()
    core.sort()
    p50, p90 = times[len(times) // 2], times[int(len(times) * 0.9)]
    (output_dir / "api-latency.txt").write_text(f"n=20 p50={p50 * 1000:.0f} ms p90={p90 * 1000:.0f} ms max={times[-1] * 1000:.0f} ms"
                                              f" (core total_ms p50={core[len(core) // 2]:.0f} ms)\n")
    assert p50 < 10
