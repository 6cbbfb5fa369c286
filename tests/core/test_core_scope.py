"""scope.py: a "how much / how many / how often" question needs an answer that states an
amount, a count or a frequency; a question naming a place, country or year the material never
names is out of scope."""
from __future__ import annotations

import pytest

from assistant.models import Passage
from assistant.scope import Vocabulary, asks_about_present, asks_for_quantity, foreign_specifics, states_quantity


@pytest.mark.parametrize("question, expected", [
    ("Hvor mange fylker deltar i samarbeidet?", True),
    ("Og hvor ofte bør planen rulleres?", True),
    ("Hur mycket pengar satsades på klustren?", True),
    ("How many regions took part?", True),
    ("Hva koster en analyse fra et konsulentselskap?", True),
    ("Vad kostar det att delta?", True),
    ("What does a cluster membership cost?", True),
    ("What does the guide say about costs?", False),
    ("Når er søknadsfristen for regionalt forskningsfond?", True),
    ("Hva er fristen for å gi innspill til planprogrammet?", True),
    ("När är sista ansökningsdag?", True),
    ("When is the deadline for the consultation?", True),
    ("Hvorfor er fristene i planprosessen viktige?", False),
    ("Når bør politikerne involveres?", False),
    ("Hvordan kan vi måle resultatene?", False),
    ("Hva sier veilederen om hvor mange aktører som bør delta?", False),  # not asked for first
    ("Hvorfor er prioritering vanskelig?", False),
])
def test_quantity_questions_are_recognised(question, expected):
    assert asks_for_quantity(question) is expected


@pytest.mark.parametrize("text, expected", [
    ("Planstrategien utarbeides hvert fjerde år.", True),
    ("Samtliga 9 ERUF program inkluderar smart specialisering", True),
    ("Høringsfristen er minst seks uker.", True),
    ("Behovet for rullering skal vurderes årlig.", True),
    ("Fristen for innspill er 15. mars.", True),
    ("Planen ble vedtatt i 2018.", False),  # a year is not a date
    ("4. Positionera och öka klusters attraktionskraft", False),
    ("Nordland begynte arbeidet i 2012 og var den første fylkeskommunen.", False),  # a year, an ordinal
    ("Analysen Smart 4H viser fylkets sterke posisjon.", False),  # a digit in a name
    ("Det er opp til fylkestinget å vurdere hvor detaljert programmet skal være.", False),
    # every count written in words, not only the ones a hand list happened to hold
    ("Notodden-klyngen har atten medlemmer.", True),
    ("Valdres matklynge har seksten produsenter og nittini ansatte.", True),
    ("Klustret har sjuttio företag och arton forskare.", True),
    ("The cluster has forty-five member firms.", True),
    ("Dette er en klynge med ett felles mål.", False),  # «en», «ett»: articles, not counts
])
def test_an_amount_count_or_frequency_is_recognised(text, expected):
    assert states_quantity(text) is expected


@pytest.fixture(scope="module")
def vocabulary() -> Vocabulary:
    return Vocabulary([Passage(id="d:0", doc_id="d", text=(
        "Norge og Sverige samarbeider om smart spesialisering. Nordland startet i 2012, "
        "og EU-kommisjonen har gitt råd."))])


@pytest.mark.parametrize("question, lang, expected", [
    ("Hva gjorde Nordland i 2012?", "nb", []),
    ("Hva gjorde Troms i 2015?", "nb", ["2015", "Troms"]),
    ("Hvordan jobber Finland med dette?", "nb", ["Finland"]),
    ("What did Norway and Sweden agree on?", "en", []),  # «Norge», «Sverige» in the material
    ("What are Finland's priorities?", "en", ["Finland"]),
    ("What are the Netherlands' priorities?", "en", ["Netherlands"]),
    ("What did the European Commission advise?", "en", []),  # not a country: not checked in English
    ("What did Nordland do in 2019?", "en", ["2019"]),
    ("Aberdeen energy transition cluster", "en", ["Aberdeen"]),  # a keyword query begins with its place
    ("How does Aberdeen support its clusters?", "en", ["Aberdeen"]),  # a town, not only countries, in English
    ("Gävle hamn och logistik", "sv", ["Gävle"]),
    ("Reading the guide, what does Nordland do?", "en", []),  # a town's name, but first a common English word
    ("Verden trenger grønn omstilling", "nb", []),  # the same in bokmål («Verden» is also a German town)
])
def test_names_and_numbers_the_material_never_mentions(vocabulary, question, lang, expected):
    assert sorted(foreign_specifics(question, vocabulary, lang)) == sorted(expected)


@pytest.mark.parametrize("question, expected", [
    ("Stavanger hydrogenklynge", ["Stavanger"]),  # a town the dictionary does not list, first in a keyword query
    ("Verden trenger grønn omstilling", []),  # a town's name too, but a word of the language
])
def test_a_place_is_told_from_a_word_by_the_dictionary_of_the_question_s_language(vocabulary, question, expected):
    words = {"verden", "trenger", "grønn", "omstilling", "hydrogenklynge"}  # a stand-in for the bokmål dictionary
    assert foreign_specifics(question, vocabulary, "nb", is_word=words.__contains__) == expected


@pytest.mark.parametrize("question, expected", [
    ("Hvilke søknadsfrister gjelder i år?", True),
    ("Hva står i årets budsjett?", True),
    ("Vad händer i regionen nästa vecka?", True),
    ("Will it rain tomorrow?", True),
    ("What did the county decide last year?", True),
    ("Hvordan jobber fylkeskommunene med innovasjon i dag?", False),  # the material says «i dag» of its time
    ("Hva bør vi gjøre neste år i planprosessen?", False),
    ("Hvor ofte skal planstrategien rulleres, hvert år?", False),
    ("What are the steps of the process?", False),
])
def test_questions_about_the_present_are_recognised(question, expected):
    assert asks_about_present(question) is expected
