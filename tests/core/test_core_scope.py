"""The answer-type check of scope.py: a "how much / how many / how often" question needs an
answer that states an amount, a count or a frequency."""
from __future__ import annotations

import pytest

from assistant.scope import asks_for_quantity, states_quantity


@pytest.mark.parametrize("question, expected", [
    ("Hvor mange fylker deltar i samarbeidet?", True),
    ("Og hvor ofte bør planen rulleres?", True),
    ("Hur mycket pengar satsades på klustren?", True),
    ("How many regions took part?", True),
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
    ("4. Positionera och öka klusters attraktionskraft", False),
    ("Nordland begynte arbeidet i 2012 og var den første fylkeskommunen.", False),  # a year, an ordinal
    ("Analysen Smart 4H viser fylkets sterke posisjon.", False),  # a digit in a name
    ("Det er opp til fylkestinget å vurdere hvor detaljert programmet skal være.", False),
])
def test_an_amount_count_or_frequency_is_recognised(text, expected):
    assert states_quantity(text) is expected
