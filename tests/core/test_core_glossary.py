"""The dictionary senses retrieval searches a Norwegian question with (assistant/glossary.py): the
reduction of a dictionary file to forms and main senses, the real packaged dictionary, and the
extra list it gives retrieval."""
from __future__ import annotations

import gzip
import logging
import sqlite3

import pytest

from assistant import glossary
from assistant.glossary import Glossary
from core_helpers import eval_questions, squash


def _dictionary(path, articles, definitions):
    """A gzipped SQLite file with the tables and columns the packaged dictionary has."""
    raw = path.with_suffix("")
    with sqlite3.connect(raw) as db:
        db.execute("CREATE TABLE articles (article_id TEXT PRIMARY KEY, lemma TEXT, word_class TEXT, inflections TEXT)")
        db.execute("CREATE TABLE definitions (id INTEGER PRIMARY KEY AUTOINCREMENT, article_id TEXT, content TEXT, "
                   "order_num INTEGER)")
        db.executemany("INSERT INTO articles VALUES (?, ?, ?, ?)", articles)
        db.executemany("INSERT INTO definitions (article_id, content, order_num) VALUES (?, ?, ?)", definitions)
    path.write_bytes(gzip.compress(raw.read_bytes()))
    return path


@pytest.fixture
def small(tmp_path, monkeypatch) -> Glossary:
    source = _dictionary(tmp_path / "articles.db.gz", [
        ("10", "bro", "NOUN", "bro | broa | broer | broene"),
        ("11", "bro", "VERB", "bro | broet"),  # a later homonym: not the word's main sense
        ("12", "ferje", "NOUN", "ferje | ferja | ferjer"),
        ("13", "over ende", "EXPR", "over ende"),  # a fixed expression, not a word
    ], [
        ("10", "byggverk som fører en vei over vann", 1),
        ("10", "forbindelse mellom to ting", 0),
        ("11", "legge bro over", 0),
        ("12", "fartøy som frakter biler over et sund", 0),
        ("13", "overkjørt", 0),
    ])
    monkeypatch.setattr(glossary, "dictionary_file", lambda: source)
    return Glossary.in_cache(tmp_path / "cache")


def test_a_word_is_spelled_out_by_the_first_sense_of_its_first_article(small):
    assert small.senses(["broene", "ferjer", "ende", "båt"]) == {
        "broene": "forbindelse mellom to ting", "ferjer": "fartøy som frakter biler over et sund"}


def test_a_compound_the_dictionary_lacks_is_spelled_out_by_its_parts(small, monkeypatch):
    monkeypatch.setattr(glossary, "compound_parts", lambda word, lang: ("bro", "ferje") if word == "broferje" else ())
    assert small.senses(["broferje"]) == {"broferje": "forbindelse mellom to ting fartøy som frakter biler over et sund"}


def test_a_word_is_any_form_of_an_article_and_a_name_is_none(small):
    assert small.has("broene") and small.has("ferja")
    assert not small.has("bergen") and not small.has("over ende")  # not listed; a fixed expression is no word


def test_glosses_follow_the_question_s_words_and_stop_words_are_not_looked_up(small):
    assert small.glosses("Hvor går ferjer og broene?") == ["fartøy som frakter biler over et sund",
                                                           "forbindelse mellom to ting"]
    assert small.glosses("Hvor går vi?") == []


def test_the_reduced_table_is_built_once_and_reused(small, monkeypatch):
    def fail(*args):
        raise AssertionError("rebuilt")

    monkeypatch.setattr(glossary, "_reduce", fail)
    again = Glossary.in_cache(small.path.parent)
    assert again.path == small.path and again.senses(["ferje"])


def test_without_the_dictionary_retrieval_goes_on_without_it(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(glossary, "dictionary_file", lambda: None)
    with caplog.at_level(logging.WARNING):
        assert Glossary.in_cache(tmp_path) is None
    assert "ordb" in caplog.text
    broken = tmp_path / "articles.db.gz"
    broken.write_bytes(b"not gzip")
    monkeypatch.setattr(glossary, "dictionary_file", lambda: broken)
    assert Glossary.in_cache(tmp_path / "cache") is None
    assert not list((tmp_path / "cache").glob("glossary-*"))  # nothing half-written is left to be reused


@pytest.mark.slow
def test_the_packaged_dictionary_spells_out_an_officers_words(embedding_cache):
    real = Glossary.in_cache(embedding_cache)
    senses = real.senses(["høgskolene", "universitetene", "bransjer", "samarbeidsforum"])
    assert "forskning" in senses["universitetene"] and "utdanning" in senses["høgskolene"]
    assert "næringsliv" in senses["bransjer"]
    assert "forsamling" in senses["samarbeidsforum"]  # not in the dictionary: «samarbeid» + «forum»


QUESTION = "Hvilken rolle kan høgskolene spille når en ny bransje vokser fram?"  # our own


@pytest.mark.slow
def test_retrieval_searches_a_norwegian_question_also_spelled_out(assistant):
    assert squash(QUESTION) not in eval_questions()
    assert "units_gloss" in assistant.retriever.score_lists(QUESTION)
    assert "units_gloss" not in assistant.retriever.score_lists("Vilken roll kan högskolorna spela för en ny bransch?")
    hits = assistant.retrieve(QUESTION, k=5)
    assert any("utdanningsinstitusjoner" in h.passage.text for h in hits), [h.passage.id for h in hits]


@pytest.mark.slow
def test_a_question_and_the_same_question_joined_with_an_earlier_turn_sum_the_same_lists(assistant):
    """The question's language decides the dictionary list for both searches of a follow-up: an
    English question joined with a Norwegian turn reads as Norwegian, and once gave the joined
    search a list the question's own search did not have."""
    question, turn = "How do they get started?", "Hvordan kan høgskolene og fylkeskommunen samarbeide om næringsutvikling?"
    retriever = assistant.retriever
    assert "units_gloss" in retriever.score_lists(f"{turn} {question}")  # read as Norwegian on its own
    assert set(retriever.score_lists(question, "en")) == set(retriever.score_lists(f"{turn} {question}", "en"))
    assert "units_gloss" in retriever.score_lists(question, "nb")
