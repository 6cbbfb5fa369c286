"""Section detection (assistant/ingest/structure.py): the guide's heading path, slide titles in
decks (markdown `#` titles and first-line titles between runs of blank lines)."""
from __future__ import annotations

from assistant.ingest.clean import clean_lines
from assistant.ingest.structure import assign_sections, parse_blocks

GUIDE = "veileder-2018"
NAERINGSLIVET = ("Utvikling og gjennomføring av smart spesialisering", "2. ANALYSE", "Spørsmålene i analysen",
                 "Næringslivet")


def _blocks(text: str, **kw):
    return assign_sections(parse_blocks(clean_lines(text), **kw))


def test_guide_heading_path_down_to_naeringslivet(ingested):
    _, _, passages, _ = ingested[GUIDE]
    sections = [p.section for p in passages]
    assert NAERINGSLIVET in sections
    # every ancestor is a section of its own, and the siblings sit under the same parent
    for depth in range(1, 4):
        assert NAERINGSLIVET[:depth] in sections
    for sibling in ("Ressursgrunnlaget", "Kompetanse", "Tiltak og samarbeid", "Sammenligning"):
        assert (*NAERINGSLIVET[:3], sibling) in sections
    passage = next(p for p in passages if p.section == NAERINGSLIVET)
    assert passage.text.startswith("Næringslivet\n- Hvilke sterke og konkurransedyktige næringer")


def test_guide_numbered_elements_are_siblings(ingested):
    _, _, passages, _ = ingested[GUIDE]
    elements = {p.section[1] for p in passages if len(p.section) >= 2 and p.section[0] == NAERINGSLIVET[0]
                and p.section[1][:2] in {"1.", "2.", "3.", "4.", "5.", "6."}}
    assert elements == {"1. ORGANISERING", "2. ANALYSE", "3. VISJON OG MÅL", "4. PRIORITERING", "5. GJENNOMFØRING",
                        "6. MÅLING OG LÆRING"}


def test_markdown_titles_in_a_real_deck(ingested):
    _, _, passages, _ = ingested["reglab-larpass-2017"]
    sections = {p.section for p in passages}
    assert ("Smart specialisering", "Regeringsuppdrag till Tillväxtverket") in sections  # "## **…**": emphasis removed
    assert ("Smart specialisering", "Tillväxtverket ska:") in sections
    assert ("Tillväxtverkets strategi för smart specialisering",) in sections  # a new "#" title starts over


def test_first_line_titles_in_a_real_deck(ingested):
    _, _, passages, _ = ingested["norra-mellansverige"]
    sections = [p.section for p in passages]
    assert all(len(s) == 1 for s in sections), "a deck without markdown titles has one level: the slide title"
    for title in ("Norra Mellansverige", "Smart specialisering - process", "Analys och monitoring",
                  "Projektets genomförande", "Avgränsningar", "Planerade milstolpar"):
        assert (title,) in sections
    first = next(p for p in passages if p.section == ("Smart specialisering - process",))
    assert first.text.startswith("Smart specialisering - process\n- Nationella och regionala innovationsstrategier")


def test_running_footer_of_a_deck_is_dropped(ingested):
    source, _, passages, _ = ingested["kmd-innspillsmote-2018"]
    assert source.path.read_text(encoding="utf-8").count("Kommunal- og moderniseringsdepartementet") >= 3
    assert not any("Kommunal- og moderniseringsdepartementet" in p.text or "Kommunal- og moderniseringsdepartementet"
                   in p.section_path for p in passages)


DECK = """Logo AS

Smart spesialisering i regionen
en innføring



Logo AS

Mål for arbeidet

- Flere bedrifter
- Flere jobber

Et avsnitt etter én tom linje.



Logo AS

Tidsplan
for prosjektet

Oppstart i 2016.


Etter to tomme linjer er vi fortsatt på samme lysbilde.
"""


def test_first_line_titles_separated_by_blank_line_runs():
    blocks = _blocks(DECK, slides=True)
    assert [b.text for b in blocks if b.kind == "heading"] == [
        "Smart spesialisering i regionen en innføring", "Mål for arbeidet", "Tidsplan for prosjektet"]
    assert not any("Logo AS" in b.text for b in blocks), "a line on three or more slides is a logo, not content"
    by_text = {b.text: b for b in blocks}
    assert by_text["Flere bedrifter"].kind == "item"
    assert by_text["Flere bedrifter"].section == ("Mål for arbeidet",)
    assert by_text["Et avsnitt etter én tom linje."].section == ("Mål for arbeidet",)
    last = by_text["Etter to tomme linjer er vi fortsatt på samme lysbilde."]
    assert last.kind == "para" and last.section == ("Tidsplan for prosjektet",)


def test_markdown_titles_give_levels():
    text = ("# Dokumenttittel\n\nInnledende tekst.\n\n## Første del\n\n- punkt a\n- punkt b\n\n"
            "## Andre del\n\nAvsnitt i andre del.\n\n# Ny toppdel\n\nTekst.\n")
    sections = {b.text: b.section for b in _blocks(text, slides=True) if b.kind != "heading"}
    assert sections == {
        "Innledende tekst.": ("Dokumenttittel",),
        "punkt a": ("Dokumenttittel", "Første del"),
        "punkt b": ("Dokumenttittel", "Første del"),
        "Avsnitt i andre del.": ("Dokumenttittel", "Andre del"),
        "Tekst.": ("Ny toppdel",),
    }


def test_prose_headings_and_numbered_elements():
    # a heading at the top of a page or column (the extraction indents it) is a chapter
    text = (" Hovedkapittel\n\nFørste avsnitt i kapitlet.\n\n2. ANALYSE\n\nTekst om analyse.\n\n"
            "Spørsmål å stille\nListen under er forslag.\n\nNæringslivet\n- Hvilke næringer er sterke?\n- Hvor er de?\n")
    sections = {b.text: b.section for b in _blocks(text) if b.kind != "heading"}
    assert sections["Tekst om analyse."] == ("Hovedkapittel", "2. ANALYSE")
    assert sections["Listen under er forslag."] == ("Hovedkapittel", "2. ANALYSE", "Spørsmål å stille")
    assert sections["Hvilke næringer er sterke?"] == ("Hovedkapittel", "2. ANALYSE", "Spørsmål å stille", "Næringslivet")


def test_a_two_line_heading_may_end_on_a_verb_particle():
    """"… å følge opp" ends a heading; a line ending on "fra" is a sentence cut by the column."""
    text = (" Hovedkapittel\n\nFørste avsnitt i kapitlet.\n\n"
            "Å sette seg mål som det er mulig\nå følge opp\nOverordnede visjoner bør underbygges av mål.\n\n"
            "Dette er en setning som det er\nmulig å lese noe fra\nNår den fortsetter.\n")
    blocks = _blocks(text)
    headings = [b.text for b in blocks if b.kind == "heading"]
    assert "Å sette seg mål som det er mulig å følge opp" in headings
    assert {b.text: b.section for b in blocks}["Overordnede visjoner bør underbygges av mål."][-1] == \
        "Å sette seg mål som det er mulig å følge opp"
    assert not [h for h in headings if h.startswith("Dette er en setning")]
