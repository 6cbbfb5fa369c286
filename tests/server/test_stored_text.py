"""Issue 18 (requests), items 4 and 5: every text a client stores or sends is cleaned as a
question is, through the HTTP API and the OpenAI endpoint.

Stored text (conversation titles, the questions and answers of a conversation's turns, feedback
comments and the answer a feedback is about, checklist session names, notes and owners) loses
control characters, as notes always have. Unicode format characters (category Cf: bidi overrides,
embeddings and isolates, zero-width characters, BOM) are removed wherever user text enters: what is
stored, the question and the `query` echoed back, from the question or from a history turn. A
zero-width joiner inside an emoji sequence is kept, and so are Arabic and Hebrew letters.
"""
from __future__ import annotations

import json
import unicodedata

import openai
import pytest
from server_helpers import QUESTION

from assistant.server.openai_compat import MODEL_ID

DIRT = "\u0000\u001b[2J\u007f\u0085\u202e\u2066\u200b\u200d\u200e\ufeff\u00ad\U000e0041"
ANSWER = {"answer": f"Svar{DIRT}. [1]", "query": f"spørring{DIRT}", "refused": False,
          "citations": [{"n": 1, "doc_id": "d", "title": f"Tittel{DIRT}", "authority": "A", "section": "S",
                         "text": f"Tekst{DIRT}", "quotes": [f"Sitat{DIRT}"]}],
          "segments": [{"text": f"Svar{DIRT}.", "cite": 1, "kind": "sentence"}], "suggestions": [f"Forslag{DIRT}"]}


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _dirty(text: str) -> list[str]:
    """The characters in `text` no stored or echoed user text may hold."""
    return [hex(ord(c)) for c in text if c == "\x1b" or unicodedata.category(c) in ("Cc", "Cf") and c != "\n"]


def test_a_stored_conversation_holds_only_text(client):
    r = client.post("/api/conversations", json={"title": f"Tittel{DIRT}ok",
                                                "items": [{"question": f"hei{DIRT}du", "answer": ANSWER}]})
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    stored = client.get(f"/api/conversations/{cid}").json()
    assert stored["title"] == "Tittel[2Jok"
    item = stored["items"][0]
    assert item["question"] == "hei[2Jdu"
    assert item["answer"]["answer"] == "Svar[2J. [1]" and item["answer"]["citations"][0]["quotes"] == ["Sitat[2J"]
    assert not [d for s in _strings(stored) for d in _dirty(s)]
    r = client.patch(f"/api/conversations/{cid}", json={"title": f"Ny\u202e{DIRT}", "items": [
        {"question": f"igjen{DIRT}", "answer": ANSWER}, {"question": "to", "answer": None}]})
    assert r.status_code == 200
    stored = client.get(f"/api/conversations/{cid}").json()
    assert stored["title"] == "Ny[2J" and stored["items"][0]["question"] == "igjen[2J"
    assert not [d for s in _strings(stored) for d in _dirty(s)]
    listed = client.get("/api/conversations").json()
    assert [c["title"] for c in listed] == ["Ny[2J"]


def test_an_emoji_sequence_and_right_to_left_letters_are_kept(client):
    r = client.post("/api/conversations", json={"title": "Team 👩\u200d💻 שלום عربي", "items": []})
    assert r.status_code == 201 and r.json()["title"] == "Team 👩\u200d💻 שלום عربي"


def test_feedback_stores_its_comment_and_answer_as_text(client, tmp_path):
    from assistant.feedback import FeedbackStore

    r = client.post("/api/feedback", json={"question": f"Spørsmål{DIRT}", "answer": ANSWER, "rating": -1,
                                           "comment": f"Kommentar\u202e{DIRT}"})
    assert r.status_code == 200, r.text
    [row] = [x for x in FeedbackStore(client.app.state.feedback.path).rows() if x["id"] == r.json()["id"]]
    assert row["comment"] == "Kommentar[2J" and row["question"] == "Spørsmål[2J"
    assert not [d for s in _strings(row) for d in _dirty(s)]


def test_session_names_notes_and_owners_over_http(client):
    checklist = client.get("/api/checklists").json()[0]["id"]
    sid = client.post(f"/api/checklists/{checklist}/sessions", json={"name": f"Økt\u202e{DIRT}"}).json()["session"]["id"]
    item = client.get(f"/api/checklists/{checklist}").json()["items"][0]["id"]
    r = client.patch(f"/api/sessions/{sid}/items/{item}", json={"status": "nei", "note": f"Notat{DIRT}",
                                                                 "owner": f"Kari\u2067 | Ola{DIRT}"})
    assert r.status_code == 200, r.text
    session = client.get(f"/api/sessions/{sid}").json()["session"]
    assert session["name"] == "Økt[2J"
    assert (session["states"][item]["note"], session["states"][item]["owner"]) == ("Notat[2J", "Kari | Ola[2J")
    md = client.get(f"/api/sessions/{sid}/report").text
    assert "Kari \\| Ola" in md and not _dirty(md.replace("\n", ""))


@pytest.mark.parametrize("char", ["\u202e", "\u200d", "\ufeff", "\u2066", "\u200b", "\u00ad", "\u200f"])
def test_format_characters_are_not_echoed_in_query(client, char):
    plain = client.post("/api/ask", json={"question": QUESTION}).json()
    r = client.post("/api/ask", json={"question": QUESTION.replace("fylkeskommunen", f"fylkes{char}kommunen")})
    assert r.status_code == 200 and char not in r.json()["query"]
    assert r.json()["query"] == plain["query"] and r.json()["answer"] == plain["answer"]
    # a history turn: the same answer and query as without the characters, and none echoed (a follow-up
    # searched with the earlier turn echoes that turn's query: the trial saw U+200D and U+FEFF come back;
    # that the query is tidied is checked below, as this corpus makes no follow-up of it)
    earlier, question = "Hva er en regional planstrategi?", "Hvor ofte skal den utarbeides?"
    history = [{"role": "user", "content": f"{char}{earlier}"},
               {"role": "assistant", "content": "…", "query": f"{char}regional{char} planstrategi{char} rullering"}]
    follow = client.post("/api/ask", json={"question": question, "history": history})
    clean = client.post("/api/ask", json={"question": question, "history": [
        {"role": "user", "content": earlier}, {"role": "assistant", "content": "…",
                                               "query": "regional planstrategi rullering"}]}).json()
    assert follow.status_code == 200 and follow.json()["query"] == clean["query"] and char not in clean["query"]
    assert follow.json()["answer"] == clean["answer"]
    streamed = client.post("/api/ask/stream", json={"question": question, "history": history})
    done = [json.loads(line[5:]) for line in streamed.text.splitlines() if line.startswith("data:") and '"done"' in line]
    assert done and char not in json.dumps(done, ensure_ascii=False)


@pytest.mark.parametrize("char", ["\u202e", "\u200d", "\ufeff", "\u2066", "\u200b"])
def test_a_history_turn_sends_back_its_query_tidied_as_a_question(char):
    from assistant.validation import validate_history

    [user, turn] = validate_history([{"role": "user", "content": f"{char}Hva er RIS3?"},
                                     {"role": "assistant", "content": "…", "query": f"Hva{char} er RIS3?{char}"}])
    assert (user.content, turn.query) == ("Hva er RIS3?", "Hva er RIS3?")


def test_format_characters_in_openai_messages_change_nothing(live_server):
    oa = openai.OpenAI(base_url=f"{live_server.url}/v1", api_key="ikke-i-bruk", max_retries=0, timeout=120)
    plain = oa.chat.completions.create(model=MODEL_ID, messages=[{"role": "user", "content": QUESTION}])
    marked = oa.chat.completions.create(model=MODEL_ID, messages=[
        {"role": "user", "content": f"\ufeff{QUESTION}\u202e"}])
    assert marked.choices[0].message.content == plain.choices[0].message.content
    follow = [{"role": "user", "content": QUESTION}, {"role": "assistant", "content": plain.choices[0].message.content},
              {"role": "user", "content": "Gi eksempler på det?"}]
    dirty = [{**m, "content": f"\u2066{m['content']}\u200d\u202e"} for m in follow]
    a = oa.chat.completions.create(model=MODEL_ID, messages=follow).choices[0].message.content
    b = oa.chat.completions.create(model=MODEL_ID, messages=dirty).choices[0].message.content
    assert a == b and not _dirty(b.replace("\n", ""))
