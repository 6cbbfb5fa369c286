"""Recognises chat requests to walk through a checklist, in Norwegian, Swedish and English.

Written as three word classes rather than example sentences: a request needs the word
checklist (sjekkliste, checklista, ...) and a phase name stem, plus either a verb of going
through / starting / opening, or so few words that the message is just the checklist's name.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..models import Answer

_CHECKLIST = re.compile(r"sjekk-?list|checkl[iy]st|check-list|kontrollist|huskelist|tjekliste", re.I)

_VERBS = re.compile(
    r"""\b(?:
        gå\s+(?:\w+\s+){0,2}?(?:gjennom|igjennom|igenom) | gjennomgå\w* | genomgå\w* | ta\s+(?:meg|oss|mig)\s+(?:gjennom|igenom)
      | start\w* | begynn\w* | börja\w* | åpne\w* | öppna\w* | vis\b | visa\w* | kjør\w* | kör\w*
      | fyll\w*\s+ut | fylla\s+i | bruk\w* | använd\w* | jobbe\s+med | arbeta\s+med
      | walk\w*\s+(?:\w+\s+){0,3}?through | go\w*\s+(?:\w+\s+){0,3}?through | take\s+(?:me|us)\s+through
      | run\b | open\b | begin\b | show\b | launch\b | fill\w*\s+(?:in|out) | use\b | work\s+on
      | let'?s | la\s+oss | låt\s+oss
    )""",
    re.I | re.X,
)

# Checklist id -> stems of its name in nb/sv/en. Checked in this order; the earliest match wins.
_PHASES: dict[str, str] = {
    "oppstart": r"oppstart\w* | uppstart\w* | planoppstart\w* | planprogram\w* | planprosess\w* | planprocess\w*"
                r" | start-?up | kick-?off | planning\s+(?:start|process)",
    "eu-krav": r"eu-?krav\w* | eu\s+krav\w* | eu-?kommisjon\w* | eu-?kommission\w* | kommissionens\s+krav"
               r" | eu\s+requirement\w* | commission\w* | eu",
    "organisering": r"organis\w* | organiz\w*",
    "analyse": r"analy\w*",
    "visjon-og-mal": r"visjon\w* | vision\w* | mål | målene | målen | goals? | objectives?",
    "prioritering": r"priorit\w*",
    "gjennomforing": r"gjennomføring\w* | gjennomføre\w* | genomförande\w* | implement\w* | execution | delivery",
    "maling-og-laering": r"måling\w* | mäta | mätning\w* | uppföljning\w* | læring\w* | lärande\w* | measur\w*"
                         r" | learning | monitor\w* | evaluer\w* | evaluat\w*",
}
_PHASE_RES = {cid: re.compile(rf"(?<![\w-])(?:{pat})(?![\w-])", re.I | re.X) for cid, pat in _PHASES.items()}


def match_checklist_request(text: str) -> str | None:
    """The id of the checklist the user asks to walk through, or None if this is not such a request.

    >>> match_checklist_request("Gå gjennom sjekklisten for analysefasen")
    'analyse'
    """
    if not text or not _CHECKLIST.search(text):
        return None
    words = re.findall(r"\w+", text)
    if not _VERBS.search(text) and len(words) > 6:
        return None
    found, spaced = [], _split_compounds(text)
    for checklist_id, pattern in _PHASE_RES.items():
        m = pattern.search(spaced)
        if m:
            found.append((m.start(), checklist_id))
    return min(found)[1] if found else None


def mentions_checklists(text: str) -> bool:
    """Whether a message speaks of checklists at all ("Hvilke sjekklister finnes?"), with no phase
    named: the reply lists them."""
    return bool(text and _CHECKLIST.search(text))


def _split_compounds(text: str) -> str:
    """Split compounds like "analysesjekklisten" / "analysfasen" so the stem stands alone."""
    text = _CHECKLIST.sub(lambda m: " " + m.group(0), text)
    return re.sub(r"(fasen|fase|fasa|phase)\b", r" \1", text, flags=re.I)


_POINTER = {
    "nb": "Sjekklisten «{title}» har {n} punkter, hentet ordrett fra veilederen. Start gjennomgangen her, "
          "eller i terminalen med `assistant checklist run {id}`.",
    "sv": "Checklistan «{title}» har {n} punkter, hämtade ordagrant från den norska vägledningen. Starta "
          "genomgången här, eller i terminalen med `assistant checklist run {id}`.",
    "en": "The checklist “{title}” has {n} items, quoted from the Norwegian guide. Start the walkthrough here, "
          "or in a terminal with `assistant checklist run {id}`.",
}


def pointer_answer(checklist_id: str, language: str = "nb", query: str = "") -> "Answer":
    """The chat reply to a recognised request: a short pointer plus `action` for the UI to open
    the walkthrough ({"type": "checklist", "checklist_id", "title", "items", "cli"})."""
    from ..models import Answer
    from .loader import get_checklist

    c = get_checklist(checklist_id)
    lang = language if language in _POINTER else "nb"
    return Answer(
        answer=_POINTER[lang].format(title=c.title, n=len(c.items), id=c.id), language=lang, query=query,
        action={"type": "checklist", "checklist_id": c.id, "title": c.title, "items": len(c.items),
                "cli": f"assistant checklist run {c.id}"},
    )


_LIST = {
    "nb": "Veilederen har {n} sjekklister, én for hver fase: {titles}. Skriv for eksempel «Gå gjennom sjekklisten "
          "for {first}», åpne fanen Sjekklister, eller kjør `assistant checklist list` i terminalen.",
    "sv": "Vägledningen har {n} checklistor, en för varje fas: {titles}. Skriv till exempel «Gå igenom checklistan "
          "för {first}», öppna fliken Checklistor, eller kör `assistant checklist list` i terminalen.",
    "en": "The guide has {n} checklists, one for each phase: {titles}. Write for example “Walk me through the "
          "checklist for {first}”, open the Checklists tab, or run `assistant checklist list` in a terminal.",
}


def checklists_answer(language: str = "nb") -> "Answer":
    """The chat reply to a question about the checklists that names none: what there is, and how
    to start one (`action` {"type": "checklists", "ids"} lets the UI offer them)."""
    from ..models import Answer
    from .loader import load_checklists

    checklists = list(load_checklists().values())
    lang = language if language in _LIST else "nb"
    titles = ", ".join(f"«{c.title}»" for c in checklists)
    return Answer(answer=_LIST[lang].format(n=len(checklists), titles=titles, first=checklists[0].title.lower()),
                  language=lang, action={"type": "checklists", "ids": [c.id for c in checklists]})
