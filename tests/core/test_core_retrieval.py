"""Retrieval (assistant/retrieval.py) over the full index: our own questions in nb/sv/en find the
right document and section in the top 5; the LangChain retriever returns Documents with metadata."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever

from assistant.index import embed_text
from assistant.ingest import normalize
from assistant.models import Passage
from assistant.retrieval import BM25Index, GuideRetriever, HybridRetriever, spelled_out
from assistant.text import char_ngrams, compound_parts, content_terms
from core_helpers import eval_questions, squash

pytestmark = pytest.mark.slow
ELEMENTS = "Utvikling og gjennomføring av smart spesialisering"

# (question, document, last section title, a phrase the passage holds)
CASES = [
    ("Hva bør fylkeskommunen avklare i planprogrammet når den starter en plan for smart spesialisering?",
     "veileder-2018", "Smart spesialisering og oppstart av en planprosess", "regionalt planprogram"),
    ("Hvordan kan offentlige anskaffelser brukes til å fremme innovasjon i regionen?",
     "veileder-2018", "Offentlige innkjøp", "Offentlige anskaffelser kan derfor fremme innovasjon"),
    ("Fram till vilket år ska Tillväxtverket stötta regionerna med smart specialisering enligt uppdraget?",
     "reglab-larpass-2017", "Regeringsuppdrag till Tillväxtverket", "Fram till och med 2020"),
    ("Vilka aktiviteter genomfördes i projektet i Norra Mellansverige?",
     "norra-mellansverige", "Projektets genomförande", "Aktivitet"),
    ("What are the six elements of a smart specialisation process?",
     "veileder-2018", ELEMENTS, "6. Måling og læring"),
    ("How did the Lefdal Mine Datacenter get started?",
     "veileder-2018", "Utviklingen av Lefdal Mine Datacenter i Sogn og Fjordane", "nedlagt gruve"),
]


def test_questions_are_our_own():
    taken = eval_questions()
    assert taken, "evals/sets has questions"
    assert not [q for q, *_ in CASES if squash(q) in taken]


@pytest.mark.parametrize("question, doc_id, section, phrase", CASES, ids=[c[0][:40] for c in CASES])
def test_expected_section_in_top_5(assistant, question, doc_id, section, phrase):
    hits = assistant.retrieve(question, k=5)
    assert len(hits) == 5
    found = [h for h in hits if h.passage.doc_id == doc_id and h.passage.section[-1] == section]
    assert found, [f"{h.passage.id} {h.passage.section_path}" for h in hits]
    assert any(phrase in h.passage.text for h in found)


NAMED = [
    # the milestones slide; with the name left in the query, the guide's box on the project came first
    ("Hvem skulle engasjeres i tredje kvartal 2016 i prosjektet Smart specialisering i Norra Mellansverige?",
     "norra-mellansverige", "Planerade milstolpar"),
    # the guide speaks of the project too, in a box titled "… i region Norra Mellansverige"
    ("Hvordan beskriver veilederen startpunktene til lenene i Norra Mellansverige?",
     "veileder-2018", "Smart spesialisering i region Norra Mellansverige"),
]


def test_named_questions_are_our_own():
    assert not [q for q, *_ in NAMED if squash(q) in eval_questions()]


@pytest.mark.parametrize("question, doc_id, section", NAMED, ids=[n[2][:30] for n in NAMED])
def test_a_document_named_in_the_question_is_searched_first(assistant, question, doc_id, section):
    hits = assistant.retrieve(question, k=6)
    assert (hits[0].passage.doc_id, hits[0].passage.section[-1]) == (doc_id, section), \
        [f"{h.passage.id} {h.passage.section_path}" for h in hits]
    assert all("norra mellansverige" in normalize(f"{h.passage.section_path} {h.passage.text}")
               or h.passage.doc_id == "norra-mellansverige" for h in hits)


def test_hits_are_ranked_and_fused(assistant):
    hits = assistant.retrieve(CASES[0][0], k=8)
    assert len(hits) == 8
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert len({h.passage.id for h in hits}) == 8
    assert all(set(h.ranks) == {"bm25", "ngrams", "dense", "document", "units", "sparse", "dense_words", "units_words",
                                "units_gloss"} for h in hits), \
        "hybrid sums the lexical lists, the passage vectors from Chroma, the sentence vectors, the latent terms " \
        "and the sentence vectors against the question spelled out by the dictionary"
    assert all(h.passage.doc_id != "veileder-2018-kap5-utdrag" for h in hits)


def test_a_norwegian_question_is_spelled_out_by_the_senses_of_its_uncommon_words(assistant):
    """The gloss list scores the sentences against the question's vector and the mean of its
    uncommon words' dictionary senses, each embedded apart (a sense recurs across questions and
    is kept); a common word («fylket») is left to e5."""
    question = "Hvordan unngår vi fallgruver i klyngesamarbeid?"
    retriever = assistant.retriever
    senses = retriever.glossary.glosses(question)
    assert senses and not retriever.glossary.glosses("Hva gjør fylket?")
    vectors = np.vstack([retriever.embedder.embed_query(t) for t in (question, *senses)])
    expected = spelled_out(vectors[0], vectors[1:])
    assert abs(float(np.linalg.norm(expected)) - 1) < 1e-5
    np.testing.assert_allclose(retriever.score_lists(question)["units_gloss"], retriever._best_units(expected)[0],
                               rtol=1e-5)


def test_the_dense_lists_also_see_the_question_without_its_frame(assistant):
    """The passage and sentence vectors are scored twice: against the question and against its
    content words alone, which is what e5 should weigh."""
    lists = assistant.retriever.score_lists("Hva er det fylket bør lære underveis?")
    words = assistant.retriever.score_lists("fylket lære underveis")
    np.testing.assert_allclose(lists["dense_words"], words["dense"], rtol=1e-5)
    np.testing.assert_allclose(lists["units_words"], words["units"], rtol=1e-5)
    assert not np.allclose(lists["dense_words"], lists["dense"])


def test_a_question_and_its_content_words_are_each_embedded_once(assistant, monkeypatch):
    """Retrieval embeds the question and its content words, then answering the question again:
    the model runs once per text."""
    model = assistant.embedder._model
    calls = []
    monkeypatch.setattr(model, "query", lambda text, real=model.query:
                        calls.extend([text] if isinstance(text, str) else text) or real(text))
    question = "Hva er det fylket bør gjøre med resultatene av målingene?"
    assistant.ask(question)
    assert sorted(calls) == sorted(set(calls)) and question in calls


@pytest.mark.parametrize("mode, own", [("bm25", {"bm25", "ngrams"}), ("dense", {"dense", "document", "units", "dense_words",
                                                                                   "units_words"})])
def test_single_mode_retrievers_use_only_their_rankings(assistant, mode, own):
    retriever = HybridRetriever(assistant.index, assistant.embedder, mode=mode)
    hits = retriever.retrieve(CASES[2][0], 5)
    assert hits and all(h.ranks and set(h.ranks) <= own for h in hits)
    assert hits[0].passage.doc_id == "reglab-larpass-2017"


def test_unknown_mode_is_rejected(assistant):
    with pytest.raises(ValueError):
        HybridRetriever(assistant.index, assistant.embedder, mode="fuzzy")


def test_langchain_retriever_returns_documents_with_metadata(assistant):
    question = CASES[4][0]
    retriever = GuideRetriever(retriever=assistant.retriever, k=4)
    assert isinstance(retriever, BaseRetriever)
    docs = retriever.invoke(question)
    hits = assistant.retrieve(question, k=4)
    assert len(docs) == 4 and all(isinstance(d, Document) for d in docs)
    assert [d.metadata["passage_id"] for d in docs] == [h.passage.id for h in hits]
    by_id = assistant.index.by_id
    for doc, hit in zip(docs, hits):
        passage = by_id[doc.metadata["passage_id"]]
        assert doc.id == passage.id
        assert doc.page_content == passage.text
        assert doc.metadata["doc_id"] == passage.doc_id
        assert doc.metadata["section"] == passage.section_path
        assert doc.metadata["page"] == passage.page_label
        assert doc.metadata["score"] == pytest.approx(hit.score)
        assert {k for k in doc.metadata if k.startswith("rank_")} == {f"rank_{n}" for n in hit.ranks}
    assert any(d.metadata["section"] == ELEMENTS and "6. Måling og læring" in d.page_content for d in docs)


def test_langchain_retriever_batch(assistant):
    retriever = GuideRetriever(retriever=assistant.retriever, k=2)
    results = retriever.batch([CASES[0][0], CASES[2][0]])
    assert [len(r) for r in results] == [2, 2]
    assert results[1][0].metadata["doc_id"] == "reglab-larpass-2017"


def test_ngrams_meet_across_norwegian_swedish_and_english_spelling():
    nb, sv, en = (set(char_ngrams(w)) for w in ("spesialisering", "specialisering", "specialisation"))
    assert nb == sv
    assert len(nb & en) >= 6 and "_spe" in en and "sial" in en
    assert set(char_ngrams("kommisjonen")) & set(char_ngrams("Commission")) >= {"_kom", "komm", "ommi", "sjon"}
    assert set(char_ngrams("innovasjon")) == set(char_ngrams("innovation"))


@pytest.mark.parametrize("lang, forms", [
    ("sv", ("analys", "analysen", "analyser", "analyserna")),
    ("sv", ("styrkeområdesanalys", "styrkeområdesanalysen")),
    ("nb", ("analyse", "analysen", "analyser")),
    ("nb", ("rullere", "rulleres", "rullering", "rulleringen")),  # Snowball keeps "-ing" nouns whole
    ("nb", ("kartlegge", "kartlegging")),
    ("sv", ("utveckla", "utveckling", "utvecklingen")),
    ("nb", ("planprogram", "planprogrammet", "planprogrammer")),  # Snowball keeps the doubled "m"
    ("nb", ("medlem", "medlemmer")),
])
def test_inflected_forms_share_one_stem(lang, forms):
    """The Swedish stemmer takes one suffix per step ("analysen" → "analys", "analys" → "analy")."""
    assert len({tuple(content_terms(w, (lang,))) for w in forms}) == 1


@pytest.mark.parametrize("word, lang, parts", [
    ("konsulentselskap", "nb", ("konsulent", "selskap")),
    ("samarbeidsforum", "nb", ("samarbeid", "forum")),  # linking s
    ("projektstart", "sv", ("projekt", "start")),
    ("spesialisering", "nb", ()),  # one word
    ("forum", "nb", ()),
    ("consultancy", "en", ()),
])
def test_a_compound_is_split_into_two_common_words(word, lang, parts):
    assert compound_parts(word, lang) == parts


@pytest.mark.parametrize("lang, word", [("nb", "næring"), ("nb", "ting"), ("sv", "näring")])
def test_a_short_word_ending_in_ing_keeps_its_ending(lang, word):
    assert content_terms(word, (lang,)) == [word]


def test_an_english_word_finds_the_norwegian_passage_by_its_spelling():
    passages = [Passage(id=f"d:{i}", doc_id="d", text=t) for i, t in enumerate((
        "Regionen satser på innovasjon og kompetanse i kommisjonen.",
        "Regionen satser på innovativ opplevelse og kommunale tjenester."))]
    scores = BM25Index(passages, ngrams=True).scores("innovation, competence, commission")
    assert scores[0] > 4 * scores[1]  # unfolded, «innovativ» shares as many 4-grams with «innovation»


@pytest.mark.parametrize("question", ["Hva skulle være ferdig i tredje kvartal 2019?",
                                      "Vad var klart under tredje kvartalet 2019?",
                                      "What was done in the third quarter of 2019?"])
def test_a_quarter_written_out_finds_the_line_that_abbreviates_it(question):
    """Slides write quarters as "2019 Q3"; people ask about "tredje kvartal"."""
    passages = [Passage(id=f"m:{i}", doc_id="m", language="sv", text=t) for i, t in enumerate((
        "2019 Q1 Upphandling klar\n2019 Q2 Avtal tecknade",
        "2019 Q3 Pilot i drift\n2019 Q4 Utvärdering"))]
    scores = BM25Index(passages).scores(question)
    assert scores[1] > scores[0]
    assert "q3" in content_terms(question, ("nb", "sv", "en"))
    assert "q3" not in content_terms("Fra 13. kvartal og andre kvartaler", ("nb",))


def test_sparse_rows_belong_to_their_passages_and_an_index_without_them_still_ranks(assistant):
    index = assistant.index
    assert index.sparse is not None and index.sparse.shape[0] == len(index.passages)
    for i in (0, len(index.passages) // 2, len(index.passages) - 1):
        row = assistant.embedder.embed_sparse([embed_text(index.passages[i])])  # the engine's; the index's are torch's
        cos = (index.sparse @ row.T).toarray().ravel() / np.sqrt(index.sparse.multiply(index.sparse).sum(axis=1)).A1
        cos /= np.sqrt(row.multiply(row).sum())
        assert int(cos.argmax()) == i and cos[i] > 0.95, f"row {i} is not passage {index.passages[i].id}"
    question = CASES[5][0]
    scores = HybridRetriever(index, assistant.embedder).score_lists(question)["sparse"]
    assert index.passages[int(scores.argmax())].section[-1] == CASES[5][2]
    older = HybridRetriever(replace(index, sparse=None), assistant.embedder)
    hits = older.retrieve(question, 5)
    assert hits and all("sparse" not in h.ranks for h in hits)
    assert any(h.passage.section[-1] == CASES[5][2] for h in hits)


def test_a_passage_s_rank_in_a_list_is_its_place_in_a_stable_sort():
    """`retrieval._rank` ranks one passage without sorting the list, ties in passage order."""
    from assistant.retrieval import _rank

    rng = np.random.default_rng(7)
    for scores in (rng.normal(size=50), rng.integers(0, 4, size=50).astype(float), np.zeros(5)):
        places = np.argsort(np.argsort(-scores, kind="stable"), kind="stable") + 1
        assert [_rank(scores, i) for i in range(len(scores))] == places.tolist()
