"""The terminal walkthrough end to end: start, stop half way, resume, finish, report."""
from __future__ import annotations

import re

import pytest
from docx import Document
from typer.testing import CliRunner

from assistant.checklists.cli import app


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.setenv("ASSISTANT_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def invoke(*args, input=None):
        return runner.invoke(app, list(args), input=input)

    return invoke


def _session_id(output: str) -> str:
    return re.search(r"--session ([0-9a-f]{8})", output).group(1)


def test_list_shows_every_checklist_with_its_size(run):
    result = run("list")
    assert result.exit_code == 0
    assert re.search(r"oppstart\s+24 punkter", result.output)
    assert re.search(r"analyse\s+33 punkter", result.output)


def test_full_oppstart_walkthrough_with_a_break(run, tmp_path):
    total = 24
    first_half = ["j", "d Mangler avtale med NHO", "ansvarlig Kari Nordmann", "frist 31.03.2025", "n",
                  "", "i Ikke aktuelt hos oss"] + ["j"] * 5 + ["q"]
    result = run("run", "oppstart", "--name", "Nordland 2025", "--user", "kari", input="\n".join(first_half) + "\n")
    assert result.exit_code == 0, result.output
    assert f"Punkt 1 av {total}" in result.output and "Kilde: " in result.output and "s. 23" in result.output
    sid = _session_id(result.output)
    assert "Besvart 9 av 24" in result.output  # item 3 got owner/due then "n"; item 4 skipped (Enter)

    listed = run("sessions")
    assert sid in listed.output and "9 av 24" in listed.output and "Nordland 2025" in listed.output

    # Resume: continues at the first unanswered item, the skipped number 4, then 11 to 24.
    rest = ["nei Ikke startet"] + ["ja"] * 14
    result = run("run", "oppstart", "--session", sid, "--user", "ola", input="\n".join(rest) + "\n")
    assert result.exit_code == 0, result.output
    assert result.output.split("─" * 72)[1].strip().startswith("Punkt 4 av 24")
    assert "Alle 24 punkter er besvart" in result.output

    md = run("report", sid, "--format", "md", "--out", "rapport.md")
    assert md.exit_code == 0, md.output
    text = (tmp_path / "rapport.md").read_text(encoding="utf-8")
    assert "![Status per del](rapport-status.png)" in text
    assert (tmp_path / "rapport-status.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "## Handlingsliste (nei og delvis)" in text and "Mangler avtale med NHO" in text
    assert "Kari Nordmann" in text and "31.03.2025" in text and "24 av 24 punkter besvart" in text

    docx = run("report", sid, "--format", "docx", "--out", "rapport.docx")
    assert docx.exit_code == 0, docx.output
    doc = Document(str(tmp_path / "rapport.docx"))
    assert doc.inline_shapes and len(doc.inline_shapes) == 1
    body = "\n".join(p.text for p in doc.paragraphs)
    assert "Statusrapport: Nordland 2025 (Oppstart av planprosess)" in body and "Kilde:" in body


def test_resume_flag_picks_the_unfinished_session(run):
    first = run("run", "organisering", "--user", "a", input="j\nq\n")
    sid = _session_id(first.output)
    again = run("run", "organisering", "--resume", "--user", "b", input="q\n")
    assert again.exit_code == 0 and f"(id {sid})" in again.output and "Punkt 2 av 7" in again.output


def test_navigation_commands(run):
    script = ["gå til 5", "forrige", "j", "oversikt", "gå til org-07", "neste"]
    result = run("run", "organisering", "--user", "a", input="\n".join(script) + "\n")
    assert result.exit_code == 0, result.output
    assert "Punkt 5 av 7" in result.output and "Punkt 4 av 7" in result.output
    assert re.search(r"  4\. \[Ja\]", result.output)
    assert "Siste punkt er nådd; besvart 1 av 7. Ubesvart: 1, 2, 3, 5, 6, 7." in result.output


def test_bad_input_in_the_walkthrough_is_reported_and_the_walk_goes_on(run):
    result = run("run", "organisering", "--user", "a", input="frist i morgen\nkanskje\nnotat " + "x" * 5001 + "\nj\nq\n")
    assert result.exit_code == 0
    assert "Feil: Ugyldig frist" in result.output and "Ukjent kommando «kanskje»" in result.output
    assert "Feil: Notatet er 5001 tegn" in result.output and "Besvart 1 av 7" in result.output


def test_what_the_terminal_echoes_of_the_input_holds_no_control_sequences(run):
    """Trial: «Ukjent kommando «Kari^[Ola»» printed the ESC typed. Everything the walkthrough and
    the commands echo (an unknown command, a bad date, an unknown session or checklist) is
    printed without control or format characters."""
    dirty = "Kari\x1b[2JOla\x07\u202e\x9b"
    result = run("run", "organisering", "--user", "a", input=f"{dirty}\nfrist {dirty}\ngå til {dirty}\nq\n")
    assert result.exit_code == 0
    assert "Ukjent kommando «Kari[2JOla»" in result.output and "Feil: Ugyldig frist «Kari[2JOla»" in result.output
    outputs = [result.output]
    for args in (("report", dirty), ("run", dirty), ("show", dirty)):
        result = run(*args, input="q\n")
        assert result.exit_code == 2 and "Kari[2JOla" in result.output, args
        outputs.append(result.output)
    for output in outputs:
        assert not any(c in output for c in "\x1b\x07\u202e\x9b"), output


def test_errors_exit_2_with_a_norwegian_message(run, tmp_path):
    assert run("run", "finnes-ikke", input="q\n").exit_code == 2
    result = run("report", "ukjent-okt")
    assert result.exit_code == 2 and "Fant ingen økt" in result.output
    sid = _session_id(run("run", "organisering", input="q\n").output)
    wrong = run("run", "analyse", "--session", sid, input="q\n")
    assert wrong.exit_code == 2 and "hører til sjekklisten «organisering»" in wrong.output
    assert run("report", sid, "--format", "odt", "--out", "x.odt").exit_code == 2


def test_rename_and_delete(run):
    sid = _session_id(run("run", "eu-krav", input="q\n").output)
    assert "heter nå «EU-sjekk»" in run("rename", sid, "EU-sjekk").output
    assert run("delete", "EU-sjekk", input="n\n").output.strip().endswith("ingenting er slettet.")
    assert "er slettet" in run("delete", sid, "--yes").output
    assert "Ingen lagrede økter." in run("sessions").output


def test_registered_under_the_main_command(run):
    from assistant.cli import app as main_app

    result = CliRunner().invoke(main_app, ["checklist", "list"])
    assert result.exit_code == 0 and "eu-krav" in result.output
