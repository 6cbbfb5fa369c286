"""The citation guard (assistant/generation/guard.py), its calibration data and the sentence buffer.

The guard runs on real corpus passages (ingested, no index) with the real e5 embedder."""
from __future__ import annotations

import json

import pytest

from assistant.config import PROJECT_ROOT
from assistant.generation.calibration import HELD_OUT_SHARE, corpus_passages, find_passage, load_pairs
from assistant.generation.guard import (CALIBRATION, CitationGuard, Source, markers, names_in, negated, negations,
                                        numbers_in)
from assistant.generation.streaming import SentenceBuffer

CORPUS = PROJECT_ROOT / "corpus"


@pytest.fixture(scope="module")
def passages():
    return corpus_passages(CORPUS)


@pytest.fixture(scope="module")
def guard():
    from assistant.embedders import get_embedder

    return CitationGuard(get_embedder("e5"))


def sources(guard, passages, *anchors):
    return {i: Source.of(i, find_passage(passages, doc, anchor), guard.embedder)
            for i, (doc, anchor) in enumerate(anchors, start=1)}


def test_pairs_are_enough_and_balanced(passages):
    pairs = load_pairs()
    assert len(pairs) >= 200
    adversarial = [p for p in pairs if not p.supported]
    assert abs(len(adversarial) - len(pairs) / 2) <= len(pairs) * 0.05
    assert {p.lang for p in pairs} == {"nb", "sv", "en"} and min(
        sum(p.lang == lang for p in pairs) for lang in ("nb", "sv", "en")) >= 40
    assert {p.kind for p in adversarial} == {"number", "year", "name", "negation", "added", "wrong_passage"}
    for p in pairs:
        find_passage(passages, p.doc, p.anchor)  # every anchor names exactly one passage
    groups = {p.group: p.split for p in pairs}
    held = sum(s == "held" for s in groups.values()) / len(groups)
    assert abs(held - HELD_OUT_SHARE) < 0.15  # no group is in both parts by construction


def test_calibration_is_recorded_with_held_out_precision_and_recall():
    data = json.loads(CALIBRATION.read_text(encoding="utf-8"))
    report = data["reports"]["e5"]
    assert data["thresholds"]["e5"] == report["thresholds"]
    assert report["held_out"]["n"] >= 60
    assert report["held_out"]["precision"] >= 0.9 and report["held_out"]["recall"] >= 0.75  # ratchet


def test_markers_numbers_names_negation():
    assert markers("Planen vedtas årlig [2]. ") == ("Planen vedtas årlig.", [2])
    assert markers("To kilder [1, 3][Kilde 2]") == ("To kilder", [1, 3, 2])
    assert markers("Planen vedtas årlig【1】【2】, se ［3］.") == ("Planen vedtas årlig, se.", [1, 2, 3])
    assert numbers_in("minst seks ukers frist (§ 8-3), 20 % i 2017") == {"6", "§8-3", "20", "2017"}
    assert "3" not in numbers_in("- 1. Organisering\n- 3. Visjon")
    assert names_in("The EU has a platform in Seville run by Vinnova.", "en") == ["EU", "Seville", "Vinnova"]
    assert names_in("Fylkeskommunen samarbeider med Innovasjon Norge.", "nb") == ["Innovasjon", "Norge"]
    assert negated("Det er ikke mulig") and not negated("ikke bare næringslivet, men også") and negated("It isn't")
    assert negations("Utviklingen er ikke aldri lineær") == 2  # a double negation is no paraphrase of one


def test_guard_verdicts(guard, passages):
    src = sources(guard, passages, ("veileder-2018", "Siemens skal investere 100 millioner kroner"),
                  ("veileder-2018", "Kaldt vann fra fjorden gir effektiv og billig kjøling"))
    ok = guard.check("Siemens will invest 100 million kroner in a new centre for batteries for boats [1].", src, "en")
    assert ok.supported and ok.passage == 1 and ok.score > 0.85 and ok.evidence.startswith("Siemens skal")
    assert guard.check("Siemens skal investere 250 millioner kroner i batterier til båter [1].", src, "nb").reason == "number"
    assert guard.check("Siemens will put researchers in Bergen in charge of new batteries [1].", src, "en").reason in (
        "name", "similarity")
    assert guard.check("Siemens skal investere 100 millioner kroner i batterier [7].", src, "nb").reason == "unknown_citation"
    wrong = guard.check("Kaldt vann fra fjorden gir effektiv og billig kjøling [1].", src, "nb")
    assert not wrong.supported and wrong.reason in ("wrong_citation", "similarity", "coverage")
    unmarked = guard.check("Kaldt vann fra fjorden gir effektiv og billig kjøling.", src, "nb")
    assert unmarked.supported and unmarked.passage == 2  # no marker: the passage that supports it
    assert guard.check("Kaldt vann fra fjorden gir ikke effektiv kjøling [2].", src, "nb").reason in (
        "negation", "similarity", "coverage")
    assert guard.check("Svar:", src, "nb").reason == "no_claim"
    # copied in the passage's language when the question was asked in another: not an answer in English
    assert guard.check("Kaldt vann fra fjorden gir effektiv og billig kjøling [2].", src, "en").reason == "language"
    assert guard.check("Cold water from the fjord gives efficient and cheap cooling [2].", src, "en").supported


def test_sentence_buffer_cuts_a_stream_at_sentence_ends():
    buffer, out = SentenceBuffer(), []
    text = ("Planprogrammet viser de store linjene. [1] Det gjør f.eks. rede for formålet [2]. The Sami "
            "text follows [3].\n- punkt én [1]\n- punkt to [2]\nSiste setning uten punktum")
    for i in range(0, len(text), 4):
        out += buffer.feed(text[i:i + 4])
    out += buffer.flush()
    assert out == [("Planprogrammet viser de store linjene [1].", "sentence"),
                   ("Det gjør f.eks. rede for formålet [2].", "sentence"), ("The Sami text follows [3].", "sentence"),
                   ("punkt én [1]", "item"), ("punkt to [2]", "item"), ("Siste setning uten punktum", "sentence")]


class ScriptedModel:
    """Streams a fixed text in small pieces, the last chunk saying why it stopped (as an OpenAI server does)."""

    def __init__(self, text: str, finish_reason: str):
        self.text, self.finish_reason = text, finish_reason

    def stream(self, messages):
        from langchain_core.messages import AIMessageChunk

        for i in range(0, len(self.text), 7):
            yield AIMessageChunk(content=self.text[i:i + 7])
        yield AIMessageChunk(content="", response_metadata={"finish_reason": self.finish_reason})


def test_echoed_headings_and_a_sentence_cut_by_the_token_limit_are_not_claims(guard, passages):
    from assistant.config import LLMSettings
    from assistant.generation.answerer import GenerativeAnswerer, heading
    from assistant.models import Answer, DocumentInfo, Segment, Trace

    used = [find_passage(passages, "veileder-2018", "Kaldt vann fra fjorden gir effektiv og billig kjøling")]
    documents = {used[0].doc_id: DocumentInfo(id=used[0].doc_id, title="Smart spesialisering – veileder")}
    head = heading(used[0], documents)
    extractive = Answer(answer="Sitat [1]", language="nb", query="Hvorfor ligger datasenteret ved fjorden?",
                        segments=[Segment(text="Sitat", cite=1)], trace=Trace())
    # a small model copying its prompt: the heading line, a true sentence, then one cut by the token limit
    text = f"[1] {head}:\nKaldt vann fra fjorden gir effektiv og billig kjøling.\n{head[:12]}"
    writer = GenerativeAnswerer(LLMSettings(backend="openai", base_url="http://127.0.0.1:9/v1"), guard.embedder,
                                model=ScriptedModel(text + " og datasenteret bruker 40 prosent mindre", "length"),
                                guard=guard)
    answer = writer.answer(extractive, used, documents)
    reasons = [v.reason for v in answer.trace.generation.sentences]
    assert reasons == ["echo", "echo", "", "truncated"]  # the heading is cut at «5. GJENNOMFØRING»
    assert answer.mode == "generative" and answer.answer.startswith("Kaldt vann fra fjorden")
    assert "40 prosent" not in answer.answer
    # the same text that ended by itself: the last sentence is the model's claim, and the guard refuses it
    writer.model = ScriptedModel(text + " og datasenteret bruker 40 prosent mindre strøm.", "stop")
    finished = writer.answer(extractive, used, documents)
    last = finished.trace.generation.sentences[-1]
    assert [v.reason for v in finished.trace.generation.sentences][:3] == ["echo", "echo", ""]
    assert last.text.endswith("mindre strøm.") and last.reason not in ("", "truncated", "echo")
    assert "40 prosent" not in finished.answer and finished.mode == "generative"
