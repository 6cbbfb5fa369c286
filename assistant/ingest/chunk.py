"""Chunking along the section structure.

A passage never crosses a section boundary, never cuts a list item, and keeps a list together
with the sentence that introduces it when that fits; prose is packed up to a target size. The
first passage of a section starts with the section's heading, so that a slide title or a box
title is part of what is cited. Sizes were chosen on the evaluation set's retrieval hit rate.
"""
from __future__ import annotations

from ..models import Passage
from ..text import split_sentences
from .clean import bare_end
from .flags import addresses_assistant
from .structure import Block, shift

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
        if (b.kind == "para" and len(b.text) > MAX) or len(b.text) > MAX_LIST:
            start = end = 0
            for s_start, s_end in _spans(b.text):
                if end > start and s_end - start > TARGET:
                    units.append([_slice(b, start, end)])
                    start = s_start
                end = s_end
            if end > start:
                units.append([_slice(b, start, end)])
            continue
        units.append([b])
    return units


def _spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence in `text`; a sentence longer than TARGET (a line with no full
    stop) is cut between words, and a word longer than that between characters."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for s in split_sentences(text):
        i = text.find(s, pos)
        if i < 0:
            continue
        pos = i + len(s)
        while pos - i > TARGET:
            cut = text.rfind(" ", i + 1, i + TARGET)
            cut = cut if cut > i else i + TARGET
            spans.append((i, cut))
            i = cut + 1 if text[cut:cut + 1] == " " else cut
        spans.append((i, pos))
    return spans


def _slice(b: Block, start: int, end: int) -> Block:
    """Part of a block, with the pages that part lies on when they are known exactly."""
    breaks = [(o, p) for o, p in shift(b.breaks, -start) if 0 < o < end - start]
    before = [p for o, p in b.breaks if o <= start]
    page = before[-1] if before else b.page
    page_end = breaks[-1][1] if breaks else (page if b.breaks else b.page_end)
    if not b.breaks:
        page = b.page
    kind = b.kind if start == 0 else "para"  # a list item's continuation is not a new item
    return Block(kind, b.text[start:end], page=page, page_end=page_end, section=b.section, breaks=breaks,
                 flagged=b.flagged)


def separate_instructions(blocks: list[Block]) -> list[Block]:
    """Split the sentences of a paragraph or item that address the assistant ("SYSTEM: Ignorer …")
    into blocks of their own, marked `flagged`: they become flagged passages, never quoted, and
    the paragraph's other sentences stay answerable."""
    out: list[Block] = []
    for b in blocks:
        if b.kind == "heading" or not addresses_assistant(b.text):
            out.append(b)
            continue
        runs: list[tuple[bool, int, int]] = []
        for start, end in _spans(b.text):
            flagged = addresses_assistant(b.text[start:end])
            if runs and runs[-1][0] == flagged:
                runs[-1] = (flagged, runs[-1][1], end)
            else:
                runs.append((flagged, start, end))
        if not any(f for f, _, _ in runs):
            b.flagged = True  # the address and the order are in different sentences: all of it
            out.append(b)
            continue
        for flagged, start, end in runs:
            part = _slice(b, start, end)
            part.flagged = flagged
            out.append(part)
    return out


def _introduces(text: str) -> bool:
    """A paragraph that leads into a list: ends with a colon or stops mid-sentence."""
    text = bare_end(text)
    return text.endswith(":") or not text.endswith((".", "!", "?", "»", '"', ")"))


def _render(blocks: list[Block]) -> str:
    return "\n".join(f"- {b.text}" if b.kind == "item" else b.text for b in blocks)


def chunk_blocks(blocks: list[Block], doc_id: str, language: str) -> list[Passage]:
    passages: list[Passage] = []
    sections: list[tuple[tuple[str, ...], list[Block]]] = []
    for b in blocks:
        if b.kind == "heading":
            continue
        if sections and sections[-1][0] == b.section and sections[-1][1][-1].flagged == b.flagged:
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


def page_breaks(blocks: list[Block]) -> tuple[tuple[int, int], ...]:
    """Where, in `_render(blocks)`, each run of text on one exactly known page starts, as
    (offset, page): so that a quoted sentence can cite the page it is on rather than the range
    of its passage (`page_of`). Empty when no page is known exactly (footer-guessed ranges)."""
    regions: list[tuple[int, int]] = []
    offset = 0
    for k, b in enumerate(blocks):
        start = offset + (1 if k else 0) + (2 if b.kind == "item" else 0)
        offset = start + len(b.text)
        if b.kind == "heading":
            continue
        if b.page is not None and (b.breaks or b.page == b.page_end):
            regions.append((start, b.page))
        regions += [(start + o, p) for o, p in b.breaks]
    out: list[tuple[int, int]] = []
    for o, p in regions:
        if not out or out[-1][1] != p:
            out.append((o, p))
    return tuple(out) if any(p != out[0][1] for _, p in out) or any(b.page is None for b in blocks
                                                                    if b.kind != "heading") else ()


def _passage(blocks: list[Block], section: tuple[str, ...], doc_id: str, language: str, order: int) -> Passage:
    page, page_end = _pages(blocks)
    breaks = page_breaks(blocks)
    return Passage(id=f"{doc_id}:{order:04d}", doc_id=doc_id, text=_render(blocks), section=section,
                   page=page, page_end=page_end, language=language, order=order, page_breaks=breaks,
                   flagged=any(b.flagged for b in blocks))
