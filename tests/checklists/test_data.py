"""Checklist data: loads, and every item is grounded in the guide at the source it names."""
from __future__ import annotations

import pytest

from assistant.checklists import load_checklists
from assistant.checklists.loader import get_checklist, parse_checklist
from assistant.errors import ChecklistError, NotFoundError
from checklist_guide import normalise

EXPECTED_IDS = {"organisering", "analyse", "visjon-og-mal", "prioritering", "gjennomforing",
                "maling-og-laering", "oppstart", "eu-krav"}
PHASES = {1: "organisering", 2: "analyse", 3: "visjon-og-mal", 4: "prioritering",
          5: "gjennomforing", 6: "maling-og-laering"}
ALL_ITEMS = [(c.id, it) for c in load_checklists().values() for it in c.items]


def test_all_checklists_load_with_unique_ids():
    checklists = load_checklists()
    assert set(checklists) == EXPECTED_IDS
    for c in checklists.values():
        assert c.items, c.id
        assert len({i.id for i in c.items}) == len(c.items)
        assert sum(len(g.item_ids) for g in c.groups) == len(c.items)
        assert all(i.source.doc_id and i.source.section for i in c.items)


def test_unknown_checklist_is_not_found():
    with pytest.raises(NotFoundError, match="Ukjent sjekkliste"):
        get_checklist("finnes-ikke")


def test_invalid_data_file_names_the_file():
    with pytest.raises(ChecklistError, match="x.yaml"):
        parse_checklist({"id": "x", "title": "X", "groups": [{"name": "g", "items": [{"id": "a"}]}]}, "x.yaml")


@pytest.mark.parametrize("checklist_id,item", ALL_ITEMS, ids=[f"{c}:{i.id}" for c, i in ALL_ITEMS])
def test_item_is_grounded_at_its_source(checklist_id, item, guide_texts):
    guide = guide_texts(item.source.doc_id)
    hits = guide.find_all(item.text)
    assert hits, f"text not in {item.source.doc_id}: {item.text}"
    placed = [h for h in hits if guide.within_section(h, item.source.section)]
    assert placed, f"{item.id} is not under section {item.source.section!r}"
    # The page is given exactly when the text's page is known from the guide's footers.
    assert item.source.page == guide.page_of(placed[0]), f"{item.id}: page"
    if item.help:
        assert guide.find_all(item.help), f"help of {item.id} not in the guide: {item.help}"


def test_group_intros_are_quoted_from_the_guide(guide_texts):
    for c in load_checklists().values():
        guide = guide_texts(c.items[0].source.doc_id)
        for g in c.groups:
            if g.intro:
                assert guide.find_all(g.intro), f"{c.id}/{g.name}: {g.intro}"


@pytest.mark.parametrize("chapter,checklist_id", sorted(PHASES.items()))
def test_every_question_of_a_phase_is_in_its_checklist(chapter, checklist_id, guide_texts):
    checklist = get_checklist(checklist_id)
    guide = guide_texts(checklist.items[0].source.doc_id)
    have = {normalise(i.text) for i in checklist.items}
    missing = [q for q in guide.chapter_questions(chapter) if normalise(q) not in have]
    assert not missing, f"{checklist_id} lacks: {missing}"


def test_question_extraction_finds_the_guides_lists(guide_texts):
    """Guards the completeness test: it must see the lists, not pass on an empty extraction."""
    guide = guide_texts(get_checklist("analyse").items[0].source.doc_id)
    counts = {n: len(guide.chapter_questions(n)) for n in PHASES}
    assert counts[1] >= 7 and counts[2] >= 30 and counts[5] >= 8 and sum(counts.values()) >= 50


@pytest.mark.parametrize("checklist_id,marker", [
    ("oppstart", "Ved oppstarten av en smart spesialiseringsprosess kan det være nyttig å diskutere disse spørsmålene:"),
    ("oppstart", "I oppstarten av en smart spesialisering-prosess kan det være nyttig å diskutere:"),
    ("oppstart", "Planprogrammet skal gjøre rede for (§ 4-1)"),
    ("eu-krav", "Kravene er at strategiene/planene"),
])
def test_lists_the_startup_and_eu_checklists_cover(checklist_id, marker, guide_texts):
    checklist = get_checklist(checklist_id)
    guide = guide_texts(checklist.items[0].source.doc_id)
    listed = guide.bullets_after(marker)
    assert listed
    have = {normalise(i.text) for i in checklist.items}
    assert [b for b in listed if normalise(b) not in have] == []


def test_items_occur_in_the_text_the_index_is_built_from(corpus_files):
    """The ingestion module's cleaned text (what gets indexed) contains every item, compared in
    the ingestion module's own normal form (words only: its cleaner may rewrite punctuation)."""
    from assistant.ingest import clean_text, normalize

    cleaned = {doc: normalize(clean_text(sf.path.read_text(encoding="utf-8"))) for doc, sf in corpus_files.items()}
    for _, item in ALL_ITEMS:
        assert normalize(item.text) in cleaned[item.source.doc_id], item.id


def test_checklists_name_the_document_as_the_corpus_manifest_does(corpus_files):
    for c in load_checklists().values():
        for doc in {i.source.doc_id for i in c.items}:
            assert c.document.startswith(corpus_files[doc].info.title), c.id
