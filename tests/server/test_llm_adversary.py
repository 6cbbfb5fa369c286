"""Written answers against an adversarial model server of our own (assistant/evaluation/adversary.py):
an OpenAI-compatible app on 127.0.0.1, started and stopped here, that answers with scripted mixes of
supported and invented sentences, wrong and missing markers and injected instructions. No invented
sentence may reach the user, by any route; failures of the model give the quotes with a notice."""
from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from assistant.config import LLMSettings
from assistant.core import Assistant
from assistant.evaluation.adversary import AdversaryServer, free_port
from server_helpers import QUESTION
from assistant.generation.guard import NOT_CLAIMS, markers

QUESTIONS = {"nb": "Hva er smart spesialisering?", "en": "What is smart specialisation?",
             "sv": "Vad är smart specialisering?"}
NOTICES = {"nb": "sitatene fra kildene", "en": "the quotes from the sources", "sv": "citaten från källorna"}


@pytest.fixture(scope="module")
def server() -> Iterator[AdversaryServer]:
    with AdversaryServer() as s:
        yield s


def writer(assistant: Assistant, url: str, script: str, **settings) -> Assistant:
    """An assistant over the same index that writes its answers with the scripted model."""
    llm = LLMSettings(backend="openai", base_url=url, model=script, **{"timeout": 20, "retries": 0, **settings})
    return Assistant(assistant.config.with_(llm=llm))


def texts(answer) -> list[str]:
    return [markers(s.text)[0] for s in answer.segments]


def assert_nothing_invented(shown: list[str], server: AdversaryServer) -> None:
    invented = server.invented()
    assert invented, "the script wrote no invented sentence"
    leaked = [s for s in shown if len(s) > 3 and any(i in s or s in i for i in invented)]
    assert not leaked, f"invented sentences reached the user: {leaked}"


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_mixed_script_no_invented_sentence_survives(assistant, server, lang):
    answer = writer(assistant, server.url, "mixed").ask(QUESTIONS[lang])
    assert answer.mode in ("generative", "extractive-fallback")
    gen = answer.trace.generation
    assert gen.raw and len(gen.sentences) >= 5
    assert_nothing_invented(texts(answer), server)
    for v in gen.sentences:  # every verdict is in the trace, with its score and reason
        assert v.supported == (v.reason == "") and (v.score is not None or v.reason in (*NOT_CLAIMS, "unknown_citation", "language"))
    assert any(v.reason == "unknown_citation" for v in gen.sentences)
    if answer.mode == "generative":  # every kept sentence (copied by the script) stands in the passage it cites
        assert all(s.cite is not None for s in answer.segments)
        for seg in answer.segments:
            assert " ".join(seg.text.split()) in " ".join(answer.citations[seg.cite - 1].text.split())
        assert {c.n for c in answer.citations} == {s.cite for s in answer.segments}
        assert [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))


def test_copied_sentences_without_markers_get_their_passage(assistant, server):
    # a question the bokmål guide answers: copied sentences are in the question's language
    answer = writer(assistant, server.url, "copy").ask(QUESTION)
    assert answer.mode == "generative"
    assert answer.segments and all(s.cite is not None for s in answer.segments)
    for seg in answer.segments:  # the attached passage holds the copied sentence
        cited = answer.citations[seg.cite - 1]
        assert " ".join(seg.text.split()) in " ".join(cited.text.split())


@pytest.mark.parametrize("lang", ["nb", "sv"])
def test_only_invented_sentences_give_the_quotes_with_a_notice(assistant, server, lang):
    answer = writer(assistant, server.url, "invented").ask(QUESTIONS[lang])
    assert answer.mode == "extractive-fallback" and answer.trace.generation.fallback == "unsupported"
    assert NOTICES[lang] in answer.segments[0].text and answer.segments[0].cite is None
    assert_nothing_invented(texts(answer), server)
    assert answer.citations and all(c.quotes for c in answer.citations)


@pytest.mark.parametrize("script,settings,reason", [
    ("slow", {"timeout": 0.5}, "timeout"),
    ("error", {}, "error"),
    ("garbage", {}, "error"),
])
def test_model_failures_give_the_quotes(assistant, server, script, settings, reason):
    answer = writer(assistant, server.url, script, **settings).ask(QUESTIONS["en"])
    assert answer.mode == "extractive-fallback"
    assert answer.trace.generation.fallback in (reason, "error", "timeout")
    assert NOTICES["en"] in answer.answer and answer.citations


def test_refused_connection_gives_the_quotes(assistant):
    answer = writer(assistant, f"http://127.0.0.1:{free_port()}/v1", "mixed", retries=1).ask(QUESTIONS["nb"])
    assert answer.mode == "extractive-fallback" and answer.trace.generation.fallback == "error"
    assert NOTICES["nb"] in answer.answer


def test_a_refusal_is_never_sent_to_the_model(assistant, server):
    question = "Hvem vant fotball-VM i 1998?"
    answer = writer(assistant, server.url, "mixed").ask(question)
    assert answer.refused and answer.mode == "extractive"
    assert not any(r.question == question for r in server.log)


def test_marked_mode_shows_unsupported_sentences_marked(assistant, server):
    answer = writer(assistant, server.url, "mixed", unsupported="mark").ask(QUESTIONS["nb"])
    marked = [s.text for s in answer.segments if s.text.endswith("(ikke støttet av kildene)")]
    if answer.mode == "generative":
        assert marked and all(s.cite is None for s in answer.segments if s.text in marked)


def test_follow_up_is_condensed_by_the_model(assistant, server):
    a = writer(assistant, server.url, "copy")
    first = a.ask("Hva skal planprogrammet gjøre rede for?")
    answer = a.ask("Hvor lang er høringsfristen?", [{"role": "user", "content": "Hva skal planprogrammet gjøre rede for?"},
                                                    first.as_turn()])
    plan = answer.trace.plan
    assert plan.follow_up and plan.search_query.startswith("Hva skal planprogrammet")


def _sse(text: str) -> list[tuple[str, dict]]:
    out = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.split("\n") if ": " in line)
        out.append((lines.get("event", ""), json.loads(lines.get("data", "{}"))))
    return out


def test_api_stream_sends_only_guarded_sentences(assistant, server, tmp_path):
    from fastapi.testclient import TestClient

    from assistant.server.app import create_app

    a = writer(assistant, server.url, "mixed")
    client = TestClient(create_app(a, a.config.with_(home=tmp_path / "home"), ui=False))
    r = client.post("/api/ask/stream", json={"question": QUESTIONS["en"]})
    assert r.status_code == 200
    events = _sse(r.text)
    assert events[-1][0] == "done" and events[-1][1]["answer"]["mode"] in ("generative", "extractive-fallback")
    shown = [markers(d["text"])[0] for e, d in events if e == "segment"]  # everything ever sent, resets included
    assert shown
    assert_nothing_invented(shown, server)


def test_openai_stream_sends_only_guarded_sentences(assistant, server, tmp_path):
    from fastapi.testclient import TestClient

    from assistant.server.app import create_app

    a = writer(assistant, server.url, "mixed")
    client = TestClient(create_app(a, a.config.with_(home=tmp_path / "home"), ui=False))
    r = client.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": QUESTIONS["nb"]}],
                                                  "stream": True})
    chunks = [json.loads(line[6:]) for line in r.text.splitlines() if line.startswith("data: {")]
    content = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks if c.get("choices"))
    assert len([c for c in chunks if c.get("choices") and c["choices"][0]["delta"].get("content")]) >= 2
    assert chunks[-1]["mode"] in ("generative", "extractive-fallback") and chunks[-1]["citations"]
    body = content.split("\n\nKilder:")[0]
    assert_nothing_invented([markers(line)[0] for line in body.replace(". ", ".\n").splitlines() if line.strip()],
                            server)


@pytest.mark.parametrize("limit", [1, 60])
def test_openai_written_answer_cut_to_max_tokens_keeps_sources(assistant, server, tmp_path, limit):
    """A written answer streamed with max_tokens: whole sentences, each [n] with its sources line,
    and the reply streams in more than one piece."""
    import re

    from fastapi.testclient import TestClient

    from assistant.server.app import create_app

    a = writer(assistant, server.url, "mixed")
    client = TestClient(create_app(a, a.config.with_(home=tmp_path / "home"), ui=False))
    r = client.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": QUESTIONS["nb"]}],
                                                  "stream": True, "max_tokens": limit})
    chunks = [json.loads(line[6:]) for line in r.text.splitlines() if line.startswith("data: {")]
    content = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks if c.get("choices"))
    last = chunks[-1]
    assert last["choices"][0]["finish_reason"] in ("length", "stop")
    body, _, sources = content.partition("\n\nKilder:\n")
    cited = {int(n) for n in re.findall(r"\[(\d+)\]", body)}
    assert cited and cited == {int(n) for n in re.findall(r"^\[(\d+)\] ", sources, re.M)}
    assert cited == {c["n"] for c in last["citations"]} and body.rstrip().endswith("]")
