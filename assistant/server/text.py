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
    "entry_user": {"nb": "bruker: {name}", "sv": "användare: {name}", "en": "user: {name}"},
    "resume": {"nb": "Fortsett", "sv": "Fortsätt", "en": "Resume"},
    "status": {"nb": "Status", "sv": "Status", "en": "Status"},
    "note": {"nb": "Notat", "sv": "Anteckning", "en": "Note"},
    "prev": {"nb": "← Forrige", "sv": "← Föregående", "en": "← Previous"},
    "save_next": {"nb": "Lagre og neste →", "sv": "Spara och nästa →", "en": "Save and next →"},
    "explain": {"nb": "Forklar", "sv": "Förklara", "en": "Explain"},
    "report": {"nb": "Lag statusrapport", "sv": "Skapa lägesrapport", "en": "Make readiness report"},
    "report_format": {"nb": "Format på statusrapporten", "sv": "Lägesrapportens format", "en": "Format of the readiness report"},
    "report_download": {"nb": "Last ned {name}", "sv": "Ladda ner {name}", "en": "Download {name}"},
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
    "stale_item": {"nb": "Punkt {n} er endret i en annen fane eller av en annen bruker etter at du åpnet det. Endringen din er "
                         "ikke lagret, så den ikke skriver over den andre. Last inn punktet på nytt for å se det som er lagret.",
                   "sv": "Punkt {n} har ändrats i en annan flik eller av en annan användare efter att du öppnade den. Din ändring "
                         "är inte sparad, så att den inte skriver över den andra. Läs in punkten igen för att se det som är sparat.",
                   "en": "Item {n} was changed in another tab or by another user after you opened it. Your change is not "
                         "saved, so that it does not overwrite the other one. Reload the item to see what is saved."},
    "reload_item": {"nb": "Last inn punktet på nytt", "sv": "Läs in punkten igen", "en": "Reload the item"},
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
    "copy_question": {"nb": "Kopier spørsmålet", "sv": "Kopiera frågan", "en": "Copy the question"},
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
    # Gradio's own labels that it writes in English whatever the language (relabelled by page.js)
    "done": {"nb": "Ferdig", "sv": "Klart", "en": "Done"},
    "file_upload": {"nb": "Last opp fil", "sv": "Ladda upp fil", "en": "Upload a file"},
    "fullscreen": {"nb": "Fullskjerm", "sv": "Helskärm", "en": "Fullscreen"},
    "copy_table": {"nb": "Kopier tabellen", "sv": "Kopiera tabellen", "en": "Copy the table"},
    "table": {"nb": "Tabell", "sv": "Tabell", "en": "Table"},
    "table_actions": {"nb": "Tabellvalg", "sv": "Tabellval", "en": "Table actions"},
    "cell_menu": {"nb": "Åpne cellemenyen", "sv": "Öppna cellmenyn", "en": "Open the cell menu"},
    "more_tabs": {"nb": "Flere faner", "sv": "Fler flikar", "en": "More tabs"},
    "select_example": {"nb": "Velg eksempel {n}: ", "sv": "Välj exempel {n}: ", "en": "Choose example {n}: "},
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
    # The embeddable widget (widget.js gets these from /widget.js; see `widget_strings`)
    "widget_title": {"nb": "Spør om smart spesialisering", "sv": "Fråga om smart specialisering", "en": "Ask about smart specialisation"},
    "widget_placeholder": {"nb": "Skriv et spørsmål …", "sv": "Skriv en fråga …", "en": "Type a question …"},
    "widget_open": {"nb": "Spør assistenten", "sv": "Fråga assistenten", "en": "Ask the assistant"},
    "widget_thanks": {"nb": "Takk!", "sv": "Tack!", "en": "Thanks!"},
    "widget_embed": {
        "nb": "Legg inn på en intranettside: {code} (valgfritt {target} for å vise den i et element; bak organisasjonens "
              "innlogging {credentials}, så brukes den innloggede brukerens økt, ellers {key} når serveren krever nøkkel; "
              "siden som laster skriptet må stå i {cors}).",
        "sv": "Lägg in på en intranätsida: {code} (valfritt {target} för att visa den i ett element; bakom organisationens "
              "inloggning {credentials}, så används den inloggade användarens session, annars {key} när servern kräver "
              "nyckel; sidan som laddar skriptet måste stå i {cors}).",
        "en": "Add it to an intranet page: {code} (optionally {target} to show it inside an element; behind the "
              "organisation's sign-in {credentials}, so the signed-in user's session is used, otherwise {key} when the "
              "server requires a key; the page that loads the script must be listed in {cors}).",
    },
    "widget_origin": {
        "nb": "Denne siden ({origin}) har ikke tilgang til assistenten. Be den som drifter assistenten om å legge adressen til i ASSISTANT_CORS_ORIGINS.",
        "sv": "Den här sidan ({origin}) har inte åtkomst till assistenten. Be den som driftar assistenten att lägga till adressen i ASSISTANT_CORS_ORIGINS.",
        "en": "This page ({origin}) is not allowed to use the assistant. Ask whoever runs it to add this address to ASSISTANT_CORS_ORIGINS."},
    "checklists_missing": {"nb": "Sjekklister er ikke tilgjengelige i denne versjonen.", "sv": "Checklistor finns inte i den här versionen.",
                           "en": "Checklists are not available in this version."},
    "conv_delete_confirm": {"nb": "Slette samtalen «{title}» for godt?", "sv": "Radera samtalet «{title}» för gott?",
                            "en": "Delete the conversation «{title}» for good?"},
    "conv_delete_yes": {"nb": "Ja, slett", "sv": "Ja, radera", "en": "Yes, delete"},
    "conv_delete_no": {"nb": "Nei, behold den", "sv": "Nej, behåll det", "en": "No, keep it"},
    "error_due": {"nb": "Ugyldig frist «{value}». Bruk formatet ÅÅÅÅ-MM-DD eller DD.MM.ÅÅÅÅ.",
                  "sv": "Ogiltigt datum «{value}». Använd formatet ÅÅÅÅ-MM-DD eller DD.MM.ÅÅÅÅ.",
                  "en": "Invalid due date «{value}». Use the format YYYY-MM-DD or DD.MM.YYYY."},
    "error_note": {"nb": "Notatet er {n} tegn; høyst {max} tegn er tillatt.",
                   "sv": "Anteckningen är {n} tecken; högst {max} tecken är tillåtet.",
                   "en": "The note is {n} characters; at most {max} are allowed."},
    "error_no_session": {"nb": "Fant ingen økt med id «{id}».", "sv": "Hittade ingen session med id «{id}».",
                         "en": "No session with id «{id}» was found."},
    "error_no_conversation": {"nb": "Fant ingen samtale med id «{id}».", "sv": "Hittade inget samtal med id «{id}».",
                              "en": "No conversation with id «{id}» was found."},
    "error_no_name": {"nb": "Navnet kan ikke være tomt.", "sv": "Namnet kan inte vara tomt.", "en": "The name cannot be empty."},
    "error_generic": {"nb": "Noe gikk galt. Prøv igjen.", "sv": "Något gick fel. Försök igen.", "en": "Something went wrong. Please try again."},
    "signin_title": {"nb": "Logg inn", "sv": "Logga in", "en": "Sign in"},
    "signin_needed": {"nb": "Du må logge inn for å bruke rådgivningsassistenten. Åpne den gjennom organisasjonens portal (intranettet), så blir du logget inn.",
                      "sv": "Du måste logga in för att använda rådgivningsassistenten. Öppna den via organisationens portal (intranätet), så loggas du in.",
                      "en": "You must sign in to use the advisory assistant. Open it through your organisation's portal (the intranet), which signs you in."},
    "signin_bypass": {"nb": "Denne adressen går utenom innloggingen. Åpne assistenten gjennom organisasjonens portal (intranettet).",
                      "sv": "Den här adressen går förbi inloggningen. Öppna assistenten via organisationens portal (intranätet).",
                      "en": "This address goes round the sign-in. Open the assistant through your organisation's portal (the intranet)."},
    # The JSON API's error messages (see `localise_error`; `type` is never translated).
    "api_bad_json": {"nb": "Ugyldig JSON i forespørselen.", "sv": "Ogiltig JSON i begäran.", "en": "Invalid JSON in the request."},
    "api_bad_fields": {"nb": "Ugyldig forespørsel (sjekk feltene: {fields}).", "sv": "Ogiltig begäran (kontrollera fälten: {fields}).",
                       "en": "Invalid request (check the fields: {fields})."},
    "api_bad_request": {"nb": "Feil i forespørselen.", "sv": "Fel i begäran.", "en": "Error in the request."},
    "api_no_route": {"nb": "Fant ikke adressen.", "sv": "Adressen hittades inte.", "en": "No such address."},
    "api_method": {"nb": "Metoden er ikke tillatt her.", "sv": "Metoden är inte tillåten här.", "en": "The method is not allowed here."},
    "api_internal": {"nb": "Intern feil. Prøv igjen senere.", "sv": "Internt fel. Försök igen senare.", "en": "Internal error. Please try again later."},
    "api_key": {"nb": "Mangler eller ugyldig API-nøkkel (Authorization: Bearer …).", "sv": "API-nyckel saknas eller är ogiltig (Authorization: Bearer …).",
                "en": "Missing or invalid API key (Authorization: Bearer …)."},
    "api_too_large": {"nb": "Forespørselen er for stor (maks {kib} KiB).", "sv": "Begäran är för stor (högst {kib} KiB).",
                      "en": "The request is too large (at most {kib} KiB)."},
    "api_rate": {"nb": "For mange forespørsler. Vent litt og prøv igjen.", "sv": "För många begäranden. Vänta en stund och försök igen.",
                 "en": "Too many requests. Wait a little and try again."},
    "api_origin": {"nb": "Siden på {origin} har ikke lov til å bruke API-et. Legg adressen til i ASSISTANT_CORS_ORIGINS.",
                   "sv": "Sidan på {origin} får inte använda API:et. Lägg till adressen i ASSISTANT_CORS_ORIGINS.",
                   "en": "The page on {origin} may not use the API. Add its address to ASSISTANT_CORS_ORIGINS."},
    "api_not_signed_in": {"nb": "Du er ikke logget inn.", "sv": "Du är inte inloggad.", "en": "You are not signed in."},
    "api_bypass": {"nb": "Forespørselen kom ikke gjennom innloggingen. Bruk adressen organisasjonen har gitt deg.",
                   "sv": "Begäran kom inte via inloggningen. Använd adressen som organisationen har gett dig.",
                   "en": "The request did not come through the sign-in. Use the address your organisation gave you."},
    "api_no_question": {"nb": "Spørsmålet mangler.", "sv": "Frågan saknas.", "en": "The question is missing."},
    "api_not_text": {"nb": "Spørsmålet må være tekst.", "sv": "Frågan måste vara text.", "en": "The question must be text."},
    "api_not_utf8": {"nb": "Spørsmålet er ikke gyldig tekst (UTF-8).", "sv": "Frågan är inte giltig text (UTF-8).",
                     "en": "The question is not valid text (UTF-8)."},
    "api_control": {"nb": "Spørsmålet inneholder tegn som ikke er tekst.", "sv": "Frågan innehåller tecken som inte är text.",
                    "en": "The question contains characters that are not text."},
    "api_history_list": {"nb": "Samtalehistorikken må være en liste med turer (role og content).",
                         "sv": "Samtalshistoriken måste vara en lista med turer (role och content).",
                         "en": "The conversation history must be a list of turns (role and content)."},
    "api_history_long": {"nb": "Samtalehistorikken har {n} turer; grensen er {max}.", "sv": "Samtalshistoriken har {n} turer; gränsen är {max}.",
                         "en": "The conversation history has {n} turns; the limit is {max}."},
    "api_history_shape": {"nb": "Samtalehistorikken har feil format: hver tur trenger role (user/assistant) og content.",
                          "sv": "Samtalshistoriken har fel format: varje tur behöver role (user/assistant) och content.",
                          "en": "The conversation history has the wrong format: each turn needs role (user/assistant) and content."},
    "api_history_control": {"nb": "Tur {n} i samtalehistorikken inneholder tegn som ikke er tekst.",
                            "sv": "Tur {n} i samtalshistoriken innehåller tecken som inte är text.",
                            "en": "Turn {n} of the conversation history contains characters that are not text."},
    "api_last_user": {"nb": "Den siste meldingen må være fra brukeren (role: user).", "sv": "Det sista meddelandet måste vara från användaren (role: user).",
                      "en": "The last message must be from the user (role: user)."},
    "api_role": {"nb": "Melding {n} har en ukjent rolle «{role}»; rollene er {roles}.",
                 "sv": "Meddelande {n} har en okänd roll «{role}»; rollerna är {roles}.",
                 "en": "Message {n} has an unknown role «{role}»; the roles are {roles}."},
    "api_one_choice": {"nb": "Bare ett svar per forespørsel støttes (n = 1): svarene er sitater fra kildene, så flere valg ville vært like.",
                       "sv": "Bara ett svar per begäran stöds (n = 1): svaren är citat ur källorna, så flera val skulle bli likadana.",
                       "en": "Only one answer per request is supported (n = 1): answers are quotes from the sources, so several choices would be the same."},
    "api_no_index": {"nb": "Indeksen er ikke bygget ennå. Kjør `assistant index` først.", "sv": "Indexet är inte byggt än. Kör `assistant index` först.",
                     "en": "The index has not been built yet. Run `assistant index` first."},
    "api_no_document": {"nb": "Fant ikke dokumentet {doc}.", "sv": "Dokumentet {doc} hittades inte.", "en": "Document {doc} not found."},
    "api_no_checklist": {"nb": "Ukjent sjekkliste «{id}». Tilgjengelige: {known}.", "sv": "Okänd checklista «{id}». Tillgängliga: {known}.",
                         "en": "Unknown checklist «{id}». Available: {known}."},
    "api_no_item": {"nb": "Sjekklisten «{id}» har ikke noe punkt «{item}».", "sv": "Checklistan «{id}» har ingen punkt «{item}».",
                    "en": "Checklist «{id}» has no item «{item}»."},
    "api_no_item_number": {"nb": "Punkt {n} finnes ikke; sjekklisten har {total} punkter.", "sv": "Punkt {n} finns inte; checklistan har {total} punkter.",
                           "en": "There is no item {n}; the checklist has {total} items."},
    "api_status": {"nb": "Ugyldig status «{value}». Gyldige verdier er {valid}.", "sv": "Ogiltig status «{value}». Giltiga värden är {valid}.",
                   "en": "Invalid status «{value}». Valid values are {valid}."},
    "api_report_format": {"nb": "Ukjent rapportformat «{fmt}». Velg «md», «docx» eller «pdf».", "sv": "Okänt rapportformat «{fmt}». Välj «md», «docx» eller «pdf».",
                          "en": "Unknown report format «{fmt}». Choose «md», «docx» or «pdf»."},
    "api_ambiguous": {"nb": "Flere økter heter «{name}»; bruk id-en.", "sv": "Flera sessioner heter «{name}»; använd id:t.",
                      "en": "Several sessions are called «{name}»; use the id."},
    "api_too_long_field": {"nb": "{what} kan være høyst {max} tegn.", "sv": "{what} får vara högst {max} tecken.", "en": "{what} may be at most {max} characters."},
    "api_rating": {"nb": "Vurderingen må være 1 (tommel opp) eller -1 (tommel ned).", "sv": "Bedömningen måste vara 1 (tumme upp) eller -1 (tumme ned).",
                   "en": "The rating must be 1 (thumb up) or -1 (thumb down)."},
    "api_comment_long": {"nb": "Kommentaren er for lang (maks {max} tegn).", "sv": "Kommentaren är för lång (högst {max} tecken).",
                         "en": "The comment is too long (at most {max} characters)."},
    "api_no_feedback": {"nb": "Fant ingen tilbakemelding med id {id}.", "sv": "Ingen återkoppling med id {id} hittades.", "en": "No feedback with id {id}."},
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


# The widget's names for its strings → their keys in the table.
WIDGET_KEYS = {"title": "widget_title", "placeholder": "widget_placeholder", "send": "send", "open": "widget_open",
               "close": "close", "sources": "sources", "page": "page", "searched": "search_query",
               "error": "error_generic", "origin": "widget_origin", "thanks": "widget_thanks", "up": "like",
               "down": "dislike", "authority": "authority", "clear": "conv_new", "copy": "copy_sources",
               "copied": "copied"}


def widget_strings() -> dict[str, dict[str, str]]:
    """Every string the widget shows, per UI language."""
    return {code: {name: t(key, code) for name, key in WIDGET_KEYS.items()} for code in LANGUAGES}


# Core and API messages (bokmål, as `assistant.errors` writes them) → the key that says the same
# in every UI language; named groups fill the key's placeholders. One table for the web UI's
# notices and the JSON API's `error`.
ERROR_PATTERNS: list[tuple[re.Pattern, str]] = [(re.compile(p, re.S), key) for p, key in (
    (r"Spørsmålet er tomt", "error_empty"),
    (r"Spørsmålet er for langt \((?P<n>\d+) tegn\); grensen er (?P<max>\d+) tegn", "error_long"),
    (r"Ugyldig frist «(?P<value>.*)»\.", "error_due"),
    (r"Notatet er (?P<n>\d+) tegn; høyst (?P<max>\d+)", "error_note"),
    (r"Fant ingen økt med id «(?P<id>.*)»\.$", "error_no_session"),
    (r"Fant ingen samtale med id «(?P<id>.*)»\.$", "error_no_conversation"),
    (r"(Samtalen|Økten) må ha et navn", "error_no_name"),
    (r"Ugyldig JSON i forespørselen", "api_bad_json"),
    (r"Ugyldig forespørsel \(sjekk feltene: (?P<fields>.*)\)\.$", "api_bad_fields"),
    (r"Feil i forespørselen\.$", "api_bad_request"),
    (r"Fant ikke adressen\.$", "api_no_route"),
    (r"Metoden er ikke tillatt her", "api_method"),
    (r"Intern feil\. Prøv igjen senere", "api_internal"),
    (r"Mangler eller ugyldig API-nøkkel", "api_key"),
    (r"Forespørselen er for stor \(maks (?P<kib>\d+) KiB\)", "api_too_large"),
    (r"For mange forespørsler", "api_rate"),
    (r"Du er ikke logget inn", "api_not_signed_in"),
    (r"Siden på (?P<origin>\S+) har ikke lov til å bruke API-et", "api_origin"),
    (r"Forespørselen kom ikke gjennom innloggingen", "api_bypass"),
    (r"Spørsmålet mangler\.$", "api_no_question"),
    (r"Spørsmålet må være tekst", "api_not_text"),
    (r"Spørsmålet er ikke gyldig tekst", "api_not_utf8"),
    (r"Spørsmålet inneholder tegn som ikke er tekst", "api_control"),
    (r"Samtalehistorikken må være en liste", "api_history_list"),
    (r"Samtalehistorikken har (?P<n>\d+) turer; grensen er (?P<max>\d+)", "api_history_long"),
    (r"Samtalehistorikken har feil format", "api_history_shape"),
    (r"Tur (?P<n>\d+) i samtalehistorikken inneholder tegn", "api_history_control"),
    (r"Den siste meldingen må være fra brukeren", "api_last_user"),
    (r"Bare ett svar per forespørsel støttes", "api_one_choice"),
    (r"Melding (?P<n>\d+) har en ukjent rolle «(?P<role>.*)»; rollene er (?P<roles>.*)\.$", "api_role"),
    (r"Indeksen er ikke bygget ennå", "api_no_index"),
    (r"Fant ikke dokumentet (?P<doc>.*)\.$", "api_no_document"),
    (r"Ukjent sjekkliste «(?P<id>.*?)»\. Tilgjengelige: (?P<known>.*)\.$", "api_no_checklist"),
    (r"Sjekklisten «(?P<id>.*?)» har ikke noe punkt «(?P<item>.*)»\.$", "api_no_item"),
    (r"Punkt (?P<n>\d+) finnes ikke; sjekklisten har (?P<total>\d+) punkter", "api_no_item_number"),
    (r"Ugyldig status «(?P<value>.*?)»\. Gyldige verdier er (?P<valid>.*)\.$", "api_status"),
    (r"Ukjent rapportformat «(?P<fmt>.*?)»", "api_report_format"),
    (r"Flere økter heter «(?P<name>.*)»; bruk id-en", "api_ambiguous"),
    (r"(?P<what>\w+) kan være høyst (?P<max>\d+) tegn\.$", "api_too_long_field"),
    (r"Vurderingen må være 1", "api_rating"),
    (r"Kommentaren er for lang \(maks (?P<max>\d+) tegn\)", "api_comment_long"),
    (r"Fant ingen tilbakemelding med id (?P<id>.*)\.$", "api_no_feedback"),
)]


def localise_error(message: str, lang: str) -> str:
    """A core or API error message (bokmål) in `lang`, from `ERROR_PATTERNS`; a message the
    table does not know (an operator's: a broken store, a missing model) is shown as written."""
    if lang not in LANGUAGES or lang == DEFAULT_LANGUAGE:
        return message
    for pattern, key in ERROR_PATTERNS:
        m = pattern.match(message)
        if m:
            return t(key, lang).format(**m.groupdict())
    return message


LANGUAGE_TAGS = {"nb": "nb", "no": "nb", "nn": "nb", "sv": "sv", "en": "en"}


def request_language(accept_language: str | None) -> str:
    """The UI language an HTTP client asks for in `Accept-Language` ("sv-SE,sv;q=0.9,en;q=0.8"):
    the most preferred of bokmål (also for "no" and nynorsk), Swedish and English; bokmål when
    none of them is asked for.

    >>> request_language("en-GB,en;q=0.9"), request_language("da, sv;q=0.5"), request_language(None)
    ('en', 'sv', 'nb')
    """
    best, best_q = DEFAULT_LANGUAGE, 0.0
    for part in (accept_language or "").split(","):
        tag, _, params = part.strip().partition(";")
        code = LANGUAGE_TAGS.get(tag.strip().lower().split("-")[0])
        if code is None:
            continue
        try:
            q = float(params.strip()[2:]) if params.strip().startswith("q=") else 1.0
        except ValueError:
            q = 0.0
        if q > best_q:
            best, best_q = code, q
    return best


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
