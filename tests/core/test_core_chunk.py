"""Chunking (assistant/ingest/chunk.py): list items are never cut, a passage knows its section
path, the first passage of a section starts with the section heading."""
from __future__ import annotations

import pytest

from assistant.ingest.chunk import MAX_LIST, MIN_TAIL, chunk_blocks
from assistant.ingest.clean import clean_lines
from assistant.ingest.structure import assign_sections, parse_blocks


def _blocks_of(source, info):
    lines = clean_lines(source.path.read_text(encoding="utf-8"))
    return assign_sections(parse_blocks(lines, slides=info.kind == "slides", markdown=source.path.suffix == ".md"))


@pytest.mark.parametrize("doc_id", ["veileder-2018", "veileder-2018-kap5-utdrag", "kmd-innspillsmote-2018",
                                    "reglab-larpass-2017", "norra-mellansverige"])
def test_every_list_item_is_whole_in_exactly_one_passage(ingested, doc_id):
    source, info, passages, _ = ingested[doc_id]
    items = [b for b in _blocks_of(source, info) if b.kind == "item"]
    assert items, "the document has lists"
    for item in items:
        holders = [p for p in passages if f"- {item.text}" in p.text.split("\n")]
        assert len(holders) == 1, f"item not whole in one passage: {item.text[:80]!r}"
        assert holders[0].section == item.section, "the passage carries the section path of its text"


@pytest.mark.parametrize("doc_id", ["veileder-2018", "veileder-2018-kap5-utdrag", "kmd-innspillsmote-2018",
                                    "reglab-larpass-2017", "norra-mellansverige"])
def test_first_passage_of_each_section_starts_with_its_heading(ingested, doc_id):
    _, _, passages, _ = ingested[doc_id]
    seen = set()
    for p in passages:
        assert p.section, f"{p.id} has no section path"
        if p.section not in seen:
            seen.add(p.section)
            assert p.text.split("\n", 1)[0] == p.section[-1], f"{p.id} does not start with {p.section[-1]!r}"


def test_passages_are_numbered_in_document_order(ingested):
    for doc_id, (_, _, passages, _) in ingested.items():
        assert [p.order for p in passages] == list(range(len(passages)))
        assert [p.id for p in passages] == [f"{doc_id}:{i:04d}" for i in range(len(passages))]


def _chunk(text: str):
    return chunk_blocks(assign_sections(parse_blocks(clean_lines(text))), "doc", "nb")


def test_long_list_is_split_between_items_never_inside_one():
    items = [f"Punkt nummer {i} handler om et eget tiltak for næringsutvikling i regionen og hvem som bør delta"
             for i in range(40)]
    text = "Tiltak i regionen\n\nDette er tiltakene fylket vurderer:\n\n" + "\n".join(f"• {t}" for t in items) + "\n"
    passages = _chunk(text)
    assert sum(len(x) + 3 for x in items) > MAX_LIST, "the list must be too long for one passage"
    assert len(passages) >= 2
    lines = [ln for p in passages for ln in p.text.split("\n")]
    assert [ln for ln in lines if ln.startswith("- ")] == [f"- {t}" for t in items]
    assert all(p.section == ("Tiltak i regionen",) for p in passages)
    # the sentence that introduces the list stays with its first items, after the heading
    assert passages[0].text.startswith("Tiltak i regionen\nDette er tiltakene fylket vurderer:\n- Punkt nummer 0 ")


def test_passage_never_crosses_a_section_boundary():
    text = ("Første tema\n\n" + "Et avsnitt om det første temaet. " * 5 + "\n\n"
            "Andre tema\n\n" + "Et avsnitt om det andre temaet. " * 5 + "\n")
    passages = _chunk(text)
    assert [p.section for p in passages] == [("Første tema",), ("Andre tema",)]
    assert "andre" not in passages[0].text and "første" not in passages[1].text.lower()


def test_a_short_last_piece_of_a_section_stays_with_the_piece_before_it():
    long = "Et avsnitt om samarbeid mellom fylkeskommunen og næringslivet i regionen. " * 14
    text = f"Tema\n\n{long}\n\n{long}\n\nTil slutt en kort setning.\n"
    passages = _chunk(text)
    assert len(passages) == 2 and all(p.section == ("Tema",) for p in passages)
    assert passages[0].text == f"Tema\n{long.strip()}"
    assert passages[1].text == f"{long.strip()}\nTil slutt en kort setning."
    assert len(passages[1].text) > MIN_TAIL
    longer = _chunk(f"Tema\n\n{long}\n\n{long}\n\n{'Til slutt en lengre oppsummering av temaet. ' * 8}\n")
    assert len(longer) == 3, "a last piece of sensible size stays a passage of its own"
