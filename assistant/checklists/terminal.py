"""The interactive terminal walkthrough behind `assistant checklist run`.

Every answer is saved the moment it is given, so quitting (or a closed terminal) loses nothing;
resuming starts at the first unanswered item. Input and output are injected so tests drive it.
"""
from __future__ import annotations

from collections.abc import Callable

from ..errors import AssistantError
from ..validation import for_terminal
from .models import STATUS_LABELS, Checklist, Session
from .report import source_ref
from .service import ChecklistService

HELP = """Kommandoer:
  j / d / n / i [notat]   svar ja / delvis / nei / ikke relevant (med valgfritt notat), og gå videre
  notat [tekst]           skriv notat («notat -» sletter det)
  ansvarlig [navn]        sett ansvarlig («ansvarlig -» sletter)
  frist [dato]            sett frist, f.eks. 31.03.2025 («frist -» sletter)
  forklar                 hvorfor punktet er viktig, forklart fra veilederen med kilder
  neste (eller Enter)     hopp over til neste punkt
  forrige                 gå til forrige punkt
  gå til N                gå til punkt N (eller en punkt-id)
  oversikt                vis alle punktene med status
  q                       lagre og avslutt (alt er allerede lagret)"""

_STATUS_WORDS = {"ikke relevant": "ikke relevant", "ikke_relevant": "ikke relevant", "ja": "ja", "j": "ja",
                 "delvis": "delvis", "d": "delvis", "nei": "nei", "n": "nei", "ir": "ikke relevant",
                 "i": "ikke relevant"}
_QUIT = {"q", "quit", "exit", "avslutt", "lagre", "lagre og avslutt"}


class TerminalWalkthrough:
    def __init__(self, service: ChecklistService, session: Session, user: str,
                 read: Callable[[str], str] = input, write: Callable[[str], None] = print):
        self.svc, self.session, self.user = service, session, user
        self.checklist: Checklist = service.get_checklist(session.checklist_id)
        self.read = read
        self.write = lambda text: write(for_terminal(text))  # it echoes what was typed: no ESC sequences
        self.index = service.resume_index(session.id)

    def run(self) -> Session:
        self.write(f"Økt «{self.session.name}» (id {self.session.id}) – {self.checklist.title}. "
                   f"Besvart {self.svc.progress(self.session.id).label}. Skriv «hjelp» for kommandoer.")
        while True:
            self.show()
            try:
                line = self.read("> ").strip()
            except (EOFError, KeyboardInterrupt):
                line = "q"
            try:
                if not self.handle(line):
                    break
            except AssistantError as err:
                self.write(f"Feil: {err}")
        self.session = self.svc.get_session(self.session.id)
        return self.session

    def show(self) -> None:
        item = self.checklist.items[self.index]
        self.session = self.svc.get_session(self.session.id)
        state = self.session.state(item.id)
        progress = self.svc.progress(self.session.id)
        self.write("\n" + "─" * 72)
        self.write(f"Punkt {self.index + 1} av {len(self.checklist.items)} · {item.group} · besvart {progress.label}")
        if item.help:
            self.write(f"  «{item.help}»")
        self.write(item.label)
        self.write(f"Kilde: {source_ref(self.checklist, item)}")
        now = [f"Status: {STATUS_LABELS[state.status]}" if state.status else "Status: ubesvart"]
        now += [f"{k}: {v}" for k, v in (("Ansvarlig", state.owner),
                                         ("Frist", state.due.strftime("%d.%m.%Y") if state.due else ""),
                                         ("Notat", state.note)) if v]
        self.write(" · ".join(now))
        self.write("[j]a [d]elvis [n]ei [i]kke relevant · notat · ansvarlig · frist · forklar · neste · "
                   "forrige · gå til N · q")

    def handle(self, line: str) -> bool:
        """Carry out one command; False ends the walkthrough."""
        lower = line.lower()
        word, _, rest = line.partition(" ")
        item = self.checklist.items[self.index]
        if lower in _QUIT:
            self.write(f"Lagret. Besvart {self.svc.progress(self.session.id).label}. Fortsett senere med: "
                       f"assistant checklist run {self.checklist.id} --session {self.session.id}")
            return False
        for alias in sorted(_STATUS_WORDS, key=len, reverse=True):
            if lower == alias or lower.startswith(alias + " "):
                note = line[len(alias):].strip()
                self.svc.update_item(self.session.id, item.id, status=_STATUS_WORDS[alias],
                                     note=note or None, updated_by=self.user)
                return self.advance(unanswered=True)
        if word.lower() in ("notat", "ansvarlig", "frist"):
            value = rest.strip() or self.read(f"{word.capitalize()}: ").strip()
            if value:
                field = {"notat": "note", "ansvarlig": "owner", "frist": "due"}[word.lower()]
                self.svc.update_item(self.session.id, item.id, updated_by=self.user,
                                     **{field: "" if value == "-" else value})
                self.write("Lagret.")
            return True
        if lower in ("", "neste", "hopp over"):
            return self.advance()
        if lower in ("forrige", "tilbake"):
            self.index = self.svc.prev_index(self.session.id, self.index)
            return True
        if lower.startswith(("gå til ", "ga til ")):
            self.index = self.svc.jump(self.session.id, line[7:].strip())
            return True
        if lower == "forklar":
            self.explain(item)
            return True
        if lower == "oversikt":
            self.overview()
            return True
        if lower in ("hjelp", "?", "h"):
            self.write(HELP)
            return True
        self.write(f"Ukjent kommando «{line}». Skriv «hjelp» for en oversikt.")
        return True

    def advance(self, unanswered: bool = False) -> bool:
        """Move on: to the next item, or after an answer to the next unanswered one after it."""
        nxt = self.svc.next_index(self.session.id, self.index)
        if nxt is not None and unanswered:
            session = self.svc.get_session(self.session.id)
            later = [i for i in range(nxt, len(self.checklist.items))
                     if not session.state(self.checklist.items[i].id).answered]
            nxt = later[0] if later else None
        if nxt is not None:
            self.index = nxt
            return True
        progress = self.svc.progress(self.session.id)
        if progress.done:
            self.write(f"\nAlle {progress.total} punkter er besvart. Lag rapporten med: "
                       f"assistant checklist report {self.session.id} --format docx")
            return False
        session = self.svc.get_session(self.session.id)
        open_numbers = [str(i + 1) for i, it in enumerate(self.checklist.items) if not session.state(it.id).answered]
        self.write(f"\nSiste punkt er nådd; besvart {progress.label}. Ubesvart: {', '.join(open_numbers)}. "
                   f"Fortsett med: assistant checklist run {self.checklist.id} --session {self.session.id}")
        return False

    def explain(self, item) -> None:
        self.write("Henter forklaring fra veilederen …")
        try:
            answer = self.svc.explain(item)
        except (AssistantError, NotImplementedError) as err:
            self.write(f"Forklaring er ikke tilgjengelig nå: {err or 'assistenten er ikke klar'}")
            return
        self.write(answer.answer)
        for c in answer.citations:
            page = f", s. {c.page}" if c.page else ""
            self.write(f"  [{c.n}] {c.title} – {c.section}{page}")

    def overview(self) -> None:
        session = self.svc.get_session(self.session.id)
        for i, it in enumerate(self.checklist.items):
            st = session.state(it.id)
            mark = STATUS_LABELS[st.status] if st.status else "–"
            self.write(f"{'>' if i == self.index else ' '} {i + 1:>2}. [{mark}] {it.label[:80]}")
