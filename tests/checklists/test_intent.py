"""Chat requests to walk through a checklist, in bokmål, Swedish and English."""
from __future__ import annotations

import pytest

from assistant.checklists import match_checklist_request

REQUESTS = [
    ("Gå gjennom sjekklisten for analysefasen", "analyse"),
    ("Gå igenom checklistan för analysfasen", "analyse"),
    ("Walk me through the analysis checklist", "analyse"),
    ("Kan du ta meg gjennom sjekklisten for oppstart av planprosessen?", "oppstart"),
    ("Start sjekklisten for planoppstart", "oppstart"),
    ("Let's go through the checklist for the planning start-up", "oppstart"),
    ("Vis sjekklisten for EU-kravene", "eu-krav"),
    ("Open the EU requirements checklist", "eu-krav"),
    ("Jeg vil gå gjennom gjennomføringssjekklisten", "gjennomforing"),
    ("Gå igenom checklistan för genomförandet", "gjennomforing"),
    ("Take me through the implementation checklist", "gjennomforing"),
    ("Gå gjennom sjekklisten for organisering", "organisering"),
    ("Öppna checklistan för organiseringen", "organisering"),
    ("Visa checklistan för vision och mål", "visjon-og-mal"),
    ("Gå gjennom sjekklista for visjon og mål", "visjon-og-mal"),
    ("Begynn på sjekklisten for prioriteringsfasen", "prioritering"),
    ("Run the prioritisation checklist", "prioritering"),
    ("Gå gjennom sjekklisten for måling og læring", "maling-og-laering"),
    ("Open the measurement and learning checklist", "maling-og-laering"),
    ("sjekkliste prioritering", "prioritering"),
]


@pytest.mark.parametrize("text,expected", REQUESTS)
def test_recognises_requests(text, expected):
    assert match_checklist_request(text) == expected


@pytest.mark.parametrize("text", [
    "Hva er smart spesialisering?",
    "Hvorfor er analysen viktig?",
    "Gå gjennom analysen av næringslivet i Nordland",  # no checklist word
    "Hva står det om sjekklister i veilederen når regionen har lite næringsliv og mange små bedrifter?",
    "Gå gjennom sjekklisten",  # no phase: the caller lists the checklists instead
    "",
])
def test_ignores_other_messages(text):
    assert match_checklist_request(text) is None


def test_pointer_answer_carries_the_ui_action():
    from assistant.checklists import pointer_answer

    answer = pointer_answer(match_checklist_request("Gå gjennom sjekklisten for analysefasen"), "nb", query="q")
    assert answer.action == {"type": "checklist", "checklist_id": "analyse", "title": "2 Analyse", "items": 33,
                             "cli": "assistant checklist run analyse"}
    assert "33 punkter" in answer.answer and answer.language == "nb" and not answer.refused
    assert "33 punkter" in pointer_answer("analyse", "sv").answer
    assert answer.model_dump()["action"]["checklist_id"] == "analyse"
