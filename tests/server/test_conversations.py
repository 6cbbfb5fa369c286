"""Conversations: stored beside checklist sessions, per owner; listed, resumed, renamed, deleted."""
from __future__ import annotations

import pytest

from assistant.config import Config
from assistant.conversations import Conversations, title_of
from assistant.errors import AssistantError, NotFoundError

ANSWER = {"answer": "Dette står i kildene:\n\nEn setning. [1]", "query": "q", "refused": False, "trace": {"big": 1},
          "citations": [{"n": 1, "doc_id": "d", "title": "T", "authority": "A", "section": "S", "text": "En setning.",
                         "quotes": ["En setning."]}],
          "segments": [{"text": "Dette står i kildene:", "cite": None, "kind": "lead"},
                       {"text": "En setning.", "cite": 1, "kind": "sentence"}]}


@pytest.fixture
def convs(tmp_path):
    return Conversations(Config(home=tmp_path))


def test_create_list_resume_rename_delete_per_owner(convs, tmp_path):
    c = convs.create("kari", [{"question": "Hva er en regional planstrategi?", "answer": ANSWER}])
    assert c.title == "Hva er en regional planstrategi?" and c.owner == "kari" and c.turns == 1
    assert "trace" not in c.items[0]["answer"] and c.items[0]["answer"]["citations"][0]["quotes"] == ["En setning."]
    other = convs.create("ola", [{"question": "Annet", "answer": ANSWER}])
    assert [x.id for x in convs.list("kari")] == [c.id]
    assert {x.id for x in convs.list(None)} == {c.id, other.id}  # an admin, or no sign-in
    with pytest.raises(NotFoundError):
        convs.get(c.id, "ola")
    with pytest.raises(NotFoundError):
        convs.rename(c.id, "Nytt", "ola")
    saved = convs.save(c.id, [{"question": "Hva er en regional planstrategi?", "answer": ANSWER},
                              {"question": "Og så?", "answer": ANSWER}], "kari")
    assert saved.turns == 2
    assert convs.rename(c.id, "  Planstrategi\n", "kari").title == "Planstrategi"
    with pytest.raises(AssistantError):
        convs.rename(c.id, "   ", "kari")
    convs.delete(c.id, "kari")
    assert convs.list("kari") == []
    # the same database file as the checklist sessions
    assert (tmp_path / "sessions.sqlite3").exists()


def test_title_is_the_first_question_cut_short():
    assert title_of("kort") == "kort"
    long = "Hvordan kan fylkeskommunen mobilisere private investeringer i nye næringer over tid?"
    assert title_of(long).endswith("…") and len(title_of(long)) <= 60


def test_conversation_api(client):
    r = client.post("/api/conversations", json={"items": [{"question": "Hva er en regional planstrategi?", "answer": ANSWER}]})
    assert r.status_code == 201
    cid = r.json()["id"]
    assert [c["id"] for c in client.get("/api/conversations").json()] == [cid]
    assert client.get(f"/api/conversations/{cid}").json()["items"][0]["answer"]["citations"][0]["n"] == 1
    r = client.patch(f"/api/conversations/{cid}", json={"title": "Planstrategi"})
    assert r.status_code == 200 and r.json()["title"] == "Planstrategi"
    assert client.delete(f"/api/conversations/{cid}").status_code == 204
    assert client.get(f"/api/conversations/{cid}").status_code == 404


def test_a_new_turn_in_a_resumed_conversation_moves_its_time_in_the_list(tmp_path, monkeypatch):
    """The web chat's list shows a conversation's last change: a turn added after it was resumed
    gives it the new time and puts it first (checked for trial item 11: it does)."""
    from datetime import datetime

    import assistant.conversations as conversations
    from assistant.conversations import when
    from assistant.server.ui_conversations import ConversationUI

    ui = ConversationUI(Config(home=tmp_path))
    answer = {"answer": "Et svar.", "citations": []}
    clock = iter(["2026-01-05T09:00:00+00:00", "2026-01-05T10:00:00+00:00", "2026-01-05T12:30:00+00:00"])
    monkeypatch.setattr(conversations, "_now", lambda: next(clock))
    first = ui.persist([{"question": "Hva er en planstrategi?", "answer": answer}], None, None)
    ui.persist([{"question": "Hva er RIS3?", "answer": answer}], None, None)
    assert [cid for _, cid in ui.choices(None)][1] == first
    _, convo = ui.load(first, "nb", None)  # resumed, then one more turn
    ui.persist(convo + [{"question": "Hvor ofte?", "answer": answer}], first, None)
    label, cid = ui.choices(None)[0]
    assert cid == first and when(datetime.fromisoformat("2026-01-05T12:30:00+00:00")) in label
