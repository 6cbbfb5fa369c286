"""`assistant checklist …`: list, run (interactive, resumable), sessions, rename, delete, report.

Thin over ChecklistService; every AssistantError is printed in Norwegian and exits with 2.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ..config import Config
from ..errors import AssistantError, ChecklistError
from ..validation import for_terminal

app = typer.Typer(no_args_is_help=True, add_completion=False,
                  help="Sjekklister fra veilederen: gjennomgang punkt for punkt og statusrapport.")


def _service():
    """The service with the core assistant for «forklar» (built lazily: nothing is loaded until
    an explanation is asked for). The interface wires the two; the checklists never import the core."""
    from ..core import Assistant
    from .service import ChecklistService

    config = Config.from_env()
    return ChecklistService(config, assistant=Assistant(config))


def _fail(err: AssistantError) -> None:
    typer.echo(for_terminal(f"Feil: {err}"), err=True)
    raise typer.Exit(2)


@app.command("list")
def list_cmd() -> None:
    """Vis sjekklistene og hvor mange punkter hver har."""
    try:
        for c in _service().list_checklists():
            typer.echo(f"{c.id:<18} {len(c.items):>3} punkter  {c.title} – {c.description}")
    except AssistantError as err:
        _fail(err)


@app.command("show")
def show_cmd(checklist_id: str = typer.Argument(..., help="Sjekkliste-id, f.eks. oppstart.")) -> None:
    """Vis alle punktene i en sjekkliste med kilde."""
    try:
        svc = _service()
        c = svc.get_checklist(checklist_id)
        typer.echo(f"{c.title} ({len(c.items)} punkter)\n")
        for n, item in enumerate(c.items, start=1):
            typer.echo(f"{n:>2}. [{item.id}] {item.label}\n    Kilde: {item.source.label}")
    except AssistantError as err:
        _fail(err)


@app.command("run")
def run_cmd(
    checklist_id: str = typer.Argument(..., help="Sjekkliste-id, f.eks. oppstart (se «checklist list»)."),
    session: Optional[str] = typer.Option(None, "--session", "-s", help="Fortsett denne økten (id eller navn)."),
    name: Optional[str] = typer.Option(None, "--name", "-n", help="Navn på en ny økt."),
    resume: bool = typer.Option(False, "--resume", "--fortsett", help="Fortsett sist brukte uferdige økt."),
    user: Optional[str] = typer.Option(None, "--user", "-u", help="Hvem som svarer (standard: innlogget bruker)."),
) -> None:
    """Gå gjennom en sjekkliste i terminalen. Alt lagres fortløpende; avbryt og fortsett når du vil."""
    from .service import _user
    from .terminal import TerminalWalkthrough

    try:
        svc = _service()
        checklist = svc.get_checklist(checklist_id)
        if session is None and resume:
            unfinished = [s for s in svc.list_sessions(checklist.id) if s.answered < s.total]
            session = unfinished[0].id if unfinished else None
        if session is not None:
            current = svc.get_session(session)
            if current.checklist_id != checklist.id:
                raise ChecklistError(f"Økten {current.id} hører til sjekklisten «{current.checklist_id}», "
                                     f"ikke «{checklist.id}».")
        else:
            current = svc.start_session(checklist.id, name, created_by=user)
            typer.echo(f"Ny økt opprettet: {current.id}")
        walk = TerminalWalkthrough(svc, current, user if user is not None else _user(),
                                   read=lambda prompt: input(prompt), write=typer.echo)
        walk.run()
    except AssistantError as err:
        _fail(err)


@app.command("sessions")
def sessions_cmd(checklist_id: Optional[str] = typer.Option(None, "--checklist", "-c", help="Bare denne sjekklisten.")) -> None:
    """Vis lagrede økter, nyeste først."""
    try:
        rows = _service().list_sessions(checklist_id)
    except AssistantError as err:
        _fail(err)
    if not rows:
        typer.echo("Ingen lagrede økter.")
    for r in rows:
        when = r.updated_at.astimezone().strftime("%d.%m.%Y %H:%M")
        typer.echo(f"{r.id}  {r.checklist_id:<18} {r.progress:>9} besvart  {when}  {r.name}")


@app.command("rename")
def rename_cmd(session: str = typer.Argument(..., help="Økt (id eller navn)."),
               name: str = typer.Argument(..., help="Nytt navn.")) -> None:
    """Gi en økt nytt navn."""
    try:
        s = _service().rename(session, name)
    except AssistantError as err:
        _fail(err)
    typer.echo(f"Økt {s.id} heter nå «{s.name}».")


@app.command("delete")
def delete_cmd(session: str = typer.Argument(..., help="Økt (id eller navn)."),
               yes: bool = typer.Option(False, "--yes", "-y", help="Ikke spør om bekreftelse.")) -> None:
    """Slett en økt og alle svarene i den."""
    try:
        svc = _service()
        s = svc.get_session(session)
        if not yes and not typer.confirm(f"Slette økten «{s.name}» ({s.id}) med alle svar?"):
            typer.echo("Avbrutt; ingenting er slettet.")
            return
        svc.delete(s.id)
    except AssistantError as err:
        _fail(err)
    typer.echo(f"Økt {s.id} er slettet.")


@app.command("report")
def report_cmd(
    session: str = typer.Argument(..., help="Økt (id eller navn)."),
    fmt: str = typer.Option("md", "--format", "-f", help="md, docx eller pdf."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Fil å skrive til («-» = skjerm, bare md)."),
) -> None:
    """Lag statusrapporten for en økt som Markdown (med diagram som PNG ved siden av), Word eller PDF."""
    try:
        svc = _service()
        s = svc.get_session(session)
        if out is not None and str(out) == "-":
            data = svc.report(s.id, fmt)
            if isinstance(data, bytes):
                raise ChecklistError(f"{fmt}-rapporten kan ikke skrives til skjermen; bruk --out FIL.{fmt}.")
            typer.echo(data)
            return
        from .report import file_stem

        path = svc.write_report(s.id, out or Path(f"{file_stem(s)}.{fmt.lower()}"), fmt)
    except AssistantError as err:
        _fail(err)
    typer.echo(f"Rapport skrevet til {path}")
