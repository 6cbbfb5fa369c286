"""The page a quoted sentence is on.

A passage may run over a page break; its citation as a whole names the range ("3–4"). A quoted
sentence names the page it is on, from the passage's `page_breaks`: (offset, page) where each
run of text on one known page starts. Without them (pages guessed from footers, or no pages)
the passage's own label is all there is.
"""
from __future__ import annotations

import re

from ..models import Passage


def _span(text: str, sentence: str) -> tuple[int, int] | None:
    sentence = sentence.strip()
    if not sentence:
        return None
    i = text.find(sentence)
    if i >= 0:
        return i, i + len(sentence)
    m = re.search(r"\s+".join(re.escape(w) for w in sentence.split()), text)
    return (m.start(), m.end()) if m else None


def _page_at(p: Passage, offset: int) -> int | None:
    page = p.page
    for start, number in p.page_breaks:
        if start > offset:
            break
        page = number
    return page


def page_of(passage: Passage, *sentences: str) -> str | None:
    """The page label for these sentences of the passage: "4" when they are on page 4, "3–4" when
    they run from page 3 to 4, the passage's own label when the sentences are not found in it
    or its pages are not known exactly.

    >>> p = Passage(id="d:0", doc_id="d", text="Første side. Andre side.", page=3, page_end=4,
    ...             page_breaks=((0, 3), (13, 4)))
    >>> page_of(p, "Andre side."), page_of(p, "Første side."), page_of(p, "Første side.", "Andre side.")
    ('4', '3', '3–4')
    """
    if not passage.page_breaks:
        return passage.page_label
    pages: list[int] = []
    for sentence in sentences:
        span = _span(passage.text, sentence)
        if span is None:
            return passage.page_label
        pages += [x for x in (_page_at(passage, span[0]), _page_at(passage, span[1] - 1)) if x is not None]
    if not pages:
        return None
    low, high = min(pages), max(pages)
    return str(low) if low == high else f"{low}–{high}"
