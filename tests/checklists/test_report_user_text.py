"""Issue 18 (requests): what a team types (session name, note, owner, who changed an item) is shown
as typed in every report format. Escaping belongs to the Markdown renderer alone: the Word and PDF
reports, parsed back (python-docx, pypdf), show «Kari | Ola», not «Kari \\| Ola». Unicode format
characters (a right-to-left override, zero-width characters, a BOM) never reach a report, neither
typed now nor stored by an older version; an emoji joined with a zero-width joiner stays whole."""
from __future__ import annotations

import html
import io
import re
import sqlite3
import unicodedata

import pytest
from docx import Document
from pypdf import PdfReader

# every Markdown special the renderer escapes, each in a short text that fits on one PDF line
TYPED = {
    "name": "Plan | 2026 *A* _B_",
    "owner": "Kari | Ola",
    "updated_by": "Per \\ [Q](x) `k`",
    "note": "Notat # ~s~ | <b>&",
}
FIELDS = ("Økt: {name}", "Ansvarlig: {owner}", "Oppdatert av: {updated_by}", "Notat: {note}")


def _docx_text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    cells = [c.text for t in doc.tables for r in t.rows for c in r.cells]
    header = [p.text for p in doc.sections[0].header.paragraphs]
    return "\n".join(header + [p.text for p in doc.paragraphs] + cells)


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _markdown_as_read(md: str) -> str:
    """What a reader of the Markdown report sees: rendered, tags dropped, entities read."""
    from markdown_it import MarkdownIt

    rendered = MarkdownIt("commonmark").enable("table").render(md).replace("<br>", "\n")
    return html.unescape(re.sub(r"<[^>]+>", "", rendered))


@pytest.fixture
def typed(service):
    s = service.start_session("organisering", TYPED["name"])
    service.update_item(s.id, "org-02", status="delvis", owner=TYPED["owner"], note=TYPED["note"],
                        updated_by=TYPED["updated_by"])
    return s


@pytest.mark.parametrize("fmt, read", [("docx", _docx_text), ("pdf", _pdf_text)])
def test_word_and_pdf_show_every_user_field_as_typed(service, typed, fmt, read):
    text = read(service.report(typed.id, fmt))
    for line in FIELDS:
        assert line.format(**TYPED) in text, line
    assert "\\|" not in text and "\\*" not in text and "&lt;" not in text and "<br>" not in text
    # the action table carries owner and note too
    assert text.count(TYPED["owner"]) >= 2 and text.count(TYPED["note"]) >= 2


def test_markdown_escapes_them_and_reads_as_typed(service, typed):
    md = service.report(typed.id, "md")
    assert "Kari \\| Ola" in md  # escaped in the source ...
    seen = _markdown_as_read(md)
    for value in TYPED.values():  # ... and shown as typed
        assert value in seen, value
    assert "| **Totalt** |" in md  # the renderer's own bold is not escaped


FORMAT_CHARS = ["\u202e", "\u202a", "\u2066", "\u2069", "\u200e", "\u200f", "\u200b", "\u200d", "\u2060", "\ufeff",
                "\u00ad", "\U000e0041"]


def _cf(text: str) -> list[str]:
    return [hex(ord(c)) for c in text if unicodedata.category(c) == "Cf" and c != "\u200d"]


@pytest.mark.parametrize("char", FORMAT_CHARS)
def test_format_characters_are_removed_from_every_stored_field(service, char):
    s = service.start_session("organisering", f"Økt{char}navn")
    service.update_item(s.id, "org-02", status="nei", owner=f"Kari{char} Ola", note=f"abc{char}def",
                        updated_by=f"Per{char}")
    stored = service.get_session(s.id)
    st = stored.state("org-02")
    assert (stored.name, st.owner, st.note, st.updated_by) == ("Øktnavn", "Kari Ola", "abcdef", "Per")
    for fmt, read in (("md", str), ("docx", _docx_text), ("pdf", _pdf_text)):
        text = read(service.report(s.id, fmt))
        assert char not in text and "abcdef" in text, fmt


def test_format_characters_stored_by_an_older_version_do_not_reach_a_report(service, config):
    s = service.start_session("organisering", "Gammel")
    service.update_item(s.id, "org-02", status="nei", note="ren", owner="Kari")
    db = sqlite3.connect(config.sessions_db)
    with db:
        for table in [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]:
            cols = [r[1] for r in db.execute(f"PRAGMA table_info({table})")]
            for col in ("note", "owner", "name"):
                if col in cols:
                    db.execute(f"UPDATE {table} SET {col} = {col} || ?", ("\u202egnirts\ufeff",))
    db.close()
    for fmt, read in (("md", str), ("docx", _docx_text), ("pdf", _pdf_text)):
        text = read(service.report(s.id, fmt))
        assert not _cf(text) and "Kari" in text and "gnirts" in text, fmt


def test_emoji_joined_by_a_zero_width_joiner_and_right_to_left_letters_stay(service):
    s = service.start_session("organisering", "Team 👩\u200d💻")
    service.update_item(s.id, "org-02", status="nei", note="שלום عربي 🧑🏽\u200d💻", owner="Kari")
    stored = service.get_session(s.id)
    assert stored.name == "Team 👩\u200d💻" and stored.state("org-02").note == "שלום عربي 🧑🏽\u200d💻"
    assert "שלום عربي" in _docx_text(service.report(s.id, "docx"))
