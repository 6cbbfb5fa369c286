"""Ingestion: source file → cleaned, structured, chunked passages; overlap between documents removed.

    read_raw (readers) → clean_lines (clean) → parse_blocks/assign_sections (structure)
    → chunk_blocks (chunk) → drop_duplicates (here)
"""
from __future__ import annotations

import re

from ..corpus import SourceFile
from ..models import DocumentInfo, Passage
from ..text import detect_language, split_sentences
from .chunk import chunk_blocks, separate_instructions
from .clean import Line, clean_line, clean_lines, clean_text, footnote_marks, normalize
from .flags import addresses_assistant
from .pages import page_of
from .readers import read_raw
from .structure import assign_sections, parse_blocks

__all__ = ["addresses_assistant", "clean_text", "drop_duplicates", "footnote_marks", "ingest_source", "normalize",
           "page_of"]
TITLE_CHARS = 120


def _title(lines, fallback: str) -> str:
    """A document's title from its first line of text: without markdown or list marks, cut at a word."""
    first = next((ln.text for ln in lines if ln.text.strip("#- ").strip()), fallback)
    first = first.lstrip("#").strip().removeprefix("- ").strip() or fallback
    if len(first) > TITLE_CHARS:
        first = first[:TITLE_CHARS].rsplit(" ", 1)[0].rstrip(",;:") + " …"
    return first


def ingest_source(source: SourceFile, notes: list[str] | None = None) -> tuple[DocumentInfo, list[Passage], str]:
    """Read, clean and chunk one file. Returns the completed info, its passages and its clean text;
    what the reader has to say about a file it could read is appended to `notes`.

    Sentences that address the assistant (`addresses_assistant`) become passages of their own,
    kept but `flagged`; the sentences around them stay answerable."""
    meta: dict = {}
    raw = read_raw(source.path, notes, meta)
    slides = source.info.kind == "slides"
    lines = clean_lines(raw, slides=slides)
    text = "\n".join(ln.text for ln in lines)
    info = source.info
    updates = {}
    if not info.language:
        updates["language"] = detect_language(text[:3000])
    front_title = meta.get("title") if isinstance(meta.get("title"), (str, int, float)) else None
    front_title = " ".join(str(front_title or "").split())
    if not info.title and front_title and not addresses_assistant(front_title):
        updates["title"] = _title([Line(clean_line(front_title))], source.path.stem)
    elif not info.title:
        rows = {clean_line(r) for r in meta.get("table rows", [])}
        updates["title"] = _title([ln for ln in lines if not addresses_assistant(ln.text)
                                   and ln.text.removeprefix("- ") not in rows], source.path.stem)
    elif footnote_marks(info.title) != info.title:
        updates["title"] = footnote_marks(info.title)
    if updates:
        info = info.model_copy(update=updates)
    markdown = source.path.suffix.lower() == ".md"
    blocks = separate_instructions(assign_sections(parse_blocks(lines, slides=slides, markdown=markdown)))
    passages = chunk_blocks(blocks, info.id, info.language)
    if slides or markdown:
        # the title names an untitled section, unless it is that section's first line of text
        passages = [p if p.section or p.text.split("\n", 1)[0] == info.title
                    else p.model_copy(update={"section": (info.title,)}) for p in passages]
    passages = [p for p in passages if re.search(r"\w", p.text)]  # "-", "…": nothing to search or quote
    # what `separate_instructions` could not pin to its own sentences (a heading, or an address and an
    # order in two sentences) flags the whole passage
    passages = [p.model_copy(update={"flagged": True}) if addresses_assistant(p.text) else p for p in passages]
    return info, passages, text


def drop_duplicates(docs: list[tuple[DocumentInfo, list[Passage], str]]) -> tuple[list[Passage], dict[str, str]]:
    """Remove passages whose text stands in a fuller document, so one text is cited once.

    A passage is a duplicate when most of its sentences occur in a longer document's text;
    the longer document is kept as canonical. Returns the kept passages and, per dropped
    passage id, the id of the document that holds its text.
    """
    norm = {info.id: normalize(text) for info, _, text in docs}
    by_length = sorted(norm, key=lambda d: len(norm[d]), reverse=True)
    kept: list[Passage] = []
    dropped: dict[str, str] = {}
    for info, passages, _ in docs:
        fuller = [d for d in by_length if len(norm[d]) > len(norm[info.id]) and d != info.id]
        for p in passages:
            holder = _holder(_body(p), fuller, norm)
            if holder:
                dropped[p.id] = holder
            else:
                kept.append(p)
    return kept, dropped


def _body(p: Passage) -> str:
    """The passage without its heading line: two documents may share a title, not text."""
    lines = p.text.split("\n")
    return "\n".join(lines[1:] if p.section and lines[0] == p.section[-1] else lines)


def _holder(text: str, candidates: list[str], norm: dict[str, str]) -> str | None:
    sentences = [normalize(s) for line in text.split("\n") for s in split_sentences(line)]
    sentences = [s for s in sentences if len(s) >= 40]
    if not sentences:
        return None  # too little text to call it a copy
    for doc_id in candidates:
        found = sum(1 for s in sentences if s in norm[doc_id])
        if found / len(sentences) >= 0.8:
            return doc_id
    return None
