"""The readiness report: counts, readiness, action list, sources, chart; Markdown and Word."""
from __future__ import annotations

import base64
import io
import re

import pytest
from docx import Document
from docx.oxml.ns import qn

from assistant.checklists.report import readiness, summarise
from assistant.errors import ChecklistError

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def answered(service):
    s = service.start_session("organisering", "Rapport")
    service.update_item(s.id, "org-01", status="ja")
    service.update_item(s.id, "org-02", status="delvis", owner="Kari", due="2025-06-01", note="Halvveis | mangler LO")
    service.update_item(s.id, "org-03", status="nei", owner="Ola", due="2025-03-01", note="Ikke startet")
    service.update_item(s.id, "org-04", status="ikke relevant")
    return s


def test_readiness_counts_ja_fully_delvis_half_and_leaves_out_not_relevant():
    assert readiness({"ja": 2, "delvis": 1, "nei": 1, "ikke relevant": 5, None: 0}) == pytest.approx(2.5 / 4)
    assert readiness({"ja": 0, "delvis": 0, "nei": 0, "ikke relevant": 3, None: 0}) is None
    assert readiness({"ja": 1, "delvis": 0, "nei": 0, "ikke relevant": 0, None: 3}) == pytest.approx(0.25)


def test_summary_counts_and_orders_actions_by_due_date(service, answered):
    s = summarise(service.get_checklist("organisering"), service.get_session(answered.id))
    assert s["total"] == {"ja": 1, "delvis": 1, "nei": 1, "ikke relevant": 1, None: 3}
    assert [item.id for _, item, _ in s["actions"]] == ["org-03", "org-02"]
    assert s["readiness"] == pytest.approx(1.5 / 6)


def test_markdown_report(service, answered):
    md = service.report(answered.id, "md")
    assert md.startswith("# Statusrapport: Rapport (1 Organisering)")
    assert "| Ved oppstarten av prosessen | 1 | 1 | 1 | 1 | 3 | 25 % |" in md
    action_rows = re.findall(r"^\| (\d) \| Ved oppstarten av prosessen \|.*$", md, re.M)
    assert action_rows == ["3", "2"]
    assert "Halvveis \\| mangler LO" in md and "01.03.2025" in md and "Ola" in md
    assert "Ubesvarte punkter: 5, 6, 7." in md
    assert md.count("Kilde: Smart spesialisering – veileder for fylkeskommunene") == 7
    assert "1. Organisering, s. 23" in md
    png = base64.b64decode(re.search(r"data:image/png;base64,([A-Za-z0-9+/=]+)\)", md).group(1))
    assert png.startswith(PNG)


def test_word_report_opens_and_embeds_the_chart(service, answered, tmp_path):
    data = service.report(answered.id, "docx")
    doc = Document(io.BytesIO(data))
    assert doc.core_properties.title == "Statusrapport: Rapport (1 Organisering)"
    assert len(doc.inline_shapes) == 1
    blip = doc.inline_shapes[0]._inline.graphic.graphicData.pic.blipFill.blip
    assert doc.part.related_parts[blip.get(qn("r:embed"))].blob.startswith(PNG)
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert headings == ["Status per del", "Handlingsliste (nei og delvis)", "Alle punkter",
                        "Ved oppstarten av prosessen"]
    summary, actions = doc.tables
    assert [c.text for c in summary.rows[1].cells] == ["Ved oppstarten av prosessen", "1", "1", "1", "1", "3", "25 %"]
    assert [r.cells[0].text for r in actions.rows[1:]] == ["3", "2"]
    body = "\n".join(p.text for p in doc.paragraphs)
    assert "Notat: Halvveis | mangler LO" in body and body.count("2018), 1. Organisering, s. 23") == 7
    path = service.write_report(answered.id, tmp_path / "ut" / "rapport.docx")
    assert Document(str(path)).inline_shapes


def test_empty_session_and_unknown_format(service):
    s = service.start_session("eu-krav", "Tom")
    md = service.report(s.id, "md")
    assert "Ingen punkter er markert med «nei» eller «delvis»." in md and "0 av 6 punkter besvart" in md
    assert Document(io.BytesIO(service.report(s.id, "docx"))).inline_shapes
    with pytest.raises(ChecklistError, match="Ukjent rapportformat"):
        service.report(s.id, "odt")


def test_word_report_is_a4_with_the_chart_inside_the_margins_and_named_by_the_session(service, answered):
    from docx.shared import Cm

    from assistant.checklists.report import file_stem

    svc = type(service)(service.config.with_(organisation="Nordland fylkeskommune"), store=service.store)
    doc = Document(io.BytesIO(svc.report(answered.id, "docx")))
    section = doc.sections[0]
    assert abs(section.page_width - Cm(21.0)) < Cm(0.05) and abs(section.page_height - Cm(29.7)) < Cm(0.05)
    usable = section.page_width - section.left_margin - section.right_margin
    assert doc.inline_shapes[0].width <= usable
    assert doc.core_properties.author == "Nordland fylkeskommune" and "python-docx" not in doc.core_properties.author
    assert "Nordland fylkeskommune" in section.header.paragraphs[0].text and "Utskrevet" in section.header.paragraphs[0].text
    assert doc.paragraphs[0].text == "Statusrapport: Rapport (1 Organisering)"
    assert file_stem(svc.get_session(answered.id)) == "rapport-organisering"
    other = svc.start_session("organisering", "Næringsplan 2026 – Ålesund")
    assert file_stem(other) == "naeringsplan-2026-alesund-organisering"


def test_pdf_report_renders_to_png_pages(service, answered, tmp_path):
    """The PDF carries the same content and renders: pdftoppm (Debian poppler-utils) turns it into PNG pages."""
    import shutil
    import subprocess

    from pypdf import PdfReader

    svc = type(service)(service.config.with_(organisation="Nordland fylkeskommune"), store=service.store)
    path = svc.write_report(answered.id, tmp_path / "rapport.pdf")
    reader = PdfReader(str(path))
    page = reader.pages[0]
    assert round(float(page.mediabox.width)) == 595 and round(float(page.mediabox.height)) == 842  # A4 in points
    text = "\n".join(p.extract_text() for p in reader.pages)
    for expected in ("Statusrapport: Rapport (1 Organisering)", "Nordland fylkeskommune", "Handlingsliste",
                     "Halvveis | mangler LO", "Ubesvart", "Organisering, s. 23"):
        assert expected in text, expected
    assert reader.metadata.title == "Statusrapport: Rapport (1 Organisering)"
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (Debian poppler-utils) is not installed")
    from assistant.config import PROJECT_ROOT

    out = PROJECT_ROOT / "test-output" / "checklists"
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(path), str(out / "report-pdf")], check=True, timeout=60)
    pages = sorted(out.glob("report-pdf-*.png"))
    assert len(pages) == len(reader.pages) >= 2 and all(p.read_bytes().startswith(PNG) for p in pages)


def test_markdown_report_shows_user_text_as_text_and_names_the_file_without_tags(service):
    """A session name, note or owner with HTML or Markdown in it is shown as typed, never run."""
    from markdown_it import MarkdownIt

    from assistant.checklists.report import file_stem

    s = service.start_session("organisering", "Næringsplan <b>2026</b> & Co")
    service.update_item(s.id, "org-01", status="nei", owner="**Ola** [x](javascript:alert(1))",
                        note="<script>alert(1)</script>\n<img src=x onerror=alert(2)>")
    md = service.report(s.id, "md")
    assert "<b>" not in md and "<script>" not in md and "<img" not in md
    html = MarkdownIt("commonmark").enable("table").render(md)
    for tag in ("<b>", "<script", "<img src=x", "<strong>Ola", "<a href"):
        assert tag not in html, tag
    assert "Næringsplan &lt;b&gt;2026&lt;/b&gt; &amp;amp; Co" not in html  # & escaped once, not twice
    assert "Næringsplan &lt;b&gt;2026&lt;/b&gt; &amp; Co" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "**Ola**" in html
    assert file_stem(service.get_session(s.id)) == "naeringsplan-2026-co-organisering"
