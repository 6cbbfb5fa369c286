"""Feedback store, `assistant feedback export` and the `serve` command's safety checks."""
from __future__ import annotations

import io
import json

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.errors import InputError
from assistant.feedback import FeedbackStore
from assistant.models import Answer, Citation
from assistant.server.cli import is_loopback

ANSWER = Answer(answer="Svar [1]", citations=[Citation(n=1, doc_id="d", title="T", authority="A", section="S", text="Tekst")])


def test_record_update_and_export(tmp_path):
    store = FeedbackStore(tmp_path / "f.sqlite3")
    fid = store.record("Spørsmål?", ANSWER, ANSWER.citations, rating=1)
    store.update(fid, rating=-1, comment="  Feil kilde ")
    store.record("Annet?", ANSWER.model_dump(), [], rating=1, comment="ok")
    buf = io.StringIO()
    assert store.export_jsonl(buf) == 2
    rows = [json.loads(line) for line in buf.getvalue().splitlines()]
    assert rows[0]["question"] == "Spørsmål?" and rows[0]["rating"] == -1 and rows[0]["comment"] == "Feil kilde"
    assert rows[0]["answer"]["answer"] == "Svar [1]" and rows[0]["citations"][0]["title"] == "T"
    with pytest.raises(InputError):
        store.record("x", ANSWER, rating=3)
    with pytest.raises(InputError):
        store.update(999, comment="x")


def test_export_of_an_empty_store(tmp_path):
    assert FeedbackStore(tmp_path / "none.sqlite3").export_jsonl(io.StringIO()) == 0


def test_cli_feedback_export(tmp_path, monkeypatch):
    monkeypatch.setenv("ASSISTANT_HOME", str(tmp_path))
    FeedbackStore(tmp_path / "feedback.sqlite3").record("Hva er RIS3?", ANSWER, ANSWER.citations, rating=1, comment="Bra")
    out = tmp_path / "feedback.jsonl"
    r = CliRunner().invoke(app, ["feedback", "export", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert json.loads(out.read_text())["comment"] == "Bra"
    r = CliRunner().invoke(app, ["feedback", "export"])
    assert r.exit_code == 0 and json.loads(r.stdout.splitlines()[0])["question"] == "Hva er RIS3?"


def test_serve_refuses_a_public_host_without_keys(monkeypatch, tmp_path):
    monkeypatch.setenv("ASSISTANT_HOME", str(tmp_path))
    monkeypatch.delenv("ASSISTANT_API_KEYS", raising=False)
    monkeypatch.delenv("ASSISTANT_API_KEYS_FILE", raising=False)
    r = CliRunner().invoke(app, ["serve", "--host", "0.0.0.0", "--port", "1"])
    assert r.exit_code == 2
    assert "API-nøkler" in r.output


@pytest.mark.parametrize("host,loop", [("127.0.0.1", True), ("localhost", True), ("::1", True), ("127.0.0.2", True),
                                       ("0.0.0.0", False), ("10.0.0.5", False), ("example.org", False)])
def test_is_loopback(host, loop):
    assert is_loopback(host) is loop
