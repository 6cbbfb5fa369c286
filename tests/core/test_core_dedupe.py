"""Overlap between documents (assistant.ingest.drop_duplicates): the chapter-5 excerpt repeats
the guide, so none of its passages may be indexed, and no sentence may be indexed twice."""
from __future__ import annotations

from collections import defaultdict

import pytest

from assistant.corpus import SourceFile
from assistant.ingest import drop_duplicates, ingest_source, normalize
from assistant.models import DocumentInfo
from assistant.text import split_sentences

EXCERPT, GUIDE = "veileder-2018-kap5-utdrag", "veileder-2018"


def _docs(ingested):
    return [(info, passages, text) for _, info, passages, text in ingested.values()]


def test_excerpt_passages_are_dropped_in_favour_of_the_guide(ingested):
    kept, dropped = drop_duplicates(_docs(ingested))
    excerpt_ids = {p.id for p in ingested[EXCERPT][2]}
    assert excerpt_ids and set(dropped) == excerpt_ids
    assert set(dropped.values()) == {GUIDE}
    assert not any(p.doc_id == EXCERPT for p in kept)
    for doc_id in ("veileder-2018", "kmd-innspillsmote-2018", "reglab-larpass-2017", "norra-mellansverige"):
        assert [p.id for p in kept if p.doc_id == doc_id] == [p.id for p in ingested[doc_id][2]], doc_id


def _source(tmp_path, name: str, text: str) -> SourceFile:
    path = tmp_path / f"{name}.txt"
    path.write_text(text, encoding="utf-8")
    return SourceFile(DocumentInfo(id=name, title=name.title(), language="nb", path=path.name), path)


LONG = ("Hovedtekst\n\n"
        "Regionen har sterke miljøer innen havbruk og prosessindustri. Fylket samarbeider med universitetet om "
        "nye studier. Bedriftene ønsker flere ingeniører med erfaring fra digitalisering.\n\n"
        "Videre arbeid\n\n"
        "Partnerskapet møtes to ganger i året for å vurdere prioriteringene. Resultatene legges fram for "
        "fylkestinget hvert år.\n")


def test_a_copied_section_is_dropped_and_new_text_is_kept(tmp_path):
    """Both sentences of the excerpt stand in the fuller document; its own heading ("Utdrag") is
    not a sentence of the text and must not make the passage look new."""
    copy = "Utdrag\n\nPartnerskapet møtes to ganger i året for å vurdere prioriteringene. Resultatene legges fram for fylkestinget hvert år.\n"
    new = "Eget notat\n\nKommunene i regionen har laget en egen plan for reiseliv langs kysten. Planen gjelder til og med neste år.\n"
    docs = [ingest_source(_source(tmp_path, n, t)) for n, t in (("hoved", LONG), ("utdrag", copy), ("notat", new))]
    kept, dropped = drop_duplicates(docs)
    assert {p.doc_id for p in kept} == {"hoved", "notat"}
    assert set(dropped.values()) == {"hoved"} and all(pid.startswith("utdrag:") for pid in dropped)


@pytest.mark.slow
def test_index_holds_no_passage_of_the_excerpt(assistant, index_report, ingested):
    assert assistant.passages(EXCERPT) == []
    assert index_report.duplicates == len(ingested[EXCERPT][2])
    assert {d.id for d in assistant.documents()} >= {EXCERPT, GUIDE}  # the document is known, its text cited once


def _sentences(text: str) -> list[str]:
    """Real sentences (ending in . ! ?), not titles or table-of-contents entries."""
    out = []
    for line in text.split("\n"):
        for sentence in split_sentences(line.removeprefix("- ")):
            if sentence.rstrip("\"»”')*").endswith((".", "!", "?")):
                out.append(sentence)
    return out


@pytest.mark.slow
def test_no_passage_repeats_another_documents_text(assistant):
    """Checked over every pair of documents, not only excerpt/guide: a passage whose sentences
    mostly stand in another document must have been dropped. (A slide may quote one sentence of
    the guide; answers never quote the same sentence twice, see test_core_answering.)"""
    holders: dict[str, set[str]] = defaultdict(set)
    for p in assistant.passages():
        for sentence in _sentences(p.text):
            key = normalize(sentence)
            if len(key) >= 40:
                holders[key].add(p.doc_id)
    assert len(holders) > 500, "the check must cover the corpus"
    copied = []
    for p in assistant.passages():
        lines = [line.removeprefix("- ") for line in p.text.split("\n")[1:]]  # the heading is the passage's own
        keys = [normalize(s) for line in lines for s in split_sentences(line) if len(normalize(s)) >= 40]
        elsewhere = [k for k in keys if holders[k] - {p.doc_id}]
        if keys and len(elsewhere) / len(keys) >= 0.8:
            copied.append(p.id)
    assert not copied, f"passages that repeat another document: {copied}"
