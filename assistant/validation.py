"""Checking what users send before anything else sees it: questions and conversation history.

Every interface (CLI, HTTP API, OpenAI-compatible endpoint, UI) calls these through the core, so
that a bad input gives the same clear Norwegian message everywhere (`InputError`).
"""
from __future__ import annotations

import re
from collections.abc import Sequence

from .errors import InputError
from .models import Turn

CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]|[\ud800-\udfff]")


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
    question = question.strip()
    if not question:
        raise InputError("Spørsmålet er tomt. Skriv et spørsmål om smart spesialisering.")
    if len(question) > max_chars:
        raise InputError(f"Spørsmålet er for langt ({len(question)} tegn); grensen er {max_chars} tegn.")
    return question


def validate_history(history: Sequence[Turn | dict] | None) -> list[Turn]:
    """Earlier turns of a conversation as `Turn`s; raises `InputError` for a malformed turn."""
    try:
        return [t if isinstance(t, Turn) else Turn.model_validate(t) for t in history or ()]
    except Exception as err:
        raise InputError("Samtalehistorikken har feil format: hver tur trenger role (user/assistant) og content.") from err
