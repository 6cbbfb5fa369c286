"""Wording and escaping shared by the UI, the widget and the API.

User-facing strings live here in bokmål, Swedish and English so every interface says the same.
Answers themselves are laid out by `assistant.rendering`.
"""
from __future__ import annotations

import html
import re
from collections.abc import Iterable
from typing import Any

from ..rendering import LABELS


LANGUAGES = {"nb": "Norsk bokmål", "sv": "Svenska", "en": "English"}
DEFAULT_LANGUAGE = "nb"

STRINGS: dict[str, dict[str, str]] = {
    "title": {"nb": "Smart spesialisering – rådgivningsassistent", "sv": "Smart specialisering – rådgivningsassistent", "en": "Smart specialisation – advisory assistant"},
    "intro": {
        "nb": "Still spørsmål om smart spesialisering. Svarene bygger bare på dokumentene i kildesamlingen, med nummererte kilder du kan klikke på.",
        "sv": "Ställ frågor om smart specialisering. Svaren bygger bara på dokumenten i källsamlingen, med numrerade källor som du kan klicka på.",
        "en": "Ask about smart specialisation. Answers draw only on the documents in the source collection, with numbered sources you can click.",
    },
    "tab_chat": {"nb": "Samtale", "sv": "Samtal", "en": "Chat"},
    "tab_checklists": {"nb": "Sjekklister", "sv": "Checklistor", "en": "Checklists"},
    "tab_sources": {"nb": "Kilder", "sv": "Källor", "en": "Sources"},
    "language": {"nb": "Språk", "sv": "Språk", "en": "Language"},
    "question": {"nb": "Ditt spørsmål", "sv": "Din fråga", "en": "Your question"},
    "placeholder": {"nb": "Skriv et spørsmål og trykk Enter …", "sv": "Skriv en fråga och tryck Enter …", "en": "Type a question and press Enter …"},
    "send": {"nb": "Send", "sv": "Skicka", "en": "Send"},
    "clear": {"nb": "Tøm samtalen", "sv": "Rensa samtalet", "en": "Clear conversation"},
    "examples": {"nb": "Eksempler på spørsmål", "sv": "Exempelfrågor", "en": "Example questions"},
    "source_panel": {"nb": "Kilde", "sv": "Källa", "en": "Source"},
    "source_hint": {"nb": "Klikk på et kildenummer i svaret for å se utdraget her.", "sv": "Klicka på ett källnummer i svaret för att se utdraget här.", "en": "Click a source number in the answer to see the passage here."},
    "sources": LABELS["sources"],
    "page": LABELS["page"],
    "authority": {"nb": "Status", "sv": "Status", "en": "Authority"},
    "section": {"nb": "Del", "sv": "Avsnitt", "en": "Section"},
    "search_query": {"nb": "Søkte etter", "sv": "Sökte efter", "en": "Searched for"},
    "comment": {"nb": "Kommentar til vurderingen (valgfritt)", "sv": "Kommentar till bedömningen (valfritt)", "en": "Comment on your rating (optional)"},
    "comment_send": {"nb": "Send kommentar", "sv": "Skicka kommentar", "en": "Send comment"},
    "thanks": {"nb": "Takk for tilbakemeldingen!", "sv": "Tack för återkopplingen!", "en": "Thank you for the feedback!"},
    "thanks_comment": {"nb": "Kommentaren er lagret.", "sv": "Kommentaren är sparad.", "en": "The comment is saved."},
    "rate_first": {"nb": "Gi en tommel opp eller ned på et svar først.", "sv": "Ge en tumme upp eller ned på ett svar först.", "en": "Rate an answer with a thumb up or down first."},
    "documents": {"nb": "Dokumenter", "sv": "Dokument", "en": "Documents"},
    "document": {"nb": "Velg dokument", "sv": "Välj dokument", "en": "Choose document"},
    "publisher": {"nb": "Utgiver", "sv": "Utgivare", "en": "Publisher"},
    "date": {"nb": "Dato", "sv": "Datum", "en": "Date"},
    "provenance": {"nb": "Opphav", "sv": "Ursprung", "en": "Provenance"},
    "doc_title": {"nb": "Tittel", "sv": "Titel", "en": "Title"},
    "lang_col": {"nb": "Språk", "sv": "Språk", "en": "Language"},
    "passages": {"nb": "utdrag", "sv": "utdrag", "en": "passages"},
    "checklist": {"nb": "Sjekkliste", "sv": "Checklista", "en": "Checklist"},
    "session_name": {"nb": "Navn på økten", "sv": "Namn på sessionen", "en": "Session name"},
    "start_session": {"nb": "Start ny gjennomgang", "sv": "Starta ny genomgång", "en": "Start a new walkthrough"},
    "sessions": {"nb": "Tidligere økter", "sv": "Tidigare sessioner", "en": "Earlier sessions"},
    "resume": {"nb": "Fortsett", "sv": "Fortsätt", "en": "Resume"},
    "status": {"nb": "Status", "sv": "Status", "en": "Status"},
    "note": {"nb": "Notat", "sv": "Anteckning", "en": "Note"},
    "prev": {"nb": "← Forrige", "sv": "← Föregående", "en": "← Previous"},
    "save_next": {"nb": "Lagre og neste →", "sv": "Spara och nästa →", "en": "Save and next →"},
    "explain": {"nb": "Forklar", "sv": "Förklara", "en": "Explain"},
    "report": {"nb": "Last ned rapport", "sv": "Ladda ner rapport", "en": "Download report"},
    "item_of": {"nb": "Punkt {i} av {n}", "sv": "Punkt {i} av {n}", "en": "Item {i} of {n}"},
    "answered": {"nb": "{a} av {n} besvart", "sv": "{a} av {n} besvarade", "en": "{a} of {n} answered"},
    "pick_checklist": {"nb": "Velg en sjekkliste og start eller fortsett en gjennomgang.", "sv": "Välj en checklista och starta eller fortsätt en genomgång.", "en": "Choose a checklist and start or resume a walkthrough."},
    "saved": {"nb": "Lagret.", "sv": "Sparat.", "en": "Saved."},
    "all_done": {"nb": "Alle punktene er besvart. Last ned rapporten.", "sv": "Alla punkter är besvarade. Ladda ner rapporten.", "en": "All items are answered. Download the report."},
    "jump": {"nb": "Gå til punkt", "sv": "Gå till punkt", "en": "Go to item"},
    "owner": {"nb": "Ansvarlig", "sv": "Ansvarig", "en": "Owner"},
    "due": {"nb": "Frist (ÅÅÅÅ-MM-DD)", "sv": "Deadline (ÅÅÅÅ-MM-DD)", "en": "Due date (YYYY-MM-DD)"},
    "overview": {"nb": "Oversikt over alle punktene", "sv": "Översikt över alla punkter", "en": "Overview of all items"},
    "unanswered": {"nb": "Ubesvart", "sv": "Obesvarad", "en": "Unanswered"},
    "autosaved": {"nb": "Endringen er lagret.", "sv": "Ändringen är sparad.", "en": "The change is saved."},
    "saved_item": {"nb": "Endringene på punkt {n} er lagret.", "sv": "Ändringarna i punkt {n} är sparade.",
                   "en": "The changes to item {n} are saved."},
    "source_ref": {"nb": "Kilde", "sv": "Källa", "en": "Source"},
    "not_ready": {
        "nb": "Indeksen er ikke bygget ennå. Kjør `assistant index` og last siden på nytt.",
        "sv": "Indexet är inte byggt än. Kör `assistant index` och ladda om sidan.",
        "en": "The index has not been built yet. Run `assistant index` and reload the page.",
    },
    "empty": {"nb": "Tomt", "sv": "Tomt", "en": "Empty"},
    "error_title": {"nb": "Feil", "sv": "Fel", "en": "Error"},
    "close": {"nb": "Lukk", "sv": "Stäng", "en": "Close"},
    "warning": {"nb": "Merk", "sv": "Obs", "en": "Note"},
    "copy": {"nb": "Kopier svaret", "sv": "Kopiera svaret", "en": "Copy the answer"},
    "copy_sources": {"nb": "Kopier med kilder", "sv": "Kopiera med källor", "en": "Copy with sources"},
    "copied": {"nb": "Kopiert.", "sv": "Kopierat.", "en": "Copied."},
    "like": {"nb": "Nyttig svar", "sv": "Användbart svar", "en": "Helpful answer"},
    "dislike": {"nb": "Ikke nyttig svar", "sv": "Inte användbart svar", "en": "Not helpful"},
    "conversation": {"nb": "Samtalen", "sv": "Samtalet", "en": "The conversation"},
    "user_said": {"nb": "Ditt spørsmål", "sv": "Din fråga", "en": "Your question"},
    "bot_said": {"nb": "Svar", "sv": "Svar", "en": "Answer"},
    "error_empty": {"nb": "Spørsmålet er tomt. Skriv et spørsmål om smart spesialisering.",
                    "sv": "Frågan är tom. Skriv en fråga om smart specialisering.",
                    "en": "The question is empty. Type a question about smart specialisation."},
    "error_long": {"nb": "Spørsmålet er for langt ({n} tegn); grensen er {max} tegn.",
                   "sv": "Frågan är för lång ({n} tecken); gränsen är {max} tecken.",
                   "en": "The question is too long ({n} characters); the limit is {max}."},
    "edit": {"nb": "Rediger spørsmålet", "sv": "Redigera frågan", "en": "Edit the question"},
    "edit_send": {"nb": "Send på nytt", "sv": "Skicka igen", "en": "Send again"},
    "edit_cancel": {"nb": "Avbryt", "sv": "Avbryt", "en": "Cancel"},
    "open_in_doc": {"nb": "Åpne stedet i dokumentet", "sv": "Öppna stället i dokumentet", "en": "Open this place in the document"},
    "search_sources": {"nb": "Søk i kildene", "sv": "Sök i källorna", "en": "Search the sources"},
    "search_none": {"nb": "Ingen utdrag inneholder disse ordene.", "sv": "Inga utdrag innehåller de här orden.", "en": "No passage contains these words."},
    "conversations": {"nb": "Tidligere samtaler", "sv": "Tidigare samtal", "en": "Earlier conversations"},
    "conv_open": {"nb": "Åpne", "sv": "Öppna", "en": "Open"},
    "conv_new": {"nb": "Ny samtale", "sv": "Nytt samtal", "en": "New conversation"},
    "conv_name": {"nb": "Navn på samtalen", "sv": "Namn på samtalet", "en": "Conversation name"},
    "conv_rename": {"nb": "Gi nytt navn", "sv": "Byt namn", "en": "Rename"},
    "conv_delete": {"nb": "Slett samtalen", "sv": "Radera samtalet", "en": "Delete conversation"},
    "conv_box": {"nb": "Samtaler", "sv": "Samtal", "en": "Conversations"},
    "error_due": {"nb": "Ugyldig frist «{value}». Bruk formatet ÅÅÅÅ-MM-DD eller DD.MM.ÅÅÅÅ.",
                  "sv": "Ogiltigt datum «{value}». Använd formatet ÅÅÅÅ-MM-DD eller DD.MM.ÅÅÅÅ.",
                  "en": "Invalid due date «{value}». Use the format YYYY-MM-DD or DD.MM.YYYY."},
    "error_note": {"nb": "Notatet er {n} tegn; høyst {max} tegn er tillatt.",
                   "sv": "Anteckningen är {n} tecken; högst {max} tecken är tillåtet.",
                   "en": "The note is {n} characters; at most {max} are allowed."},
    "error_not_found": {"nb": "Fant den ikke.", "sv": "Hittades inte.", "en": "Not found."},
    "error_no_name": {"nb": "Navnet kan ikke være tomt.", "sv": "Namnet kan inte vara tomt.", "en": "The name cannot be empty."},
    "error_generic": {"nb": "Noe gikk galt. Prøv igjen.", "sv": "Något gick fel. Försök igen.", "en": "Something went wrong. Please try again."},
}

STATUS_LABELS: dict[str, dict[str, str]] = {
    "nb": {"ja": "Ja", "delvis": "Delvis", "nei": "Nei", "ikke relevant": "Ikke relevant"},
    "sv": {"ja": "Ja", "delvis": "Delvis", "nei": "Nej", "ikke relevant": "Ej relevant"},
    "en": {"ja": "Yes", "delvis": "Partly", "nei": "No", "ikke relevant": "Not relevant"},
}

EXAMPLES: dict[str, list[str]] = {
    "nb": [
        "Hva er smart spesialisering?",
        "Hva er en entreprenøriell oppdagelsesprosess?",
        "Hvordan kan fylkeskommunen mobilisere private investeringer?",
        "Hvilke spørsmål bør diskuteres i gjennomføringsfasen?",
    ],
    "sv": [
        "Vad är smart specialisering?",
        "Hur fungerar en entreprenöriell upptäcktsprocess?",
        "Vilka frågor bör diskuteras i genomförandefasen?",
    ],
    "en": [
        "What is smart specialisation?",
        "What is an entrepreneurial discovery process?",
        "How can a county mobilise private investment?",
    ],
}


def t(key: str, lang: str = DEFAULT_LANGUAGE) -> str:
    entry = STRINGS[key]
    return entry.get(lang) or entry[DEFAULT_LANGUAGE]


def localise_error(message: str, lang: str) -> str:
    """A core error message (bokmål) in the UI language, for the messages a user of the web UI
    can cause; any other message is shown as the core wrote it."""
    if lang == DEFAULT_LANGUAGE:
        return message
    if message.startswith("Spørsmålet er tomt"):
        return t("error_empty", lang)
    m = re.match(r"Spørsmålet er for langt \((\d+) tegn\); grensen er (\d+) tegn", message)
    if m:
        return t("error_long", lang).format(n=m.group(1), max=m.group(2))
    m = re.match(r"Ugyldig frist «(.*)»\.", message, re.S)
    if m:
        return t("error_due", lang).format(value=m.group(1))
    m = re.match(r"Notatet er (\d+) tegn; høyst (\d+)", message)
    if m:
        return t("error_note", lang).format(n=m.group(1), max=m.group(2))
    if re.match(r"Fant ingen (økt|samtale) med id", message):
        return t("error_not_found", lang)
    if message.startswith(("Samtalen må ha et navn", "Økten må ha et navn")):
        return t("error_no_name", lang)
    return message


def check_question(question: Any, max_chars: int) -> str:
    """The core's own validation, run before any work so the API can answer 422 at once."""
    from ..validation import validate_question

    return validate_question(question, max_chars)


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~$])")


def md_escape(text: str) -> str:
    """Make arbitrary text inert inside Markdown+HTML: `<script>` is shown, not run or dropped."""
    return html.escape(_MD_SPECIAL.sub(r"\\\1", text), quote=False)


def md_unescape(text: str) -> str:
    """The text a user typed, back from `md_escape` (an edited question arrives escaped)."""
    return _MD_SPECIAL_ESCAPED.sub(r"\1", html.unescape(text))


_MD_SPECIAL_ESCAPED = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|~$])")


def esc(text: Any) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def quote_spans(passage: str, quotes: Iterable[str]) -> list[tuple[int, int]]:
    """Where each quoted sentence stands in the passage: a whole-word match (so «Analys» is not
    found inside «Analysunderlag»), whitespace-tolerant, each quote after the one before when it
    occurs there (answers quote in passage order), never overlapping another."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for q in quotes:
        words = (q or "").split()
        if not words:
            continue
        pattern = re.compile(r"(?<!\w)" + r"\s+".join(re.escape(w) for w in words) + r"(?!\w)")
        found = None
        for start in (pos, 0):
            for m in pattern.finditer(passage, start):
                if all(m.end() <= a or m.start() >= b for a, b in spans):
                    found = m
                    break
            if found:
                break
        if found:
            spans.append((found.start(), found.end()))
            pos = found.end()
    return sorted(spans)


def highlight(passage: str, quotes: Iterable[str]) -> str:
    """Escape a passage and wrap each cited sentence in <mark> (see `quote_spans`)."""
    out, pos = [], 0
    for start, end in quote_spans(passage, quotes):
        out.append(esc(passage[pos:start]))
        out.append(f"<mark>{esc(passage[start:end])}</mark>")
        pos = end
    out.append(esc(passage[pos:]))
    return "".join(out)


def shorten(text: str, limit: int) -> str:
    """`text` cut at a word boundary to at most `limit` characters, with "…" when cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0] if " " in text[: limit - 1] else text[: limit - 1]
    return cut.rstrip(" ,.;:") + "…"


QUERY_LINE_CHARS = 100


def short_query(query: str, question: str | None, limit: int = QUERY_LINE_CHARS) -> str:
    """The "searched for" line: empty when the answer was searched with the question itself;
    otherwise the earlier turn's words (cut short) before the question, at most `limit` chars."""
    query, asked = " ".join((query or "").split()), " ".join((question or "").split())
    if not query or (question is not None and query.casefold() == asked.casefold()):
        return ""
    if asked and query.casefold().endswith(asked.casefold()) and len(query) > len(asked):
        extra = query[: len(query) - len(asked)].strip()
        room = max(limit - len(asked) - 1, 24)
        return shorten(f"{shorten(extra, room)} {asked}", limit + 24)
    return shorten(query, limit)
