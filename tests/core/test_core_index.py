"""Indexing (assistant/index.py): incremental re-index by content, broken files, and a build that
fails leaves the previous index in use. Each test has its own small corpus and home."""
from __future__ import annotations

import os
import shutil

import pytest
from typer.testing import CliRunner

from assistant.core import Assistant
from assistant.errors import AssistantError, BackendError, DocumentError
from core_helpers import NOTE_ID, SMALL_IDS, SMALL_QUESTION, free_port, index_state

pytestmark = pytest.mark.slow
ALL_IDS = sorted((*SMALL_IDS, NOTE_ID))


def _answers(config) -> None:
    """A fresh Assistant loads the index in `current` and answers from it."""
    answer = Assistant(config).ask(SMALL_QUESTION)
    assert not answer.refused and answer.citations
    assert answer.citations[0].doc_id == "reglab-larpass-2017"


def test_second_build_embeds_nothing(small_corpus):
    assistant = Assistant(small_corpus())
    first = assistant.build_index(progress=False)
    assert first.errors == [] and first.documents == 3
    assert sorted(first.embedded + first.reused) == ALL_IDS
    second = assistant.build_index(progress=False)
    assert second.embedded == []
    assert sorted(second.reused) == ALL_IDS
    assert second.passages == first.passages and second.build_id != first.build_id
    _answers(assistant.config)


def test_after_changing_one_file_only_it_is_embedded(small_corpus):
    config = small_corpus()
    assistant = Assistant(config)
    assistant.build_index(progress=False)
    note = config.corpus_dir / f"{NOTE_ID}.md"
    note.write_text(note.read_text(encoding="utf-8") + "\nEn ny setning om blåskjell kom til i den andre versjonen.\n",
                    encoding="utf-8")
    report = assistant.build_index(progress=False)
    assert report.embedded == [NOTE_ID]
    assert sorted(report.reused) == sorted(SMALL_IDS)
    assert any("blåskjell" in p.text for p in assistant.passages(NOTE_ID)), "the new text is searchable"


def _break(corpus) -> None:
    (corpus / "rapport.pdf").write_bytes(b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 9 0 R >>\n\x00\x01garbage\n%%EOF\n")
    (corpus / "tabell.txt").write_bytes(bytes(range(256)) * 16)


def test_broken_files_are_reported_by_name_and_the_rest_is_indexed(small_corpus):
    config = small_corpus()
    _break(config.corpus_dir)
    assistant = Assistant(config)
    report = assistant.build_index(progress=False)
    assert len(report.errors) == 2
    assert any("rapport.pdf" in e for e in report.errors) and any("tabell.txt" in e for e in report.errors)
    assert all(e.startswith("Kunne ikke lese filen") for e in report.errors)
    assert report.documents == 3
    assert {d.id for d in assistant.documents()} == set(ALL_IDS)
    assert {p.doc_id for p in assistant.passages()} == set(ALL_IDS)
    _answers(config)


def test_cli_index_names_the_broken_file_and_still_builds(small_corpus, cli_env):
    from assistant.cli import app

    config = small_corpus()
    _break(config.corpus_dir)
    result = CliRunner().invoke(app, ["index", "--quiet"], env=cli_env(config))
    assert result.exit_code == 0, result.output
    assert "rapport.pdf" in result.stderr and "tabell.txt" in result.stderr
    assert result.stderr.count("Feil: Kunne ikke lese filen") == 2
    assert "3 dokumenter" in result.stdout
    assert "Traceback" not in result.output
    assert index_state(config)["current"]
    _answers(config)


# -- a failed build changes nothing -----------------------------------------------------------------

def _only_broken(config):
    broken = config.corpus_dir.parent / "broken-only"
    broken.mkdir()
    _break(broken)
    return config.with_(corpus_dir=broken), AssistantError


def _missing_corpus(config):
    return config.with_(corpus_dir=config.corpus_dir.parent / "finnes-ikke"), DocumentError


def _manifest_not_utf8(config):
    """A manifest saved by an editor in Windows-1252 ("Värmland" as byte E4)."""
    manifest = config.corpus_dir / "manifest.yaml"
    manifest.write_bytes(manifest.read_text(encoding="utf-8").encode("cp1252", errors="replace"))
    return config, DocumentError


def _manifest_not_yaml(config):
    (config.corpus_dir / "manifest.yaml").write_text("documents: [\n  - file: {ikke lukket\n", encoding="utf-8")
    return config, DocumentError


def _unreadable_corpus(config):
    config.corpus_dir.chmod(0)
    return config, DocumentError


def _chroma_unreachable(config):
    """Fails midway: after the documents are read and embedded, when the vector store is opened."""
    return config.with_(chroma_host="127.0.0.1", chroma_port=free_port()), BackendError


@pytest.mark.parametrize("breakage", [
    _only_broken, _missing_corpus, _manifest_not_utf8, _manifest_not_yaml,
    pytest.param(_unreadable_corpus, marks=pytest.mark.skipif(
        os.geteuid() == 0, reason="root reads every file: chmod cannot make the corpus unreadable")),
    _chroma_unreachable,
], ids=["only-broken-files", "missing-corpus", "manifest-not-utf8", "manifest-not-yaml", "unreadable-corpus",
        "chroma-unreachable-midway"])
def test_failed_build_leaves_the_previous_index_in_use(small_corpus, breakage):
    config = small_corpus()
    Assistant(config).build_index(progress=False)
    Assistant(config).build_index(progress=False)  # a previous build exists too
    before = index_state(config)
    assert len(before["builds"]) == 2
    bad_config, error = breakage(config)
    try:
        with pytest.raises(error) as caught:
            Assistant(bad_config).build_index(progress=False)
    finally:
        config.corpus_dir.chmod(0o755)
    assert str(caught.value), "the error has a message for the user"
    assert index_state(config) == before, "`current`, the builds and their files are unchanged"
    _answers(config)


def test_failed_build_message_names_what_is_wrong(small_corpus):
    config = small_corpus()
    shutil.rmtree(config.corpus_dir)
    with pytest.raises(DocumentError) as caught:
        Assistant(config).build_index(progress=False)
    assert str(config.corpus_dir) in str(caught.value) and "korpusmappen finnes ikke" in str(caught.value)


def test_a_build_without_latent_terms_still_loads_and_answers(small_corpus):
    """Builds made before format 3 have no sparse.npz; they are searched without that list."""
    config = small_corpus()
    assistant = Assistant(config)
    assistant.build_index(progress=False)
    assert assistant.index.sparse is not None and assistant.index.sparse.shape[0] == len(assistant.passages())
    build = config.index_dir / "e5" / "builds" / (config.index_dir / "e5" / "current").read_text().strip()
    (build / "sparse.npz").unlink()
    older = Assistant(config)
    assert older.index.sparse is None
    _answers(config)


def test_old_builds_outlive_their_grace_period_and_half_builds_their_writer(small_corpus, monkeypatch):
    """A retired build stays while a running server may still be reading it; a build whose writer
    died half way is removed by the next build, one still being written is not."""
    from assistant import index

    config = small_corpus()
    assistant = Assistant(config)
    ids = [assistant.build_index(progress=False).build_id for _ in range(3)]
    builds = config.index_dir / "e5" / "builds"
    assert sorted(index_state(config)["builds"]) == sorted(ids), "the oldest was retired just now: kept"
    dead, writing = builds / "20000101-000000-1-000", builds / "20000101-000000-2-000"
    for half in (dead, writing):
        half.mkdir()
        (half / index.BUILDING).write_text("1")  # killed: nobody holds its lock
    lock = index._hold_build_lock(writing)  # a live writer (this process) holds this one's
    try:
        monkeypatch.setattr(index, "RETIRED_GRACE_SECONDS", 0.0)
        latest = assistant.build_index(progress=False).build_id
        assert sorted(p.name for p in builds.iterdir()) == sorted([ids[2], latest, writing.name])
    finally:
        lock.close()
    assert assistant.index.build_id == latest == assistant.index_version
    _answers(config)
