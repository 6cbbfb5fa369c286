"""Sessions, answers and navigation through the service, on a real SQLite file."""
from __future__ import annotations

from datetime import date

import pytest

from assistant.checklists import ChecklistService, normalise_status
from assistant.checklists.models import MAX_NOTE_CHARS
from assistant.errors import ChecklistError, NotFoundError



@pytest.fixture
def config(backend_config):
    """Every test here runs on SQLite and on PostgreSQL."""
    return backend_config


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


def test_explain_quotes_the_items_section_not_the_item(service):
    """«Forklar» quotes the guide text around the item (its section), never the checklist's own
    questions, and cites it like a chat answer."""
    import numpy as np

    from assistant.models import DocumentInfo, Hit, Passage

    item = service.get_item("analyse", "ana-nl-01")
    checklist = service.get_checklist("analyse")
    other = checklist.items[1]
    section = item.source.section
    passages = [
        Passage(id="g:1", doc_id=item.source.doc_id, section=tuple(section.split(" › ")), order=1,
                text=("Sterke næringer og klynger i regionen er et viktig grunnlag for å velge hvor innsatsen skal settes inn. "
                      f"{item.text} {other.text} Kortere linje.")),
        Passage(id="g:2", doc_id=item.source.doc_id, section=tuple(section.split(" › ")), order=2,
                text="Eksport og konkurransedyktige næringer viser hvor regionen står sterkt i dag og i morgen."),
        Passage(id="g:3", doc_id=item.source.doc_id, section=("Et annet kapittel",), order=3,
                text="Sterke næringer og klynger i regionen nevnes også her, men i et annet kapittel."),
    ]

    class Words:  # a bag-of-words embedder: enough to rank by shared words
        vocab: dict[str, int] = {}

        def _vec(self, text):
            v = np.zeros(512)
            for w in text.lower().split():
                v[hash(w.strip(".,?")) % 512] += 1
            return v

        def embed_query(self, text):
            return self._vec(text)

        def embed_documents(self, texts):
            return np.array([self._vec(t) for t in texts])

    class Fake:
        embedder = Words()

        def documents(self):
            return [DocumentInfo(id=item.source.doc_id, title="Veileder", authority="Nasjonal veileder")]

        def passages(self, doc_id=None):
            return passages

        def retrieve(self, query, k=None):
            return [Hit(passage=p, score=1.0) for p in passages]

    answer = service.explain(item, assistant=Fake())
    quoted = [s.text for s in answer.segments if s.cite is not None]
    assert quoted and not answer.refused
    assert item.text not in answer.answer and other.text not in answer.answer
    assert all(c.section == section for c in answer.citations)
    assert set(quoted) <= {passages[0].text.split(". ")[0] + ".", passages[1].text}
    assert answer.citations[0].quotes[0] == quoted[0] and answer.citations[0].title == "Veileder"
    assert "[1]" in answer.answer and answer.query == item.text
    assert service.explain(item, assistant=Fake(), lang="en").segments[0].text == "The guide says this around the item:"


def test_an_explanation_without_an_assistant_says_so(service):
    """The checklists never build the core themselves; a service nobody wired to one says why."""
    item = service.get_checklist("oppstart").items[0]
    with pytest.raises(ChecklistError, match="Forklaringer er ikke tilgjengelige"):
        service.explain(item)
