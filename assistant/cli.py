"""`assistant` command line. Thin: builds the Assistant from Config and translates errors."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from .config import Config
from .errors import AssistantError, InputError
from .validation import for_terminal

app = typer.Typer(no_args_is_help=True, add_completion=False, help="Smart spesialisering – rådgivningsassistent")


ERROR_PREFIX = {"nb": "Feil", "sv": "Fel", "en": "Error"}
LANGUAGE_SAMPLE = 500  # characters of a question read to tell its language for an error message


def fail(err: AssistantError, question: str | None = None) -> None:
    """Print a user-facing error and exit: 2 for bad input, 1 for everything else. With the
    `question` it is about, the message is in the question's language (the core's messages are
    bokmål; the server's table of their translations is used, as the web UI uses it)."""
    message, prefix = str(err), ERROR_PREFIX["nb"]
    if question and question.strip():
        from .server.text import localise_error
        from .text import detect_language

        lang = detect_language(question[:LANGUAGE_SAMPLE])
        message, prefix = localise_error(message, lang), ERROR_PREFIX.get(lang, prefix)
    typer.echo(for_terminal(f"{prefix}: {message}"), err=True)
    raise typer.Exit(2 if isinstance(err, InputError) else 1)


def _assistant():
    from .core import Assistant

    return Assistant(Config.from_env())


@app.command("index")
def index_cmd(quiet: bool = typer.Option(False, "--quiet", "-q", help="Ingen fremdriftsindikator.")) -> None:
    """Les korpusmappen og bygg (eller oppdater) søkeindeksen."""
    try:
        report = _assistant().build_index(progress=not quiet)
    except AssistantError as err:
        fail(err)
    for message in report.errors:
        typer.echo(f"Feil: {message}", err=True)
    for message in report.warnings:
        typer.echo(f"Advarsel: {message}", err=True)
    for passage in report.flagged:
        typer.echo(f"Advarsel: tekst som gir instrukser til assistenten, brukes ikke i svar: {passage}", err=True)
    typer.echo(f"Indeks {report.build_id}: {report.documents} dokumenter, {report.passages} avsnitt "
               f"({len(report.embedded)} nye/endrede dokumenter fikk embeddinger, {len(report.reused)} uendret, "
               f"{report.duplicates} duplikatavsnitt fjernet) på {report.seconds:.1f} s.")


def format_answer(answer) -> str:
    """The answer as `assistant.rendering.to_text` lays it out, and the search query when the
    answer was searched with something other than the question."""
    from .rendering import to_text

    text = to_text(answer)
    plan = answer.trace.plan if answer.trace else None
    if answer.query and (plan is None or answer.query != plan.question):  # only when it searched otherwise
        from .prompts import template

        text += f"\n\n({template('searched', answer.language)}: {answer.query})"  # in the answer's language
    return text


def _read_batch(path: Path) -> list[tuple[int, dict | None, str | None]]:
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise InputError(f"Kan ikke lese {path}: {err.strerror}") from err
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError(f"{path} er ikke gyldig UTF-8-tekst.") from err
    rows = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            if not isinstance(obj, dict) or "q" not in obj:
                raise ValueError
            rows.append((n, obj, None))
        except ValueError:
            rows.append((n, None, f"linje {n}: forventet et JSON-objekt med feltet \"q\""))
    return rows


@app.command("ask")
def ask_cmd(
    question: Optional[str] = typer.Argument(None, help="Spørsmålet."),
    as_json: bool = typer.Option(False, "--json", help="Skriv hele svaret som JSON."),
    input_file: Optional[Path] = typer.Option(None, "--input", help="JSONL-fil: én {\"q\": ..., \"history\": [...]} per linje."),
) -> None:
    """Still et spørsmål (eller en hel fil med spørsmål) og få et svar med kilder."""
    assistant = _assistant()
    try:
        if input_file is not None:
            failures = 0
            for n, obj, error in _read_batch(input_file):
                if error is None:
                    try:
                        answer = assistant.ask(obj["q"], obj.get("history") or [])
                        typer.echo(answer.model_dump_json())
                        continue
                    except InputError as err:
                        error = f"linje {n}: {err}"
                failures += 1
                typer.echo(json.dumps({"error": error, "type": "InputError", "line": n}, ensure_ascii=False))
            if failures:
                raise typer.Exit(2)
            return
        if question is None:
            raise InputError("Skriv et spørsmål, eller bruk --input FIL.jsonl.")
        answer = assistant.ask(question)
    except AssistantError as err:
        fail(err, question)
    typer.echo(answer.model_dump_json(indent=1) if as_json else format_answer(answer))


@app.command("chat")
def chat_cmd() -> None:
    """En samtale i terminalen. Tom linje eller Ctrl-D avslutter."""
    from .models import Turn

    assistant = _assistant()
    history: list[Turn] = []
    typer.echo("Spør om smart spesialisering (tom linje avslutter).")
    while True:
        try:
            question = input("\n> ")
        except (EOFError, KeyboardInterrupt):
            break
        if not question.strip():
            break
        try:
            answer = assistant.ask(question, history)
        except AssistantError as err:
            typer.echo(f"Feil: {err}", err=True)
            if not isinstance(err, InputError):
                break
            continue
        typer.echo(format_answer(answer))
        history += [Turn(role="user", content=question), answer.as_turn()]


# Sub-command groups registered by their own modules (one line each):
# --- registrations ---
from .evaluation.cli import eval_cmd as _eval_cmd; app.command("eval")(_eval_cmd)  # noqa: E402
from .evaluation.bench.cli import bench_cmd as _bench_cmd; app.command("bench")(_bench_cmd)  # noqa: E402
from .checklists.cli import app as _checklist_app; app.add_typer(_checklist_app, name="checklist")  # noqa: E402
from .server.cli import feedback_app as _feedback_app, serve as _serve  # noqa: E402
app.command("serve")(_serve)
app.add_typer(_feedback_app, name="feedback")


def main() -> None:
    app()
