"""What a question says about where to look, as opposed to what it asks.

"… enligt Reglabs lärpass" and "… i Norra Mellansverige-prosjektet" name a
source. Retrieval searches the named document's passages first, with the rest of the question;
answering leaves the name out when it chooses a sentence, since the lines that repeat a name are
no answer to what was asked about it.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from dataclasses import dataclass

from .ingest.clean import normalize
from .text import LANGS, content_terms

SOURCE_FRAME_RE = re.compile(
    r"(?:,\s*)?\b(?:enligt|ifølge|i følge|according to)\s+(?:den |det |the )?(?:\w+ )?"
    r"(?:veileder\w*|vägledning\w*|guide|lärpass\w*|presentation\w*|presentasjon\w*|materialet|materialen|"
    r"material|kildene|källorna|sources)\b", re.I)
FRAME_NOUN_RE = re.compile(r"(?:prosjekt|projekt|project)\w*", re.I)  # "prosjektet X", "the X project"
WORD_RE = re.compile(r"[0-9A-Za-zÆØÅÄÖÉÜæøåäöéü§]+")


@dataclass(frozen=True)
class NamedSource:
    """A phrase a question quotes from one document's title, and the question without it (the
    whole question when no content word would remain: "Hva er Havbruk i Nordkalotten?")."""

    phrase: str  # normalised, from its first content word to its last
    rest: str


def without_source_frame(query: str) -> str:
    """"… enligt den norska vägledningen" says where to look, which retrieval has used; left in,
    it draws the choice of sentence towards lines about the guide itself."""
    return _tidy(SOURCE_FRAME_RE.sub(" ", query)) or query


def _tidy(text: str) -> str:
    """A question with a phrase cut out: single spaces, none before punctuation, no stray comma."""
    return re.sub(r"\s+([?.,!])", r"\1", re.sub(r"\s+", " ", text)).strip(" ,")


def named_source(query: str, titles: Sequence[str]) -> NamedSource | None:
    """The longest phrase of the question quoted from exactly one title that holds a word the
    other titles lack ("Norra Mellansverige", not "smart spesialisering", nor the one word
    "Troms", which is a place before it is a name). "prosjektet" next to it goes with it.

    Kept for the last questions: one answer asks it of the same question up to four times, and
    with hundreds of documents each time compares every phrase of the question with every title."""
    return _named_source(query, tuple(titles))


@lru_cache(maxsize=1024)
def _named_source(query: str, titles: tuple[str, ...]) -> NamedSource | None:
    words = list(WORD_RE.finditer(query))
    normed = [normalize(t) for t in titles]
    shared = [set(t.split()) for t in normed]
    longest = max((len(t.split()) for t in normed), default=0)  # no phrase is longer than a title
    best: tuple[int, int] | None = None
    for i in range(len(words)):
        for j in range(min(len(words), i + longest), i + 1, -1):
            phrase = " ".join(w.group().lower() for w in words[i:j])
            owners = [k for k, t in enumerate(normed) if f" {phrase} " in f" {t} "]
            if len(owners) != 1 or len(content_terms(phrase)) < 2:
                continue
            others = set().union(*(shared[k] for k in range(len(normed)) if k != owners[0]))
            if set(phrase.split()) - others and (best is None or j - i > best[1] - best[0]):
                best = (i, j)
            break
    if best is None:
        return _framed_source(query, shared)
    start, end = best
    core = [w.group() for w in words[start:end]]
    while not content_terms(core[0]):
        core.pop(0)  # "i Norra Mellansverige" is quoted from one title; the guide writes "i region Norra …"
    while not content_terms(core[-1]):
        core.pop()
    phrase = normalize(" ".join(core))
    if start > 0 and FRAME_NOUN_RE.fullmatch(words[start - 1].group()):
        start -= 1
    if end < len(words) and FRAME_NOUN_RE.fullmatch(words[end].group()):
        end += 1
    rest = query[: words[start].start()] + query[words[end - 1].end():]
    return NamedSource(phrase=phrase, rest=_tidy(rest) if content_terms(rest, LANGS) else query)


def _framed_source(query: str, title_words: list[set[str]]) -> NamedSource | None:
    """A source frame that names one document by a word of its title ("enligt Reglabs lärpass");
    "ifølge veilederen" names none where two titles say "veileder"."""
    frame = SOURCE_FRAME_RE.search(query)
    if not frame:
        return None
    for word in WORD_RE.findall(frame.group().lower()):
        found = [(k, w) for k, words in enumerate(title_words) for w in words
                 if len(w) >= 4 and word.startswith(w)]
        if len({k for k, _ in found}) == 1:
            return NamedSource(phrase=found[0][1], rest=without_source_frame(query))
    return None


def without_title_phrase(query: str, titles: list[str]) -> str:
    """The question without the document name it quotes, if any (see `named_source`)."""
    named = named_source(query, titles)
    return named.rest if named else query
