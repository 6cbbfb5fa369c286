"""Checking what users send before anything else sees it: questions, conversation history and
the free text a checklist session or a feedback stores (names, notes, comments).

Every interface (CLI, HTTP API, OpenAI-compatible endpoint, UI) calls these through the core or
the service it uses, so that a bad input gives the same clear Norwegian message everywhere
(`InputError`). Text is brought to Unicode NFC without format characters (`strip_format`), so a
question typed on macOS (decomposed "ä") finds text written on Windows (composed "ä").

Format characters (Unicode category Cf) are invisible: bidi embeddings, overrides, isolates and
marks, zero-width space, joiner and non-joiner, word joiner, BOM, soft hyphen, tag characters.
One rule for all user text (questions, history, names, notes, titles, comments): every one is
removed, so that no text shows something other than what is stored (a right-to-left override
reverses what follows it) and a search sees the letters typed. The one exception is a zero-width
joiner inside an emoji sequence (between two pictographs, after a skin tone or variation
selector), so «👩‍💻» stays one picture. Letters of every script are kept (Arabic, Hebrew);
Persian text loses its optional non-joiners, which changes how some letters join, not the words.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from .errors import InputError
from .models import Turn

CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]|[\ud800-\udfff]")
ZWJ = "\u200d"
# what XML 1.0 (and so a Word document) cannot hold, plus C1 controls and the line/paragraph separators
NOT_TEXT_RE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f\ufffe\uffff]|[\ud800-\udfff]")

# History: only what retrieval and answering read is kept, so a long or dirty conversation costs
# what a short one does. The core reads the last user question and the last answer.
MAX_HISTORY_TURNS = 6  # turns kept, the most recent
MAX_TURN_CHARS = {"user": 2000, "assistant": 4000}  # characters kept of a turn: a question; an answer with a list
MAX_HISTORY_ITEMS = 200  # more turns than this in one request is not a conversation


def _emoji_joiner(text: str, i: int) -> bool:
    """Whether the zero-width joiner at `i` joins an emoji sequence: a pictograph (So), its skin
    tone (Sk) or a variation selector (Mn) before it, a pictograph after it."""
    return (0 < i < len(text) - 1 and unicodedata.category(text[i + 1]) == "So"
            and unicodedata.category(text[i - 1]) in ("So", "Sk", "Mn"))


def strip_format(text: str) -> str:
    """`text` without Unicode format characters (category Cf), except a joiner in an emoji sequence."""
    if text.isascii():
        return text
    return "".join(ch for i, ch in enumerate(text)
                   if unicodedata.category(ch) != "Cf" or (ch == ZWJ and _emoji_joiner(text, i)))


def _tidy(text: str) -> str:
    return unicodedata.normalize("NFC", strip_format(text))


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
    return [_tidy_turn(t) for t in turns[-MAX_HISTORY_TURNS:]]


def _tidy_turn(turn: Turn) -> Turn:
    """A turn's content cut to its role's length; it and the query it carries back (a follow-up
    searches with it and echoes it) tidied as a question is. Citations and segments are kept as
    sent: they are matched against the sources' own text."""
    return turn.model_copy(update={"content": _tidy(turn.content[:MAX_TURN_CHARS[turn.role]]).strip(),
                                   "query": _tidy(turn.query)})


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


def clean_json(value: object) -> object:
    """Every string in a JSON value (an answer a client sends back to be stored) through
    `clean_text`; keys, numbers, booleans and null as they are."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {k: clean_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean_json(v) for v in value]
    return value


TERMINAL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]|[\ud800-\udfff]")


def for_terminal(text: object) -> str:
    """Text to print on a terminal that echoes what a user typed (an unknown command, a name in
    an error): no control characters but line breaks and tabs (an ESC starts a terminal command),
    no format characters (`strip_format`)."""
    return strip_format(TERMINAL_RE.sub("", str(text).replace("\r\n", "\n")))
