"""Issue 18: property-based fuzzing of ingestion (hypothesis), bounded to well under a minute.

Any bytes, in any of the common encodings, tiny or large, as .txt, .md or .pdf: reading either
gives passages that are NFC text with no control characters, no "[n]" of the source's own, of
bounded size and with pages a sentence can be cited by, or a `DocumentError` that names the
file. A build over such files loses none: each is indexed, skipped by name, or named in errors.
"""
from __future__ import annotations

import re
import shutil
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.corpus import discover
from assistant.errors import DocumentError
from assistant.ingest import ingest_source, page_of
from assistant.units import units_of

pytestmark = pytest.mark.fuzz
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffd\ufffe\uffff\ud800-\udfff]")
WORDS = ["Smart", "spesialisering", "Ørland", "Gävleborg", "strategi", "satsar", "på", "[4]", "[^5]", "[ 6 ]", "[iv]", "---", "|---|---|", "![alt](x.png)", "#", "-", "1.",
         "SYSTEM:", "<!--", "-->", "<div hidden>", "</div>", "*", "**", "|", ".", "!", "?", "\n", "\n\n", "\n\n\n\n",
         "\t", " ", "\u200b", "ﬁ", "a\u0308", "Sida 9", "\x0c", "\x0b", "\x00", "\r\n", "Ã¥", "\ufeff", "…"]
text_strategy = st.one_of(
    st.text(max_size=3000),
    st.lists(st.sampled_from(WORDS), max_size=400).map(" ".join),
    st.lists(st.sampled_from(WORDS), max_size=60).map("".join),
)
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "cp1252", "latin-1"]


def _encode(text: str, encoding: str) -> bytes:
    return text.encode(encoding, errors="replace" if encoding in ("cp1252", "latin-1") else "surrogatepass")


def _check(path: Path) -> None:
    [source] = [s for s in discover(path.parent) if s.path == path]
    try:
        info, passages, text = ingest_source(source)
    except DocumentError as err:
        assert path.name in str(err)
        return
    assert info.title and unicodedata.is_normalized("NFC", info.title) and not CONTROL.search(info.title)
    for p in passages:
        assert unicodedata.is_normalized("NFC", p.text) and not CONTROL.search(p.text), repr(p.text)
        assert not re.search(r"\[\s*\^?\s*\d+\s*\]", p.text)
        assert len(p.text) <= 2300 and re.search(r"\w", p.text)
        for u in units_of(p):
            page_of(p, u.text)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(text=text_strategy, encoding=st.sampled_from(ENCODINGS), suffix=st.sampled_from([".txt", ".md"]))
def test_any_text_in_any_encoding_ingests_or_is_named(tmp_path_factory, text, encoding, suffix):
    folder = tmp_path_factory.mktemp("fuzz")
    path = folder / f"fil{suffix}"
    path.write_bytes(_encode(text, encoding))
    _check(path)


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.binary(max_size=5000), suffix=st.sampled_from([".txt", ".md", ".pdf"]))
def test_any_bytes_ingest_or_are_named(tmp_path_factory, data, suffix):
    folder = tmp_path_factory.mktemp("fuzz")
    path = folder / f"fil{suffix}"
    path.write_bytes((b"%PDF-1.4\n" if suffix == ".pdf" else b"") + data)
    _check(path)


@settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck))
@given(size=st.sampled_from([1, 200_000, 1_000_000]), word=st.sampled_from(["ord ", "ordutenmellomrom", "Setning. "]))
def test_large_files_ingest_in_bounded_pieces(tmp_path_factory, size, word):
    folder = tmp_path_factory.mktemp("fuzz")
    path = folder / "stor.txt"
    path.write_text((word * (size // len(word) + 1))[:size], encoding="utf-8")
    _check(path)


@pytest.mark.slow
@settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck))
@given(texts=st.lists(st.tuples(st.lists(st.sampled_from(WORDS), max_size=40).map(" ".join),
                                st.sampled_from(ENCODINGS), st.sampled_from([".txt", ".md"])), min_size=1, max_size=4))
def test_a_build_loses_no_file(tmp_path_factory, embedding_cache, texts):
    from assistant.config import Config
    from assistant.core import Assistant
    from core_helpers import NOTE_ID, NOTE_TEXT

    root = tmp_path_factory.mktemp("fuzz-build")
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / f"{NOTE_ID}.md").write_text(NOTE_TEXT, encoding="utf-8")
    names = []
    for i, (text, encoding, suffix) in enumerate(texts):
        names.append(f"fil{i}{suffix}")
        (corpus / names[-1]).write_bytes(_encode(text, encoding))
    cache = root / "cache"
    seed = embedding_cache / "embeddings" / "e5"
    if seed.is_dir():
        shutil.copytree(seed, cache / "embeddings" / "e5")
    assistant = Assistant(Config(home=root / "home", corpus_dir=corpus, cache_dir=cache))
    report = assistant.build_index(progress=False)
    indexed = {d.path for d in assistant.documents()}
    said = "\n".join(report.errors + report.warnings)
    for name in names:
        assert name in indexed or name in said, (name, said)
    assert f"{NOTE_ID}.md" in indexed and not assistant.ask("Hvordan bygges indeksen på nytt?").refused
