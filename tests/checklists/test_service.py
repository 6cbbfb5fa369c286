"""Sessions, answers and navigation through the service, on a real SQLite file."""
from __future__ import annotations

from datetime import date

import pytest

from assistant.checklists import ChecklistService, normalise_status
from assistant.checklists.models import MAX_NOTE_CHARS
from assistant.errors import ChecklistError, NotFoundError


def test_start_update_and_read_back(service):
    s = service.start_session("oppstart", "Næringsplan 2025", created_by="kari")
    assert s.checklist_id == "oppstart" and s.name == "Næringsplan 2025" and s.states == {}
    state = service.update_item(s.id, "opp-org-01", status="delvis", note="Mangler NHO", owner="Kari",
                                due="31.03.2025", updated_by="kari")
    assert (state.status, state.note, state.owner, state.due) == ("delvis", "Mangler NHO", "Kari", date(2025, 3, 31))
    again = service.get_session(s.id).state("opp-org-01")
    assert again.status == "delvis" and again.updated_by == "kari" and again.updated_at is not None
    assert service.progress(s.id).label == "1 av 24"


def test_partial_updates_keep_other_fields_and_empty_string_clears(service):
    s = service.start_session("analyse", "A")
    service.update_item(s.id, "ana-nl-01", status="nei", note="Ingen analyse", owner="Ola", due="2025-01-01")
    service.update_item(s.id, "ana-nl-01", status="ja")
    st = service.get_session(s.id).state("ana-nl-01")
    assert (st.status, st.note, st.owner, st.due) == ("ja", "Ingen analyse", "Ola", date(2025, 1, 1))
    service.update_item(s.id, "ana-nl-01", note="", owner="", due="")
    st = service.get_session(s.id).state("ana-nl-01")
    assert (st.status, st.note, st.owner, st.due) == ("ja", "", "", None)


def test_sessions_survive_a_new_service_on_the_same_home(config):
    first = ChecklistService(config)
    s = first.start_session("oppstart", "Varig")
    first.update_item(s.id, "opp-pp-02", status="ja")
    second = ChecklistService(config)
    assert second.get_session(s.id).state("opp-pp-02").status == "ja"
    assert [x.id for x in second.list_sessions()] == [s.id]


def test_list_rename_delete_and_lookup_by_name(service):
    a = service.start_session("oppstart", "Team A")
    b = service.start_session("analyse", "Team B")
    service.update_item(b.id, "ana-for-01", status="ja")
    rows = {r.id: r for r in service.list_sessions()}
    assert rows[b.id].progress == "1 av 33" and rows[a.id].progress == "0 av 24"
    assert [r.id for r in service.list_sessions("analyse")] == [b.id]
    assert service.rename(a.id, "Team A – vår").name == "Team A – vår"
    assert service.get_session("Team A – vår").id == a.id
    service.delete(b.id)
    with pytest.raises(NotFoundError):
        service.get_session(b.id)
    assert [r.id for r in service.list_sessions()] == [a.id]


@pytest.mark.parametrize("value,expected", [("j", "ja"), ("Delvis", "delvis"), ("NEI", "nei"),
                                            ("ikke_relevant", "ikke relevant"), ("ikke  relevant", "ikke relevant")])
def test_status_aliases(value, expected):
    assert normalise_status(value) == expected


def test_bad_input_is_a_clear_error_and_loses_nothing(service):
    s = service.start_session("oppstart", "Feil")
    service.update_item(s.id, "opp-org-02", status="ja", note="Avklart")
    with pytest.raises(ChecklistError, match="Ugyldig status.*«ja», «delvis», «nei», «ikke relevant»"):
        service.update_item(s.id, "opp-org-02", status="kanskje", note="skal ikke lagres")
    with pytest.raises(ChecklistError, match="5000 tegn"):
        service.update_item(s.id, "opp-org-02", note="x" * (MAX_NOTE_CHARS + 1))
    with pytest.raises(ChecklistError, match="Ugyldig frist"):
        service.update_item(s.id, "opp-org-02", due="neste uke")
    with pytest.raises(NotFoundError, match="ikke noe punkt «org-99»"):
        service.update_item(s.id, "org-99", status="ja")
    with pytest.raises(NotFoundError, match="Ukjent sjekkliste"):
        service.start_session("finnes-ikke", "x")
    with pytest.raises(NotFoundError, match="Fant ingen økt"):
        service.update_item("0000dead", "opp-org-02", status="ja")
    st = service.get_session(s.id).state("opp-org-02")
    assert (st.status, st.note) == ("ja", "Avklart")
    service.update_item(s.id, "opp-org-02", note="x" * MAX_NOTE_CHARS)  # the limit itself is fine


def test_navigation_and_resume_point(service):
    s = service.start_session("organisering", "Nav")
    assert service.resume_index(s.id) == 0
    for item_id in ("org-01", "org-02", "org-04"):
        service.update_item(s.id, item_id, status="ja")
    assert service.resume_index(s.id) == 2  # first unanswered: org-03
    assert service.next_index(s.id, 5) == 6 and service.next_index(s.id, 6) is None
    assert service.prev_index(s.id, 0) == 0 and service.prev_index(s.id, 3) == 2
    assert service.jump(s.id, "7") == 6 and service.jump(s.id, "org-05") == 4
    with pytest.raises(NotFoundError, match="Punkt 8 finnes ikke"):
        service.jump(s.id, 8)
    for item_id in ("org-03", "org-05", "org-06", "org-07"):
        service.update_item(s.id, item_id, status="nei")
    assert service.progress(s.id).done and service.resume_index(s.id) == 6


def test_explain_asks_the_assistant_with_the_items_words(service):
    """`explain` passes the item's words (with its help, lead-in first for a fragment) to `Assistant.ask`."""
    from assistant.models import Answer

    class Recorder:  # stands in for the Assistant: only `ask` is part of the contract here
        def __init__(self):
            self.asked = []

        def ask(self, question, history=()):
            self.asked.append(question)
            return Answer(answer="…", query=question)

    rec = Recorder()
    item = service.get_item("oppstart", "opp-pp-06")
    assert service.explain(item, assistant=rec).query == "Planprogrammet skal gjøre rede for (§ 4-1) behovet for utredninger"
    service.explain(service.get_item("analyse", "ana-rg-01"), assistant=rec)
    assert rec.asked[-1] == "Hvilke naturressurser finnes i regionen?"
    service.explain(service.get_item("oppstart", "opp-sh-01"), assistant=rec)
    assert rec.asked[-1] == ("Fylkeskommunen skal samarbeide med alle berørte kommuner og statlige myndigheter. "
                             "Disse har rett og plikt til å delta i planleggingen (§ 8-3).")
