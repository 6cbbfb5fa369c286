"""Clean-up of extracted text (assistant/ingest/clean.py): hyphenation, footers and page ranges,
bullets and tabs; checked on small inputs and on the real guide."""
from __future__ import annotations

import re

import pytest

from assistant.ingest import clean_text, normalize
from assistant.ingest.clean import clean_lines

GUIDE = "veileder-2018"


@pytest.mark.parametrize("raw, expected", [
    ("det nærings-\nlivet i regionen", "det næringslivet i regionen"),
    ("nærings-\n  livet", "næringslivet"),  # indentation on the next line does not matter
    ("alle EU-\nlandene har", "alle EU-landene har"),  # an acronym keeps its hyphen
    ("Regionen har flere FoU-\ninstitusjoner", "Regionen har flere FoU-institusjoner"),  # as in the guide
])
def test_hyphenation_across_line_break(raw, expected):
    assert clean_text(raw) == expected


def test_line_ending_in_dash_before_conjunction_is_not_joined():
    """"reiselivs- og opplevelsesnæringene" is a suspended compound, not a split word. The guide's
    text file happens to keep a space after the dash; text from the PDF reader does not."""
    assert clean_text("Hvordan kan reiselivs- \nog opplevelsesnæringene") == "Hvordan kan reiselivs-\nog opplevelsesnæringene"
    assert clean_text("Hvordan kan reiselivs-\nog opplevelsesnæringene") == "Hvordan kan reiselivs-\nog opplevelsesnæringene"


def test_word_split_across_blank_line_is_joined():
    """A page or column break puts a blank line inside a hyphenated word ("effek-\\n\\ntive" in the
    guide); the passage must read "effektive", as it does in the chapter-5 excerpt."""
    from assistant.ingest.chunk import chunk_blocks
    from assistant.ingest.structure import assign_sections, parse_blocks

    raw = "Tittel\n\nHvilke tiltak vil være mest effek-\n\ntive for å nå målene? Det vet vi ikke.\n"
    passages = chunk_blocks(assign_sections(parse_blocks(clean_lines(raw))), "x", "nb")
    assert "mest effektive for å nå målene?" in passages[0].text


def test_page_footers_are_removed_and_become_page_ranges():
    raw = "\n".join([
        "Innledning før første sidefot",
        "\t | 19Smart spesialisering i EU",
        "Tekst mellom to sideføtter",
        "\t | 23Smart spesialisering som prosess",
        "Tekst etter side 23",
        "28 |",
        "Tekst etter siste sidefot",
    ])
    lines = [ln for ln in clean_lines(raw) if ln.text]
    assert [ln.text for ln in lines] == [
        "Innledning før første sidefot", "Tekst mellom to sideføtter", "Tekst etter side 23", "Tekst etter siste sidefot"]
    # before the first footer: from page 1 (a text extraction whose earlier footers were lost)
    assert [(ln.page, ln.page_end) for ln in lines] == [(1, 19), (19, 23), (23, 28), (28, None)]


def test_bullet_glyphs_and_tabs():
    raw = "Grunnlaget er\n\n•\t grundige analyser\n ▪ dialogprosesser\n\uf0b7 vurderinger\nTekst\tmed\t\ttabber"
    assert clean_text(raw).split("\n") == [
        "Grunnlaget er", "", "- grundige analyser", "- dialogprosesser", "- vurderinger", "Tekst med tabber"]


def test_dash_that_continues_a_sentence_is_not_a_bullet():
    assert clean_text("bærekraftig utvikling\n– sosialt og økonomisk.") == "bærekraftig utvikling\n– sosialt og økonomisk."


# -- the real guide ---------------------------------------------------------------------------------

def test_guide_text_has_no_extraction_artefacts(ingested):
    source, _, _, text = ingested[GUIDE]
    raw = source.path.read_text(encoding="utf-8")
    assert re.search(r"nærings-\s*\nlivet", raw), "the source should contain the hyphenated word"
    assert "næringslivet" in text and not re.search(r"nærings-\s*\n?\s*livet", text)
    assert "\t" in raw and "\t" not in text
    assert "•" in raw and "•" not in text
    assert re.search(r"^\s*\|\s*23Smart", raw, re.M) and re.search(r"^28 \|\s*$", raw, re.M)
    assert not re.search(r"\|\s*\d", text), "page footers must be removed"
    assert not re.search(r"^\s*\d{1,3}\s*\|\s*$", text, re.M)


def test_guide_keeps_the_hyphen_after_an_acronym(ingested):
    source, _, _, text = ingested[GUIDE]
    assert "flere FoU-\ninstitusjoner" in source.path.read_text(encoding="utf-8")
    assert "Regionen har flere FoU-institusjoner" in text


def test_guide_passages_carry_page_ranges_from_footers(ingested):
    _, _, passages, _ = ingested[GUIDE]
    pages = {p.section[-1]: (p.page, p.page_end) for p in passages if p.section}
    assert all(p.page_label for p in passages), "every passage of the guide is cited with its pages"
    assert pages["Forord"] == (1, 19)  # before the first footer: the pages up to it
    assert pages["Smart spesialisering og oppstart av en planprosess"] == (19, 23)
    assert pages["Næringslivet"] == (23, 28)
    assert pages["Visjoner og mål"] == (28, None)  # after the last footer: open-ended
    label = next(p.page_label for p in passages if p.section[-1:] == ("Næringslivet",))
    assert label == "23–28"


def test_no_word_in_the_index_is_left_split_by_a_hyphen(ingested):
    """Every "word- word" in a passage is a suspended compound ("utdannings- og forsknings…"),
    never a word broken at a line, page or column end ("effek- tive", "kom- petente")."""
    conjunctions = {"og", "eller", "och", "samt", "and", "or", "till", "til"}
    broken = []
    for _, _, passages, _ in ingested.values():
        for p in passages:
            for m in re.finditer(r"(\w+)- (\w+)", p.text):
                if m.group(2).lower() not in conjunctions:
                    broken.append(f"{p.id}: …{m.group(0)}…")
    assert not broken, "words split by a hyphen and a space: " + "; ".join(broken)


def test_normalize_is_the_comparison_form():
    assert normalize("Nærings-\nlivet, «sterke» NÆRINGER!") == "næringslivet sterke næringer"
    assert normalize("§ 8-2 i loven") == "§ 8 2 i loven"
