"""Escaping and layout of what the UI and the OpenAI reply show (no index needed)."""
from __future__ import annotations

import pytest

from assistant.models import Segment
from assistant.rendering import citation_line, pieces, segment_kind, to_html, to_text
from assistant.server.render import render_answer, render_segments, source_panel
from assistant.server.text import highlight, md_escape

INJECTION = "<script>alert(1)</script> <img src=x onerror=alert(2)>"


def test_md_escape_makes_html_and_markdown_inert():
    out = md_escape(INJECTION + " [lenke](javascript:x) *fet*")
    assert "<" not in out and ">" not in out
    assert "&lt;script&gt;" in out and r"\[lenke\]\(javascript:x\)" in out and r"\*fet\*" in out


def test_source_panel_escapes_document_text_and_marks_quotes():
    cite = {"n": 2, "title": "<b>Tittel</b>", "authority": "Veileder", "section": "Del › 1", "page": "4",
            "text": "Første setning. " + INJECTION + " Siste.", "quotes": ["Første setning."]}
    html = source_panel(cite, "nb")
    assert "<script" not in html and "<img" not in html and "<b>Tittel" not in html
    assert "<mark>Første setning.</mark>" in html
    assert "s. 4" in html and "Del › 1" in html and "Status: Veileder" in html


def test_highlight_tolerates_whitespace_differences():
    assert highlight("En  lang\nsetning her.", ["En lang setning her."]) == "<mark>En  lang\nsetning her.</mark>"
    assert highlight("a < b", ["finnes ikke"]) == "a &lt; b"


def test_one_layout_in_every_form():
    """Lead-in, prose run together, a list one item per line, prose again: the plain text (the
    answer, the CLI, the OpenAI stream), Markdown (the chat) and HTML (the checklist explanation)
    all draw the same blocks."""
    segments = [Segment(text="Lead:", kind="lead"), Segment(text="a.", cite=1), Segment(text="b.", cite=2),
                Segment(text="x", cite=1, kind="item"), Segment(text="y <z>", cite=2, kind="item"),
                Segment(text="p.", cite=2)]
    stream = pieces(segments)
    assert stream == ["Lead:", "\n\na. [1]", " b. [2]", "\n- x [1]", "\n- y <z> [2]", "\np. [2]"]
    assert [segment_kind(s) for s in segments] == ["lead", "sentence", "sentence", "item", "item", "sentence"]
    answer = {"segments": [s.model_dump() for s in segments], "citations": [{"n": 1, "title": "T"}], "language": "en"}
    assert to_text(answer) == "".join(stream) + "\n\nSources:\n[1] T"
    assert render_segments(answer["segments"], 0) == (
        "Lead:\n\na\\. [\\[1\\]](#kilde-0-1) b\\. [\\[2\\]](#kilde-0-2)\n\n- x [\\[1\\]](#kilde-0-1)\n"
        "- y &lt;z&gt; [\\[2\\]](#kilde-0-2)\n\np\\. [\\[2\\]](#kilde-0-2)")
    assert to_html(answer) == ("<p>Lead:</p><p>a. [1] b. [2]</p><ul><li>x [1]</li><li>y &lt;z&gt; [2]</li></ul>"
                               "<p>p. [2]</p>")


def test_chat_answer_has_clickable_citations_and_query_line():
    answer = {"answer": "x", "query": "forrige spørsmål <i>", "segments": [
        {"text": "Lead:", "cite": None, "kind": "lead"}, {"text": "Setning.", "cite": 1, "kind": "sentence"}],
        "citations": [{"n": 1, "title": "T", "authority": "A", "section": "S", "page": None, "text": "Setning."}]}
    md = render_answer(answer, 3, "nb", question="Kan du gi eksempler?")
    assert "(#kilde-3-1)" in md and "Søkte etter" in md and "<i>" not in md
    assert "**Kilder**" in md
    assert "Søkte etter" not in render_answer(answer, 3, "nb", show_query=False)
    assert render_segments([], 0) == ""


def test_citation_line():
    assert citation_line({"n": 1, "title": "Veileder", "section": "Innledning", "page": "5"}, "nb") == "[1] Veileder, Innledning, s. 5"
    assert citation_line({"n": 2, "title": "Guide", "section": "", "page": None}, "en") == "[2] Guide"


@pytest.mark.parametrize("section, shown", [
    ("Evaluering av Nordvik-programmet", "[1] Evaluering av Nordvik-programmet, s. 3"),
    ("evaluering av  Nordvik-programmet", "[1] Evaluering av Nordvik-programmet, s. 3"),
    ("Evaluering av Nordvik-programmet › Funn", "[1] Evaluering av Nordvik-programmet, Funn, s. 3"),
    ("Funn › Evaluering av Nordvik-programmet", "[1] Evaluering av Nordvik-programmet, Funn › Evaluering av "
                                               "Nordvik-programmet, s. 3"),
])
def test_a_section_path_that_starts_with_the_title_does_not_repeat_it(section, shown):
    c = {"n": 1, "title": "Evaluering av Nordvik-programmet", "section": section, "page": "3"}
    assert citation_line(c, "nb") == shown


def test_highlight_marks_whole_words_at_their_own_position():
    text = "Analysunderlag finnes. Analys. Mer tekst om analys."
    assert highlight(text, ["Analys."]) == "Analysunderlag finnes. <mark>Analys.</mark> Mer tekst om analys."
    # two quotes of the same words: each at its own place, in passage order
    assert highlight("Ja. Nei. Ja.", ["Ja.", "Ja."]) == "<mark>Ja.</mark> Nei. <mark>Ja.</mark>"


def test_search_line_only_when_the_query_differs_and_short():
    from assistant.server.text import short_query

    q = "Kan du gi eksempler på det?"
    answer = {"answer": "x", "query": q, "segments": [], "citations": []}
    assert "Søkte etter" not in render_answer(answer, 0, "nb", question=q)
    long_query = "Hva er smart spesialisering? " + "Et langt svar fra forrige tur. " * 30 + q
    md = render_answer({**answer, "query": long_query}, 1, "nb", question=q)
    line = short_query(long_query, q)
    assert "Søkte etter" in md and line.endswith(q) and len(line) <= 124 and "…" in line
    assert short_query(" kan  du gi eksempler på DET? ", q) == ""


def test_plain_answer_is_clean_text_with_a_source_list():
    answer = {"answer": "Dette står i kildene:\n\nEn setning (med parentes). [1]",
              "citations": [{"n": 1, "title": "Veileder", "section": "2. Analyse", "page": "9"}]}
    text = to_text(answer, "nb")
    assert text == "Dette står i kildene:\n\nEn setning (med parentes). [1]\n\nKilder:\n[1] Veileder, 2. Analyse, s. 9"
    assert "\\" not in text and "#kilde" not in text
    assert to_text(answer, "en").endswith("Sources:\n[1] Veileder, 2. Analyse, p. 9")


def test_core_messages_follow_the_ui_language():
    from assistant.server.text import localise_error

    assert localise_error("Spørsmålet er tomt. Skriv et spørsmål om smart spesialisering.", "en").startswith("The question is empty")
    assert localise_error("Spørsmålet er for langt (2500 tegn); grensen er 2000 tegn.", "sv") == \
        "Frågan är för lång (2500 tecken); gränsen är 2000 tecken."
    assert localise_error("Spørsmålet er tomt.", "nb") == "Spørsmålet er tomt."
    assert localise_error("Ugyldig frist «i morgen». Bruk formatet ÅÅÅÅ-MM-DD eller DD.MM.ÅÅÅÅ.", "en") == \
        "Invalid due date «i morgen». Use the format YYYY-MM-DD or DD.MM.YYYY."
    assert localise_error("Fant ingen samtale med id «x».", "sv") == "Hittade inget samtal med id «x»."
    assert localise_error("Fant ingen økt med id «xyz».", "en") == "No session with id «xyz» was found."


def test_search_results_and_a_document_opened_at_a_passage():
    from assistant.models import DocumentInfo, Passage
    from assistant.server.render import document_view, search_results

    doc = DocumentInfo(id="d", title="Veileder")
    ps = [Passage(id="d:1", doc_id="d", text="Om analyse av næringslivet.", section=("2. Analyse",), order=1, page=9,
                  page_end=9),
          Passage(id="d:2", doc_id="d", text="Private investeringer <b>mobiliseres</b> over tid.", section=("5. Gjennomføring",),
                  order=2)]
    html = search_results(ps, {"d": doc}, "private investeringer", "nb")
    assert html.count("<li>") == 1 and 'data-passage="d:2"' in html and "<mark>Private</mark>" in html
    assert "<b>" not in html and "&lt;b&gt;" in html
    assert "Ingen utdrag" in search_results(ps, {"d": doc}, "fotball", "nb")
    view = document_view(doc, ps, "nb", focus="d:2")
    assert view.count("<details open>") == 1 and 'class="focus"' in view


def test_the_document_view_labels_pages_as_citations_do():
    """A passage cited «s. 19–23» (a text extraction's page range) shows so in its document, not «s. 19»."""
    from assistant.models import DocumentInfo, Passage
    from assistant.rendering import citation_label
    from assistant.server.render import document_view

    doc = DocumentInfo(id="d", title="Veileder")
    ps = [Passage(id="d:1", doc_id="d", text="Innledning.", section=("1. Innledning",), order=1, page=1, page_end=23),
          Passage(id="d:2", doc_id="d", text="Om analyse.", section=("2. Analyse",), order=2, page=19, page_end=23),
          Passage(id="d:3", doc_id="d", text="Til slutt.", section=("9. Vedlegg",), order=3, page=28)]
    view = document_view(doc, ps, "nb")
    for p in ps:
        cited = citation_label({"title": doc.title, "section": p.section_path, "page": p.page_label}, "nb")
        assert cited.endswith(f"s. {p.page_label}")
        assert f"{p.section_path} (s. {p.page_label})" in view, (p.page_label, view)
    assert "(s. 1)" not in view and "(s. 19)" not in view
