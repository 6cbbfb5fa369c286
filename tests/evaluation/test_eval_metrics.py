"""The metric definitions on tiny hand-made examples."""
from __future__ import annotations

import pytest

from assistant.evaluation import metrics as m
from assistant.models import Answer, Citation, Segment

PASSAGE = "Fylkeskommunen kan ta flere roller.\n- Tilby analyser av regionens ressurser\n- Ta sjanser ved å prioritere"


def _answer(segments, citations, refused=False, text="") -> Answer:
    return Answer(answer=text or " ".join(s.text for s in segments), segments=segments, citations=citations,
                  refused=refused)


def _cite(n=1, text=PASSAGE, section="Roller") -> Citation:
    return Citation(n=n, doc_id="d", title="t", authority="a", section=section, text=text)


def test_containment_normalises_case_punctuation_and_line_breaks():
    assert m.contains("Tilby  ANALYSER av\nregionens ressurser.", "tilby analyser av regionens")
    assert m.contains("nærings-\nlivet er viktig", "næringslivet")
    assert not m.contains("Tilby analyser", "analyser av regionens")
    assert not m.contains("any text", "   ")


def test_evidence_rank_is_one_based_and_none_when_missing():
    texts = ["ingenting her", "noe om Regionens ressurser", "regionens ressurser igjen"]
    assert m.evidence_rank(texts, ["finnes ikke", "regionens ressurser"]) == 2
    assert m.evidence_rank(texts, ["finnes ikke"]) is None


def test_extractive_faithfulness_counts_only_cited_sentences():
    segs = [Segment(text="Dette står i kildene:", cite=None, kind="lead"),
            Segment(text="Tilby analyser av regionens ressurser", cite=1, kind="item"),
            Segment(text="Ta sjanser uten å prioritere", cite=1, kind="item")]
    assert m.faithfulness_counts(_answer(segs, [_cite()])) == (1, 2)
    assert m.faithfulness_counts(_answer(segs[:2], [_cite()])) == (1, 1)
    assert m.faithfulness_counts(_answer(segs, [_cite()], refused=True)) == (0, 0)


def test_a_sentence_citing_a_missing_source_is_unsupported():
    segs = [Segment(text="Tilby analyser av regionens ressurser", cite=2)]
    assert m.faithfulness_counts(_answer(segs, [_cite(1)])) == (0, 1)


def test_generated_answers_are_split_at_citation_markers():
    answer = Answer(answer="Fylket kan tilby analyser av ressursene [1]. Det koster 480 milliarder [1]", citations=[_cite()])
    claims = m.cited_sentences(answer)
    assert [ns for _, ns in claims] == [[1], [1]]
    assert m.faithfulness_counts(answer, m.supported_generated) == (1, 2)


def test_generated_support_needs_overlap_and_every_number():
    passage = "Det offentlige kjøper varer og tjenester for nesten 480 milliarder kroner i året."
    assert m.supported_generated("Det offentlige kjøper tjenester for 480 milliarder kroner", passage)
    assert not m.supported_generated("Det offentlige kjøper tjenester for 580 milliarder kroner", passage)
    assert not m.supported_generated("Kommunene bygger veier og skoler i distriktene", passage)


def test_citation_precision_strict_and_loose():
    segs = [Segment(text="Tilby analyser av regionens ressurser", cite=1, kind="item")]
    other = _cite(2, text="Noe helt annet om fisk.", section="Havbruk")
    answer = _answer(segs, [_cite(1), other])
    assert m.citation_precise(answer.citations[0], ["Ta sjanser ved"], [])
    assert m.citation_precise(answer.citations[0], ["finnes ikke"], ["Roller"])  # section counts
    assert not m.citation_precise(other, ["Ta sjanser ved"], ["regionens ressurser"])
    assert m.citation_supports(answer.citations[0], answer)
    assert not m.citation_supports(other, answer)  # no sentence uses it


def test_fact_recall():
    assert m.fact_recall("Tilby analyser av regionens ressurser", ["tilby analyser", "ta sjanser"]) == 0.5
    assert m.fact_recall("x", []) is None


def test_percentile_interpolates():
    assert m.percentile([], 50) is None
    assert m.percentile([10], 95) == 10
    assert m.percentile([1, 2, 3, 4], 50) == 2.5
    assert m.percentile(list(range(1, 101)), 95) == pytest.approx(95.05)


def _o(kind="factual", refuse=False, refused=False, rank=1, **kw) -> m.Outcome:
    return m.Outcome(id=kind, kind=kind, lang=kw.pop("lang", "nb"), refuse=refuse, refused=refused, rank=rank, **kw)


def test_aggregate_retrieval_citation_and_refusal_metrics():
    outcomes = [
        _o(rank=1, precise=[True, False], supports=[True, True], evidence_cited=True, faithful=(2, 2), facts=1.0),
        _o(rank=3, precise=[True], supports=[True], evidence_cited=True, faithful=(1, 1), facts=0.5),
        _o(rank=None, refused=True, facts=1.0),  # a false refusal scores no facts
        _o(rank=7, precise=[False], supports=[False], faithful=(0, 1), facts=0.0),
        _o("out_of_scope", refuse=True, refused=True, rank=None),
        _o("injection", refuse=True, refused=False, rank=None, precise=[False], faithful=(1, 1)),
    ]
    a = m.aggregate(outcomes)
    assert a["n"] == 6 and a["answerable"] == 4
    assert a["hit@1"] == 0.25 and a["hit@5"] == 0.5
    assert a["mrr"] == pytest.approx((1 + 1 / 3 + 0 + 1 / 7) / 4)
    assert a["citation_precision"] == 0.5  # answered answerable items only: 2 of 4 citations
    assert a["citation_support"] == 0.75
    assert a["citation_recall"] == 0.5
    assert a["faithfulness"] == 4 / 5
    assert a["fact_recall"] == pytest.approx((1 + 0.5 + 0 + 0) / 4)
    assert a["refusal_recall"] == 0.5
    assert a["refusal_precision"] == 0.5  # one true and one false refusal
    assert a["false_refusal_rate"] == 0.25
    counts = a["counts"]
    assert counts["hit@5"] == [2, 4] and counts["citation_precision"] == [2, 4] and counts["faithfulness"] == [4, 5]
    assert counts["refusal_recall"] == [1, 2] and counts["false_refusal_rate"] == [1, 4]
    for metric, (k, n) in counts.items():
        assert a[metric] == (pytest.approx(k / n) if n else None), metric


def test_interval_is_the_wilson_interval_and_narrows_with_more_items():
    low, high = m.interval(173, 183)
    assert (round(low, 3), round(high, 3)) == (0.902, 0.970)  # Wilson, not the normal approximation
    assert m.interval(10, 10)[1] == pytest.approx(1.0) and m.interval(10, 10)[0] < 0.75
    assert m.interval(0, 0) is None
    small, large = m.interval(9, 10), m.interval(90, 100)
    assert small[0] < large[0] < 0.9 < large[1] < small[1]


def test_metrics_without_items_are_none():
    a = m.aggregate([_o("out_of_scope", refuse=True, refused=True, rank=None)])
    assert a["hit@5"] is None and a["false_refusal_rate"] is None and a["refusal_recall"] == 1.0
    b = m.breakdown([_o(), _o("swedish", lang="sv")])
    assert set(b["by_kind"]) == {"factual", "swedish"} and set(b["by_lang"]) == {"nb", "sv"}


def test_calibration_maximises_recall_within_the_false_refusal_limit():
    answerable = [(False, 0.9 + i / 100, False) for i in range(20)]  # 0.90 … 1.09
    refusable = [(True, 0.80, False), (True, 0.85, False), (True, 0.905, False), (True, 0.95, False),
                 (True, None, True)]
    result = m.calibrate_threshold(answerable + refusable)
    # 0.9075 refuses 0.80, 0.85, 0.905 and one answerable item (1/20 = 0.05); 0.95 would cost 6/20.
    assert result["threshold"] == pytest.approx(0.9075)
    assert result["refusal_recall"] == 0.8
    assert result["false_refusal_rate"] == 0.05


def test_calibration_picks_the_lowest_threshold_among_equals():
    points = [(False, 0.9, False), (False, 0.95, False), (True, 0.5, False)]
    assert m.calibrate_threshold(points, 0.0)["threshold"] == pytest.approx(0.7)
