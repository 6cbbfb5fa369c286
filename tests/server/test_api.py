"""The JSON API over HTTP (in-process TestClient): schemas, streaming and every error path."""
from __future__ import annotations

import os

from assistant.models import Answer, DocumentInfo

from server_helpers import QUESTION, parse_sse


def test_health_and_ready(client, assistant):
    assert client.get("/healthz").json() == {"status": "ok"}
    r = client.get("/readyz")
    assert r.status_code == 200 and r.json() == {"status": "ready", "index": assistant.index_version, "worker": os.getpid()}
    assert r.json()["index"] == (assistant.config.index_dir / "e5" / "current").read_text().strip()


def test_readyz_is_503_without_an_index(tmp_path, assistant):
    from fastapi.testclient import TestClient

    from assistant.core import Assistant
    from assistant.server.app import create_app

    empty = Assistant(assistant.config.with_(home=tmp_path / "empty"))
    c = TestClient(create_app(empty, ui=False), raise_server_exceptions=False)
    r = c.get("/readyz")
    assert r.status_code == 503 and r.json()["status"] == "not ready"
    assert c.get("/healthz").status_code == 200


def test_ask_returns_an_answer_with_citations(client):
    r = client.post("/api/ask", json={"question": QUESTION, "history": []})
    assert r.status_code == 200
    answer = Answer.model_validate(r.json())
    assert not answer.refused
    assert answer.citations and answer.citations[0].n == 1
    assert "[1]" in answer.answer
    assert set(r.json()) >= set(Answer.model_fields)  # same fields as the Python API


def test_ask_with_history_reports_the_search_query(client):
    """A follow-up that needs the earlier turn reports that it was searched with it; the trace
    says so too. Without history the question is searched as it is."""
    earlier = "Hva er en regional planstrategi?"
    history = [{"role": "user", "content": earlier}, {"role": "assistant", "content": "…"}]
    r = client.post("/api/ask", json={"question": "Hvor ofte skal den utarbeides?", "history": history})
    assert r.status_code == 200
    body = r.json()
    alone = client.post("/api/ask", json={"question": "Hvor ofte skal den utarbeides?"}).json()
    assert alone["query"] == "Hvor ofte skal den utarbeides?" and not alone["trace"]["plan"]["follow_up"]
    assert [h["passage_id"] for h in body["trace"]["hits"]] != [h["passage_id"] for h in alone["trace"]["hits"]]
    # shown as searched with the earlier turn exactly when that turn brought a best passage the
    # question alone did not rank in its top three
    changed = body["trace"]["hits"][0]["passage_id"] not in [h["passage_id"] for h in alone["trace"]["hits"][:3]]
    assert body["trace"]["plan"]["follow_up"] == changed == (earlier in body["query"])


def test_stream_sends_segments_then_citations_then_done(client):
    with client.stream("POST", "/api/ask/stream", json={"question": QUESTION}) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        events = parse_sse(r.read().decode())
    kinds = [e for e, _ in events]
    assert kinds[0] == "segment" and kinds[-2:] == ["citations", "done"]
    assert set(kinds[:-2]) == {"segment"}
    assert any(d["cite"] == 1 for e, d in events if e == "segment")
    done = Answer.model_validate(events[-1][1]["answer"])
    assert [c.n for c in done.citations] == [c["n"] for c in events[-2][1]["citations"]]


def test_documents(client):
    r = client.get("/api/documents")
    assert r.status_code == 200
    docs = [DocumentInfo.model_validate(d) for d in r.json()]
    assert {d.id for d in docs} >= {"veileder-2018-kap5-utdrag"}
    assert all(d.authority for d in docs)
    p = client.get("/api/documents/veileder-2018-kap5-utdrag/passages")
    assert p.status_code == 200 and p.json()[0]["doc_id"] == "veileder-2018-kap5-utdrag"
    missing = client.get("/api/documents/finnes-ikke/passages")
    assert missing.status_code == 404 and missing.json()["type"] == "NotFoundError"


def test_openapi_documents_the_api(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    for path in ("/api/ask", "/api/ask/stream", "/api/documents", "/healthz", "/readyz",
                 "/v1/chat/completions", "/v1/models", "/api/feedback"):
        assert path in paths
    assert client.get("/api/docs").status_code == 200


# -- errors -------------------------------------------------------------------------------


def assert_error(r, status: int, kind: str | None = None) -> dict:
    assert r.status_code == status, r.text
    body = r.json()
    assert isinstance(body["error"], str) and body["error"]
    assert "Traceback" not in r.text
    if kind:
        assert body["type"] == kind
    return body


def test_empty_question_is_422(client):
    body = assert_error(client.post("/api/ask", json={"question": "   "}), 422, "InputError")
    assert "tomt" in body["error"]
    assert_error(client.post("/api/ask/stream", json={"question": ""}), 422, "InputError")


def test_missing_field_is_422(client):
    assert_error(client.post("/api/ask", json={"history": []}), 422, "ValidationError")
    assert_error(client.post("/api/ask", json={"question": "Hei", "history": [{"role": "system", "content": "x"}]}), 422)


def test_too_long_question_is_422_and_oversized_body_413(client, assistant):
    limit = assistant.config.max_question_chars
    body = assert_error(client.post("/api/ask", json={"question": "a" * (limit + 1)}), 422, "InputError")
    assert str(limit) in body["error"]
    assert_error(client.post("/api/ask", json={"question": "x" * 400_000}), 413, "PayloadTooLarge")


def test_bad_json_is_400(client):
    r = client.post("/api/ask", content=b'{"question": ', headers={"Content-Type": "application/json"})
    assert_error(r, 400, "BadRequest")


def test_api_keys(make_client):
    c = make_client(api_keys=("hemmelig",))
    assert_error(c.post("/api/ask", json={"question": QUESTION}), 401, "AuthenticationError")
    assert_error(c.get("/api/documents", headers={"Authorization": "Bearer feil"}), 401)
    assert_error(c.get("/v1/models", headers={"Authorization": "Bearer feil"}), 401)
    assert c.get("/api/documents", headers={"Authorization": "Bearer hemmelig"}).status_code == 200
    assert c.get("/healthz").status_code == 200  # probes stay open


def test_rate_limit_is_429(make_client):
    c = make_client(rate_limit=3)
    codes = [c.get("/api/documents").status_code for _ in range(5)]
    assert codes[:3] == [200, 200, 200] and codes[3] == 429
    r = c.get("/api/documents")
    assert_error(r, 429, "RateLimitError")
    assert int(r.headers["retry-after"]) >= 1
    assert c.get("/healthz").status_code == 200


def test_internal_errors_have_no_stack_trace(tmp_path):
    from fastapi.testclient import TestClient

    from assistant.config import Config
    from assistant.server.app import create_app

    class Broken:
        config = Config(home=tmp_path)

        def ask(self, *a, **k):
            raise RuntimeError("secret internal detail /etc/passwd")

    c = TestClient(create_app(Broken(), ui=False), raise_server_exceptions=False)
    r = c.post("/api/ask", json={"question": "Hei"})
    body = assert_error(r, 500, "InternalError")
    assert "secret" not in r.text and "RuntimeError" not in r.text
    assert body["error"].startswith("Intern feil")


def test_unknown_route_is_json_404(client):
    assert_error(client.get("/api/finnes-ikke"), 404)


def test_unknown_api_paths_and_wrong_methods_get_the_apps_json_with_the_ui_mounted(assistant, tmp_path):
    """The Gradio app at `/` must not answer for /api or /v1: 404 for a path no route has, 405
    (with Allow) for a method a route does not take, both as {error, type} in the client's language."""
    from fastapi.testclient import TestClient

    from assistant.server.app import create_app

    c = TestClient(create_app(assistant, assistant.config.with_(home=tmp_path / "home")), raise_server_exceptions=False)
    en = {"Accept-Language": "en"}
    for path in ("/api/nope", "/v1/nope", "/api", "/api/checklists/nope/items/x/y"):
        body = assert_error(c.get(path, headers=en), 404, "NotFound")
        assert body["error"] == "No such address.", (path, body)
    r = c.delete("/api/ask", headers=en)
    assert assert_error(r, 405, "MethodNotAllowed")["error"] == "The method is not allowed here."
    assert r.headers["allow"] == "POST"
    assert_error(c.get("/v1/chat/completions"), 405, "MethodNotAllowed")
    assert c.post("/api/ask", json={"question": QUESTION}).status_code == 200
    assert c.get("/api/documents").status_code == 200 and c.get("/").status_code == 200


def test_cors_allow_list(make_client):
    c = make_client(cors_origins=("https://intranett.example",))
    pre = c.options("/api/ask/stream", headers={"Origin": "https://intranett.example", "Access-Control-Request-Method": "POST",
                                                "Access-Control-Request-Headers": "content-type"})
    assert pre.status_code == 200
    assert pre.headers["access-control-allow-origin"] == "https://intranett.example"
    other = c.options("/api/ask", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in other.headers


def test_a_page_on_an_origin_not_allowed_gets_no_answer(make_client):
    """A browser call from another origin not in ASSISTANT_CORS_ORIGINS, a local address included
    (Gradio's own CORS rule lets those read responses), is refused before any answer is computed;
    the same origin, an allowed one and clients without Origin are answered."""
    c = make_client(cors_origins=("https://intranett.example",))
    for origin in ("http://127.0.0.1:7878", "https://evil.example"):
        r = c.post("/api/ask", json={"question": QUESTION}, headers={"Origin": origin, "Accept-Language": "en"})
        body = assert_error(r, 403, "OriginNotAllowed")
        assert body["error"] == f"The page on {origin} may not use the API. Add its address to ASSISTANT_CORS_ORIGINS."
        assert c.get("/v1/models", headers={"Origin": origin}).status_code == 403
    for headers in ({"Origin": "https://intranett.example"}, {"Origin": "http://testserver"}, {}):
        assert c.post("/api/ask", json={"question": QUESTION}, headers=headers).status_code == 200, headers
    pre = c.options("/api/ask", headers={"Origin": "http://127.0.0.1:7878", "Access-Control-Request-Method": "POST"})
    assert pre.status_code != 403  # the pre-flight is the CORS middleware's to answer


def test_feedback_endpoint_stores_and_exports(client, tmp_path):
    from assistant.feedback import FeedbackStore

    answer = client.post("/api/ask", json={"question": QUESTION}).json()
    r = client.post("/api/feedback", json={"question": QUESTION, "answer": answer, "rating": 1, "comment": "Nyttig"})
    assert r.status_code == 200
    rows = list(FeedbackStore(tmp_path / "home" / "feedback.sqlite3").rows())
    assert rows[0]["id"] == r.json()["id"] and rows[0]["rating"] == 1 and rows[0]["comment"] == "Nyttig"
    assert rows[0]["citations"][0]["n"] == 1
    assert_error(client.post("/api/feedback", json={"question": QUESTION, "answer": answer, "rating": 5}), 422)


def test_widget_assets(client):
    js = client.get("/widget.js")
    assert js.status_code == 200 and "javascript" in js.headers["content-type"]
    assert "innerHTML" not in js.text  # all text goes in with textContent
    page = client.get("/widget?lang=sv")
    assert page.status_code == 200 and "widget.js" in page.text and 'data-lang="sv"' in page.text
    assert "Lägg in på en intranätsida" in page.text and "Legg inn" not in page.text
    en = client.get("/widget?lang=en").text
    assert "<title>Widget – Smart specialisation – advisory assistant</title>" in en
    assert "Add it to an intranet page" in en and "Legg inn" not in en and "innlogging" not in en
    assert '&lt;script src="http://testserver/widget.js" data-lang="en"&gt;' in en
    assert "Legg inn på en intranettside" in client.get("/widget").text


def test_a_long_chat_is_not_refused_its_last_turns_are_used(client):
    """42 turns (21 exchanges) is an ordinary long chat: accepted, and only the last turns are used."""
    history = [{"role": r, "content": f"Tur {n}: planstrategi"} for n in range(21) for r in ("user", "assistant")]
    r = client.post("/api/ask", json={"question": "Hva er en regional planstrategi?", "history": history})
    assert r.status_code == 200, r.text
    too_many = history * 5  # 210 turns: not a conversation
    assert client.post("/api/ask", json={"question": "Hva?", "history": too_many}).status_code == 422


def test_errors_follow_accept_language_and_keep_their_type(make_client):
    """`error` is in the client's language (Accept-Language: nb by default, sv, en); `type` is the
    same in every language, from the handlers and from the middleware alike."""
    client = make_client(api_keys=("k",))
    key = {"Authorization": "Bearer k"}
    cases = [  # (request, status, type, the message in nb, sv, en)
        (lambda h: client.post("/api/ask", json={"question": "  "}, headers={**key, **h}), 422, "InputError",
         ("Spørsmålet er tomt", "Frågan är tom", "The question is empty")),
        (lambda h: client.post("/api/ask", content=b"{", headers={**key, "Content-Type": "application/json", **h}),
         400, "BadRequest", ("Ugyldig JSON", "Ogiltig JSON", "Invalid JSON")),
        (lambda h: client.get("/api/finnes-ikke", headers={**key, **h}), 404, "NotFound",
         ("Fant ikke adressen", "Adressen hittades inte", "No such address")),
        (lambda h: client.get("/api/sessions/nei", headers={**key, **h}), 404, "NotFoundError",
         ("Fant ingen økt med id «nei».", "Hittade ingen session med id «nei».", "No session with id «nei» was found.")),
        (lambda h: client.get("/api/documents", headers=h), 401, "AuthenticationError",
         ("Mangler eller ugyldig API-nøkkel", "API-nyckel saknas", "Missing or invalid API key")),
    ]
    for send, status, kind, messages in cases:
        for header, expected in zip((None, "sv-SE,sv;q=0.9", "en-US,en;q=0.8,nb;q=0.5"), messages):
            r = send({"Accept-Language": header} if header else {})
            assert r.status_code == status and r.json()["type"] == kind, r.text
            assert r.json()["error"].startswith(expected), (header, r.json())
