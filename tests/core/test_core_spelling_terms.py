"""Spelling toward the material (spelling.py) and the trilingual termbase (terms.py)."""
from __future__ import annotations

import pytest

from assistant.spelling import Speller, fold
from assistant.terms import Termbase

WORDS = ["spørsmål", "spørsmål", "læring", "næringsliv", "entreprenøriell", "oppdagelsesprosess",
         "naturressursene", "klynger", "planstrategien"]


@pytest.fixture(scope="module")
def speller() -> Speller:
    return Speller(WORDS)


@pytest.mark.parametrize("typed, spelled", [
    ("sporsmal", "spørsmål"),  # no ø, no å
    ("laering", "læring"),  # æ typed as ae
    ("naeringsliv", "næringsliv"),
    ("entreprenoriell", "entreprenøriell"),
    ("naturresursene", "naturressursene"),  # one letter short
    ("klynger", "klynger"),  # the material's own word
    ("what", "what"),  # a common word of the language is left alone
    ("EDP", "EDP"),  # too short to correct
    ("klyngr", "klyngr"),  # a short word is only brought to the material's Nordic letters, not edited
])
def test_a_word_is_brought_to_the_material_s_spelling(speller, typed, spelled):
    assert speller.word(typed, "nb") == spelled


def test_a_name_keeps_its_capital():
    assert Speller(["gävleborg", "trøndelag"]).correct("Hva gjorde Gavleborg og Trondelag?", "nb") == \
        "Hva gjorde Gävleborg og Trøndelag?"


def test_a_common_english_word_is_not_made_norwegian(speller):
    assert speller.correct("How do clusters learn?", "en") == "How do clusters learn?"


def test_a_word_the_corpus_knows_in_another_form_is_left_alone():
    speller = Speller(WORDS, knows=lambda w: w.startswith("planstrategi"))
    assert speller.word("planstrategi", "nb") == "planstrategi"
    assert Speller(WORDS).word("planstrategi", "nb") == "planstrategien"  # without it, the nearest form


def test_folding_writes_nordic_letters_the_keyboard_way():
    assert fold("Læring") == fold("laering") == fold("laring") == "laring"
    assert fold("Sörmland") == fold("sormland")


@pytest.mark.parametrize("question, lang, expected", [
    ("What does EDP mean?", "en", "entreprenøriell oppdagelsesprosess"),
    ("What is related variety?", "en", "beslektet mangfold"),
    ("Vad är relaterad variation?", "sv", "beslektet mangfold"),
    ("Hva er klyngekartlegging?", "nb", "klusterkartering"),
    ("Where is the S3 Platform?", "en", "plattform for smart spesialisering"),
])
def test_a_term_is_also_searched_in_the_material_s_other_languages(question, lang, expected):
    assert expected in Termbase.load().equivalents(question, lang)


def test_a_question_without_a_term_of_the_field_gets_nothing():
    assert Termbase.load().equivalents("Who won the match yesterday?", "en") == []


def test_every_term_names_its_source():
    assert all(t.source for t in Termbase.load().terms)
    assert all({"nb", "sv", "en"} <= set(t.forms) for t in Termbase.load().terms)


def test_a_term_used_and_a_word_pointing_back_are_found_per_language():
    from assistant.terms import Termbase
    from assistant.text import has_anaphor

    base = Termbase.load()
    assert [t.forms["nb"][0] for t in base.used("Hva er smart spesialisering?", "nb")] == ["smart spesialisering"]
    assert not base.used("Hvor ofte skal den utarbeides?", "nb")
    assert has_anaphor("Hvor ofte skal den utarbeides?", "nb") and has_anaphor("Why is this useful?", "en")
    assert not has_anaphor("Hva er smart spesialisering?", "nb") and not has_anaphor("Vad är EDP?", "sv")
