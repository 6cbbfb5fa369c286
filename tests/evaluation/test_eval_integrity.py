"""The items are for measuring, not for tuning: none of their text may appear in the package code.
And the floors may not sink below those the project agreed on."""
from __future__ import annotations

import re

from assistant.config import PROJECT_ROOT
from assistant.evaluation import load_thresholds

RUN = 5  # words: a run this long from a question is a phrasing, not a word of the language


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())

AGREED_FLOORS = {"hit@5": 0.95, "refusal_recall": 0.95, "faithfulness": 1.0, "citation_precision": 0.90,
                 "citation_recall": 0.95}
AGREED_CEILINGS = {"false_refusal_rate": 0.03}
AGREED_PER_KIND = {"hit@5": 0.90, "citation_recall": 0.90}


FIELD_DATA = ("checklists/data/", "data/termbase.yaml")


def _package_files(field_data: bool = False):
    """Code and data of the package. With `field_data=False`, less the field's own data with its
    sources: the checklists quote the guide verbatim, and the termbase holds the field's terms
    («entrepreneurial discovery», «Plattform for smart spesialisering»), which a keyword query or an
    evidence phrase may be too. The five-word check below covers them as well."""
    return [p for p in (PROJECT_ROOT / "assistant").rglob("*")
            if p.is_file() and p.suffix in (".py", ".yaml", ".yml", ".txt")
            and (field_data or not any(part in p.as_posix() for part in FIELD_DATA))]


def test_no_question_id_or_evidence_string_in_the_package_code(eval_items):
    sources = {p: p.read_text(encoding="utf-8") for p in _package_files()}
    assert sources
    spoken = {p: " " + " ".join(_words(text)) + " " for p, text in sources.items()}
    leaks = []
    for item in eval_items:
        question = " ".join(_words(item.question))
        if len(question.split()) >= 3:  # a word or two ("hjelp", "takk") is the language, not a phrasing
            leaks += [f"{item.id}: question in {p.relative_to(PROJECT_ROOT)}" for p, t in spoken.items()
                      if f" {question} " in t]
        for needle in (item.id, *item.evidence):
            leaks += [f"{item.id}: {needle!r} in {p.relative_to(PROJECT_ROOT)}"
                      for p, text in sources.items() if needle.lower() in text.lower()]
    assert not leaks, "\n".join(leaks)


def test_no_run_of_five_words_of_a_question_in_the_package(eval_items):
    """Rules, word lists and labelled examples in assistant/ (code and data) must not carry the
    wording of an evaluation question: five consecutive words of one is already a phrasing."""
    files = [p for p in _package_files(field_data=True) if "checklists/data/" not in p.as_posix()]
    text = " " + " ".join(" ".join(_words(p.read_text(encoding="utf-8"))) for p in files) + " "
    leaks = []
    for item in eval_items:
        words = _words(item.question)
        for i in range(len(words) - RUN + 1):
            run = " ".join(words[i:i + RUN])
            if f" {run} " in text:
                leaks.append(f"{item.id}: «{run}»")
                break
    assert not leaks, "\n".join(leaks)


def test_the_integrity_check_finds_a_planted_run(tmp_path):
    """The check above can fail: a five-word run is found across punctuation and case."""
    words = _words("Hva er, egentlig, en REGIONAL planstrategi?")
    assert " ".join(words[1:6]) in " ".join(_words("# er egentlig en regional planstrategi"))


def test_floors_only_rise():
    t = load_thresholds()
    for metric, floor in AGREED_FLOORS.items():
        assert t["floors"][metric] >= floor, metric
    for metric, ceiling in AGREED_CEILINGS.items():
        assert t["ceilings"][metric] <= ceiling, metric
    for metric, floor in AGREED_PER_KIND.items():
        assert t["floors_per_kind"][metric] >= floor, metric
