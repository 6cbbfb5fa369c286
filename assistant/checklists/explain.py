"""«Forklar»: why a checklist item matters, quoted from the guide text around it.

The guide's checklists are lists of questions at the end of a section; asking the assistant the
item's own words mostly finds the list and quotes the item back. Here the explanation is drawn
from the item's section (and its subsections) in the corpus, leaving out the checklist's own
questions, and ranked by meaning against the item:

1. candidate passages: the item's section in its document, or a section of the same name in
   another document (an excerpt of the guide), widened to its subsections when that gives too
   little; a retrieval over the corpus when the section is not indexed at all;
2. candidate sentences: statements of some length that are not one of the checklist's items,
   lead-ins or help texts (nor close to one), from passages not flagged as instructions;
3. the sentences closest to the item (embedding cosine), at most three, in reading order, each
   cited like a chat answer (same `Answer`, `Citation` and `Segment` records).

Only the Assistant's public surface is used: `documents`, `passages`, `retrieve`, `embedder`.
"""
from __future__ import annotations

import re
from typing import Protocol

import numpy as np

from ..embedders import Embedder
from ..models import Answer, Citation, DocumentInfo, Hit, Passage, Segment
from ..ingest.pages import page_of
from ..text import split_sentences
from .models import Checklist, ChecklistItem


class Corpus(Protocol):
    """What an explanation reads: the core `Assistant` satisfies it. Declared here, not imported
    from the core, so the checklists never depend on the answering pipeline (the core routes a
    checklist request to this package, never the reverse)."""

    embedder: Embedder

    def documents(self) -> list[DocumentInfo]: ...

    def passages(self, doc_id: str | None = None) -> list[Passage]: ...

    def retrieve(self, query: str, k: int | None = None) -> list[Hit]: ...

MAX_SENTENCES = 3
MIN_WORDS = 6
MAX_WORDS = 60
MAX_CANDIDATES = 160
ENOUGH = 4  # candidate sentences in the item's own section before widening to subsections
CLOSE_TO = 0.06  # keep sentences within this cosine of the best one

LEADS = {
    "nb": "Veilederen sier dette rundt punktet:",
    "sv": "Vägledningen säger detta kring punkten:",
    "en": "The guide says this around the item:",
}
NOTHING = {
    "nb": "Veilederen sier ikke mer om dette punktet enn punktet selv.",
    "sv": "Vägledningen säger inte mer om den här punkten än punkten själv.",
    "en": "The guide says no more about this item than the item itself.",
}
_WORD = re.compile(r"\w+", re.UNICODE)


def _words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text) if len(w) > 2}


def _leaf(section: str) -> str:
    return section.split(" › ")[-1].strip().casefold()


class _Texts:
    """The checklist's own words (items, help texts, lead-ins): an explanation never repeats them."""

    def __init__(self, checklist: Checklist | None, item: ChecklistItem):
        texts = [item.text, item.help or ""]
        if checklist is not None:
            texts += [i.text for i in checklist.items] + [i.help or "" for i in checklist.items]
            texts += [g.intro or "" for g in checklist.groups]
        self.sets = [w for w in (_words(t) for t in texts if t) if w]

    def repeats(self, sentence: str) -> bool:
        words = _words(sentence)
        if not words:
            return True
        return any(len(words & other) / min(len(words), len(other)) >= 0.6 for other in self.sets)


def _sections(assistant: Corpus, item: ChecklistItem) -> tuple[list[Passage], list[Passage]]:
    """Passages of the item's own section (same path, or the same section name in another
    document), and of its subsections."""
    section = item.source.section
    leaf = _leaf(section)
    own: list[Passage] = []
    below: list[Passage] = []
    doc_ids = [d.id for d in assistant.documents()]
    doc_ids.sort(key=lambda d: d != item.source.doc_id)
    for doc_id in doc_ids:
        for p in assistant.passages(doc_id):
            if p.flagged:
                continue
            path = p.section_path
            if path == section or (p.section and _leaf(path) == leaf):
                own.append(p)
            elif path.startswith(section + " › "):
                below.append(p)
    return own, below


def _candidates(passages: list[Passage], texts: _Texts) -> list[tuple[Passage, int, str]]:
    """Statements of MIN_WORDS to MAX_WORDS words, one line at a time (slides and lists keep
    their bullets apart), that do not repeat the checklist."""
    out = []
    for p in passages:
        i = 0
        for line in p.text.splitlines():
            for sentence in split_sentences(line.strip().lstrip("-•– ").strip()):
                i += 1
                n = len(sentence.split())
                if (sentence.endswith("?") or not MIN_WORDS <= n <= MAX_WORDS or sentence[-1:] not in ".!:;»)"
                        or not (sentence[:1].isupper() or sentence[:1].isdigit()) or texts.repeats(sentence)):
                    continue
                out.append((p, i, sentence))
    return out


def explain_item(item: ChecklistItem, assistant: Corpus, checklist: Checklist | None = None,
                 lang: str = "nb") -> Answer:
    """The explanation as a cited `Answer` (refused, with a fixed sentence, when the guide has
    nothing around the item but the item itself)."""
    lang = lang if lang in LEADS else "nb"
    texts = _Texts(checklist, item)
    own, below = _sections(assistant, item)
    candidates = _candidates(own, texts)
    if len(candidates) < ENOUGH:
        candidates += _candidates(below, texts)
    if not candidates:
        hits = assistant.retrieve(f"{item.source.section.split(' › ')[-1]} {item.explain_query}", k=8)
        candidates = _candidates([h.passage for h in hits if not h.passage.flagged], texts)
    if not candidates:
        return Answer(answer=NOTHING[lang], refused=True, language=lang, query=item.text,
                      segments=[Segment(text=NOTHING[lang], kind="lead")])
    if len(candidates) > MAX_CANDIDATES:  # keep the lexically closest before embedding
        query_words = _words(item.explain_query)
        candidates.sort(key=lambda c: -len(_words(c[2]) & query_words))
        candidates = candidates[:MAX_CANDIDATES]

    embedder = assistant.embedder
    query = np.asarray(embedder.embed_query(item.explain_query), dtype=float)
    vectors = np.asarray(embedder.embed_documents([c[2] for c in candidates]), dtype=float)
    scores = vectors @ query / (np.linalg.norm(vectors, axis=1) * np.linalg.norm(query) + 1e-9)
    order = np.argsort(-scores)
    best = float(scores[order[0]])
    chosen = [candidates[i] for i in order[:MAX_SENTENCES] if float(scores[i]) >= best - CLOSE_TO]
    chosen.sort(key=lambda c: (c[0].doc_id != item.source.doc_id, c[0].doc_id, c[0].order, c[1]))

    docs = {d.id: d for d in assistant.documents()}
    numbers: dict[str, int] = {}
    quotes: dict[str, list[str]] = {}
    segments = [Segment(text=LEADS[lang], kind="lead")]
    for passage, _, sentence in chosen:
        n = numbers.setdefault(passage.id, len(numbers) + 1)
        quotes.setdefault(passage.id, []).append(sentence)
        segments.append(Segment(text=sentence, cite=n, kind="sentence"))
    passages = {p.id: p for p, _, _ in chosen}
    citations = []
    for pid, n in numbers.items():
        p = passages[pid]
        doc = docs.get(p.doc_id)
        citations.append(Citation(
            n=n, doc_id=p.doc_id, title=doc.title if doc else p.doc_id, authority=doc.authority if doc else "",
            section=p.section_path, page=page_of(p, *quotes[pid]), text=p.text, passage_id=p.id, quotes=quotes[pid]))
    body = " ".join(f"{s.text} [{s.cite}]" for s in segments[1:])
    return Answer(answer=f"{LEADS[lang]}\n\n{body}", citations=citations, segments=segments, language=lang,
                  query=item.text)
