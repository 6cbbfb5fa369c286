"""Chunking along the section structure.

A passage never crosses a section boundary, never cuts a list item, and keeps a list together
with the sentence that introduces it when that fits; prose is packed up to a target size. The
first passage of a section starts with the section's heading, so that a slide title or a box
title is part of what is cited. Sizes were chosen on the evaluation set's retrieval hit rate.
"""
from __future__ import annotations

from ..models import Passage
from ..text import split_sentences
from .structure import Block

TARGET = 1000
MAX = 1500
MAX_LIST = 2000
MIN_TAIL = 250  # a shorter last piece of a section joins the piece before it


def _pages(blocks: list[Block]) -> tuple[int | None, int | None]:
    blocks = [b for b in blocks if b.kind != "heading"]
    if not blocks or any(b.page is None for b in blocks):
        return None, None
    ends = [b.page_end for b in blocks]
    return min(b.page for b in blocks), (None if None in ends else max(ends))


def _units(blocks: list[Block]) -> list[list[Block]]:
    """Indivisible units: a paragraph, or an introducing paragraph with its list (split if long)."""
    units: list[list[Block]] = []
    for b in blocks:
        if b.kind == "item" and units and (units[-1][-1].kind == "item" or _introduces(units[-1][-1].text)):
            if sum(len(x.text) for x in units[-1]) + len(b.text) <= MAX_LIST:
                units[-1].append(b)
                continue
        if b.kind == "para" and len(b.text) > MAX:
            sentences = split_sentences(b.text)
            cur = ""
            for s in sentences:
                if cur and len(cur) + len(s) > TARGET:
                    units.append([Block("para", cur, page=b.page, page_end=b.page_end, section=b.section)])
                    cur = ""
                cur = f"{cur} {s}".strip()
            if cur:
                units.append([Block("para", cur, page=b.page, page_end=b.page_end, section=b.section)])
            continue
        units.append([b])
    return units


def _introduces(text: str) -> bool:
    """A paragraph that leads into a list: ends with a colon or stops mid-sentence."""
    return text.endswith(":") or not text.endswith((".", "!", "?", "»", '"', ")"))


def _render(blocks: list[Block]) -> str:
    return "\n".join(f"- {b.text}" if b.kind == "item" else b.text for b in blocks)


def chunk_blocks(blocks: list[Block], doc_id: str, language: str) -> list[Passage]:
    passages: list[Passage] = []
    sections: list[tuple[tuple[str, ...], list[Block]]] = []
    for b in blocks:
        if b.kind == "heading":
            continue
        if sections and sections[-1][0] == b.section:
            sections[-1][1].append(b)
        else:
            sections.append((b.section, [b]))
    for section, body in sections:
        pieces: list[list[Block]] = []
        current: list[Block] = [Block("heading", section[-1])] if section else []
        for unit in _units(body):
            size = len(_render(current)) + len(_render(unit))
            unit_is_list = any(b.kind == "item" for b in unit)
            has_body = any(b.kind != "heading" for b in current)
            if has_body and (size > MAX or (len(_render(current)) >= TARGET) or unit_is_list and size > TARGET):
                pieces.append(current)
                current = []
            current.extend(unit)
        if current:
            pieces.append(current)
        if len(pieces) > 1 and len(_render(pieces[-1])) < MIN_TAIL:
            tail = pieces.pop()
            pieces[-1] += tail  # a sentence or two cut off from their context answer little alone
        passages += [_passage(piece, section, doc_id, language, len(passages) + i) for i, piece in enumerate(pieces)]
    return passages


def _passage(blocks: list[Block], section: tuple[str, ...], doc_id: str, language: str, order: int) -> Passage:
    page, page_end = _pages(blocks)
    return Passage(id=f"{doc_id}:{order:04d}", doc_id=doc_id, text=_render(blocks), section=section,
                   page=page, page_end=page_end, language=language, order=order)
