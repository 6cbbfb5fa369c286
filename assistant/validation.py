"""Checking what users send before anything else sees it: questions, conversation history and
the free text a checklist session or a feedback stores (names, notes, comments).

Every interface (CLI, HTTP API, OpenAI-compatible endpoint, UI) calls these through the core or
the service it uses, so that a bad input gives the same clear Norwegian message everywhere
(`InputError`). Text is brought to Unicode NFC without zero-width characters, so a question
typed on macOS (decomposed "ä") finds text written on Windows (composed "ä").
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from .errors import InputError
from .models import Turn

CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]|[\ud800-\udfff]")
INVISIBLE_RE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
# what XML 1.0 (and so a Word document) cannot hold, plus C1 controls and the line/paragraph separators
NOT_TEXT_RE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f\ufffe\uffff]|[\ud800-\udfff]")

# History: only what retrieval and answering read is kept, so a long or dirty conversation costs
# what a short one does. The core reads the last user question and the last answer.
MAX_HISTORY_TURNS = 6  # turns kept, the most recent
MAX_TURN_CHARS = {"user": 2000, "assistant": 4000}  # characters kept of a turn: a question; an answer with a list
MAX_HISTORY_ITEMS = 200  # more turns than this in one request is not a conversation


def _tidy(text: str) -> str:
    return unicodedata.normalize("NFC", INVISIBLE_RE.sub("", text))


def validate_question(question: object, max_chars: int) -> str:
    """A question must be real text of sensible length; the message says what is wrong."""
    if isinstance(question, bytes):
        try:
            question = question.decode("utf-8")
        except UnicodeDecodeError as err:
            raise InputError("Spørsmålet er ikke gyldig tekst (UTF-8).") from err
    if not isinstance(question, str):
        raise InputError("Spørsmålet må være tekst.")
    if CONTROL_RE.search(question):
        raise InputError("Spørsmålet inneholder tegn som ikke er tekst.")
    question = _tidy(question).strip()
    if not question:
        raise InputError("Spørsmålet er tomt. Skriv et spørsmål om smart spesialisering.")
    if len(question) > max_chars:
        raise InputError(f"Spørsmålet er for langt ({len(question)} tegn); grensen er {max_chars} tegn.")
    return question


def validate_history(history: Sequence[Turn | dict] | None) -> list[Turn]:
    """Earlier turns of a conversation as `Turn`s, checked like questions: a turn with control
    characters is refused (`InputError`, naming the turn). Only the last `MAX_HISTORY_TURNS`
    turns are returned, each cut to its role's `MAX_TURN_CHARS`, in NFC."""
    if history is None:
        return []
    if isinstance(history, (str, bytes)) or not isinstance(history, Sequence):
        raise InputError("Samtalehistorikken må være en liste med turer (role og content).")
    if len(history) > MAX_HISTORY_ITEMS:
        raise InputError(f"Samtalehistorikken har {len(history)} turer; grensen er {MAX_HISTORY_ITEMS}.")
    try:
        turns = [t if isinstance(t, Turn) else Turn.model_validate(t) for t in history]
    except Exception as err:
        raise InputError("Samtalehistorikken har feil format: hver tur trenger role (user/assistant) og content.") from err
    for n, turn in enumerate(turns, start=1):
        sent = [turn.content, turn.query, *(q for c in turn.citations for q in c.quotes), *(s.text for s in turn.segments)]
        if any(CONTROL_RE.search(text) for text in sent):
            raise InputError(f"Tur {n} i samtalehistorikken inneholder tegn som ikke er tekst.")
    return [t.model_copy(update={"content": _tidy(t.content[:MAX_TURN_CHARS[t.role]]).strip()})
            for t in turns[-MAX_HISTORY_TURNS:]]  # citations, segments and query kept as sent


def clean_text(value: object, max_chars: int | None = None, what: str = "Teksten") -> str:
    """Free text to store and print (a note, a name, a comment): NFC, no zero-width or control
    characters (a vertical tab or form feed, as Word pastes a line break, becomes a line break),
    so that everything stored is valid XML text. Raises `InputError` when it is too long."""
    if value is None:
        return ""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\x0b", "\n").replace("\x0c", "\n").replace("\u2028", "\n").replace("\u2029", "\n")
    text = _tidy(NOT_TEXT_RE.sub("", text.replace("\t", " "))).strip()
    if max_chars is not None and len(text) > max_chars:
        raise InputError(f"{what} er {len(text)} tegn; høyst {max_chars} tegn er tillatt.")
    return text
