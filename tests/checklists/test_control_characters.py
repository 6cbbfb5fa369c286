"""Issue 18, item 9: control characters in what teams type (notes, session names, owners,
feedback comments) never break a report. They are removed at input, so everything stored is
valid XML text; rows stored before are cleaned when a report is made; "|" is escaped in the
Markdown tables. Through the service, the HTTP API, the CLI and the feedback store."""
from __future__ import annotations

import io
import re
import sqlite3

import pytest
from docx import Document
from typer.testing import CliRunner

from assistant.checklists.cli import app as checklist_cli
from assistant.feedback import FeedbackStore

DIRTY = ["vertikal\x0btab", "nul\x00tegn", "esc\x1b[31mrød", "bjelle\x07", "form\x0cfeed", "del\x7f", "c1\x85neste",
         "surrogat\ud800", "nul-bredde\u200bmellomrom", "ikke-tegn\ufffe", "linje\u2028skille"]
XML_INVALID = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _docx_text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    cells = [c.text for t in doc.tables for r in t.rows for c in r.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


@pytest.mark.parametrize("dirty", DIRTY)
def test_service_stores_only_text_and_both_reports_render(service, dirty):
    s = service.start_session("organisering", f"Økt {dirty}", created_by=f"Kari {dirty}")
    service.update_item(s.id, "org-02", status="delvis", note=f"Notat {dirty} | med strek", owner=f"Ola {dirty}",
                        updated_by=f"Per {dirty}")
    stored = service.get_session(s.id)
    texts = [stored.name, stored.created_by, *(getattr(stored.state("org-02"), f) for f in ("note", "owner", "updated_by"))]
    assert not any(XML_INVALID.search(t) or "\x1b" in t or "\x7f" in t for t in texts), texts
    md = service.report(s.id, "md")
    assert "Notat" in md and "\\| med strek" in md and not XML_INVALID.search(md)
    assert "Notat" in _docx_text(service.report(s.id, "docx"))


def test_a_vertical_tab_from_word_becomes_a_line_break(service):
    s = service.start_session("organisering", "Word")
    service.update_item(s.id, "org-01", note="første linje\x0bandre linje")
    assert service.get_session(s.id).state("org-01").note == "første linje\nandre linje"


def test_rows_stored_before_the_fix_still_make_reports(service, config):
    s = service.start_session("organisering", "Gammel")
    service.update_item(s.id, "org-02", status="nei", note="ren", owner="Kari")
    db = sqlite3.connect(config.sessions_db)
    with db:  # what an older version let through
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            cols = [r[1] for r in db.execute(f"PRAGMA table_info({table})")]
            for col in ("note", "owner", "name"):
                if col in cols:
                    db.execute(f"UPDATE {table} SET {col} = {col} || ?", ("\x00\x0b\x1b|",))
    db.close()
    assert service.get_session(s.id).state("org-02").note.endswith("\x00\x0b\x1b|")
    md = service.report(s.id, "md")
    assert not XML_INVALID.search(md) and "ren<br>\\|" in md
    assert "- **Økt:** Gammel \\| (" in md  # user text is escaped as Markdown text, shown as «Gammel |»
    assert "ren" in _docx_text(service.report(s.id, "docx"))


def test_cli_report_prints_no_traceback(tmp_path, monkeypatch):
    monkeypatch.setenv("ASSISTANT_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    from assistant.checklists.service import ChecklistService
    from assistant.config import Config

    svc = ChecklistService(Config.from_env())
    s = svc.start_session("organisering", "CLI\x0b")
    svc.update_item(s.id, "org-02", status="nei", note="NUL\x00 og ESC\x1b")
    for fmt in ("docx", "md"):
        result = CliRunner().invoke(checklist_cli, ["report", s.id, "--format", fmt, "--out", f"r.{fmt}"])
        assert result.exit_code == 0, result.output
        assert "Traceback" not in result.output
    assert "NUL og ESC" in _docx_text((tmp_path / "r.docx").read_bytes())


@pytest.mark.parametrize("dirty", DIRTY)
def test_feedback_comments_and_questions_are_stored_as_text(tmp_path, dirty):
    store = FeedbackStore(tmp_path / "f.sqlite3")
    fid = store.record(f"Spørsmål {dirty}", {"answer": "svar"}, comment=f"Kommentar {dirty}")
    store.update(fid, comment=f"Ny {dirty}")
    [row] = list(store.rows())
    assert not XML_INVALID.search(row["question"] + row["comment"]) and row["comment"].startswith("Ny")
