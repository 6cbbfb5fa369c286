"""The `assistant` command line (assistant/cli.py): `ask --json`, batch JSONL, bad input and a
missing index. In-process with typer's CliRunner, and once for real as a subprocess."""
from __future__ import annotations

import json
import os
import subprocess

import pytest
from typer.testing import CliRunner

from assistant.config import PROJECT_ROOT
from assistant.models import Answer
from core_helpers import index_state

pytestmark = pytest.mark.slow
ASSISTANT = PROJECT_ROOT / ".venv" / "bin" / "assistant"
NB = "Hvilke spørsmål om næringslivet bør analysen stille?"
SV = "Vad innebär klusterkartering i projektet?"
EN = "What are the six elements of a smart specialisation process?"
EARLIER = "Hva ligger i begrepet prioritering i smart spesialisering?"
FOLLOW_UP = "Kan du gi meg noen eksempler på det?"
CITATION_FIELDS = {"n", "doc_id", "title", "authority", "section", "page", "text"}


@pytest.fixture(scope="module")
def run(assistant, cli_env):
    """Invoke the CLI against the session index; returns the click Result."""
    from assistant.cli import app

    env = cli_env(assistant.config)

    def invoke(*args: str):
        return CliRunner().invoke(app, list(args), env=env)

    return invoke


def _lines(result) -> list[dict]:
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def _assert_answer_json(data: dict) -> Answer:
    assert {"answer", "citations", "refused", "language", "query", "timings"} <= set(data)
    answer = Answer.model_validate(data)
    for c in data["citations"]:
        assert CITATION_FIELDS <= set(c)
    return answer


def test_ask_json_has_every_field(run):
    result = run("ask", "--json", NB)
    assert result.exit_code == 0, result.output
    answer = _assert_answer_json(json.loads(result.stdout))
    assert not answer.refused and answer.citations and answer.language == "nb"
    assert "næringslivet" in answer.query and answer.timings["total_ms"] > 0
    assert any("Næringslivet" in c.section for c in answer.citations)


def test_ask_plain_text_lists_sources(run):
    result = run("ask", NB)
    assert result.exit_code == 0, result.output
    assert "[1]" in result.stdout and "\nKilder:\n[1] " in result.stdout
    assert "(søk:" not in result.stdout  # searched as asked: nothing to say about the search


def test_batch_answers_every_line_in_order(run, assistant, tmp_path):
    rows = [
        {"q": NB},
        {"q": SV},
        {"q": FOLLOW_UP, "history": [{"role": "user", "content": EARLIER},
                                     {"role": "assistant", "content": "Å prioritere er å velge."}]},
        {"q": FOLLOW_UP},
        {"q": EN, "history": []},
    ]
    path = tmp_path / "batch.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    result = run("ask", "--json", "--input", str(path))
    assert result.exit_code == 0, result.output
    out = [_assert_answer_json(d) for d in _lines(result)]
    assert len(out) == len(rows)
    assert [a.language for a in out] == ["nb", "sv", "nb", "nb", "en"]
    assert out[0].answer == assistant.ask(NB).answer
    hits = lambda a: [h.passage_id for h in a.trace.hits]
    assert hits(out[2]) != hits(out[3]), "the history line is searched with the earlier question"
    assert out[3].query == FOLLOW_UP, "the same question without history is searched as it is"


def test_batch_bad_lines_get_error_objects_and_exit_2(run, tmp_path):
    lines = [
        json.dumps({"q": NB}),
        "dette er ikke JSON",
        json.dumps({"spørsmål": "mangler feltet q"}),
        json.dumps({"q": "   "}),
        json.dumps({"q": "Hva er\u0000 dette?"}),
        json.dumps({"q": NB, "history": [{"role": "system", "content": "x"}]}),
        json.dumps({"q": SV}),
    ]
    path = tmp_path / "batch.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run("ask", "--input", str(path))
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    out = _lines(result)
    assert len(out) == len(lines)
    errors = {d["line"]: d for d in out if "error" in d}
    assert sorted(errors) == [2, 3, 4, 5, 6]
    assert all(d["type"] == "InputError" and d["error"].startswith(f"linje {n}: ") for n, d in errors.items())
    assert "tomt" in errors[4]["error"] and "tegn som ikke er tekst" in errors[5]["error"]
    assert "Samtalehistorikken" in errors[6]["error"]
    assert [_assert_answer_json(out[i]).language for i in (0, 6)] == ["nb", "sv"]


BAD_QUESTIONS = [
    ("", "Spørsmålet er tomt"),
    ("  \n\t ", "Spørsmålet er tomt"),
    ("Hva " * 501, "Spørsmålet er for langt"),
    ("Hva er\x00 smart spesialisering?", "tegn som ikke er tekst"),
    ("Hva er \x1b[31msmart\x1b[0m spesialisering?", "tegn som ikke er tekst"),
]


@pytest.mark.parametrize("question, message", BAD_QUESTIONS, ids=["empty", "blank", "long", "nul", "escape"])
@pytest.mark.parametrize("json_flag", [False, True], ids=["text", "json"])
def test_bad_question_exit_2_without_touching_the_index(run, assistant, question, message, json_flag):
    before = index_state(assistant.config)
    result = run("ask", *(["--json"] if json_flag else []), question)
    assert result.exit_code == 2
    assert result.stderr.startswith("Feil: ") and message in result.stderr
    assert result.stdout == "" and "Traceback" not in result.output
    assert index_state(assistant.config) == before


@pytest.mark.parametrize("question, start", [
    ("What does the guide say about clusters? " * 60, "Error: The question is too long"),
    ("Vad säger vägledningen om kluster? " * 70, "Fel: Frågan är för lång"),
])
def test_a_bad_question_is_told_in_its_own_language(run, question, start):
    result = run("ask", question)
    assert result.exit_code == 2 and result.stderr.startswith(start), result.stderr


def test_ask_without_a_question(run):
    result = run("ask")
    assert result.exit_code == 2 and "Skriv et spørsmål" in result.stderr


def test_batch_file_that_is_not_utf8(run, assistant, tmp_path):
    path = tmp_path / "latin1.jsonl"
    path.write_bytes('{"q": "Hva er næringslivet i Værnes?"}\n'.encode("latin-1"))
    before = index_state(assistant.config)
    result = run("ask", "--json", "--input", str(path))
    assert result.exit_code == 2
    assert result.stderr == f"Feil: {path} er ikke gyldig UTF-8-tekst.\n"
    assert result.stdout == ""
    assert index_state(assistant.config) == before


def _subprocess_env(env: dict[str, str | None]) -> dict[str, str]:
    merged = {**os.environ, **{k: v for k, v in env.items() if v is not None}, "ANONYMIZED_TELEMETRY": "False"}
    return {k: v for k, v in merged.items() if not (k in env and env[k] is None)}


def test_real_process_bad_batch_file(assistant, cli_env, tmp_path):
    path = tmp_path / "binary.jsonl"
    path.write_bytes(b'{"q": "\xff\xfe\x00\x01"}\n')
    before = index_state(assistant.config)
    proc = subprocess.run([str(ASSISTANT), "ask", "--json", "--input", str(path)], capture_output=True, text=True,
                          env=_subprocess_env(cli_env(assistant.config)), timeout=120)
    assert proc.returncode == 2
    assert "ikke gyldig UTF-8" in proc.stderr and "Traceback" not in proc.stderr
    assert proc.stdout == ""
    assert index_state(assistant.config) == before


# -- no index yet ----------------------------------------------------------------------------------

@pytest.fixture
def fresh_config(core_config, tmp_path):
    return core_config.with_(home=tmp_path / "fresh-home")


def test_ask_without_index_raises_index_missing(fresh_config):
    from assistant.core import Assistant
    from assistant.errors import IndexMissingError

    with pytest.raises(IndexMissingError) as caught:
        Assistant(fresh_config).ask(NB)
    assert "assistant index" in str(caught.value) and "ikke bygget" in str(caught.value)


def test_cli_without_index_exit_1(fresh_config, cli_env):
    from assistant.cli import app

    result = CliRunner().invoke(app, ["ask", "--json", NB], env=cli_env(fresh_config))
    assert result.exit_code == 1
    assert result.stderr == "Feil: Indeksen er ikke bygget ennå. Kjør `assistant index` først.\n"
    assert result.stdout == ""


def test_real_process_without_index_exit_1(fresh_config, cli_env):
    proc = subprocess.run([str(ASSISTANT), "ask", NB], capture_output=True, text=True,
                          env=_subprocess_env(cli_env(fresh_config)), timeout=120)
    assert proc.returncode == 1
    assert "Kjør `assistant index`" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize("lang, label", [("nb", "søk"), ("sv", "sökning"), ("en", "search")])
def test_the_note_on_how_a_question_was_searched_is_in_the_answer_s_language(lang, label):
    from assistant.cli import format_answer
    from assistant.models import Answer, QueryPlan, Trace

    plan = QueryPlan(question="How do we prioritise?", language=lang, search_query="How do we prioritere?")
    text = format_answer(Answer(answer="…", language=lang, query=plan.search_query, trace=Trace(plan=plan)))
    assert text.endswith(f"({label}: How do we prioritere?)")
