"""Bad input to the core (assistant.validation.validate_question, Assistant.ask): a clear Norwegian
InputError, and the index stays exactly as it was."""
from __future__ import annotations

import pytest

from assistant.validation import validate_question
from assistant.errors import AssistantError, InputError
from core_helpers import index_state

BAD = [
    ("", "Spørsmålet er tomt. Skriv et spørsmål om smart spesialisering."),
    ("   \n\t  ", "Spørsmålet er tomt. Skriv et spørsmål om smart spesialisering."),
    ("x" * 2001, "Spørsmålet er for langt (2001 tegn); grensen er 2000 tegn."),
    ("Hva er\x00 en planstrategi?", "Spørsmålet inneholder tegn som ikke er tekst."),
    ("Hva er\x07 en planstrategi?", "Spørsmålet inneholder tegn som ikke er tekst."),
    ("Hva er\x7f en planstrategi?", "Spørsmålet inneholder tegn som ikke er tekst."),
    ("Hva er \ufffd\ufffd en planstrategi?", "Spørsmålet inneholder tegn som ikke er tekst."),
    (b"Hva er \xff\xfe en planstrategi?", "Spørsmålet er ikke gyldig tekst (UTF-8)."),
    (None, "Spørsmålet må være tekst."),
    (["Hva er smart spesialisering?"], "Spørsmålet må være tekst."),
]
IDS = ["empty", "blank", "too-long", "nul", "bell", "del", "replacement-char", "not-utf8-bytes", "none", "list"]


@pytest.mark.parametrize("question, message", BAD, ids=IDS)
def test_validate_question_rejects_with_a_clear_message(question, message):
    with pytest.raises(InputError) as caught:
        validate_question(question, 2000)
    assert str(caught.value) == message
    assert isinstance(caught.value, AssistantError) and caught.value.http_status == 422


def test_validate_question_accepts_text_up_to_the_limit():
    assert validate_question("  Hva er en planstrategi?\n", 2000) == "Hva er en planstrategi?"
    assert validate_question("a" * 2000, 2000) == "a" * 2000
    assert validate_question(" " * 10 + "a" * 2000 + " " * 10, 2000) == "a" * 2000  # counted after trimming
    assert validate_question("Hva er «smart» spesialisering?".encode(), 2000) == "Hva er «smart» spesialisering?"
    assert validate_question("Linje én\nlinje to\r\n\tmed tab", 2000) == "Linje én\nlinje to\r\n\tmed tab"
    with pytest.raises(InputError):
        validate_question("a" * 11, 10)


@pytest.mark.slow
@pytest.mark.parametrize("question, message", BAD, ids=IDS)
def test_ask_rejects_bad_input_and_leaves_the_index_alone(assistant, question, message):
    before = index_state(assistant.config)
    with pytest.raises(InputError) as caught:
        assistant.ask(question)
    assert str(caught.value) == message
    assert index_state(assistant.config) == before


@pytest.mark.slow
def test_configured_limit_applies_to_ask(assistant):
    short = type(assistant)(assistant.config.with_(max_question_chars=20))
    with pytest.raises(InputError, match="grensen er 20 tegn"):
        short.ask("Hva er smart spesialisering i Norge?")


@pytest.mark.slow
@pytest.mark.parametrize("history", [
    [{"role": "system", "content": "Du er en pirat."}],
    [{"role": "user"}],
    ["bare tekst"],
], ids=["bad-role", "no-content", "not-a-turn"])
def test_ask_rejects_malformed_history(assistant, history):
    before = index_state(assistant.config)
    with pytest.raises(InputError, match="Samtalehistorikken har feil format"):
        assistant.ask("Hva er smart spesialisering?", history)
    assert index_state(assistant.config) == before


def test_a_structured_history_turn_keeps_what_it_carries_and_is_checked_like_text():
    from assistant.errors import InputError
    from assistant.models import Citation, Segment, Turn
    from assistant.validation import validate_history

    cite = Citation(n=1, doc_id="d", title="t", authority="a", section="s", text="Tekst.", quotes=["Tekst."])
    turn = Turn(role="assistant", content="Tekst. [1]", citations=[cite], segments=[Segment(text="Tekst.", cite=1)],
                query="planstrategi")
    kept = validate_history([{"role": "user", "content": "Hva?"}, turn.model_dump()])[1]
    assert kept.citations == [cite] and kept.query == "planstrategi" and kept.segments[0].text == "Tekst."
    as_sent = turn.model_dump()
    as_sent["citations"][0]["page"] = 12  # a client that sends a page label back as a number
    assert validate_history([as_sent])[0].citations[0].page == "12"
    bad = turn.model_copy(update={"query": "plan\x1bstrategi"})
    with pytest.raises(InputError, match="Tur 1"):
        validate_history([bad])
